# Data: the embedded photographs (or a user-supplied data set) → uint8 arrays under data/prepared/.

wildcard_constraints:
    dataset="[A-Za-z0-9_-]+",
    name="[A-Za-z0-9_-]+",
    size="[0-9]+",


rule prepare:
    input:
        manifest=P["embedded"]["manifest"],
        debs=P["embedded"]["debs_sha256"],
        code=CORE_CODE + code("cli/prepare.py", "data/*.py"),
    output:
        train=paths.split("{dataset}", "train"),
        val=paths.split("{dataset}", "val"),
        manifest=paths.manifest("{dataset}"),
    params:
        name="prepare",
        p=lambda w: reads(f"datasets.{w.dataset}", *prepare_keys(w.dataset)),
        out_dir=subpath(output.train, parent=True),
    conda:
        "../envs/aecopy.yaml"
    benchmark:
        paths.job_benchmark("prepare/{dataset}"),
    log:
        paths.log("prepare/{dataset}"),
    shell:
        "python -m aecopy.cli.prepare --rule={params.name} --params {params.p:q} --dataset {wildcards.dataset} "
        "--out-dir {params.out_dir} > {log} 2>&1"


from aecopy.data.files import image_files  # imports nothing heavy


rule prepare_eval:
    input:
        # the folder's image files: adding, removing or editing one reruns the rule
        images=lambda wildcards: [str(p) for p in image_files(P["eval_sets"][wildcards.name])],
        code=CORE_CODE + code("cli/prepare_eval.py", "data/*.py"),
    output:
        array=paths.eval_set("{name}", "{size}"),
        skipped=paths.eval_set_skipped("{name}", "{size}"),
    params:
        name="prepare_eval",
        # the folder and on_bad_data are what the job reads: another folder or on_bad_data reruns the rule
        p=lambda w: reads(f"eval_sets.{w.name}", "on_bad_data"),
    conda:
        "../envs/aecopy.yaml"
    benchmark:
        paths.job_benchmark("prepare_eval/{name}-{size}"),
    log:
        paths.log("prepare_eval/{name}-{size}"),
    shell:
        "python -m aecopy.cli.prepare_eval --rule={params.name} --params {params.p:q} --name {wildcards.name} "
        "--size {wildcards.size} --out {output.array} --skipped {output.skipped} > {log} 2>&1"
