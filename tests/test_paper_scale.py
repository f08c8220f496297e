"""Paper scale resolves: every rule of the DAG finds its inputs, with tiny stand-ins for the user's data."""
from __future__ import annotations

import pickle

import numpy as np
import yaml
from PIL import Image

from .conftest import REPO, make_project, run


def stand_in_data(root):
    """Small files in the layouts of CIFAR-10, the LSUN .npy export and a landscapes folder."""
    cifar = root / "cifar-10-batches-py"
    cifar.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        with open(cifar / name, "wb") as f:
            pickle.dump({b"data": rng.integers(0, 256, (10, 3072), dtype=np.uint8), b"labels": list(range(10))}, f)
    np.save(root / "church_outdoor_64.npy", rng.integers(0, 256, (8, 64, 64, 3), dtype=np.uint8))
    landscapes = root / "landscapes"
    landscapes.mkdir()
    for i in range(4):
        Image.fromarray(rng.integers(0, 256, (800, 900, 3), dtype=np.uint8)).save(landscapes / f"{i:03d}.jpg")
    return {"cifar10": cifar, "lsun_npy": root / "church_outdoor_64.npy", "image_folder": landscapes}


def test_paper_scale_dry_run_resolves_every_rule(tmp_path):
    paths = stand_in_data(tmp_path / "data")
    with open(REPO / "params.yaml") as f:
        params = yaml.safe_load(f)
    params["scale"] = "paper"
    for ds in params["scales"]["paper"]["datasets"].values():
        ds["path"] = str(paths[ds["source"]])
    project = make_project(tmp_path / "p", params)
    out = run(["snakemake", "-n", "--quiet", "rules"], project).stdout
    for rule in ("prepare", "train", "e1", "claims", "report"):
        assert rule in out, out
