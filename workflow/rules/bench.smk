# Benchmarks: `snakemake bench` (not part of the default run); BENCH_FILES is filled by the rule files.


rule bench:
    input:
        BENCH_FILES,
        paths.bench("pipeline"),


rule bench_pipeline:
    input:
        rules.all.input,
    output:
        paths.bench("pipeline"),
    conda:
        "../envs/aecopy.yaml"
    log:
        paths.log("bench/pipeline"),
    shell:
        "python -m aecopy.cli.bench_pipeline --out {output} > {log} 2>&1"
