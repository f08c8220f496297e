"""The denoising test (SPEC "Denoising test"): a model's output on corrupted copies of clean images.

Corruptions: the noise mix x̂ = α·x + (1−α)·n for each α, and a Gaussian blur scaled to the resolution.
All corrupted inputs are drawn once, so every model and every classical baseline sees the same x̂.
"""
from __future__ import annotations

import numpy as np
import torch
from skimage.metrics import peak_signal_noise_ratio, structural_similarity
from torchvision.transforms.functional import gaussian_blur

from ..image_stats import channel_stats, hf_energy
from .noise import corrupt


def condition_name(alpha: float) -> str:
    """"a0.5" for the noise mix with α = 0.5; "blur" is the deblur test."""
    return f"a{alpha:g}"


def blur_settings(size: int, kernel: int, sigma: float, reference_size: int) -> tuple[int, float]:
    """(kernel, sigma) of the author's GaussianBlur(kernel, sigma) at `reference_size`, scaled to `size`.

    The kernel stays odd and at least 3 wide, so the blur never degenerates to the identity."""
    scale = size / reference_size
    k = max(3, int(round(kernel * scale)))
    return k + 1 - k % 2, sigma * scale


def blur(x: torch.Tensor, kernel: int, sigma: float) -> torch.Tensor:
    """Gaussian blur of each image of x (B, C, H, W), reflect-padded like torchvision's GaussianBlur."""
    return gaussian_blur(x, [kernel, kernel], [sigma, sigma])


def corrupted_inputs(x: torch.Tensor, alphas: list[float], blur_kernel: int, blur_sigma: float,
                     generator: torch.Generator) -> dict[str, torch.Tensor]:
    """{condition: x̂ (B, C, H, W)} for every α (fresh noise each, in the order given) and the blur."""
    inputs = {condition_name(a): corrupt(x, a, generator) for a in alphas}
    inputs["blur"] = blur(x, blur_kernel, blur_sigma)
    return inputs


@torch.no_grad()
def run_batched(model: torch.nn.Module, x: torch.Tensor, batch_size: int, device) -> torch.Tensor:
    """model(x) in consecutive batches of `batch_size` (BatchNorm sees one batch at a time); on the CPU."""
    outs = [model(x[i:i + batch_size].to(device)).float().cpu() for i in range(0, x.shape[0], batch_size)]
    return torch.cat(outs)


def _mse(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return (a - b).pow(2).flatten(1).mean(1)  # (B,)


def psnr_ssim(img: torch.Tensor, ref: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
    """scikit-image's PSNR and SSIM of each image of img against ref (B, C, H, W), data range 1."""
    a = img.permute(0, 2, 3, 1).double().numpy()  # (B, H, W, C)
    r = ref.permute(0, 2, 3, 1).double().numpy()
    with np.errstate(divide="ignore"):  # identical images: PSNR = inf
        psnr = np.array([peak_signal_noise_ratio(ri, ai, data_range=1.0) for ai, ri in zip(a, r)])
    ssim = np.array([structural_similarity(ri, ai, data_range=1.0, channel_axis=-1) for ai, ri in zip(a, r)])
    return psnr, ssim


def stat_distance(img: torch.Tensor, ref: torch.Tensor) -> torch.Tensor:
    """Mean over channels of |Δ mean| + |Δ sd| between each image and its reference (B,): how far an
    output's colour statistics are from the clean image's (SPEC E8)."""
    m_i, s_i = channel_stats(img)
    m_r, s_r = channel_stats(ref)
    return ((m_i - m_r).abs() + (s_i - s_r).abs()).mean(1)


def input_metrics(x: torch.Tensor, x_hat: torch.Tensor) -> dict[str, np.ndarray]:
    """How far a corrupted input is from the clean one, per image: the denominators of the ratios."""
    psnr, ssim = psnr_ssim(x_hat, x)
    return {"mse_in": _mse(x_hat, x).numpy(), "psnr_in": psnr, "ssim_in": ssim}


def output_metrics(x: torch.Tensor, x_hat: torch.Tensor, out: torch.Tensor,
                   recon: torch.Tensor | None = None) -> dict[str, np.ndarray]:
    """Per-image metrics of a denoiser's output `out` on input x̂ against the clean x (all (B, C, H, W)).

    ratio = MSE(out, x)/MSE(x̂, x): < 1 when the output is closer to x than the input was; NaN when
    x̂ = x (α = 1, where mse_out is the reconstruction error). stat_dist: see `stat_distance`.
    hf_ratio = high-frequency energy of out / of x (> 1: rougher than the clean image).
    With `recon` = the model's output on the clean x, also ratio_recon = MSE(out, recon)/MSE(x̂, x),
    the author's own deblur measure ‖O(x̂) − O(x)‖ vs ‖x̂ − x‖: how far the corruption moves the output,
    with the model's reconstruction error taken out.
    """
    mse_in = _mse(x_hat, x)
    mse_out = _mse(out, x)

    def ratio_of(num):
        return torch.where(mse_in > 0, num / mse_in.clamp_min(1e-30), torch.full_like(mse_in, float("nan"))).numpy()

    psnr, ssim = psnr_ssim(out, x)
    res = {"mse_out": mse_out.numpy(), "ratio": ratio_of(mse_out), "psnr": psnr, "ssim": ssim,
           "stat_dist": stat_distance(out, x).numpy(),
           "hf_ratio": (hf_energy(out) / hf_energy(x).clamp_min(1e-12)).numpy()}
    if recon is not None:
        res["ratio_recon"] = ratio_of(_mse(out, recon))
    return res


def denoise_sweep(model: torch.nn.Module, x: torch.Tensor, inputs: dict[str, torch.Tensor], batch_size: int,
                  device="cpu") -> tuple[dict[str, dict[str, np.ndarray]], dict[str, torch.Tensor]]:
    """The model on the clean x and every corrupted input: ({condition: per-image metrics},
    {condition: outputs}).

    x and the inputs are (N, C, H, W) on the CPU; BatchNorm stays in whatever mode the model is in.
    """
    recon = run_batched(model, x, batch_size, device)  # O(x) (N, C, H, W)
    metrics, outputs = {}, {}
    for cond, x_hat in inputs.items():
        out = recon if torch.equal(x_hat, x) else run_batched(model, x_hat, batch_size, device)
        metrics[cond] = output_metrics(x, x_hat, out, recon)
        outputs[cond] = out
    return metrics, outputs
