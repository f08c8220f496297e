"""The U-Net family: the author's skip-free milesial U-Net (`unet`, `unet_wide`, `unet_deep_wide`,
`unet_hidden`, `unet_nobn`) and the lucidrains-style attention U-Net (`attn_unet`)."""
from __future__ import annotations

import math

import torch
from torch import nn

from .attention import ATTENTION, LinearAttention
from .base import AutoEncoder
from .blocks import (Down, PreNorm, Residual, ResidualMix, ResnetBlock, RestrictiveHidden, Up,
                     double_conv, hidden_layer_ratio)


class UNet(AutoEncoder):
    """milesial's Pytorch-UNet without information in its skips (SPEC `unet` and its variants).

    inc = DoubleConv(C→base); down1..downL = MaxPool → DoubleConv, doubling the width each level;
    [hidden = RestrictiveHidden]; up1..upL = ConvTranspose(k2, s2) → DoubleConv; outc = Conv1×1.
    encode = inc … downL → the bottleneck h, (B, base·2^L, H/2^L, W/2^L); decode = [hidden] → ups → outc.

    base: width of the first level (64 in the paper; `unet_wide` 128)
    levels: number of Down (and Up) stages (4; `unet_deep_wide` 5)
    batch_norm: BatchNorm after every conv (`unet_nobn` turns it off; the convs then get a bias)
    hidden: None, or the Linear widths of the restrictive module, e.g. (500, 100, 500) (`unet_hidden`)
    concat: True = the author's dead-skip Up (upsampled tensor concatenated with itself);
        False = `unet_deep_wide`'s Up, ConvT(C→C) → DoubleConv(C→C/2)
    """

    def __init__(self, image_size: int, channels: int = 3, base: int = 64, levels: int = 4,
                 batch_norm: bool = True, hidden: tuple[int, ...] | None = None, concat: bool = True):
        super().__init__()
        if image_size % 2 ** levels:
            raise ValueError(f"image_size {image_size} is not divisible by 2^levels = {2 ** levels}")
        self.levels = levels
        self.overcomplete = hidden is None
        widths = [base * 2 ** i for i in range(levels + 1)]
        self.inc = double_conv(channels, base, batch_norm)
        for i in range(1, levels + 1):
            self.add_module(f"down{i}", Down(widths[i - 1], widths[i], batch_norm))
        bottleneck_side = image_size // 2 ** levels
        self.hidden = RestrictiveHidden(widths[-1], bottleneck_side, tuple(hidden)) if hidden else None
        for i in range(1, levels + 1):
            self.add_module(f"up{i}", Up(widths[levels - i + 1], widths[levels - i], batch_norm, concat))
        self.outc = nn.Conv2d(base, channels, kernel_size=1)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        x = self.inc(x)  # (B, base, H, W)
        for i in range(1, self.levels + 1):
            x = getattr(self, f"down{i}")(x)  # (B, base·2^i, H/2^i, W/2^i)
        return x

    def decode(self, h: torch.Tensor) -> torch.Tensor:
        if self.hidden is not None:
            h = self.hidden(h)  # same shape, through the 100-number code
        for i in range(1, self.levels + 1):
            h = getattr(self, f"up{i}")(h)  # (B, base·2^(L-i), H/2^(L-i), W/2^(L-i))
        return self.outc(h)  # (B, C, H, W)

    def smallest_layer_ratio(self, image_size: int, channels: int = 3) -> float:
        """min over hidden layer outputs of numbers / (C·H·W), max-pool outputs excluded.

        SPEC's measure: a 4-level U-Net's smallest feature map is its bottleneck, ratio base/48.
        A max-pool is a fixed subsampling the next conv widens at once; its output holds half the
        following feature map (base/96 before down4). The dead skips carry nothing and add nothing.
        """
        pools = {name for name, m in self.named_modules() if isinstance(m, nn.MaxPool2d)}
        return hidden_layer_ratio(self, image_size, channels, exclude=pools)


RESAMPLE_KINDS = ("conv", "pixel")


def downsample(dim: int, kind: str) -> nn.Module:
    """Halve the resolution, keep `dim` channels: Conv(k4, s2, p1) as in the author's (and older
    lucidrains') code, or "pixel": PixelUnshuffle(2) → Conv1×1 as in current lucidrains."""
    if kind == "conv":
        return nn.Conv2d(dim, dim, 4, stride=2, padding=1)
    return nn.Sequential(nn.PixelUnshuffle(2), nn.Conv2d(4 * dim, dim, 1))


def upsample(dim: int, kind: str) -> nn.Module:
    """Double the resolution, keep `dim` channels: ConvTranspose(k4, s2, p1), or "pixel": nearest
    Upsample ×2 → Conv3×3."""
    if kind == "conv":
        return nn.ConvTranspose2d(dim, dim, 4, stride=2, padding=1)
    return nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(dim, dim, 3, padding=1))


class Level(nn.Sequential):
    """ResnetBlock → ResnetBlock → Residual(PreNorm(LinearAttention)) at one resolution."""

    def __init__(self, c_in: int, c_out: int, groups: int, residual: str, heads: int, dim_head: int):
        super().__init__()
        self.block1 = ResnetBlock(c_in, c_out, groups, residual)
        self.block2 = ResnetBlock(c_out, c_out, groups, residual)
        self.attn = Residual(PreNorm(c_out, LinearAttention(c_out, heads, dim_head)), residual)


