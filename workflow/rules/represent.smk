# Input representations: one inversion job per (variant, seed, trained/untrained, BatchNorm mode, input
# kind) writes paths.inversion(...); the rules e2, e4, e5, e8c, e9_represent, e10 and t turn those files
# into claims.

E2 = EXPERIMENTS["e2"]
E10 = EXPERIMENTS["e10"]
TCHECK = EXPERIMENTS["t"]
INVERT_CODE = CORE_CODE + MODEL_CODE + code("cli/invert.py", "experiments/invert.py", "procedures/inversion.py",
                                            "procedures/noise.py", "procedures/batches.py", "image_stats.py")
REPRESENT_CODE = CORE_CODE + code("cli/experiment.py", "experiments/represent.py", "claims.py", "metrics.py",
                                  "premise.py", "procedures/inversion.py", "image_stats.py", "report/figures.py")
# The inversion settings an inversion job reads (fit_tolerance and min_converged are the experiments').
INVERSION_KEYS = [f"experiments.inversion.{k}" for k in ("steps", "c", "lr", "start_mean", "start_sd",
                                                           "reference_sd", "record_every", "max_images", "batch_size")]


INVERT_SHELL = ("python -m aecopy.cli.invert --rule={params.name} --params {params.p:q} --inputs {params.inputs:q} "
                "--variant {params.variant} --seed {params.seed} --state {params.state} --bn {params.bn} "
                "--kind {params.kind} {params.weights} --out {output} > {log} 2>&1")


rule invert_trained:
    input:
        lambda w: plan.files(invert_inputs(w, "trained")),
        code=INVERT_CODE,
    output:
        paths.inversion("{variant}", "{seed}", "trained", "{bn}", "{kind}"),
    wildcard_constraints:
        bn="train|eval",
        kind="clean|noisy",
    params:
        name="invert_trained",
        p=lambda w: reads(*invert_keys(w.variant, True, w.kind == "noisy")),
        inputs=lambda w: plan.as_json(invert_inputs(w, "trained")),
        variant=lambda w: w.variant, seed=lambda w: w.seed, state="trained", bn=lambda w: w.bn,
        kind=lambda w: w.kind, weights="",
    threads: EXPERIMENTS["inversion"]["threads"]
    conda:
        "../envs/aecopy.yaml"
    benchmark:
        paths.job_benchmark("invert_trained/{variant}-seed{seed}-{bn}-{kind}"),
    log:
        paths.log("represent/{variant}-seed{seed}-trained-{bn}-{kind}"),
    resources:
        gpu=1 if P["device"] != "cpu" else 0,
    shell:
        INVERT_SHELL


rule invert_untrained:
    input:
        lambda w: plan.files(invert_inputs(w, "untrained")),
        code=INVERT_CODE,
    output:
        paths.inversion("{variant}", "{seed}", "untrained", "{bn}", "{kind}"),
    wildcard_constraints:
        bn="train|eval",
        kind="clean|noisy",
    params:
        name="invert_untrained",
        p=lambda w: reads(*invert_keys(w.variant, False, w.kind == "noisy")),
        inputs=lambda w: plan.as_json(invert_inputs(w, "untrained")),
        variant=lambda w: w.variant, seed=lambda w: w.seed, state="untrained", bn=lambda w: w.bn,
        kind=lambda w: w.kind, weights="",
    threads: EXPERIMENTS["inversion"]["threads"]
    conda:
        "../envs/aecopy.yaml"
    benchmark:
        paths.job_benchmark("invert_untrained/{variant}-seed{seed}-{bn}-{kind}"),
    log:
        paths.log("represent/{variant}-seed{seed}-untrained-{bn}-{kind}"),
    resources:
        gpu=1 if P["device"] != "cpu" else 0,
    shell:
        INVERT_SHELL


if E10["vit_b_32_weights"]:

    rule invert_vit_b_32:
        input:
            lambda w: plan.files(invert_inputs(w, w.state)),
            weights=E10["vit_b_32_weights"],
            code=INVERT_CODE,
        output:
            paths.vit_b_32_inversion("{state}"),
        wildcard_constraints:
            state="trained|untrained",
        params:
            name="invert_vit_b_32",
            p=lambda w: reads(*invert_keys(plan.VIT_B_32, w.state == "trained", False)),
            inputs=lambda w: plan.as_json(invert_inputs(w, w.state)),
            variant=plan.VIT_B_32, seed=0, state=lambda w: w.state, bn="train", kind="clean",
            weights=f"--weights {E10['vit_b_32_weights']}",
        threads: EXPERIMENTS["inversion"]["threads"]
        conda:
            "../envs/aecopy.yaml"
        benchmark:
            paths.job_benchmark("invert_vit_b_32/{state}"),
        log:
            paths.log("represent/vit_b_32-{state}"),
        resources:
            gpu=1 if P["device"] != "cpu" else 0,
        shell:
            INVERT_SHELL


