# Helpers shared by the workflow: the resolved params `P`, what a job reads, code dependencies.
# Paths come from aecopy.paths, input lists and seeds from aecopy.plan: the entry points use the same two.
import glob
import os

from snakemake.exceptions import WorkflowError

from aecopy import paths, plan
from aecopy.claim_ids import experiment_claim_ids
from aecopy.params import declare

# Rules call `python`: make it the interpreter running Snakemake (the project's virtual environment).
os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")

DATASETS = P["datasets"]
VARIANTS = P["variants"]
EXPERIMENTS = P["experiments"]


def code(*patterns):
    """Source files a rule runs, so that editing them makes the rule out of date."""
    return sorted(f for p in patterns for f in glob.glob(f"src/aecopy/{p}"))


CORE_CODE = code("__init__.py", "config.py", "claim_ids.py", "io.py", "params.py", "paths.py", "plan.py",
                 "cli/__init__.py", "cli/common.py")
MODEL_CODE = code("models/*.py", "train.py", "datasets.py", "inputs.py", "objectives.py", "beyond/*.py")


def all_cores():
    """Every core Snakemake was given (`--cores`), else this machine's: a benchmark job takes them all, so no
    two run at once. (`workflow.cores` alone fails where no --cores is given: `--summary`, cluster executors.)"""
    try:
        return workflow.cores
    except WorkflowError:
        return os.cpu_count() or 1


def reads(*keys):
    """The params a job reads, as dotted keys of the resolved params, in the JSON its entry point takes
    (`--params`). A change to any of them changes this rule's params, so Snakemake reruns the job."""
    return declare(P, keys)


# Params every job that computes with torch reads: its thread count and device fix its numbers.
TORCH = ("threads", "device")
# The bar a trained autoencoder must reach for claims about it to count (aecopy.premise).
PREMISE_BAR = ("premise.min_psnr", "premise.min_r2")


# What building a model and choosing its images reads (untrained), what loading or training one reads (its
# checkpoint is checked against its whole configuration and data set), and a variant's own training seeds.
BUILD = ("model", "image_size", "kwargs", "dataset")
TRAINED = BUILD + ("train",)


def variant_keys(*variants, trained=True, seeds=False):
    """The configs of variants a job builds, loads or trains; `seeds`: the job also picks their seeds."""
    keys = [f"variants.{v}.{k}" for v in variants for k in (TRAINED if trained else BUILD)]
    keys += [f"datasets.{VARIANTS[v]['dataset']}" for v in variants] if trained else []
    return keys + ([f"variants.{v}.seeds" for v in variants] if seeds else [])


def claim_keys(experiment):
    """The verdict rules of the claims an experiment makes."""
    return [("claims", i) for i in experiment_claim_ids(P, experiment)]  # ids may hold dots (E3-a0.5)


def with_inputs(description):
    """(Snakemake input files, the JSON `--inputs` of the entry point) of a plan description."""
    return plan.files(description), plan.as_json(description)


# Each experiment's rule file appends its claims file and figures (and benchmarks their JSON);
# report.smk and bench.smk, included last, consume the lists.
# Training runs one process, or one per GPU under torchrun (DDP) when params ask for several GPUs.
LAUNCHER = "python" if P["gpus"] == 1 else f"torchrun --standalone --nproc_per_node {P['gpus']}"

CLAIM_FILES = []
REPORT_FIGURES = []
BENCH_FILES = []


EXPERIMENT_SHELL = ("python -m aecopy.cli.experiment {params.name} --rule={params.name} --params {params.p:q} "
                    "--inputs {params.inputs:q} --out-dir {params.out_dir} --figures {output.figures} > {log} 2>&1")


# ---- helpers of the rule files (what their jobs read) ---------------------------------------------

def prepare_keys(dataset):
    """The embedded photographs are cut by a seeded recipe; user-supplied data may hold unreadable files."""
    if DATASETS[dataset]["source"] == "embedded":
        return ["embedded", "seed", "cache_dir"]
    return ["on_bad_data"]


def subset_keys(variant):
    """A run on part of the training photographs splits them by params' seed."""
    return ["seed"] if VARIANTS[variant]["train"].get("subset") else []


def train_inputs(wildcards):
    return plan.train_inputs(P, wildcards.variant)


def invert_keys(variant, trained, noisy):
    layer_keys = [f"experiments.inversion.overrides.{variant}", f"experiments.inversion.layers.{variant}"]
    if variant == plan.VIT_B_32:
        data = ["experiments.e10.variant", "experiments.e10.vit_b_32_image_size", f"variants.{E10['variant']}.dataset"]
    else:  # an untrained model's reconstruction is drawn in batches of its training batch size
        data = variant_keys(variant, trained=trained) + ([] if trained else [f"variants.{variant}.train.batch_size"])
    return ["device", "experiments.inversion.threads", "seed", *INVERSION_KEYS, *layer_keys, *data] + (
        ["experiments.e4.alpha"] if noisy else [])


def invert_inputs(wildcards, state):
    return plan.invert_inputs(P, wildcards.variant, getattr(wildcards, "seed", 0), state)


def represent_rule_inputs(experiment):
    return with_inputs(plan.represent_inputs(P, experiment))


def represent_keys(experiment, fields, *variants):
    """What a representation experiment reads: the fields of its block, the convergence rule, the data set
    names of its variants (the claims' `data`), its verdict rules."""
    block = "e9" if experiment == "e9_represent" else experiment
    return ["threads", "seed", "scale", *[f"experiments.{block}.{f}" for f in fields], *CONVERGENCE,
            *[f"variants.{v}.dataset" for v in variants], *claim_keys(experiment)]
