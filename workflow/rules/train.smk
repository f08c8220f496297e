# Training: one job per (variant, seed), on the GPU when present; resumable after a kill.

wildcard_constraints:
    variant="[A-Za-z0-9_-]+",
    seed="[0-9]+",


rule train:
    input:
        data=lambda w: plan.files(train_inputs(w)),
        code=CORE_CODE + MODEL_CODE + code("cli/train.py", "premise.py", "procedures/batches.py"),
    output:
        directory(paths.run_dir("{variant}", "{seed}")),
    params:
        name="train",
        p=lambda w: reads(*TORCH, *variant_keys(w.variant), "premise.images", *subset_keys(w.variant)),
        inputs=lambda w: plan.as_json(train_inputs(w)),
        launcher=LAUNCHER,
    threads: P["threads"]
    conda:
        "../envs/aecopy.yaml"
    benchmark:
        paths.job_benchmark("train/{variant}-seed{seed}"),
    log:
        paths.log("train/{variant}-seed{seed}"),
    resources:
        gpu=P["gpus"] if P["device"] != "cpu" else 0,
    shell:
        "{params.launcher} -m aecopy.cli.train --rule={params.name} --params {params.p:q} --inputs {params.inputs:q} "
        "--variant {wildcards.variant} --seed {wildcards.seed} --out-dir {output} > {log} 2>&1"


BENCH_TRAIN_VARIANTS = ("fc", "unet", "attn_unet")


rule bench_train:
    input:
        data=[paths.split(VARIANTS[v]["dataset"], "train") for v in BENCH_TRAIN_VARIANTS],
        code=CORE_CODE + MODEL_CODE + code("cli/bench_train.py", "benchmarks/train.py", "bench.py"),
    output:
        paths.bench("train"),
    params:
        name="bench_train",
        p=reads("threads", "embedded", "cache_dir", *variant_keys(*BENCH_TRAIN_VARIANTS)),
        variants=" ".join(BENCH_TRAIN_VARIANTS),
    threads: all_cores()  # a benchmark has the machine to itself
    conda:
        "../envs/aecopy.yaml"
    log:
        paths.log("bench/train"),
    shell:
        "python -m aecopy.cli.bench_train --rule={params.name} --params {params.p:q} --variants {params.variants} "
        "--out {output} > {log} 2>&1"


BENCH_FILES.append(rules.bench_train.output[0])
