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
             keep: tuple[int, ...] = (), n_keep: int = 8, device="cpu",
             channels_last: bool = False) -> tuple[torch.Tensor, dict[int, torch.Tensor]]:
    """Return (samples (B, C, H, W) on the CPU, {n: frame g_n of the first `n_keep` samples} for n in keep).

    All randomness (a₀ and the fresh noise of every step) comes from `generator`, drawn on the CPU.
    """
    template = torch.empty(shape)
    fmt = torch.channels_last if channels_last else torch.contiguous_format

    def fresh() -> torch.Tensor:
        return noise_like(template, generator).to(device).contiguous(memory_format=fmt)  # (B, C, H, W)

    a = fresh()
    frames: dict[int, torch.Tensor] = {}
    g = a
    for n in range(steps):
        g = model(a)  # (B, C, H, W)
        if n in keep:
            frames[n] = g[:n_keep].float().cpu().contiguous()
        c = n / steps
        a = c * g + (1 - c) * fresh()
    return g.float().cpu().contiguous(), frames


def generate_batched(model: torch.nn.Module, n_samples: int, batch_size: int, image_shape: tuple[int, int, int],
                     steps: int, generator: torch.Generator, keep: tuple[int, ...] = (), n_keep: int = 8,
                     device="cpu", channels_last: bool = False) -> tuple[torch.Tensor, dict[int, torch.Tensor]]:
    """`n_samples` samples made in independent batches of exactly `batch_size` (the last one filled up
    and trimmed, so that train-mode BatchNorm never sees a smaller batch than training did); frames come
    from the first batch. `channels_last`: run the model on NHWC tensors (results differ by rounding)."""
    samples, frames = [], {}
    for start in range(0, n_samples, batch_size):
        s, f = generate(model, (batch_size, *image_shape), steps, generator, keep if start == 0 else (), n_keep,
                        device, channels_last)
        samples.append(s)
        frames = frames or f
    return torch.cat(samples)[:n_samples], frames


def frame_steps(steps: int, n_frames: int) -> tuple[int, ...]:
    """n_frames step indices spread from the first to the last step (always including both)."""
    if n_frames >= steps:
        return tuple(range(steps))
    return tuple(sorted({round(i * (steps - 1) / (n_frames - 1)) for i in range(n_frames)}))
