# Claims of every experiment → results/claims.json, results/metrics.json → results/report.html.

TRAINING_FILES, TRAINING_INPUTS = with_inputs(plan.training_inputs(P))


rule training_summary:
    input:
        TRAINING_FILES,
        code=CORE_CODE + MODEL_CODE + code("cli/training_summary.py", "report/figures.py", "report/training.py",
                                           "premise.py", "procedures/denoise.py"),
    output:
        section=paths.TRAINING_SECTION,
        figure=report(paths.TRAINING_FIGURE, caption="../report/training.rst", category="Training"),
        validation=report(paths.VALIDATION_FIGURE, caption="../report/training.rst", category="Training"),
    params:
        name="training_summary",
        p=reads("threads", "seeds", "variants", "premise", "beyond"),
        inputs=TRAINING_INPUTS,
        out_dir=subpath(output.section, parent=True),
    conda:
        "../envs/aecopy.yaml"
    benchmark:
        paths.job_benchmark("training_summary"),
    log:
        paths.log("training_summary"),
    shell:
        "python -m aecopy.cli.training_summary --rule={params.name} --params {params.p:q} --inputs {params.inputs:q} "
        "--out-dir {params.out_dir} > {log} 2>&1"


rule controls:
    input:
        code=CORE_CODE + MODEL_CODE + code("cli/controls.py", "controls/*.py", "experiments/*.py", "procedures/*.py",
                                           "claims.py", "premise.py", "metrics.py", "distribution.py", "baselines.py",
                                           "image_stats.py", "report/figures.py"),
    output:
        paths.CONTROLS,
    params:
        name="controls",
        # the controls run the experiments' own code with constructed models at small sizes: they read the
        # rules, the guards and every experiment setting, and the variants' and data sets' descriptions
        p=reads(*TORCH, "seed", "scale", "seeds", "premise", "experiments", "claims", "variants", "datasets", "beyond"),
    threads: P["threads"]
    conda:
        "../envs/aecopy.yaml"
    benchmark:
        paths.job_benchmark("controls"),
    log:
        paths.log("controls"),
    shell:
        "python -m aecopy.cli.controls --rule={params.name} --params {params.p:q} --out {output} > {log} 2>&1"


rule claims:
    input:
        claims=CLAIM_FILES,
        controls=paths.CONTROLS,
        code=CORE_CODE + code("cli/claims.py", "environment.py"),
    output:
        claims=paths.claims(),
        metrics=paths.metrics(),
    params:
        name="claims",
        p=reads(),
    conda:
        "../envs/aecopy.yaml"
    benchmark:
        paths.job_benchmark("claims"),
    log:
        paths.log("claims"),
    shell:
        "python -m aecopy.cli.claims --rule={params.name} --params {params.p:q} --inputs {input.claims} "
        "--controls {input.controls} --out {output.claims} --metrics {output.metrics} > {log} 2>&1"


rule profile:
    input:
        # every other job of the run lies upstream of these two, so their benchmark files exist and are fresh
        paths.claims(),
        rules.training_summary.output.section,
        code=CORE_CODE + code("cli/profile.py", "report/profile.py"),
    output:
        table=paths.PROFILE,
        section=paths.PROFILE_SECTION,
    params:
        name="profile",
        p=reads(),
        jobs=paths.BENCH_JOBS,
    conda:
        "../envs/aecopy.yaml"
    log:
        paths.log("profile"),
    shell:
        "python -m aecopy.cli.profile --rule={params.name} --params {params.p:q} --jobs {params.jobs} "
        "--out {output.table} --section {output.section} > {log} 2>&1"


rule report:
    input:
        claims=paths.claims(),
        figures=REPORT_FIGURES + [rules.training_summary.output.figure, rules.training_summary.output.validation],
        sections=[rules.training_summary.output.section, rules.profile.output.section],
        controls=paths.CONTROLS,
        code=CORE_CODE + code("cli/report.py", "report/html.py", "report/sections.py", "environment.py"),
    output:
        paths.REPORT,
    params:
        name="report",
        p=reads("scale"),
    conda:
        "../envs/aecopy.yaml"
    benchmark:
        paths.job_benchmark("report"),
    log:
        paths.log("report"),
    shell:
        "python -m aecopy.cli.report --rule={params.name} --params {params.p:q} --claims {input.claims} "
        "--sections {input.sections} --controls {input.controls} --out {output} > {log} 2>&1"
