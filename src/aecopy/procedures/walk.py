"""Manifold walks (SPEC "Manifold walk", "Walk proportion"): encode, perturb, decode, repeat.

h = E(x); for t = 1 … T: h ← h + N(0, ε) (skipped when ε = 0), g_t = D(h), h = E(g_t).
An image "walks" when RMS(g_T − g_1) exceeds a threshold (0.1 on the [0, 1] scale).
"""
from __future__ import annotations

import numpy as np
import torch


def rms(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Root-mean-square difference per image (B,)."""
    return (a - b).pow(2).flatten(1).mean(1).sqrt()


@torch.no_grad()
def walk(model, x: torch.Tensor, steps: int, eps: float, generator: torch.Generator | None = None,
         keep: tuple[int, ...] = (), n_keep: int = 8) -> dict:
    """Walk every image of x (B, C, H, W) for `steps` steps with latent noise sd `eps`.

    Returns {"first": g_1, "last": g_T (B, C, H, W) on the CPU, "distance": RMS(g_T − g_1) (B,),
    "reconstruction": RMS(g_1 − x) (B,) (the one-step reconstruction error when eps = 0),
    "frames": {t: g_t[:n_keep]} for t (1-based) in keep}.
    Latent noise is drawn on the CPU from `generator` (needed when eps > 0).
    """
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
            frames[t] = g[:n_keep].float().cpu()
        h = model.encode(g)
    first, last = first.float().cpu(), g.float().cpu()
    return {"first": first, "last": last, "distance": rms(last, first), "frames": frames,
            "reconstruction": rms(first, x.float().cpu())}


def walk_batched(model, x: torch.Tensor, batch_size: int, steps: int, eps: float, generator: torch.Generator | None,
                 keep: tuple[int, ...] = (), n_keep: int = 8, device="cpu") -> dict:
    """`walk` over x (N, C, H, W) in independent batches of `batch_size`; frames come from the first batch."""
    parts = [walk(model, x[i:i + batch_size].to(device), steps, eps, generator, keep if i == 0 else (), n_keep)
             for i in range(0, x.shape[0], batch_size)]
    out = {k: torch.cat([p[k] for p in parts]) for k in ("first", "last", "distance", "reconstruction")}
    out["frames"] = parts[0]["frames"]
    return out


def walk_proportion(distance, threshold: float = 0.1) -> float:
    """Fraction of images whose walk moved by more than `threshold` (RMS on the [0, 1] scale)."""
    return float((np.asarray(distance) > threshold).mean())
