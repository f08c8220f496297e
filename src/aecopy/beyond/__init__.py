"""Baselines beyond the post: what they train on (`objectives`)."""
