"""Prepared data sets on disk (paths.split, paths.manifest): uint8 arrays (N, 3, S, S) plus a manifest."""
from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from . import paths
from .plan import spread_indices  # noqa: F401  (re-exported: most callers sample images)


def load_split(name: str, split: str) -> torch.Tensor:
    """uint8 (N, 3, S, S) images of split "train" or "val" of a prepared data set."""
    return torch.from_numpy(np.load(paths.split(name, split)))


def labels_from_manifest(manifest_path, split: str) -> torch.Tensor:
    """Source-photograph index of every image of a split (for the ViT's offline classification task)."""
    manifest = pd.read_csv(manifest_path)
    photos = {p: i for i, p in enumerate(sorted(manifest["photo"].unique()))}
    rows = manifest[manifest["split"] == split].sort_values("index")
    return torch.tensor([photos[p] for p in rows["photo"]], dtype=torch.int64)
