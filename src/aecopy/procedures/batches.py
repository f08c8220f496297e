"""How evaluation images are grouped into batches, which matters with BatchNorm in train mode.

A train-mode BatchNorm normalises each image with the statistics of the whole batch, so a model's output
on an image depends on the other images of its batch. Training batches are drawn at random across the
training photographs; evaluation batches are drawn the same way by default (`random`), at the training
batch size. Two other compositions measure how much a result depends on that choice:
- `photo`: batches of consecutive images of the split, which is stored photograph by photograph, so a
  batch holds patches of the same few photographs (similar colours and textures);
- `single`: every image alone (batch size 1: BatchNorm sees one image's statistics).
"""
from __future__ import annotations

import torch

COMPOSITIONS = ("random", "photo", "single")


def batch_indices(n: int, batch_size: int, composition: str = "random",
                  generator: torch.Generator | None = None) -> list[torch.Tensor]:
    """Index tensors that group range(n) into batches of exactly `batch_size` (1 for `single`).

    Every image lies in exactly one batch as a member that counts; when n is not a multiple of the
    batch size, the last batch is filled up with images from the start of the order (their outputs in
    that batch are not used), so BatchNorm never sees a smaller batch than training did.
    """
    if composition not in COMPOSITIONS:
        raise ValueError(f"composition must be one of {COMPOSITIONS}, got {composition!r}")
    if composition == "single" or batch_size <= 1:
        return [torch.tensor([i]) for i in range(n)]
    if composition == "random":
        if generator is None:
            raise ValueError("random batches need an explicit torch.Generator")
        order = torch.randperm(n, generator=generator)
    else:
        order = torch.arange(n)
    size = min(batch_size, n)
    batches = [order[i:i + size] for i in range(0, n, size)]
    short = size - batches[-1].numel()
    if short:
        batches[-1] = torch.cat([batches[-1], order[:short]])
    return batches


@torch.no_grad()
def run_composed(model: torch.nn.Module, x: torch.Tensor, batch_size: int, composition: str = "random",
                 generator: torch.Generator | None = None, device="cpu") -> torch.Tensor:
    """model(x) for x (N, C, H, W) with batches composed as `composition` says; outputs in x's order, on
    the CPU. Each image keeps the output of the batch it counts in (not of a fill-up). BatchNorm stays in
    whatever mode the model is in."""
    out, seen = None, torch.zeros(x.shape[0], dtype=torch.bool)
    for idx in batch_indices(x.shape[0], batch_size, composition, generator):
        y = model(x[idx].to(device)).float().cpu()
        if out is None:
            out = torch.empty((x.shape[0], *y.shape[1:]), dtype=y.dtype)
        new = ~seen[idx]
        out[idx[new]] = y[new]
        seen[idx[new]] = True
    return out