# Snakemake's own report (`snakemake --report`): the captions of the figures
REPRESENT_REPORT = dict(caption="../report/represent.rst", category="E2, E4, E5, E8c, E9, E10: input representations")
T_REPORT = dict(caption="../report/t.rst", category="T: non-invertibility")
# What judging a comparison reads: the convergence test (relative to the start noise), the sample-size guard.
CONVERGENCE = tuple(f"experiments.inversion.{k}" for k in ("fit_tolerance", "min_converged", "min_images",
                                                            "min_seeds", "start_sd"))
E2_FILES, E2_INPUTS = represent_rule_inputs("e2")
E4_FILES, E4_INPUTS = represent_rule_inputs("e4")
E5_FILES, E5_INPUTS = represent_rule_inputs("e5")
E8C_FILES, E8C_INPUTS = represent_rule_inputs("e8c")
E9_FILES, E9_INPUTS = represent_rule_inputs("e9_represent")
E10_FILES, E10_INPUTS = represent_rule_inputs("e10")
T_FILES, T_INPUTS = represent_rule_inputs("t")


rule e2:
    input:
        E2_FILES,
        code=REPRESENT_CODE + code("experiments/e2.py"),
    output:
        claims=paths.claims("e2"),
        metrics=paths.metrics("e2"),
        figures=[report(paths.experiment_file("e2", f), **REPRESENT_REPORT) for f in plan.figures(P, "e2")],
    params:
        name="e2",
        p=reads(*represent_keys("e2", ["variant"], E2["variant"]), *PREMISE_BAR),
        inputs=E2_INPUTS,
        out_dir=subpath(output.claims, parent=True),
    conda:
        "../envs/aecopy.yaml"
    benchmark:
        paths.job_benchmark("e2"),
    log:
        paths.log("e2"),
    shell:
        EXPERIMENT_SHELL


rule e4:
    input:
        E4_FILES,
        code=REPRESENT_CODE + code("experiments/e4.py"),
    output:
        claims=paths.claims("e4"),
        metrics=paths.metrics("e4"),
        figures=[report(paths.experiment_file("e4", f), **REPRESENT_REPORT) for f in plan.figures(P, "e4")],
    params:
        name="e4",
        p=reads(*represent_keys("e4", ["variant", "alpha"], EXPERIMENTS["e4"]["variant"]), *PREMISE_BAR),
        inputs=E4_INPUTS,
        out_dir=subpath(output.claims, parent=True),
    conda:
        "../envs/aecopy.yaml"
    benchmark:
        paths.job_benchmark("e4"),
    log:
        paths.log("e4"),
    shell:
        EXPERIMENT_SHELL


rule e5:
    input:
        E5_FILES,
        code=REPRESENT_CODE + code("experiments/e5.py"),
    output:
        claims=paths.claims("e5"),
        metrics=paths.metrics("e5"),
        figures=[report(paths.experiment_file("e5", f), **REPRESENT_REPORT) for f in plan.figures(P, "e5")],
    params:
        name="e5",
        p=reads(*represent_keys("e5", ["variant", "reference"], EXPERIMENTS["e5"]["variant"]), *PREMISE_BAR),
        inputs=E5_INPUTS,
        out_dir=subpath(output.claims, parent=True),
    conda:
        "../envs/aecopy.yaml"
    benchmark:
        paths.job_benchmark("e5"),
    log:
        paths.log("e5"),
    shell:
        EXPERIMENT_SHELL


rule e8c:
    input:
        E8C_FILES,
        code=REPRESENT_CODE + code("experiments/e8c.py"),
    output:
        claims=paths.claims("e8c"),
        metrics=paths.metrics("e8c"),
        figures=[report(paths.experiment_file("e8c", f), **REPRESENT_REPORT) for f in plan.figures(P, "e8c")],
    params:
        name="e8c",
        p=reads(*represent_keys("e8c", ["variant", "reference"], EXPERIMENTS["e8c"]["variant"]), *PREMISE_BAR),
        inputs=E8C_INPUTS,
        out_dir=subpath(output.claims, parent=True),
    conda:
        "../envs/aecopy.yaml"
    benchmark:
        paths.job_benchmark("e8c"),
    log:
        paths.log("e8c"),
    shell:
        EXPERIMENT_SHELL