class AttnUNet(AutoEncoder):
    """lucidrains-style attention U-Net without time embedding, as in the author's code (SPEC `attn_unet`).

    init Conv7×7 → downs: Level(dims) + Down (not after the last) → mid: ResnetBlock →
    Residual(PreNorm(mid Attention)) → ResnetBlock → ups: cat(skip) → Level + Up → ResnetBlock → Conv1×1.
    dims = (init_dim, base·dim_mults); the ups consume the skips of every level but the first.

    Unlike `unet`, the skips carry information, so encode returns them with the bottleneck, packed
    into one flat tensor h = [skip_2 … skip_n, mid] of shape (B, D); decode unpacks it (square input).

    mid_attention: "dot" (the author's code) or "linear" (the post: "only linear attention")
    residual: "noisy" (code: f(x) + 0.05·x + 0.95·N(0.5, 0.2)), "none" or "full" (f(x) + x)
    resample: "conv" (the author's code) or "pixel" (current lucidrains), see `downsample`
    Residual noise is drawn from the global RNG (deterministic under `torch.manual_seed`) unless
    `set_noise_generator` gives an explicit `torch.Generator`.
    """

    def __init__(self, image_size: int, channels: int = 3, base: int = 128,
                 dim_mults: tuple[int, ...] = (1, 2, 4), init_dim: int | None = None, groups: int = 8,
                 mid_attention: str = "dot", residual: str = "noisy", resample: str = "conv",
                 heads: int = 4, dim_head: int = 32):
        super().__init__()
        if resample not in RESAMPLE_KINDS:
            raise ValueError(f"resample must be one of {RESAMPLE_KINDS}, got {resample!r}")
        if image_size % 2 ** (len(dim_mults) - 1):
            raise ValueError(f"image_size {image_size} is not divisible by 2^{len(dim_mults) - 1}")
        init_dim = init_dim or base // 3 * 2
        self.dims = [init_dim, *(base * m for m in dim_mults)]
        in_out = list(zip(self.dims[:-1], self.dims[1:]))
        n = len(in_out)
        self.init_conv = nn.Conv2d(channels, init_dim, 7, padding=3)
        level = dict(groups=groups, residual=residual, heads=heads, dim_head=dim_head)
        self.downs = nn.ModuleList(Level(a, b, **level) for a, b in in_out)
        self.downsamples = nn.ModuleList(downsample(b, resample) for _, b in in_out[:-1])
        mid = self.dims[-1]
        self.mid_block1 = ResnetBlock(mid, mid, groups, residual)
        self.mid_attn = Residual(PreNorm(mid, ATTENTION[mid_attention](mid, heads, dim_head)), residual)
        self.mid_block2 = ResnetBlock(mid, mid, groups, residual)
        self.ups = nn.ModuleList(Level(2 * b, a, **level) for a, b in reversed(in_out[1:]))
        self.upsamples = nn.ModuleList(upsample(a, resample) for a, _ in reversed(in_out[1:]))
        self.final_block = ResnetBlock(self.dims[1], self.dims[1], groups, residual)
        self.final_conv = nn.Conv2d(self.dims[1], channels, kernel_size=1)
        self.n_levels = n

    def smallest_layer_ratio(self, image_size: int, channels: int = 3) -> float:
        """min over hidden layer outputs (all but the output conv) of numbers / (C·H·W)."""
        return hidden_layer_ratio(self, image_size, channels)

    def set_noise_generator(self, generator: torch.Generator | None) -> None:
        """Draw every noisy residual's noise from `generator` (None: the global RNG)."""
        for m in self.modules():
            if isinstance(m, ResidualMix):
                m.generator = generator

    def latent_shapes(self, side: int) -> list[tuple[int, int, int]]:
        """(C, h, w) of each packed part of h for a square input of side `side`."""
        n = self.n_levels
        shapes = [(self.dims[i + 1], side >> i, side >> i) for i in range(1, n)]
        return shapes + [(self.dims[-1], side >> (n - 1), side >> (n - 1))]

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        x = self.init_conv(x)  # (B, init_dim, H, W)
        skips = []
        for i, level in enumerate(self.downs):
            x = level(x)  # (B, dims[i+1], H/2^i, W/2^i)
            skips.append(x)
            if i < len(self.downsamples):
                x = self.downsamples[i](x)
        x = self.mid_block2(self.mid_attn(self.mid_block1(x)))  # (B, dims[-1], H/2^(n-1), W/2^(n-1))
        return torch.cat([t.flatten(1) for t in skips[1:] + [x]], dim=1)  # (B, D)

    def decode(self, h: torch.Tensor) -> torch.Tensor:
        per_pixel = sum(c / 4 ** i for i, c in enumerate(self.dims[2:], start=1))
        per_pixel += self.dims[-1] / 4 ** (self.n_levels - 1)
        side = round(math.sqrt(h.shape[1] / per_pixel))
        shapes = self.latent_shapes(side)
        parts = h.split([math.prod(s) for s in shapes], dim=1)
        *skips, x = [p.view(h.shape[0], *s) for p, s in zip(parts, shapes)]
        for level, up in zip(self.ups, self.upsamples):
            x = up(level(torch.cat([x, skips.pop()], dim=1)))  # one level up: fewer channels, ×2 side
        return self.final_conv(self.final_block(x))  # (B, C, H, W)
