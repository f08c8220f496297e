# Benchmarks: `snakemake bench` (not part of the default run); BENCH_FILES is filled by the rule files.


rule bench:
    input:
        BENCH_FILES,
        "results/bench/pipeline.json",


rule bench_pipeline:
    input:
        rules.all.input,
    output:
        "results/bench/pipeline.json",
    conda:
        "../envs/aecopy.yaml"
    log:
        "logs/bench/pipeline.log",
    shell:
        "python -m aecopy.cli.bench_pipeline --out {output} > {log} 2>&1"
