"""Constructed functions for the input-representation controls, each with a known preimage structure:
what its representation keeps of the start's noise, and whether it copies clean images (the premise), is
known by construction. All treat the images of a batch independently and have no parameters to train."""
from __future__ import annotations

import torch
from torch import nn

from ..models.base import AutoEncoder


class FixedPattern(AutoEncoder):
    """inner(x) + ψ, ψ one fixed N(0, sd²) image drawn from `seed`: as invertible as inner (a shift), but its
    output is never exactly its input (a reconstruction error that no representation shares)."""

    def __init__(self, inner: nn.Module, sd: float, size: int, seed: int = 0, channels: int = 3):
        super().__init__()
        self.inner = inner
        g = torch.Generator().manual_seed(seed)
        self.register_buffer("pattern", sd * torch.randn(1, channels, size, size, generator=g))

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return x

    def decode(self, h: torch.Tensor) -> torch.Tensor:
        return self.inner(h) + self.pattern


class BankProjection(AutoEncoder):
    """The orthogonal projection onto the span of a bank of images (K, C, H, W): it copies every bank image
    exactly, but its null space is everything else, so a representation keeps most of the start there,
    including the start's mean level: an analogue of a restrictive hidden module (E5's unet_hidden)."""

    def __init__(self, bank: torch.Tensor):
        super().__init__()
        q, _ = torch.linalg.qr(bank.float().flatten(1).T)  # (D, K) orthonormal columns
        self.register_buffer("basis", q)
        self.shape = tuple(bank.shape[1:])

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return x.flatten(1) @ self.basis  # (B, K) coordinates in the bank's span

    def decode(self, h: torch.Tensor) -> torch.Tensor:
        return (h @ self.basis.T).view(-1, *self.shape)  # (B, C, H, W)


class Blocks(AutoEncoder):
    """A stand-in classifier with named layers, each a constructed map of the input (E10's block 1 and deep
    block): `layer_outputs(a, names)` gives each named map's output. Its output is the last layer's."""

    task = "classify"

    def __init__(self, layers: dict[str, nn.Module]):
        super().__init__()
        self.names = list(layers)
        self.layers = nn.ModuleList(layers.values())

    def layer_outputs(self, x: torch.Tensor, names: list[str]) -> dict[str, torch.Tensor]:
        return {name: self.layers[self.names.index(name)](x) for name in names}

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers[-1](x)

    def decode(self, h: torch.Tensor) -> torch.Tensor:
        return h


class BlockMean(AutoEncoder):
    """Each k×k block replaced by its mean: non-invertible, its null space the (k² − 1)/k² of the directions
    that vary within blocks (fine detail and pixel noise). A representation keeps the start's noise there;
    on smooth images it still copies to the premise's bar."""

    def __init__(self, k: int = 2):
        super().__init__()
        self.k = k

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.avg_pool2d(x, self.k)  # (B, C, H/k, W/k)

    def decode(self, h: torch.Tensor) -> torch.Tensor:
        return h.repeat_interleave(self.k, dim=2).repeat_interleave(self.k, dim=3)  # (B, C, H, W)
