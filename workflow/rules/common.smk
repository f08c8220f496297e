# Helpers shared by the workflow: the resolved params `P`, paths and code dependencies.
import glob
import os

# Rules call `python`: make it the interpreter running Snakemake (the project's virtual environment).
os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")

DATASETS = P["datasets"]
VARIANTS = P["variants"]
SEEDS = P["seeds"]
EXPERIMENTS = P["experiments"]


def code(*patterns):
    """Source files a rule runs, so that editing them makes the rule out of date."""
    return sorted(f for p in patterns for f in glob.glob(f"src/aecopy/{p}"))


CORE_CODE = code("__init__.py", "config.py", "io.py", "cli/__init__.py", "cli/common.py")
MODEL_CODE = code("models/*.py", "train.py", "datasets.py")


# Each experiment's rule file appends its claims file and figures (and benchmarks their JSON);
# report.smk and bench.smk, included last, consume the lists.
# Training runs one process, or one per GPU under torchrun (DDP) when params ask for several GPUs.
LAUNCHER = "python" if P["gpus"] == 1 else f"torchrun --standalone --nproc_per_node {P['gpus']}"

CLAIM_FILES = []
REPORT_FIGURES = []
BENCH_FILES = []


def seeds_of(variant):
    return VARIANTS[variant].get("seeds", SEEDS)


def runs_of(variant):
    """The training output folders of every seed of a variant."""
    return [run_dir(variant, seed) for seed in seeds_of(variant)]


def run_dir(variant, seed):
    return f"results/train/{variant}/seed{seed}"


def final_checkpoint(variant, seed):
    epoch = max(VARIANTS[variant]["train"]["save_epochs"])
    return f"{run_dir(variant, seed)}/epoch{epoch:04d}.pt"


def eval_set_file(name, size):
    return f"data/prepared/eval/{name}-{size}.npy"


def variant_params(wildcards):
    return {"variant": VARIANTS[wildcards.variant],
            "dataset": DATASETS[VARIANTS[wildcards.variant]["dataset"]]}


def variant_train_data_of(variant):
    return f"data/prepared/{VARIANTS[variant]['dataset']}/train.npy"


def variant_train_data(wildcards):
    return variant_train_data_of(wildcards.variant)


def dataset_params(wildcards):
    return {"dataset": DATASETS[wildcards.dataset], "embedded": P["embedded"], "seed": P["seed"]}
