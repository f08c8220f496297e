# Baselines beyond the post (report section "Beyond the post"): B-ddpm, B-vae-blur, B-dae. The rule always
# exists; the claims and the report ask for it only when params' `beyond` is true.

BB = EXPERIMENTS["beyond_baselines"]
BB_FILES, BB_INPUTS = with_inputs(plan.baselines_inputs(P))
# what the baselines share with E7 (its generation, floor and ceiling) and E3 (the judged noise mix)
BB_SHARED = [f"experiments.e7.{k}" for k in ("n_samples", "judge_steps", "max_reference", "frames", "swd")]
BB_SHARED.append("experiments.e3.judge_alpha")


rule beyond_baselines:
    input:
        BB_FILES,
        code=SAMPLE_CODE + code("experiments/beyond_baselines.py", "experiments/e7.py", "procedures/sampling.py",
                                "procedures/generate.py", "procedures/batches.py", "premise.py", "metrics.py"),
    output:
        claims=paths.claims("beyond_baselines"),
        metrics=paths.metrics("beyond_baselines"),
        figures=[report(paths.experiment_file("beyond_baselines", f), caption="../report/beyond_baselines.rst",
                        category="Beyond the post") for f in plan.figures(P, "beyond_baselines")],
    params:
        name="beyond_baselines",
        p=reads(*TORCH, "seed", "scale", "seeds", "experiments.beyond_baselines", *BB_SHARED, *PREMISE_BAR,
                *variant_keys(BB["reference"], BB["ddpm"], BB["vae"], BB["dae"], seeds=True),
                *claim_keys("beyond_baselines")),
        inputs=BB_INPUTS,
        out_dir=subpath(output.claims, parent=True),
    threads: P["threads"]
    conda:
        "../envs/aecopy.yaml"
    benchmark:
        paths.job_benchmark("beyond_baselines"),
    log:
        paths.log("beyond_baselines"),
    shell:
        EXPERIMENT_SHELL


if P["beyond"]:
    CLAIM_FILES.append(rules.beyond_baselines.output.claims)
    REPORT_FIGURES.extend(rules.beyond_baselines.output.figures)
