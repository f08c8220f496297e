"""Classical denoisers from scikit-image, the baselines of the denoising test (SPEC E3, "Default scale").

Train-mode BatchNorm undoes the noise's mean and contrast shift for free, so every baseline gets the
same help first: each channel of x̂ is renormalised to the training data's mean and sd (`renormalise`).
Each denoiser has one strength parameter, chosen per corruption on training images only
(`select_parameter`), never on the images it is evaluated on.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
import torch
from skimage.restoration import denoise_nl_means, denoise_tv_chambolle
from torchvision.transforms.functional import gaussian_blur

try:  # scikit-image's wavelet denoiser needs PyWavelets
    import pywt  # noqa: F401
    from skimage.restoration import denoise_wavelet
except ImportError:  # pragma: no cover - depends on the environment
    denoise_wavelet = None


def data_channel_stats(images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-channel mean and sd (C,) over every pixel of a set of float images (N, C, H, W)."""
    flat = images.transpose(0, 1).flatten(1)  # (C, N·H·W)
    return flat.mean(1), flat.std(1)


def renormalise(x_hat: torch.Tensor, mean: torch.Tensor, std: torch.Tensor) -> torch.Tensor:
    """Each channel of each image of x̂ (B, C, H, W) standardised, then given the data's mean and sd (C,)."""
    flat = x_hat.flatten(2)  # (B, C, H·W)
    z = (flat - flat.mean(2, keepdim=True)) / flat.std(2, keepdim=True).clamp_min(1e-8)
    return (z * std[None, :, None] + mean[None, :, None]).view_as(x_hat)


def _per_image(fn: Callable[[np.ndarray], np.ndarray]) -> Callable[[torch.Tensor], torch.Tensor]:
    """Lift an (H, W, C) numpy denoiser to a (B, C, H, W) tensor function."""
    def apply(x: torch.Tensor) -> torch.Tensor:
        imgs = x.permute(0, 2, 3, 1).double().numpy()  # (B, H, W, C)
        out = np.stack([fn(img) for img in imgs])
        return torch.from_numpy(out).float().permute(0, 3, 1, 2).contiguous()
    return apply


def _blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    k = 2 * int(np.ceil(3 * sigma)) + 1
    return gaussian_blur(x, [k, k], [sigma, sigma])


def denoiser(name: str, param: float) -> Callable[[torch.Tensor], torch.Tensor]:
    """The denoiser `name` at strength `param`, as a function of a batch (B, C, H, W) in [0, 1] units.

    blur: Gaussian sd in pixels; tv: total-variation weight (Chambolle); wavelet: noise sd given to
    BayesShrink soft thresholding; nlm: non-local means filtering strength h (fast mode).
    """
    if name == "blur":
        return lambda x: _blur(x, param)
    if name == "tv":
        return _per_image(lambda img: denoise_tv_chambolle(img, weight=param, channel_axis=-1))
    if name == "wavelet":
        if denoise_wavelet is None:
            raise RuntimeError("the wavelet baseline needs PyWavelets (pip install PyWavelets)")
        return _per_image(lambda img: denoise_wavelet(img, sigma=param, method="BayesShrink", mode="soft",
                                                      rescale_sigma=True, channel_axis=-1))
    if name == "nlm":
        return _per_image(lambda img: denoise_nl_means(img, patch_size=3, patch_distance=4, h=param,
                                                       fast_mode=True, channel_axis=-1))
    raise KeyError(f"unknown baseline {name!r}; expected blur, tv, wavelet or nlm")


def available(names: list[str]) -> list[str]:
    """The baselines of `names` this environment can run (the wavelet one needs PyWavelets)."""
    return [n for n in names if n != "wavelet" or denoise_wavelet is not None]


def select_parameter(name: str, grid: list[float], clean: torch.Tensor, noisy: torch.Tensor,
                     mean: torch.Tensor, std: torch.Tensor) -> tuple[float, dict[float, float]]:
    """The grid value whose output has the lowest mean MSE to `clean` on (training) images.

    clean, noisy: (B, C, H, W), the training images and their corrupted copies; the images the
    baseline is later evaluated on take no part. Returns (best value, {value: mean MSE}).
    """
    inp = renormalise(noisy, mean, std)
    scores = {float(p): float((denoiser(name, p)(inp) - clean).pow(2).mean()) for p in grid}
    return min(scores, key=scores.get), scores


def run_baseline(name: str, param: float | None, noisy: torch.Tensor, mean: torch.Tensor,
                 std: torch.Tensor) -> torch.Tensor:
    """Renormalise x̂ (B, C, H, W), then denoise; `name` "renorm" is the renormalisation alone."""
    inp = renormalise(noisy, mean, std)
    return inp if name == "renorm" else denoiser(name, param)(inp)
