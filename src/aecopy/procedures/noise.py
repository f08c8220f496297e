"""The noise source of the post and the noisy-input test of experiment E1."""
from __future__ import annotations

import torch

NOISE_MEAN = 0.7  # the author's code: N(mean=0.7, sd=0.2) (the post's text swaps the two)
NOISE_STD = 0.2


def noise_like(x: torch.Tensor, generator: torch.Generator, mean: float = NOISE_MEAN,
               std: float = NOISE_STD) -> torch.Tensor:
    """n ~ N(mean, std) with the shape of x, drawn on the CPU so results do not depend on the device."""
    n = torch.randn(x.shape, generator=generator, dtype=torch.float32)
    return (mean + std * n).to(x.device)


def corrupt(x: torch.Tensor, alpha: float, generator: torch.Generator) -> torch.Tensor:
    """x̂ = α·x + (1−α)·n, n ~ N(0.7, 0.2); α = 0 is pure noise."""
    return alpha * x + (1 - alpha) * noise_like(x, generator)


def _norm(t: torch.Tensor) -> torch.Tensor:
    return t.flatten(1).norm(dim=1)  # (B,)


@torch.no_grad()
def noise_test(model: torch.nn.Module, x: torch.Tensor, alpha: float,
               generator: torch.Generator) -> dict[str, torch.Tensor]:
    """Per image of the batch x (B, C, H, W): how the model's output on x̂ relates to x and x̂.

    r = ‖O(x̂)−x‖/‖x̂−x‖ (< 1: the output is closer to the clean image than its input was);
    moved = ‖O(x̂)−x̂‖/‖x̂−x‖ (0 for the identity function, 1 for a perfect denoiser).
    BatchNorm stays in whatever mode the model is in (train mode in the post).
    """
    x_hat = corrupt(x, alpha, generator)
    out = model(x_hat)
    noise = _norm(x_hat - x)
    return {
        "noisy": x_hat,
        "output": out,
        "r": _norm(out - x) / noise,
        "moved": _norm(out - x_hat) / noise,
        "dist_out_noisy": _norm(out - x_hat),
        "dist_noisy_clean": noise,
        "dist_out_clean": _norm(out - x),
    }
