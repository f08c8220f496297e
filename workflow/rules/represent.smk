# Input representations: one inversion job per (variant, seed, trained/untrained, BatchNorm mode, input
# kind) writes results/represent/...pt; the rules e2, e4, e5, e8c, e9, e10 and t turn those files into claims.

INV = EXPERIMENTS["inversion"]
E2 = EXPERIMENTS["e2"]
E4 = EXPERIMENTS["e4"]
E5 = EXPERIMENTS["e5"]
E8C = EXPERIMENTS["e8c"]
E9 = EXPERIMENTS["e9"]
E10 = EXPERIMENTS["e10"]
TCHECK = EXPERIMENTS["t"]

INVERSION = "results/represent/{variant}/seed{seed}/{state}-{bn}-{kind}.pt"
REP_TAGS = [""] + [f"-{name}" for name in P["eval_sets"]]
REP_EVAL_SETS = sorted({eval_set_file(name, ds["size"]) for ds in DATASETS.values() for name in P["eval_sets"]})
INVERT_CODE = CORE_CODE + MODEL_CODE + code("cli/invert.py", "procedures/inversion.py", "procedures/noise.py",
                                            "image_stats.py", "experiment.py")
REPRESENT_CODE = CORE_CODE + code("cli/represent.py", "claims.py", "metrics.py", "report/figures.py")

E2_SEEDS = E2.get("seeds", seeds_of(E2["variant"]))
E2_FILES = expand(INVERSION, variant=E2["variant"], seed=E2_SEEDS, state=["trained", "untrained"], bn="train",
                  kind="clean") + expand(INVERSION, variant=E2["variant"], seed=E2["eval_seeds"],
                                         state=["trained", "untrained"], bn="eval", kind="clean")
E4_FILES = expand(INVERSION, variant=E4["variant"], seed=E4.get("seeds", seeds_of(E4["variant"])), state="trained",
                  bn="train", kind=["noisy", "clean"])
E5_FILES = expand(INVERSION, variant=[E5["variant"], E5["reference"]], state="trained", bn="train", kind="clean",
                  seed=E5.get("seeds", sorted(set(seeds_of(E5["variant"])) & set(seeds_of(E5["reference"])))))
E8C_FILES = expand(INVERSION, variant=[E8C["variant"], E8C["reference"]], state="trained", bn="train", kind="clean",
                   seed=E8C.get("seeds", sorted(set(seeds_of(E8C["variant"])) & set(seeds_of(E8C["reference"])))))
E9_FILES = [f for v in (E9["unet"], E9["linear"], E9["dot"], E9["attention_only"])
            for f in expand(INVERSION, variant=v, seed=seeds_of(v), state="trained", bn="train", kind="clean")]
E10_FILES = expand(INVERSION, variant=E10["variant"], seed=seeds_of(E10["variant"]), state=["trained", "untrained"],
                   bn="train", kind="clean")
E10_TAGS = [""]
if E10["vit_b_32_weights"]:
    E10_FILES += expand("results/represent/vit_b_32/{state}.pt", state=["trained", "untrained"])
    E10_TAGS.append("-vit_b_32")
T_FILES = expand(INVERSION, variant=TCHECK["variant"], seed=seeds_of(TCHECK["variant"]), state=["trained", "untrained"],
                 bn="train", kind="clean")


rule invert_trained:
    input:
        run="results/train/{variant}/seed{seed}",
        val=lambda wildcards: f"data/prepared/{VARIANTS[wildcards.variant]['dataset']}/val.npy",
        eval_sets=REP_EVAL_SETS,
        code=INVERT_CODE,
    output:
        "results/represent/{variant}/seed{seed}/trained-{bn}-{kind}.pt",
    wildcard_constraints:
        bn="train|eval",
        kind="clean|noisy",
    threads: P["threads"]
    conda:
        "../envs/aecopy.yaml"
    log:
        "logs/represent/{variant}-seed{seed}-trained-{bn}-{kind}.log",
    resources:
        gpu=1 if P["device"] != "cpu" else 0,
    shell:
        "python -m aecopy.cli.invert --variant {wildcards.variant} --seed {wildcards.seed} --state trained "
        "--bn {wildcards.bn} --kind {wildcards.kind} --out {output} > {log} 2>&1"


rule invert_untrained:
    input:
        val=lambda wildcards: f"data/prepared/{VARIANTS[wildcards.variant]['dataset']}/val.npy",
        eval_sets=REP_EVAL_SETS,
        code=INVERT_CODE,
    output:
        "results/represent/{variant}/seed{seed}/untrained-{bn}-{kind}.pt",
    wildcard_constraints:
        bn="train|eval",
        kind="clean|noisy",
    threads: P["threads"]
    conda:
        "../envs/aecopy.yaml"
    log:
        "logs/represent/{variant}-seed{seed}-untrained-{bn}-{kind}.log",
    resources:
        gpu=1 if P["device"] != "cpu" else 0,
    shell:
        "python -m aecopy.cli.invert --variant {wildcards.variant} --seed {wildcards.seed} --state untrained "
        "--bn {wildcards.bn} --kind {wildcards.kind} --out {output} > {log} 2>&1"


if E10["vit_b_32_weights"]:

    rule invert_vit_b_32:
        input:
            weights=E10["vit_b_32_weights"],
            val=f"data/prepared/{VARIANTS[E10['variant']]['dataset']}/val.npy",
            eval_sets=REP_EVAL_SETS,
            code=INVERT_CODE,
        output:
            "results/represent/vit_b_32/{state}.pt",
        wildcard_constraints:
            state="trained|untrained",
        threads: P["threads"]
        conda:
            "../envs/aecopy.yaml"
        log:
            "logs/represent/vit_b_32-{state}.log",
        resources:
            gpu=1 if P["device"] != "cpu" else 0,
        shell:
            "python -m aecopy.cli.invert --variant vit_b_32 --seed 0 --state {wildcards.state} "
            "--weights {input.weights} --out {output} > {log} 2>&1"


