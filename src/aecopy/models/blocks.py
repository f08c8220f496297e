"""Building blocks shared by the model family: milesial's conv blocks, the restrictive hidden module,
lucidrains' ResNet blocks with the author's switchable residual mix, and the hidden-layer size measure."""
from __future__ import annotations

import torch
from torch import nn

RESIDUAL_KINDS = ("noisy", "none", "full")


def hidden_layer_ratio(model: nn.Module, image_size: int, channels: int = 3,
                       exclude: set[str] = frozenset()) -> float:
    """min over layer outputs of numbers / (C·H·W), measured on the meta device, leaving out the
    output layer (the last leaf run, equal to the input by construction) and the names in `exclude`."""
    x = torch.zeros(2, channels, image_size, image_size, device="meta")
    sizes = model.layer_sizes(x)
    sizes.pop(list(sizes)[-1])
    return min(n for name, n in sizes.items() if name not in exclude) / (channels * image_size ** 2)


def double_conv(c_in: int, c_out: int, batch_norm: bool = True) -> nn.Sequential:
    """2 × [Conv3×3 (pad 1) → BatchNorm2d → ReLU]; without BatchNorm the convs get a bias."""
    layers: list[nn.Module] = []
    for a, b in ((c_in, c_out), (c_out, c_out)):
        layers.append(nn.Conv2d(a, b, kernel_size=3, padding=1, bias=not batch_norm))
        if batch_norm:
            layers.append(nn.BatchNorm2d(b))
        layers.append(nn.ReLU())  # not in place: a hooked BatchNorm output must stay as it was
    return nn.Sequential(*layers)


class Down(nn.Sequential):
    """MaxPool2 → DoubleConv: halves the resolution, `c_in → c_out` channels."""

    def __init__(self, c_in: int, c_out: int, batch_norm: bool = True):
        super().__init__(nn.MaxPool2d(2), double_conv(c_in, c_out, batch_norm))