rule e9_represent:
    input:
        E9_FILES,
        code=REPRESENT_CODE + code("experiments/e9_represent.py"),
    output:
        claims=paths.claims("e9_represent"),
        metrics=paths.metrics("e9_represent"),
        figures=[report(paths.experiment_file("e9_represent", f), **REPRESENT_REPORT) for f in plan.figures(P, "e9_represent")],
    params:
        name="e9_represent",
        p=reads(*represent_keys("e9_represent", ["unet", "linear", "dot", "attention_only"], EXPERIMENTS["e9"]["linear"]), *PREMISE_BAR),
        inputs=E9_INPUTS,
        out_dir=subpath(output.claims, parent=True),
    conda:
        "../envs/aecopy.yaml"
    benchmark:
        paths.job_benchmark("e9_represent"),
    log:
        paths.log("e9_represent"),
    shell:
        EXPERIMENT_SHELL


rule e10:
    input:
        E10_FILES,
        code=REPRESENT_CODE + code("experiments/e10.py"),
    output:
        claims=paths.claims("e10"),
        metrics=paths.metrics("e10"),
        figures=[report(paths.experiment_file("e10", f), **REPRESENT_REPORT) for f in plan.figures(P, "e10")],
    params:
        name="e10",
        p=reads(*represent_keys("e10", ["variant"], E10["variant"])),
        inputs=E10_INPUTS,
        out_dir=subpath(output.claims, parent=True),
    conda:
        "../envs/aecopy.yaml"
    benchmark:
        paths.job_benchmark("e10"),
    log:
        paths.log("e10"),
    shell:
        EXPERIMENT_SHELL


rule t:
    input:
        T_FILES,
        code=REPRESENT_CODE + code("experiments/t.py", "procedures/noninvertible.py", "procedures/inversion.py"),
    output:
        claims=paths.claims("t"),
        metrics=paths.metrics("t"),
        figures=[report(paths.experiment_file("t", f), **T_REPORT) for f in plan.figures(P, "t")],
    params:
        name="t",
        p=reads(*represent_keys("t", ["variant", "image_size", "images", "starts", "maps", "n_minus_m", "depths",
                                      "depth_n_minus_m", "activation", "start", "map", "steps", "c", "lr"],
                                TCHECK["variant"]),
                "experiments.inversion.start_mean", "experiments.inversion.reference_sd", *PREMISE_BAR),
        inputs=T_INPUTS,
        out_dir=subpath(output.claims, parent=True),
    threads: 1  # t.run computes with one thread: its maps are small
    conda:
        "../envs/aecopy.yaml"
    benchmark:
        paths.job_benchmark("t"),
    log:
        paths.log("t"),
    shell:
        EXPERIMENT_SHELL


# The models E2, E5, E8c and E9 invert, untrained (their weights change no kernel or shape).
BENCH_INVERSION_VARIANTS = list(dict.fromkeys([EXPERIMENTS[e]["variant"] for e in ("e2", "e5", "e8c")]
                                              + list(EXPERIMENTS["e9"].values())))


rule bench_inversion:
    input:
        data=sorted({paths.split(VARIANTS[v]["dataset"], "val") for v in BENCH_INVERSION_VARIANTS}),
        code=INVERT_CODE + code("cli/bench_inversion.py", "benchmarks/inversion.py", "bench.py"),
    output:
        paths.bench("inversion"),
    params:
        name="bench_inversion",
        p=reads("threads", "seed", "experiments.inversion", "experiments.e2.variant", "experiments.e5.variant",
                "experiments.e8c.variant", "experiments.e9", *variant_keys(*BENCH_INVERSION_VARIANTS, trained=False)),
    threads: all_cores()  # a benchmark has the machine to itself
    conda:
        "../envs/aecopy.yaml"
    log:
        paths.log("bench/inversion"),
    shell:
        "python -m aecopy.cli.bench_inversion --rule={params.name} --params {params.p:q} --out {output} > {log} 2>&1"


for _rule in (rules.e2, rules.e4, rules.e5, rules.e8c, rules.e9_represent, rules.e10, rules.t):
    CLAIM_FILES.append(_rule.output.claims)
    REPORT_FIGURES.extend(_rule.output.figures)
BENCH_FILES.append(rules.bench_inversion.output[0])
