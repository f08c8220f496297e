# Claims of every experiment → results/claims.json, results/metrics.json → results/report.html.

EXPERIMENT_CLAIMS = ["results/e1/claims.json"]


rule claims:
    input:
        claims=EXPERIMENT_CLAIMS,
        code=CORE_CODE + code("cli/claims.py"),
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
        figures=rules.e1.output.figures,
        code=CORE_CODE + code("cli/report.py", "report/html.py"),
    output:
        "results/report.html",
    conda:
        "../envs/aecopy.yaml"
    log:
        "logs/report.log",
    shell:
        "python -m aecopy.cli.report --claims {input.claims} --out {output} > {log} 2>&1"
