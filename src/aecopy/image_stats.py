"""Per-image statistics shared by the experiments (noise, detail, colour statistics)."""
from __future__ import annotations

import torch
import torch.nn.functional as F

_LAPLACIAN = torch.tensor([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]])


def laplacian(x: torch.Tensor) -> torch.Tensor:
    """Discrete Laplacian of each channel of x (B, C, H, W), valid region only (no padding artefacts)."""
    c = x.shape[1]
    kernel = _LAPLACIAN.to(x)[None, None].repeat(c, 1, 1, 1)  # (C, 1, 3, 3)
    return F.conv2d(x, kernel, groups=c)


def hf_energy(x: torch.Tensor) -> torch.Tensor:
    """High-frequency energy per image: mean squared Laplacian (B,). Gaussian pixel noise of sd s adds 20·s²."""
    return laplacian(x).pow(2).flatten(1).mean(1)


def hf_ratio(a: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """hf_energy(a) / hf_energy(x) per image: > 1 means a is noisier (rougher) than the reference x."""
    return hf_energy(a) / hf_energy(x).clamp_min(1e-12)


def channel_stats(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-image, per-channel mean and standard deviation: two (B, C) tensors."""
    flat = x.flatten(2)
    return flat.mean(2), flat.std(2)


def rel_error(a: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """‖a − x‖ / ‖x‖ per image (B,)."""
    return (a - x).flatten(1).norm(dim=1) / x.flatten(1).norm(dim=1).clamp_min(1e-12)
