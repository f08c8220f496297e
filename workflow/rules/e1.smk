# E1: an overcomplete fully connected autoencoder on noisy inputs.

E1 = EXPERIMENTS["e1"]
E1_SIZE = DATASETS[VARIANTS[E1["variant"]]["dataset"]]["size"]
E1_TAGS = [""] + [f"-{name}" for name in P["eval_sets"]]


rule e1:
    input:
        runs=runs_of(E1["variant"]),
        val=f"data/prepared/{VARIANTS[E1['variant']]['dataset']}/val.npy",
        eval_sets=[eval_set_file(name, E1_SIZE) for name in P["eval_sets"]],
        code=CORE_CODE + MODEL_CODE + code("cli/e1.py", "procedures/noise.py", "metrics.py", "claims.py", "report/figures.py"),
    output:
        claims="results/e1/claims.json",
        metrics="results/e1/metrics.json",
        figures=[
            report(f, caption="../report/e1.rst", category="E1")
            for f in [f"results/e1/{kind}{tag}.png" for kind in ("noise_test", "ratio_hist") for tag in E1_TAGS]
            + ["results/e1/loss.png"]
        ],
    params:
        cfg=E1,
        rules={k: v for k, v in P["claims"].items() if k.startswith("E1")},
        out_dir=subpath(output.claims, parent=True),
    threads: P["threads"]
    conda:
        "../envs/aecopy.yaml"
    log:
        "logs/e1.log",
    shell:
        "python -m aecopy.cli.e1 --out-dir {params.out_dir} > {log} 2>&1"


CLAIM_FILES.append(rules.e1.output.claims)
REPORT_FIGURES.extend(rules.e1.output.figures)
