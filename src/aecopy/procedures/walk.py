"""Manifold walks (SPEC "Manifold walk", "Walk proportion"): encode, perturb, decode, repeat.

h = E(x); for t = 1 … T: h ← h + N(0, ε) (skipped when ε = 0), g_t = D(h), h = E(g_t).
An image "walks" when RMS(g_T − g_1) exceeds a threshold (0.1 on the [0, 1] scale).

With BatchNorm in train mode an image's step depends on the other images of its batch, so a batch
walks together for all T steps, and batches are composed as `procedures.batches` says.
"""
from __future__ import annotations

import numpy as np
import torch

from .batches import batch_indices


def rms(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Root-mean-square difference per image (B,)."""
    return (a - b).pow(2).flatten(1).mean(1).sqrt()


@torch.no_grad()
def walk(model, x: torch.Tensor, steps: int, eps: float, generator: torch.Generator | None = None,
         keep: tuple[int, ...] = (), rows: int | torch.Tensor = 8) -> dict:
    """Walk every image of x (B, C, H, W) for `steps` steps with latent noise sd `eps`, as one batch.

    Returns {"first": g_1, "last": g_T (B, C, H, W) on the CPU, "distance": RMS(g_T − g_1) (B,),
    "reconstruction": RMS(g_1 − x) (B,) (the one-step reconstruction error when eps = 0),
    "frames": {t: g_t[rows]} for t (1-based) in keep}; `rows`: the first n images, or an index tensor.
    Latent noise is drawn on the CPU from `generator` (needed when eps > 0).
    """
    rows = torch.arange(min(rows, x.shape[0])) if isinstance(rows, int) else rows
    h = model.encode(x)
    frames: dict[int, torch.Tensor] = {}
    first = g = None
    for t in range(1, steps + 1):
        if eps:
            h = h + eps * torch.randn(h.shape, generator=generator, dtype=h.dtype).to(h.device)
        g = model.decode(h)  # (B, C, H, W)
        if first is None:
            first = g
        if t in keep:
            frames[t] = g[rows.to(g.device)].float().cpu().contiguous()
        h = model.encode(g)
    first, last = first.float().cpu().contiguous(), g.float().cpu().contiguous()
    return {"first": first, "last": last, "distance": rms(last, first), "frames": frames,
            "reconstruction": rms(first, x.float().cpu())}


def walk_composed(model, x: torch.Tensor, batch_size: int, composition: str, steps: int, eps: float,
                  batch_generator: torch.Generator | None = None, noise_generator: torch.Generator | None = None,
                  keep: tuple[int, ...] = (), n_keep: int = 8, device="cpu", channels_last: bool = False) -> dict:
    """`walk` over x (N, C, H, W) in batches composed as `procedures.batches.batch_indices` says
    (`batch_generator` draws random batches), each batch walking together; results in x's order.

    Every image counts in exactly one batch (a batch filled up with images from elsewhere keeps only its
    own members' results). Frames are those of x's first `n_keep` images, whatever their batch.
    `channels_last`: feed the model NHWC tensors (the layout it trained in; results differ by rounding).
    """
    n = x.shape[0]
    out = {k: torch.empty(n, *x.shape[1:]) for k in ("first", "last")}
    out.update(distance=torch.empty(n), reconstruction=torch.empty(n))
    frames: dict[int, torch.Tensor] = {t: torch.empty(min(n_keep, n), *x.shape[1:]) for t in keep}
    seen = torch.zeros(n, dtype=torch.bool)
    for idx in batch_indices(n, batch_size, composition, batch_generator):
        own = idx[~seen[idx]]  # the batch's members that count here (not fill-up images)
        pos = torch.nonzero(~seen[idx]).flatten()
        shown = pos[own < n_keep]
        xb = x[idx].to(device)
        if channels_last:
            xb = xb.contiguous(memory_format=torch.channels_last)
        res = walk(model, xb, steps, eps, noise_generator, keep if shown.numel() else (), rows=shown)
        for k in ("first", "last", "distance", "reconstruction"):
            out[k][own] = res[k][pos]
        for t, f in res["frames"].items():
            frames[t][own[own < n_keep]] = f
        seen[own] = True
    out["frames"] = frames
    return out


def walk_proportion(distance, threshold: float = 0.1) -> float:
    """Fraction of images whose walk moved by more than `threshold` (RMS on the [0, 1] scale)."""
    return float((np.asarray(distance) > threshold).mean())
