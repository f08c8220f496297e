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
    manifest = pd.read_csv(manifest_path, keep_default_na=False)  # user-supplied data: photo "" for every image
    photos = {p: i for i, p in enumerate(sorted(manifest["photo"].unique()))}
    rows = manifest[manifest["split"] == split].sort_values("index")
    return torch.tensor([photos[p] for p in rows["photo"]], dtype=torch.int64)


def training_subset(photos: torch.Tensor, seed: int, parts: int = 1, part: int = 0,
                    limit: int | None = None) -> torch.Tensor:
    """Indices of the training images a run uses (params `train.subset`): the photographs split into
    `parts` disjoint groups by a seeded shuffle of the photograph ids, group `part` kept (two models on
    disjoint halves see no photograph in common); then at most `limit` images, a seeded random choice.
    photos: the source-photograph index of every training image (N,). The same seed gives the same
    groups for every part, so the parts of one split are disjoint and cover every photograph. Data without
    photographs (fewer distinct ids than parts: user-supplied sets) are split image by image."""
    keep = torch.arange(photos.shape[0])
    if parts > 1:
        if torch.unique(photos).numel() < parts:  # no photographs to split by (LSUN, CIFAR-10): split by image
            photos = keep
        ids = torch.unique(photos)
        order = ids[torch.randperm(ids.numel(), generator=torch.Generator().manual_seed(seed))]
        mine = order[part::parts]
        keep = keep[torch.isin(photos, mine)]
    if limit is not None and limit < keep.numel():
        pick = torch.randperm(keep.numel(), generator=torch.Generator().manual_seed(seed + 1))[:limit]
        keep = keep[pick.sort().values]
    return keep
