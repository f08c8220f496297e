"""Every path of the pipeline, written once: the rules and the Python code both call these.

Arguments may be Snakemake wildcards ("{variant}") as well as values, except epochs (formatted as numbers).
"""
from __future__ import annotations

PREPARED = "data/prepared"
RESULTS = "results"


def dataset_dir(dataset) -> str:
    return f"{PREPARED}/{dataset}"


def split(dataset, name) -> str:
    """uint8 (N, 3, S, S) images of split "train" or "val"."""
    return f"{dataset_dir(dataset)}/{name}.npy"


def manifest(dataset) -> str:
    return f"{dataset_dir(dataset)}/manifest.csv"


def eval_set(name, size) -> str:
    return f"{PREPARED}/eval/{name}-{size}.npy"


def eval_set_skipped(name, size) -> str:
    """The files of an evaluation folder that on_bad_data: skip left out."""
    return f"{PREPARED}/eval/{name}-{size}.skipped.json"


def run_dir(variant, seed) -> str:
    """The training rule's output folder: checkpoints and loss curves of one (variant, seed)."""
    return f"{RESULTS}/train/{variant}/seed{seed}"


def checkpoint(variant, seed, epoch: int) -> str:
    return f"{run_dir(variant, seed)}/epoch{epoch:04d}.pt"


def loss_steps(variant, seed) -> str:
    return f"{run_dir(variant, seed)}/loss_steps.csv"


def loss_epochs(variant, seed) -> str:
    return f"{run_dir(variant, seed)}/loss_epochs.csv"


def validation(variant, seed) -> str:
    """Validation curve of a run: copy quality (autoencoders) or loss and accuracy (classifiers) per epoch."""
    return f"{run_dir(variant, seed)}/validation.csv"


def resume_dir(variant, seed, key: str) -> str:
    """Resume state of a training run (not versioned), keyed by its configuration and code."""
    return f".cache/train/{variant}/seed{seed}/{key}"


def inversion(variant, seed, state, bn, kind) -> str:
    """Input representations of one model on every evaluation set (rule invert_*)."""
    return f"{RESULTS}/represent/{variant}/seed{seed}/{state}-{bn}-{kind}.pt"


def vit_b_32_inversion(state) -> str:
    return f"{RESULTS}/represent/vit_b_32/{state}.pt"


def experiment_dir(experiment) -> str:
    return f"{RESULTS}/{experiment}"


def experiment_file(experiment, name) -> str:
    return f"{experiment_dir(experiment)}/{name}"


def claims(experiment=None) -> str:
    """An experiment's claims.json, or (no argument) the gathered results/claims.json."""
    return f"{experiment_dir(experiment)}/claims.json" if experiment else f"{RESULTS}/claims.json"


def metrics(experiment=None) -> str:
    return f"{experiment_dir(experiment)}/metrics.json" if experiment else f"{RESULTS}/metrics.json"


CONTROLS = f"{RESULTS}/controls/controls.json"
REPORT = f"{RESULTS}/report.html"
TRAINING_SECTION = f"{RESULTS}/training/section.json"
TRAINING_FIGURE = f"{RESULTS}/training/loss_curves.png"
VALIDATION_FIGURE = f"{RESULTS}/training/validation_curves.png"


def bench(name) -> str:
    return f"{RESULTS}/bench/{name}.json"


BENCH_JOBS = f"{RESULTS}/bench/jobs"
PROFILE = f"{RESULTS}/bench/rules.tsv"
PROFILE_SECTION = f"{RESULTS}/bench/profile.json"


def job_benchmark(name) -> str:
    """Snakemake's benchmark of one job (wall and CPU time, peak memory), named like its log."""
    return f"{BENCH_JOBS}/{name}.tsv"


def log(name) -> str:
    return f"logs/{name}.log"
