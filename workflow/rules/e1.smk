# E1: an overcomplete fully connected autoencoder on noisy inputs.

E1 = EXPERIMENTS["e1"]
E1_FILES, E1_INPUTS = with_inputs(plan.sample_inputs(P, "e1"))


rule e1:
    input:
        E1_FILES,
        code=CORE_CODE + MODEL_CODE + code("cli/experiment.py", "experiments/e1.py", "procedures/noise.py",
                                           "procedures/batches.py", "premise.py", "metrics.py", "claims.py",
                                           "report/figures.py"),
    output:
        claims=paths.claims("e1"),
        metrics=paths.metrics("e1"),
        figures=[report(paths.experiment_file("e1", f), caption="../report/e1.rst", category="E1")
                 for f in plan.figures(P, "e1")],
    params:
        name="e1",
        p=reads(*TORCH, "seed", "scale", "seeds", "experiments.e1", *variant_keys(E1["variant"], seeds=True), *PREMISE_BAR,
                *claim_keys("e1")),
        inputs=E1_INPUTS,
        out_dir=subpath(output.claims, parent=True),
    threads: P["threads"]
    conda:
        "../envs/aecopy.yaml"
    benchmark:
        paths.job_benchmark("e1"),
    log:
        paths.log("e1"),
    shell:
        EXPERIMENT_SHELL


CLAIM_FILES.append(rules.e1.output.claims)
REPORT_FIGURES.extend(rules.e1.output.figures)
