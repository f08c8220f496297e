# Benchmarks: `snakemake bench` (not part of the default run); BENCH_FILES is filled by the rule files.
# Every benchmark job takes all the cores Snakemake has (`threads: all_cores()`), so no two run at once
# and none shares the machine with a pipeline job; params' `threads` sets torch's threads inside.

BENCH_CODE = CORE_CODE + MODEL_CODE + code("bench.py", "benchmarks/loop.py")
# Every variant the default run trains (their share of the fp32 peak and the loop's options).
BENCH_LIMIT_VARIANTS = plan.trained_variants(P)
# torch.compile: a many-step matmul job, a conv job with BatchNorm, and the tiny-batch job of the most steps.
BENCH_COMPILE_VARIANTS = ("fc", "unet", "unet_bs1")
# Fused Adam's trajectory: the FC autoencoder (the optimizer step is the largest share of its step).
BENCH_ADAM_VARIANT = "fc"
# Two one-thread jobs vs one two-thread job: a small and a large training job (inversion and experiment
# jobs come from E2's and E7's variants).
BENCH_CONCURRENCY_TRAIN = ("unet", "unet_deep_wide")


# Per variant: its training images (and the manifest its labels come from, for the ViT).
TRAIN_DATA = {v: [paths.split(cfg["dataset"], "train")]
              + ([paths.manifest(cfg["dataset"])] if cfg["model"] == "vit" else []) for v, cfg in VARIANTS.items()}


rule bench:
    input:
        BENCH_FILES,
        paths.bench("limit"),
        paths.bench("compile"),
        paths.bench("adam"),
        paths.bench("concurrency"),
        paths.bench("pipeline"),


rule bench_limit:
    input:
        data=sorted({f for v in BENCH_LIMIT_VARIANTS for f in TRAIN_DATA[v]}),
        code=BENCH_CODE + code("cli/bench_limit.py", "benchmarks/limit.py"),
    output:
        paths.bench("limit"),
    params:
        name="bench_limit",
        p=reads("threads", *variant_keys(*BENCH_LIMIT_VARIANTS)),
        variants=" ".join(BENCH_LIMIT_VARIANTS),
    threads: all_cores()
    conda:
        "../envs/aecopy.yaml"
    log:
        paths.log("bench/limit"),
    shell:
        "python -m aecopy.cli.bench_limit --rule={params.name} --params {params.p:q} --variants {params.variants} "
        "--out {output} > {log} 2>&1"


rule bench_compile:
    input:
        data=sorted({f for v in BENCH_COMPILE_VARIANTS for f in TRAIN_DATA[v]}),
        code=BENCH_CODE + code("cli/bench_compile.py", "benchmarks/compile.py"),
    output:
        paths.bench("compile"),
    params:
        name="bench_compile",
        p=reads("threads", "seeds", *variant_keys(*BENCH_COMPILE_VARIANTS, seeds=True)),
        variants=" ".join(BENCH_COMPILE_VARIANTS),
    threads: all_cores()
    conda:
        "../envs/aecopy.yaml"
    log:
        paths.log("bench/compile"),
    shell:
        "python -m aecopy.cli.bench_compile --rule={params.name} --params {params.p:q} --variants {params.variants} "
        "--out {output} > {log} 2>&1"


rule bench_adam:
    input:
        data=[paths.split(VARIANTS[BENCH_ADAM_VARIANT]["dataset"], s) for s in ("train", "val")],
        code=BENCH_CODE + code("cli/bench_adam.py", "benchmarks/adam.py"),
    output:
        paths.bench("adam"),
    params:
        name="bench_adam",
        p=reads("threads", "seeds", *variant_keys(BENCH_ADAM_VARIANT, seeds=True)),
        variant=BENCH_ADAM_VARIANT,
    threads: all_cores()
    conda:
        "../envs/aecopy.yaml"
    log:
        paths.log("bench/adam"),
    shell:
        "python -m aecopy.cli.bench_adam --rule={params.name} --params {params.p:q} --variant {params.variant} "
        "--out {output} > {log} 2>&1"


BENCH_CONCURRENCY_MODELS = [*BENCH_CONCURRENCY_TRAIN, EXPERIMENTS["e2"]["variant"], EXPERIMENTS["e7"]["variants"][0]]


rule bench_concurrency:
    input:
        data=sorted({f for v in BENCH_CONCURRENCY_TRAIN for f in TRAIN_DATA[v]})
        + [paths.split(VARIANTS[EXPERIMENTS["e2"]["variant"]]["dataset"], "val")],
        code=BENCH_CODE + code("cli/bench_concurrency.py", "benchmarks/concurrency.py", "procedures/inversion.py",
                               "procedures/generate.py", "procedures/noise.py", "experiments/invert.py"),
    output:
        paths.bench("concurrency"),
    params:
        name="bench_concurrency",
        p=reads("threads", "experiments.inversion", "experiments.e2.variant", "experiments.e7.variants",
                *variant_keys(*dict.fromkeys(BENCH_CONCURRENCY_MODELS))),
        variants=" ".join(BENCH_CONCURRENCY_TRAIN),
    threads: all_cores()
    conda:
        "../envs/aecopy.yaml"
    log:
        paths.log("bench/concurrency"),
    shell:
        "python -m aecopy.cli.bench_concurrency --rule={params.name} --params {params.p:q} "
        "--train-variants {params.variants} --out {output} > {log} 2>&1"


rule bench_pipeline:
    input:
        rules.all.input,
    output:
        paths.bench("pipeline"),
    params:
        name="bench_pipeline",
        p=reads(),
    threads: all_cores()
    conda:
        "../envs/aecopy.yaml"
    log:
        paths.log("bench/pipeline"),
    shell:
        "python -m aecopy.cli.bench_pipeline --rule={params.name} --params {params.p:q} --out {output} > {log} 2>&1"
