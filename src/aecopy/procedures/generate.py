"""Diffusion-like generation (SPEC "Diffusion-like generation"): denoise, re-noise less, repeat.

a₀ ~ N(0.7, 0.2); for n = 0 … N−1: g = model(a) (frame n), c = n/N, a = c·g + (1−c)·n_fresh.
The samples are the last frame g_{N−1}. No gradients; BatchNorm in the model's current mode (train in
the post), so the statistics of each batch of samples are renormalised at every step.
"""
from __future__ import annotations

import torch

from .noise import noise_like


@torch.no_grad()
def generate(model: torch.nn.Module, shape: tuple[int, int, int, int], steps: int, generator: torch.Generator,
             keep: tuple[int, ...] = (), n_keep: int = 8, device="cpu") -> tuple[torch.Tensor, dict[int, torch.Tensor]]:
    """Return (samples (B, C, H, W) on the CPU, {n: frame g_n of the first `n_keep` samples} for n in keep).

    All randomness (a₀ and the fresh noise of every step) comes from `generator`, drawn on the CPU.
    """
    template = torch.empty(shape)
    a = noise_like(template, generator).to(device)  # (B, C, H, W)
    frames: dict[int, torch.Tensor] = {}
    g = a
    for n in range(steps):
        g = model(a)  # (B, C, H, W)
        if n in keep:
            frames[n] = g[:n_keep].float().cpu()
        c = n / steps
        a = c * g + (1 - c) * noise_like(template, generator).to(device)
    return g.float().cpu(), frames


def generate_batched(model: torch.nn.Module, n_samples: int, batch_size: int, image_shape: tuple[int, int, int],
                     steps: int, generator: torch.Generator, keep: tuple[int, ...] = (), n_keep: int = 8,
                     device="cpu") -> tuple[torch.Tensor, dict[int, torch.Tensor]]:
    """`n_samples` samples made in independent batches of `batch_size`; frames come from the first batch."""
    samples, frames = [], {}
    for start in range(0, n_samples, batch_size):
        b = min(batch_size, n_samples - start)
        s, f = generate(model, (b, *image_shape), steps, generator, keep if start == 0 else (), n_keep, device)
        samples.append(s)
        frames = frames or f
    return torch.cat(samples), frames


def frame_steps(steps: int, n_frames: int) -> tuple[int, ...]:
    """n_frames step indices spread from the first to the last step (always including both)."""
    if n_frames >= steps:
        return tuple(range(steps))
    return tuple(sorted({round(i * (steps - 1) / (n_frames - 1)) for i in range(n_frames)}))
