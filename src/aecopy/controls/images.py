"""Synthetic photographs for the controls: smooth colour fields with hard-edged shapes and some fine texture,
so that images have edges, smooth regions and detail like the patches of the default scale, and cost
nothing to make. Deterministic for a seed; uint8 (N, 3, S, S) like a prepared split."""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def synthetic_images(n: int, size: int, seed: int, photos: int = 8) -> tuple[torch.Tensor, torch.Tensor]:
    """(uint8 images (n, 3, size, size), photo index (n,)): `photos` "photographs" (a colour palette and a
    background each), n images spread over them in order, so consecutive images share a photograph."""
    g = torch.Generator().manual_seed(seed)
    photo = torch.arange(n) * photos // max(n, 1)
    palette = torch.rand(photos, 3, 3, generator=g)  # three colours per photograph
    yy, xx = torch.meshgrid(torch.linspace(-1, 1, size), torch.linspace(-1, 1, size), indexing="ij")
    out = torch.empty(n, 3, size, size)
    for i in range(n):
        cols = palette[photo[i]]
        angle = 2 * math.pi * float(torch.rand(1, generator=g))
        ramp = (math.cos(angle) * xx + math.sin(angle) * yy + 1) / 2  # (S, S) in [0, 1]
        img = cols[0, :, None, None] * ramp + cols[1, :, None, None] * (1 - ramp)
        for _ in range(3):  # hard-edged discs and boxes in the third colour, lighter or darker
            cx, cy, r = (torch.rand(3, generator=g) * torch.tensor([2.0, 2.0, 0.5]) - torch.tensor([1.0, 1.0, -0.15]))
            shade = 0.6 + 0.8 * float(torch.rand(1, generator=g))
            if float(torch.rand(1, generator=g)) < 0.5:
                mask = ((xx - cx) ** 2 + (yy - cy) ** 2) < r ** 2
            else:
                mask = ((xx - cx).abs() < r) & ((yy - cy).abs() < 0.6 * r)
            img = torch.where(mask, (cols[2] * shade)[:, None, None].expand_as(img), img)
        texture = F.avg_pool2d(torch.randn(1, 3, size, size, generator=g), 3, stride=1, padding=1)[0]
        out[i] = img + 0.04 * texture
    return (out.clamp(0, 1) * 255).round().to(torch.uint8), photo
