"""The denoising test (SPEC "Denoising test"): a model's output on corrupted copies of clean images.

Corruptions: the noise mix x̂ = α·x + (1−α)·n for each α, and a Gaussian blur. All corrupted inputs are
drawn once, so every model and every classical baseline sees the same x̂. A model runs in batches composed
as `procedures.batches` says, since train-mode BatchNorm mixes the statistics of a batch.

Per-image quantities are kept unreduced (squared errors, channel-statistic distances, high-frequency
energies): the claims form ratios of their means over images and seeds, never means of per-image ratios,
which a few near-zero denominators dominate (a blur barely changes a flat patch).
"""
from __future__ import annotations

import numpy as np
import torch
from skimage.metrics import structural_similarity
from torchvision.transforms.functional import gaussian_blur

from ..image_stats import channel_stats, hf_energy
from .batches import run_composed
from .noise import corrupt

BLUR = "blur"


def condition_name(alpha: float) -> str:
    """"a0.5" for the noise mix with α = 0.5; "blur" is the deblur test."""
    return f"a{alpha:g}"


CLEAN = condition_name(1.0)


def blur_settings(size: int, kernel: int, sigma: float, reference_size: int) -> tuple[int, float]:
    """(kernel, sigma) of GaussianBlur(kernel, sigma) defined at `reference_size`, scaled to `size`.

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
    inputs[BLUR] = blur(x, blur_kernel, blur_sigma)
    return inputs


def mse(a: torch.Tensor, b: torch.Tensor) -> np.ndarray:
    """Per-image mean squared difference (B,)."""
    return (a.float() - b.float()).pow(2).flatten(1).mean(1).numpy()


def psnr(img: torch.Tensor, ref: torch.Tensor) -> np.ndarray:
    """Per-image PSNR in dB, data range 1 (as scikit-image's), capped at 100 dB (MSE 1e-10) so that an
    exact copy keeps means and intervals finite."""
    return 10 * np.log10(1.0 / np.maximum(mse(img, ref), 1e-10))


def ssim(img: torch.Tensor, ref: torch.Tensor) -> np.ndarray:
    """scikit-image's SSIM of each image of img against ref (B, C, H, W), data range 1."""
    a = img.permute(0, 2, 3, 1).double().numpy()  # (B, H, W, C)
    r = ref.permute(0, 2, 3, 1).double().numpy()
    return np.array([structural_similarity(ri, ai, data_range=1.0, channel_axis=-1) for ai, ri in zip(a, r)])


def stat_distance(img: torch.Tensor, ref: torch.Tensor) -> np.ndarray:
    """Mean over channels of |Δ mean| + |Δ sd| between each image and its reference (B,): how far an
    output's colour statistics are from the clean image's (SPEC E8)."""
    m_i, s_i = channel_stats(img.float())
    m_r, s_r = channel_stats(ref.float())
    return ((m_i - m_r).abs() + (s_i - s_r).abs()).mean(1).numpy()


def input_metrics(x: torch.Tensor, x_hat: torch.Tensor) -> dict[str, np.ndarray]:
    """How far a corrupted input is from the clean one, per image: the denominators of the ratios.
    hf_in and hf_clean: high-frequency energy of x̂ and of x (the sharpness measure's reference)."""
    return {"mse_in": mse(x_hat, x), "psnr_in": psnr(x_hat, x), "ssim_in": ssim(x_hat, x),
            "stat_dist_in": stat_distance(x_hat, x), "hf_in": hf_energy(x_hat.float()).numpy(),
            "hf_clean": hf_energy(x.float()).numpy()}


def output_metrics(x: torch.Tensor, out: torch.Tensor, recon: torch.Tensor | None = None, full: bool = True,
                   with_ssim: bool = False) -> dict[str, np.ndarray]:
    """Per-image quantities of a denoiser's output `out` (B, C, H, W) against the clean x: mse_out =
    MSE(out, x) and stat_dist (`stat_distance`), the claims' numerators; with `full` also psnr, hf_out =
    high-frequency energy of out and, given `recon` = the model's output on the clean x, mse_shift =
    MSE(out, recon): the author's own deblur measure ‖O(x̂) − O(x)‖, how far the corruption moves the
    output; ssim when asked (it is the slow one)."""
    res = {"mse_out": mse(out, x), "stat_dist": stat_distance(out, x)}
    if full:
        res.update(psnr=psnr(out, x), hf_out=hf_energy(out.float()).numpy())
        if recon is not None:
            res["mse_shift"] = mse(out, recon)
    if with_ssim:
        res["ssim"] = ssim(out, x)
    return res


def sweep(model: torch.nn.Module, x: torch.Tensor, inputs: dict[str, torch.Tensor], batch_size: int,
          composition: str, seed: int, device="cpu", full: bool = True, ssim_conditions=()
          ) -> tuple[dict[str, dict[str, np.ndarray]], dict[str, torch.Tensor]]:
    """The model on the clean x and every corrupted input, in batches of `batch_size` composed as
    `composition` says: ({condition: per-image `output_metrics`}, {condition: outputs (N, C, H, W)}).

    Every condition is batched alike (the same random draw from `seed`), so an image shares its batch
    with the same other images, clean or corrupted. x and the inputs are (N, C, H, W) on the CPU;
    BatchNorm stays in whatever mode the model is in. `full`, `ssim_conditions`: see `output_metrics`."""
    def run(t):
        return run_composed(model, t, batch_size, composition, torch.Generator().manual_seed(seed), device)

    recon = run(x)  # O(x) (N, C, H, W)
    metrics, outputs = {}, {}
    for cond, x_hat in inputs.items():
        out = recon if torch.equal(x_hat, x) else run(x_hat)
        metrics[cond] = output_metrics(x, out, recon, full=full, with_ssim=cond in ssim_conditions)
        outputs[cond] = out
    return metrics, outputs