rule e2:
    input:
        runs=E2_FILES,
        code=REPRESENT_CODE,
    output:
        claims="results/e2/claims.json",
        metrics="results/e2/metrics.json",
        figures=[f"results/e2/{kind}{tag}.png" for kind in ("rows", "rows_eval", "noise", "noise_eval")
                 for tag in REP_TAGS]
        + ["results/e2/convergence.png"],
    params:
        out_dir=subpath(output.claims, parent=True),
    conda:
        "../envs/aecopy.yaml"
    log:
        "logs/e2.log",
    shell:
        "python -m aecopy.cli.represent e2 --inputs {input.runs} --out-dir {params.out_dir} > {log} 2>&1"


rule e4:
    input:
        runs=E4_FILES,
        code=REPRESENT_CODE,
    output:
        claims="results/e4/claims.json",
        metrics="results/e4/metrics.json",
        figures=[f"results/e4/{kind}{tag}.png" for kind in ("rows", "ratio_hist") for tag in REP_TAGS],
    params:
        out_dir=subpath(output.claims, parent=True),
    conda:
        "../envs/aecopy.yaml"
    log:
        "logs/e4.log",
    shell:
        "python -m aecopy.cli.represent e4 --inputs {input.runs} --out-dir {params.out_dir} > {log} 2>&1"


rule e5:
    input:
        runs=E5_FILES,
        code=REPRESENT_CODE,
    output:
        claims="results/e5/claims.json",
        metrics="results/e5/metrics.json",
        figures=[f"results/e5/{kind}{tag}.png" for kind in ("rows", "errors") for tag in REP_TAGS],
    params:
        out_dir=subpath(output.claims, parent=True),
    conda:
        "../envs/aecopy.yaml"
    log:
        "logs/e5.log",
    shell:
        "python -m aecopy.cli.represent e5 --inputs {input.runs} --out-dir {params.out_dir} > {log} 2>&1"


rule e8c:
    input:
        runs=E8C_FILES,
        code=REPRESENT_CODE,
    output:
        claims="results/e8c/claims.json",
        metrics="results/e8c/metrics.json",
        figures=[f"results/e8c/rows{tag}.png" for tag in REP_TAGS],
    params:
        out_dir=subpath(output.claims, parent=True),
    conda:
        "../envs/aecopy.yaml"
    log:
        "logs/e8c.log",
    shell:
        "python -m aecopy.cli.represent e8c --inputs {input.runs} --out-dir {params.out_dir} > {log} 2>&1"


rule e9_represent:
    input:
        runs=E9_FILES,
        code=REPRESENT_CODE,
    output:
        claims="results/e9_represent/claims.json",
        metrics="results/e9_represent/metrics.json",
        figures=[f"results/e9_represent/rows{tag}.png" for tag in REP_TAGS],
    params:
        out_dir=subpath(output.claims, parent=True),
    conda:
        "../envs/aecopy.yaml"
    log:
        "logs/e9_represent.log",
    shell:
        "python -m aecopy.cli.represent e9 --inputs {input.runs} --out-dir {params.out_dir} > {log} 2>&1"


rule e10:
    input:
        runs=E10_FILES,
        code=REPRESENT_CODE,
    output:
        claims="results/e10/claims.json",
        metrics="results/e10/metrics.json",
        figures=[f"results/e10/rows{vit}{tag}.png" for vit in E10_TAGS for tag in REP_TAGS],
    params:
        out_dir=subpath(output.claims, parent=True),
    conda:
        "../envs/aecopy.yaml"
    log:
        "logs/e10.log",
    shell:
        "python -m aecopy.cli.represent e10 --inputs {input.runs} --out-dir {params.out_dir} > {log} 2>&1"


rule t:
    input:
        runs=T_FILES,
        val=f"data/prepared/{VARIANTS[TCHECK['variant']]['dataset']}/val.npy",
        code=REPRESENT_CODE + code("cli/noninvertible.py", "procedures/noninvertible.py", "procedures/inversion.py"),
    output:
        claims="results/t/claims.json",
        metrics="results/t/metrics.json",
        sweep="results/t/sweep.csv",
        figures=["results/t/ks_width.png", "results/t/ks_depth.png"]
        + [f"results/t/{kind}{tag}.png" for kind in ("ks_trained", "rows") for tag in REP_TAGS],
    params:
        out_dir=subpath(output.claims, parent=True),
    threads: P["threads"]
    conda:
        "../envs/aecopy.yaml"
    log:
        "logs/t.log",
    shell:
        "python -m aecopy.cli.noninvertible --inputs {input.runs} --out-dir {params.out_dir} > {log} 2>&1"


rule bench_inversion:
    input:
        run=f"results/train/{E2['variant']}/seed{min(E2_SEEDS)}",
        val=f"data/prepared/{VARIANTS[E2['variant']]['dataset']}/val.npy",
        code=INVERT_CODE + code("cli/bench_inversion.py"),
    output:
        "results/bench/inversion.json",
    threads: P["threads"]
    conda:
        "../envs/aecopy.yaml"
    log:
        "logs/bench/inversion.log",
    shell:
        "python -m aecopy.cli.bench_inversion --out {output} > {log} 2>&1"


for _rule in (rules.e2, rules.e4, rules.e5, rules.e8c, rules.e9_represent, rules.e10, rules.t):
    CLAIM_FILES.append(_rule.output.claims)
    REPORT_FIGURES.extend(_rule.output.figures)
BENCH_FILES.append(rules.bench_inversion.output[0])
