"""Constructed models for the controls: what each does is known by construction, so the claims about it
are true or false by construction too. Each is an `AutoEncoder` (encode, decode, forward), treats the
images of a batch independently and has no parameters to train."""
from __future__ import annotations

import torch
from torchvision.transforms.functional import gaussian_blur

from ..models.base import AutoEncoder


class Identity(AutoEncoder):
    """Copies its input exactly: the model that has learned the identity."""

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return x

    def decode(self, h: torch.Tensor) -> torch.Tensor:
        return h


class MeanColour(AutoEncoder):
    """Outputs each image's mean colour everywhere: denoises trivially and copies nothing."""

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return x.mean(dim=(2, 3), keepdim=True)  # (B, C, 1, 1)

    def decode(self, h: torch.Tensor) -> torch.Tensor:
        return h.expand(-1, -1, self.size, self.size)

    def __init__(self, size: int):
        super().__init__()
        self.size = size


def blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """A Gaussian blur of sd `sigma` pixels with a kernel of 2·⌈3σ⌉ + 1 pixels."""
    k = 2 * int(-(-3 * sigma // 1)) + 1
    return gaussian_blur(x, [k, k], [sigma, sigma])


class Blur(AutoEncoder):
    """A Gaussian blur of sd `sigma` pixels (kernel 2·⌈3σ⌉ + 1): a low-pass filter, the classical denoiser."""

    def __init__(self, sigma: float):
        super().__init__()
        self.sigma = sigma

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return blur(x, self.sigma)

    def decode(self, h: torch.Tensor) -> torch.Tensor:
        return h


class Oracle(AutoEncoder):
    """Returns the image of a stored bank that its input is a brightness/contrast-changed, noisy copy of:
    for each input the bank image with the largest correlation (after removing each one's mean). Given a
    clean or a noisy copy of a bank image it returns the clean image (a perfect denoiser of those
    images); given anything else, some bank image (it only ever outputs bank images). encode is the
    identity, so a walk or a generation ends on bank images."""

    def __init__(self, bank: torch.Tensor):
        super().__init__()
        self.register_buffer("bank", bank.float())  # (K, C, H, W) in [0, 1]
        centred = self.bank.flatten(1) - self.bank.flatten(1).mean(1, keepdim=True)
        self.register_buffer("unit", centred / centred.norm(dim=1, keepdim=True).clamp_min(1e-8))

    def nearest(self, x: torch.Tensor) -> torch.Tensor:
        """Index of the best-matching bank image per input (B,)."""
        q = x.flatten(1) - x.flatten(1).mean(1, keepdim=True)
        return (q @ self.unit.T).argmax(1)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return x

    def decode(self, h: torch.Tensor) -> torch.Tensor:
        return self.bank[self.nearest(h)]


class Mix(AutoEncoder):
    """(1 − λ)·inner(x) + λ·x: with an `Oracle` inside, a denoiser that leaves the share λ of the
    corruption in place (MSE ratio λ²) and copies clean bank images exactly."""

    def __init__(self, inner: AutoEncoder, lam: float):
        super().__init__()
        self.inner, self.lam = inner, lam

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return x

    def decode(self, h: torch.Tensor) -> torch.Tensor:
        return (1 - self.lam) * self.inner(h) + self.lam * h


class AddNoise(AutoEncoder):
    """inner(x) + fresh N(0, sd²) noise at every call (from its own generator): a model that makes its
    input noisier."""

    def __init__(self, sd: float, seed: int = 0, inner: AutoEncoder | None = None):
        super().__init__()
        self.sd, self.inner = sd, inner or Identity()
        self.generator = torch.Generator().manual_seed(seed)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return x

    def decode(self, h: torch.Tensor) -> torch.Tensor:
        noise = torch.randn(h.shape, generator=self.generator).to(h)
        return self.inner(h) + self.sd * noise


class ColourCast(AutoEncoder):
    """inner(x) with each channel's mean shifted by `offset` and its contrast scaled by `gain`:
    outputs that are statistically off (wrong colours and contrast) but keep the image's structure."""

    def __init__(self, inner: AutoEncoder, offset: tuple[float, float, float], gain: float = 1.0):
        super().__init__()
        self.inner, self.gain = inner, gain
        self.register_buffer("offset", torch.tensor(offset).view(1, 3, 1, 1))

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return x

    def decode(self, h: torch.Tensor) -> torch.Tensor:
        y = self.inner(h)
        m = y.mean(dim=(2, 3), keepdim=True)
        return m + self.gain * (y - m) + self.offset
