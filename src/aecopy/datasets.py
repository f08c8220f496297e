"""Prepared data sets on disk (`data/prepared/...`): uint8 arrays (N, 3, S, S) plus a manifest."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import torch

PREPARED = Path("data/prepared")


def dataset_dir(name: str) -> Path:
    return PREPARED / name


def eval_set_path(name: str, size: int) -> Path:
    return PREPARED / "eval" / f"{name}-{size}.npy"


def load_split(name: str, split: str) -> torch.Tensor:
    """uint8 (N, 3, S, S) images of split "train" or "val" of a prepared data set."""
    return torch.from_numpy(np.load(dataset_dir(name) / f"{split}.npy"))


def load_labels(name: str, split: str) -> torch.Tensor:
    """Source-photograph index of every image of a split (for the ViT's offline classification task)."""
    manifest = pd.read_csv(dataset_dir(name) / "manifest.csv")
    photos = {p: i for i, p in enumerate(sorted(manifest["photo"].unique()))}
    rows = manifest[manifest["split"] == split].sort_values("index")
    return torch.tensor([photos[p] for p in rows["photo"]], dtype=torch.int64)


def spread_indices(n: int, k: int) -> np.ndarray:
    """k indices spread evenly over range(n) (all of them when k >= n): covers every source photo."""
    if k >= n:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, k).round().astype(np.int64))
