"""Reproduction of B. L. Badger's "Autoencoders: Learning by Copying" as a re-runnable pipeline."""

__version__ = "0.1.0"
