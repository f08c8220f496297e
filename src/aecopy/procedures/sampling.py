"""Sampling the baselines beyond the post: a DDPM through diffusers' DDPMScheduler, a VAE from its prior.

Both draw every random number from an explicit CPU `torch.Generator` and run the model in batches of
exactly the given size (the last one filled up and trimmed), BatchNorm in whatever mode the model is in,
as `procedures.generate` does for the post's iterated autoencoder.
"""
from __future__ import annotations

from typing import Callable

import torch


@torch.no_grad()
def ddpm_sample(model: torch.nn.Module, scheduler, shape: tuple[int, int, int, int], steps: int,
                generator: torch.Generator, device="cpu") -> torch.Tensor:
    """Ancestral DDPM sampling (Ho et al. 2020) with `scheduler` (a diffusers DDPMScheduler) over `steps`
    of its training timesteps (set_timesteps: every T/steps-th; steps = T is the full chain). x_T ~ N(0, I);
    x_{t−1} = scheduler.step(ε̂(x_t, t), t, x_t).prev_sample. Returns x₀ mapped to [0, 1] (B, C, H, W), CPU."""
    scheduler.set_timesteps(steps)
    x = torch.randn(shape, generator=generator).to(device)  # (B, C, H, W)
    for t in scheduler.timesteps:
        eps = model(x, t.expand(shape[0]).to(device))
        x = scheduler.step(eps, t, x, generator=generator).prev_sample
    return ((x.float().cpu() + 1) / 2).clamp(0, 1)


def batched(draw: Callable[[int], torch.Tensor], n: int, batch_size: int) -> torch.Tensor:
    """`n` samples from `draw(batch_size)` calls, the last batch trimmed: (n, C, H, W) on the CPU."""
    out = [draw(batch_size).float().cpu() for _ in range(0, n, batch_size)]
    return torch.cat(out)[:n]


def ddpm_samples(model, scheduler, n: int, batch_size: int, image_shape: tuple[int, int, int], steps: int,
                 generator: torch.Generator, device="cpu") -> torch.Tensor:
    """`n` DDPM samples in [0, 1] made in batches of `batch_size`."""
    return batched(lambda b: ddpm_sample(model, scheduler, (b, *image_shape), steps, generator, device), n, batch_size)


def vae_samples(model, n: int, batch_size: int, generator: torch.Generator) -> torch.Tensor:
    """`n` prior samples decode(z), z ~ N(0, I) (`model.sample`), in batches of `batch_size`, clamped to [0, 1]."""
    return batched(lambda b: model.sample(b, generator), n, batch_size).clamp(0, 1)
