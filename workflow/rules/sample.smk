# Denoising (E3, E8a/b, E9 denoising), manifold walks (E6) and diffusion-like generation (E7).

E6 = EXPERIMENTS["e6"]
E7 = EXPERIMENTS["e7"]
SAMPLE_CODE = CORE_CODE + MODEL_CODE + code("cli/experiment.py", "claims.py", "distribution.py", "image_stats.py",
                                            "procedures/noise.py", "report/figures.py")
E3_FILES, E3_INPUTS = with_inputs(plan.sample_inputs(P, "e3"))
E6_FILES, E6_INPUTS = with_inputs(plan.sample_inputs(P, "e6"))
E7_FILES, E7_INPUTS = with_inputs(plan.sample_inputs(P, "e7"))


rule e3:
    input:
        E3_FILES,
        code=SAMPLE_CODE + code("experiments/e3.py", "procedures/denoise.py", "procedures/batches.py", "baselines.py",
                                "premise.py", "metrics.py"),
    output:
        claims=paths.claims("e3"),
        metrics=paths.metrics("e3"),
        figures=[report(paths.experiment_file("e3", f), caption="../report/e3.rst", category="E3, E8, E9: denoising")
                 for f in plan.figures(P, "e3")],
    params:
        name="e3",
        p=reads(*TORCH, "seed", "scale", "seeds", "experiments.e3", *PREMISE_BAR,
                *variant_keys(*plan.e3_variants(P), seeds=True), *claim_keys("e3")),
        inputs=E3_INPUTS,
        out_dir=subpath(output.claims, parent=True),
    threads: P["threads"]
    conda:
        "../envs/aecopy.yaml"
    benchmark:
        paths.job_benchmark("e3"),
    log:
        paths.log("e3"),
    shell:
        EXPERIMENT_SHELL


rule e6:
    input:
        E6_FILES,
        code=SAMPLE_CODE + code("experiments/e6.py", "procedures/walk.py", "procedures/batches.py", "premise.py",
                                "metrics.py"),
    output:
        claims=paths.claims("e6"),
        metrics=paths.metrics("e6"),
        figures=[report(paths.experiment_file("e6", f), caption="../report/e6.rst", category="E6: manifold walks")
                 for f in plan.figures(P, "e6")],
    params:
        name="e6",
        p=reads(*TORCH, "seed", "scale", "seeds", "experiments.e6", *PREMISE_BAR, *variant_keys(E6["variant"], seeds=True),
                *claim_keys("e6")),
        inputs=E6_INPUTS,
        out_dir=subpath(output.claims, parent=True),
    threads: P["threads"]
    conda:
        "../envs/aecopy.yaml"
    benchmark:
        paths.job_benchmark("e6"),
    log:
        paths.log("e6"),
    shell:
        EXPERIMENT_SHELL


rule e7:
    input:
        E7_FILES,
        code=SAMPLE_CODE + code("experiments/e7.py", "procedures/generate.py", "premise.py", "metrics.py"),
    output:
        claims=paths.claims("e7"),
        metrics=paths.metrics("e7"),
        figures=[report(paths.experiment_file("e7", f), caption="../report/e7.rst", category="E7: generation")
                 for f in plan.figures(P, "e7")],
    params:
        name="e7",
        p=reads(*TORCH, "seed", "scale", "seeds", "experiments.e7", *PREMISE_BAR, *variant_keys(*E7["variants"], seeds=True),
                *claim_keys("e7")),
        inputs=E7_INPUTS,
        out_dir=subpath(output.claims, parent=True),
    threads: P["threads"]
    conda:
        "../envs/aecopy.yaml"
    benchmark:
        paths.job_benchmark("e7"),
    log:
        paths.log("e7"),
    shell:
        EXPERIMENT_SHELL


CLAIM_FILES.extend([rules.e3.output.claims, rules.e6.output.claims, rules.e7.output.claims])
REPORT_FIGURES.extend([*rules.e3.output.figures, *rules.e6.output.figures, *rules.e7.output.figures])
