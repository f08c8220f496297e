# Denoising (E3, E8a/b, E9 denoising), manifold walks (E6) and diffusion-like generation (E7).

E3 = EXPERIMENTS["e3"]
E6 = EXPERIMENTS["e6"]
E7 = EXPERIMENTS["e7"]

E3_VARIANTS = list(dict.fromkeys([E3["reference"], *E3["bn_pair"], E3["batch1"], *E3["attention"]]))
E3_TAGS = [""] + [f"-{name}" for name in P["eval_sets"]]
E3_DATASETS = sorted({VARIANTS[v]["dataset"] for v in E3_VARIANTS})
E6_SEEDS = seeds_of(E6["variant"])[: E6["max_seeds"]]
E7_DATASETS = sorted({VARIANTS[v]["dataset"] for v in E7["variants"]})
SAMPLE_CODE = CORE_CODE + MODEL_CODE + code("experiment.py", "claims.py", "distribution.py", "image_stats.py",
                                            "procedures/noise.py", "report/figures.py")


rule e3:
    input:
        runs=[run for v in E3_VARIANTS for run in runs_of(v)],
        data=[f"data/prepared/{d}/{split}.npy" for d in E3_DATASETS for split in ("train", "val")],
        eval_sets=sorted({eval_set_file(name, DATASETS[d]["size"]) for d in E3_DATASETS for name in P["eval_sets"]}),
        code=SAMPLE_CODE + code("cli/e3.py", "procedures/denoise.py", "baselines.py"),
    output:
        claims="results/e3/claims.json",
        metrics="results/e3/metrics.json",
        figures=[
            report(f, caption="../report/e3.rst", category="E3, E8, E9: denoising")
            for f in [f"results/e3/{kind}{tag}.png"
                      for kind in ("denoise", "ratio", "psnr", "ssim", "batchnorm", "batch1", "attention")
                      for tag in E3_TAGS]
        ],
    params:
        cfg=E3,
        rules={k: v for k, v in P["claims"].items() if k.split("-")[0] in ("E3", "E8a", "E8b", "E9")},
        out_dir=subpath(output.claims, parent=True),
    threads: P["threads"]
    conda:
        "../envs/aecopy.yaml"
    log:
        "logs/e3.log",
    shell:
        "python -m aecopy.cli.e3 --out-dir {params.out_dir} > {log} 2>&1"


rule e6:
    input:
        runs=[run_dir(E6["variant"], seed) for seed in E6_SEEDS],
        data=[f"data/prepared/{VARIANTS[E6['variant']]['dataset']}/{split}.npy" for split in ("train", "val")],
        code=SAMPLE_CODE + code("cli/e6.py", "procedures/walk.py"),
    output:
        claims="results/e6/claims.json",
        metrics="results/e6/metrics.json",
        figures=[
            report(f"results/e6/{name}", caption="../report/e6.rst", category="E6: manifold walks")
            for name in ("walk-noisefree.gif", "walk-noisy.gif", "strip-noisefree.png", "strip-noisy.png",
                         "curve.png", "distances.png")
        ],
    params:
        cfg=E6,
        train=VARIANTS[E6["variant"]]["train"],
        rules={k: v for k, v in P["claims"].items() if k.startswith("E6")},
        out_dir=subpath(output.claims, parent=True),
    threads: P["threads"]
    conda:
        "../envs/aecopy.yaml"
    log:
        "logs/e6.log",
    shell:
        "python -m aecopy.cli.e6 --out-dir {params.out_dir} > {log} 2>&1"


rule e7:
    input:
        runs=[run for v in E7["variants"] for run in runs_of(v)[: E7["max_seeds"]]],
        data=[f"data/prepared/{d}/{split}.npy" for d in E7_DATASETS for split in ("train", "val")],
        code=SAMPLE_CODE + code("cli/e7.py", "procedures/generate.py"),
    output:
        claims="results/e7/claims.json",
        metrics="results/e7/metrics.json",
        figures=[
            report(f, caption="../report/e7.rst", category="E7: generation")
            for f in [f"results/e7/strip-{v}-N{n}.png" for v in E7["variants"] for n in E7["steps"]]
            + [f"results/e7/samples-N{n}.png" for n in E7["steps"]]
            + [f"results/e7/{name}.png" for name in ("nearest", "swd", "detail_coherence")]
        ],
    params:
        cfg=E7,
        rules={k: v for k, v in P["claims"].items() if k.startswith("E7")},
        out_dir=subpath(output.claims, parent=True),
    threads: P["threads"]
    conda:
        "../envs/aecopy.yaml"
    log:
        "logs/e7.log",
    shell:
        "python -m aecopy.cli.e7 --out-dir {params.out_dir} > {log} 2>&1"


CLAIM_FILES.extend([rules.e3.output.claims, rules.e6.output.claims, rules.e7.output.claims])
REPORT_FIGURES.extend([*rules.e3.output.figures, *rules.e6.output.figures, *rules.e7.output.figures])
