# Generalisation and memorisation beyond the post (report section "Beyond the post"): G-disjoint, G-size,
# M-attractor. The rules always exist; the claims and the report ask for them only when params' `beyond` is true.

GEN_CODE = SAMPLE_CODE + code("experiments/g_disjoint.py", "procedures/similarity.py", "procedures/generate.py",
                              "premise.py", "metrics.py")
GEN_EXPERIMENTS = ("g_disjoint", "g_size", "m_attractor")
GEN_VARIANTS = {e: plan.generalisation_variants(P, e) for e in GEN_EXPERIMENTS}
# What each job reads besides its block and what it shares with E7 or E6: its variants, and the scale's seeds
# when one of them has none of its own.
GEN_READS = {e: [*TORCH, "seed", "scale", *(["seeds"] if any("seeds" not in VARIANTS[v] for v in vs) else []),
                 f"experiments.{e}", *PREMISE_BAR, *variant_keys(*vs, seeds=True), *claim_keys(e)]
             for e, vs in GEN_VARIANTS.items()}
GEN_CAPTION = dict(caption="../report/beyond_generalisation.rst", category="Beyond the post")

GD_FILES, GD_INPUTS = with_inputs(plan.generalisation_inputs(P, "g_disjoint"))
GS_FILES, GS_INPUTS = with_inputs(plan.generalisation_inputs(P, "g_size"))
MA_FILES, MA_INPUTS = with_inputs(plan.generalisation_inputs(P, "m_attractor"))


rule g_disjoint:
    input:
        GD_FILES,
        code=GEN_CODE,
    output:
        claims=paths.claims("g_disjoint"),
        metrics=paths.metrics("g_disjoint"),
        figures=[report(paths.experiment_file("g_disjoint", f), **GEN_CAPTION) for f in plan.figures(P, "g_disjoint")],
    params:
        name="g_disjoint",
        # E7's generation length: the samples are made by E7's procedure
        p=reads(*GEN_READS["g_disjoint"], "experiments.e7.judge_steps"),
        inputs=GD_INPUTS,
        out_dir=subpath(output.claims, parent=True),
    threads: P["threads"]
    conda:
        "../envs/aecopy.yaml"
    benchmark:
        paths.job_benchmark("g_disjoint"),
    log:
        paths.log("g_disjoint"),
    shell:
        EXPERIMENT_SHELL


rule g_size:
    input:
        GS_FILES,
        code=GEN_CODE + code("experiments/g_size.py"),
    output:
        claims=paths.claims("g_size"),
        metrics=paths.metrics("g_size"),
        figures=[report(paths.experiment_file("g_size", f), **GEN_CAPTION) for f in plan.figures(P, "g_size")],
    params:
        name="g_size",
        # premise.images: how many of its own training images each model must copy to the bar
        p=reads(*GEN_READS["g_size"], "experiments.e7.judge_steps", "premise.images"),
        inputs=GS_INPUTS,
        out_dir=subpath(output.claims, parent=True),
    threads: P["threads"]
    conda:
        "../envs/aecopy.yaml"
    benchmark:
        paths.job_benchmark("g_size"),
    log:
        paths.log("g_size"),
    shell:
        EXPERIMENT_SHELL


rule m_attractor:
    input:
        MA_FILES,
        code=GEN_CODE + code("experiments/m_attractor.py", "procedures/attractor.py", "procedures/walk.py",
                             "procedures/batches.py", "procedures/inversion.py"),
    output:
        claims=paths.claims("m_attractor"),
        metrics=paths.metrics("m_attractor"),
        figures=[report(paths.experiment_file("m_attractor", f), **GEN_CAPTION) for f in plan.figures(P, "m_attractor")],
    params:
        name="m_attractor",
        # E6's walk threshold: an iteration that ends within it of its start "does not walk"
        p=reads(*GEN_READS["m_attractor"], "experiments.e6.threshold"),
        inputs=MA_INPUTS,
        out_dir=subpath(output.claims, parent=True),
    threads: P["threads"]
    conda:
        "../envs/aecopy.yaml"
    benchmark:
        paths.job_benchmark("m_attractor"),
    log:
        paths.log("m_attractor"),
    shell:
        EXPERIMENT_SHELL


if P["beyond"]:
    for _rule in (rules.g_disjoint, rules.g_size, rules.m_attractor):
        CLAIM_FILES.append(_rule.output.claims)
        REPORT_FIGURES.extend(_rule.output.figures)
