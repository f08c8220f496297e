# Training: one job per (variant, seed), on the GPU when present; resumable after a kill.

wildcard_constraints:
    variant="[A-Za-z0-9_-]+",
    seed="[0-9]+",


rule train:
    input:
        data=variant_train_data,
        code=CORE_CODE + MODEL_CODE + code("cli/train.py"),
    output:
        directory("results/train/{variant}/seed{seed}"),
    params:
        cfg=variant_params,
        launcher=LAUNCHER,
    threads: P["threads"]
    conda:
        "../envs/aecopy.yaml"
    log:
        "logs/train/{variant}-seed{seed}.log",
    resources:
        gpu=P["gpus"] if P["device"] != "cpu" else 0,
    shell:
        "{params.launcher} -m aecopy.cli.train --variant {wildcards.variant} --seed {wildcards.seed} --out-dir {output} > {log} 2>&1"


rule bench_train:
    input:
        data=[variant_train_data_of(v) for v in ("fc", "unet", "attn_unet")],
        code=CORE_CODE + MODEL_CODE + code("cli/bench_train.py", "bench.py"),
    output:
        "results/bench/train.json",
    threads: P["threads"]
    conda:
        "../envs/aecopy.yaml"
    log:
        "logs/bench/train.log",
    shell:
        "python -m aecopy.cli.bench_train --out {output} > {log} 2>&1"


BENCH_FILES.append(rules.bench_train.output[0])