class Up(nn.Module):
    """ConvTranspose2d(k2, s2) → DoubleConv, doubling the resolution, `c_in → c_out` channels.

    `concat=True` is the author's dead-skip Up: ConvT(C→C/2), then the upsampled tensor is
    concatenated with itself where a U-Net would concatenate the skip tensor, so the DoubleConv sees
    C channels (a normal U-Net's parameter count) but no information from the encoder.
    `concat=False` is the deep U-Net's Up: ConvT(C→C) → DoubleConv(C→c_out), nothing concatenated.
    """

    def __init__(self, c_in: int, c_out: int, batch_norm: bool = True, concat: bool = True):
        super().__init__()
        self.concat = concat
        self.up = nn.ConvTranspose2d(c_in, c_in // 2 if concat else c_in, kernel_size=2, stride=2)
        self.conv = double_conv(c_in, c_out, batch_norm)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.up(x)  # (B, C/2 or C, 2H, 2W)
        if self.concat:
            x = torch.cat([x, x], dim=1)  # (B, C, 2H, 2W): the skip slot holds a copy of x
        return self.conv(x)


class RestrictiveHidden(nn.Module):
    """The author's restrictive module between the bottleneck and the first Up (SPEC `unet_hidden`).

    Conv(C→C/4, k4, s2, p1) → flatten → Linear chain through `widths` (no activations) →
    reshape to (C, h/4, w/4) → ConvTranspose(C→C, k4, s4), back to the bottleneck shape (C, h, w).
    At 128² with base 64: C = 1024, h = 8, flatten = 256·4·4 = 4096, widths 500/100/500.
    The narrowest Linear output (the 100-number code) is what makes the model undercomplete.
    """

    def __init__(self, channels: int, size: int, widths: tuple[int, ...] = (500, 100, 500)):
        super().__init__()
        if size % 4:
            raise ValueError(f"the hidden module needs a bottleneck side divisible by 4, got {size}")
        self.shape = (channels, size // 4, size // 4)
        flat = (channels // 4) * (size // 2) ** 2  # == channels · (size/4)²
        self.conv = nn.Conv2d(channels, channels // 4, kernel_size=4, stride=2, padding=1)
        dims = (flat, *widths, flat)
        self.linears = nn.Sequential(*(nn.Linear(a, b) for a, b in zip(dims[:-1], dims[1:])))
        self.up = nn.ConvTranspose2d(channels, channels, kernel_size=4, stride=4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, C, h, w) -> (B, C, h, w)
        z = self.linears(self.conv(x).flatten(1))  # (B, C·h·w/16)
        return self.up(z.view(x.shape[0], *self.shape))


def gaussian_like(t: torch.Tensor, mean: float, std: float,
                  generator: torch.Generator | None = None) -> torch.Tensor:
    """N(mean, std) noise shaped like `t`, drawn from `generator` (on its own device) or, when None,
    from the global RNG (then deterministic under `torch.manual_seed`)."""
    if generator is None or t.device.type == "meta":
        z = torch.randn_like(t)
    else:
        z = torch.randn(t.shape, generator=generator, device=generator.device, dtype=t.dtype)
        z = z.to(t.device)
    return z * std + mean


class ResidualMix(nn.Module):
    """Adds a residual path to `f(x)`, one of three kinds (SPEC `attn_unet`, switch `residual`).

    noisy: f(x) + 0.05·x + 0.95·N(0.5, 0.2) — the author's code, which drowns the skip in noise
    none:  f(x)
    full:  f(x) + x — the ordinary residual connection
    The noise comes from `self.generator` if set (see `AttnUNet.set_noise_generator`), else from
    the global RNG.
    """

    def __init__(self, kind: str = "noisy", keep: float = 0.05, noise_mean: float = 0.5,
                 noise_std: float = 0.2):
        super().__init__()
        if kind not in RESIDUAL_KINDS:
            raise ValueError(f"residual must be one of {RESIDUAL_KINDS}, got {kind!r}")
        self.kind, self.keep, self.noise_mean, self.noise_std = kind, keep, noise_mean, noise_std
        self.generator: torch.Generator | None = None

    def forward(self, fx: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        if self.kind == "none":
            return fx
        if self.kind == "full":
            return fx + x
        noise = gaussian_like(fx, self.noise_mean, self.noise_std, self.generator)
        return fx + self.keep * x + (1 - self.keep) * noise


class Residual(nn.Module):
    """`fn(x)` with a residual path of the given kind around it."""

    def __init__(self, fn: nn.Module, residual: str = "noisy"):
        super().__init__()
        self.fn = fn
        self.mix = ResidualMix(residual)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.mix(self.fn(x), x)


class PreNorm(nn.Sequential):
    """GroupNorm(1) (a LayerNorm over C, H, W) before `fn`."""

    def __init__(self, dim: int, fn: nn.Module):
        super().__init__()
        self.norm = nn.GroupNorm(1, dim)
        self.fn = fn


class Block(nn.Sequential):
    """Conv3×3 → GroupNorm(groups) → SiLU."""

    def __init__(self, c_in: int, c_out: int, groups: int = 8):
        super().__init__()
        self.proj = nn.Conv2d(c_in, c_out, kernel_size=3, padding=1)
        self.norm = nn.GroupNorm(groups, c_out)
        self.act = nn.SiLU()


class ResnetBlock(nn.Module):
    """Block → Block with a (1×1-projected where the width changes) residual path of the given kind."""

    def __init__(self, c_in: int, c_out: int, groups: int = 8, residual: str = "noisy"):
        super().__init__()
        self.block1 = Block(c_in, c_out, groups)
        self.block2 = Block(c_out, c_out, groups)
        project = c_in != c_out and residual != "none"
        self.res_conv = nn.Conv2d(c_in, c_out, kernel_size=1) if project else nn.Identity()
        self.mix = ResidualMix(residual)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.block2(self.block1(x))  # (B, c_out, H, W)
        return self.mix(h, self.res_conv(x))
