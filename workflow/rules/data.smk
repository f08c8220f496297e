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
        train="data/prepared/{dataset}/train.npy",
        val="data/prepared/{dataset}/val.npy",
        manifest="data/prepared/{dataset}/manifest.csv",
    params:
        cfg=dataset_params,
        out_dir=subpath(output.train, parent=True),
    conda:
        "../envs/aecopy.yaml"
    log:
        "logs/prepare/{dataset}.log",
    shell:
        "python -m aecopy.cli.prepare --dataset {wildcards.dataset} --out-dir {params.out_dir} > {log} 2>&1"


from aecopy.data.files import image_files  # imports nothing heavy


rule prepare_eval:
    input:
        # the folder's image files: adding, removing or editing one reruns the rule
        images=lambda wildcards: [str(p) for p in image_files(P["eval_sets"][wildcards.name])],
        code=CORE_CODE + code("cli/prepare_eval.py", "data/*.py"),
    output:
        array="data/prepared/eval/{name}-{size}.npy",
        skipped="data/prepared/eval/{name}-{size}.skipped.json",
    params:
        # params are part of what Snakemake compares: another folder or on_bad_data reruns the rule
        folder=lambda wildcards: P["eval_sets"][wildcards.name],
        on_bad_data=P["on_bad_data"],
    conda:
        "../envs/aecopy.yaml"
    log:
        "logs/prepare_eval/{name}-{size}.log",
    shell:
        "python -m aecopy.cli.prepare_eval --name {wildcards.name} --size {wildcards.size} --out {output.array} "
        "--skipped {output.skipped} > {log} 2>&1"
