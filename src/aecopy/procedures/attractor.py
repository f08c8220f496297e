"""Images as attractors of an autoencoder (after Radhakrishnan, Belkin & Uhler, PNAS 2020): iterate
x ← f(x) from an image, see whether it settles on a fixed point near where it started, and estimate the
spectral radius ρ of f's Jacobian at the end point. A fixed point with ρ < 1 attracts: nearby inputs
are pulled onto it, so an autoencoder whose training images are such points has memorised them as an
associative memory. The iteration is E6's noise-free walk (`procedures.walk.walk`): an image that does
not walk stays near a fixed point.

BatchNorm. In train mode, BatchNorm normalises with the statistics of the whole batch, so a batch is
one function of all its images: F(x₁, …, x_B). Its images are iterated together (in batches composed as
`procedures.batches` says), and ρ is that of F's Jacobian over the batch (one value per batch, shared
by its members): the batch's joint fixed point attracts when ρ < 1. Running statistics are left alone
(`batch_statistics_only`). In eval mode every image is its own function and ρ is per image.
"""
from __future__ import annotations

import contextlib
from typing import Callable, Iterator

import torch
from torch import nn

from .batches import batch_indices
from .walk import rms, walk


@contextlib.contextmanager
def batch_statistics_only(model: nn.Module) -> Iterator[nn.Module]:
    """Within the block, train-mode BatchNorms normalise with batch statistics without updating their
    running statistics, so iterating the model leaves it unchanged and torch.func can differentiate it."""
    norms = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm) and m.training]
    flags = [m.track_running_stats for m in norms]
    for m in norms:
        m.track_running_stats = False  # train mode then passes no running buffers to batch_norm
    try:
        yield model
    finally:
        for m, flag in zip(norms, flags):
            m.track_running_stats = flag


def spectral_radius(f: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, steps: int,
                    generator: torch.Generator, per_image: bool = True) -> torch.Tensor:
    """ρ of the Jacobian of f at x (B, C, H, W) by power iteration with Jacobian-vector products
    (torch.func.jvp; no dense Jacobian): v ← Jv/‖Jv‖ from a random v; ρ ≈ the geometric mean of the
    growth ‖Jv‖/‖v‖ over the second half of the steps, which converges to ρ also when the leading
    eigenvalues are a complex pair. `per_image`: f treats images independently (its Jacobian is block
    diagonal) and each image gets its own ρ; otherwise the batch is one input and every image gets the
    batch's ρ. Returns (B,). The random start is drawn on the CPU from `generator`."""
    b = x.shape[0]
    view = (b,) + (1,) * (x.dim() - 1)

    def norms(t: torch.Tensor) -> torch.Tensor:  # (B,)
        return t.flatten(1).norm(dim=1) if per_image else t.norm().expand(b)

    v = torch.randn(x.shape, generator=generator, dtype=torch.float32).to(x)
    v = v / norms(v).clamp_min(1e-30).view(view)
    logs = []
    for _ in range(steps):
        _, u = torch.func.jvp(f, (x,), (v,))
        n = norms(u).clamp_min(1e-30)  # J = 0 (a projection onto a stored image) gives ρ ≈ 0
        logs.append(n.log())
        v = u / n.view(view)
    return torch.stack(logs[steps // 2:]).mean(0).exp().detach()


def iterate(model: nn.Module, x: torch.Tensor, steps: int, power_steps: int, generator: torch.Generator,
            per_image: bool, channels_last: bool = False) -> dict[str, torch.Tensor]:
    """Iterate the model `steps` times from x (B, C, H, W) as one batch, then estimate ρ at the end point.

    Returns per image (B,): "step" RMS(x_T − x_{T−1}) (≈ 0 at a fixed point), "moved" RMS(x_T − x₀),
    "walked" RMS(x_T − x₁) (E6's walk distance), "one_step" RMS(x₁ − x₀) (the copy error), "rho"; and
    "last" x_T (B, C, H, W) on the CPU. `channels_last`: x is NHWC, and so is the end point ρ is taken at."""
    res = walk(model, x, steps, 0.0, keep=(steps - 1, steps), rows=x.shape[0])
    last = res["frames"][steps]
    end = last.to(x.device, dtype=x.dtype)
    if channels_last:
        end = end.contiguous(memory_format=torch.channels_last)
    rho = spectral_radius(model, end, power_steps, generator, per_image).float().cpu()
    return {"step": rms(last, res["frames"][steps - 1]), "moved": rms(last, x.float().cpu()),
            "walked": res["distance"], "one_step": res["reconstruction"], "rho": rho, "last": last}


def iterate_composed(model: nn.Module, x: torch.Tensor, batch_size: int, composition: str, steps: int,
                     power_steps: int, batch_generator: torch.Generator | None, vector_generator: torch.Generator,
                     per_image: bool, device="cpu", channels_last: bool = False) -> dict[str, torch.Tensor]:
    """`iterate` over x (N, C, H, W) in batches composed as `procedures.batches.batch_indices` says, each
    batch iterated (and its ρ estimated) together; results in x's order. Every image counts in exactly
    one batch (a batch filled up with images from elsewhere keeps only its own members' results)."""
    n = x.shape[0]
    out = {k: torch.empty(n) for k in ("step", "moved", "walked", "one_step", "rho")}
    out["last"] = torch.empty(x.shape)
    seen = torch.zeros(n, dtype=torch.bool)
    for idx in batch_indices(n, batch_size, composition, batch_generator):
        own, pos = idx[~seen[idx]], torch.nonzero(~seen[idx]).flatten()
        xb = x[idx].to(device)
        if channels_last:
            xb = xb.contiguous(memory_format=torch.channels_last)
        res = iterate(model, xb, steps, power_steps, vector_generator, per_image, channels_last)
        for k in out:
            out[k][own] = res[k][pos]
        seen[own] = True
    return out
