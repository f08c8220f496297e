"""How alike two images are, as Kadkhodaie, Guth, Simoncelli & Mallat (ICLR 2024) compare the samples of
two generative models with each other and with training images: the cosine of the angle between the two
images after removing each image's mean (1 = the same pattern up to brightness and contrast).

Two models trained on disjoint data that generalise give nearly the same sample from the same noise
(model-to-model similarity near 1) and samples unlike any training image; memorising models give copies
of their own training images (sample-to-nearest-training similarity near 1) that differ between the two.
"""
from __future__ import annotations

from typing import Callable

import torch


def centred_unit(x: torch.Tensor) -> torch.Tensor:
    """Images (B, C, H, W) as unit vectors (B, C·H·W) after removing each image's mean."""
    v = x.float().flatten(1)
    v = v - v.mean(1, keepdim=True)
    return v / v.norm(dim=1, keepdim=True).clamp_min(1e-12)


def cosine(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Mean-removed cosine similarity of a[i] and b[i] (two (B, C, H, W) sets): (B,) in [−1, 1]."""
    return (centred_unit(a) * centred_unit(b)).sum(1)


@torch.no_grad()
def nearest_cosine(queries: torch.Tensor, reference: torch.Tensor, chunk: int = 512,
                   transform: Callable[[torch.Tensor], torch.Tensor] | None = None,
                   ) -> tuple[torch.Tensor, torch.Tensor]:
    """For each query image (Q, C, H, W): the largest mean-removed cosine similarity to an image of
    `reference` (R, C, H, W) and that image's index, two (Q,) tensors. `transform` turns a chunk of the
    reference into images like the queries (uint8 → [0, 1] floats), so a large reference stays uint8."""
    q = centred_unit(queries)
    best = torch.full((q.shape[0],), -2.0)
    index = torch.zeros(q.shape[0], dtype=torch.long)
    for start in range(0, reference.shape[0], chunk):
        r = reference[start:start + chunk]
        sim = q @ centred_unit(transform(r) if transform else r).T  # (Q, chunk)
        value, i = sim.max(dim=1)
        better = value > best
        best[better], index[better] = value[better], i[better] + start
    return best, index
