"""Benchmarks behind `snakemake bench` and the prepared GPU check; the entry points are in cli/."""
