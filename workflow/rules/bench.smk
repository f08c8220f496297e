# Benchmarks: `snakemake bench` (not part of the default run); BENCH_FILES is filled by the rule files.


rule bench:
    input:
        BENCH_FILES,
