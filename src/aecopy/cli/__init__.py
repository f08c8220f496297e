"""Thin entry points, one per pipeline rule: parse, load, call the library, write."""
