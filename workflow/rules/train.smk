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
    threads: P["threads"]
    conda:
        "../envs/aecopy.yaml"
    log:
        "logs/train/{variant}-seed{seed}.log",
    resources:
        gpu=1 if P["device"] != "cpu" else 0,
    shell:
        "python -m aecopy.cli.train --variant {wildcards.variant} --seed {wildcards.seed} --out-dir {output} > {log} 2>&1"
