# Claims of every experiment → results/claims.json, results/metrics.json → results/report.html.

rule training_summary:
    input:
        runs=[run for variant in VARIANTS for run in runs_of(variant)],
        code=CORE_CODE + MODEL_CODE + code("cli/training_summary.py", "experiment.py", "report/figures.py"),
    output:
        section="results/training/section.json",
        figure=report("results/training/loss_curves.png", caption="../report/training.rst", category="Training"),
    params:
        variants=list(VARIANTS),
        out_dir=subpath(output.section, parent=True),
    conda:
        "../envs/aecopy.yaml"
    log:
        "logs/training_summary.log",
    shell:
        "python -m aecopy.cli.training_summary --variants {params.variants} --out-dir {params.out_dir} > {log} 2>&1"


rule claims:
    input:
        claims=CLAIM_FILES,
        code=CORE_CODE + code("cli/claims.py", "environment.py"),
    output:
        claims="results/claims.json",
        metrics="results/metrics.json",
    conda:
        "../envs/aecopy.yaml"
    log:
        "logs/claims.log",
    shell:
        "python -m aecopy.cli.claims --inputs {input.claims} --out {output.claims} --metrics {output.metrics} > {log} 2>&1"


rule report:
    input:
        claims="results/claims.json",
        figures=REPORT_FIGURES + [rules.training_summary.output.figure],
        sections=rules.training_summary.output.section,
        code=CORE_CODE + code("cli/report.py", "report/html.py", "report/sections.py", "environment.py"),
    output:
        "results/report.html",
    conda:
        "../envs/aecopy.yaml"
    log:
        "logs/report.log",
    shell:
        "python -m aecopy.cli.report --claims {input.claims} --sections {input.sections} --out {output} > {log} 2>&1"
