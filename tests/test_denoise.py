"""The denoising test and the classical baselines: identity gives ratio 1, a perfect denoiser 0,
blur settings scale with the resolution, baseline strengths are chosen on the given images only."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from aecopy import baselines
from aecopy.procedures import denoise


class Identity(nn.Module):
    def forward(self, x):
        return x


def images(n=8, size=16, seed=0):
    g = torch.Generator().manual_seed(seed)
    return (0.5 + 0.2 * torch.randn(n, 3, size, size, generator=g)).clamp(0, 1)


def test_blur_settings_scale_with_resolution():
    assert denoise.blur_settings(512, 19, 8.0, 512) == (19, 8.0)
    assert denoise.blur_settings(256, 19, 8.0, 512) == (11, 4.0)
    k, s = denoise.blur_settings(32, 19, 8.0, 512)
    assert k == 3 and s == pytest.approx(0.5)


def test_identity_model_has_ratio_one_at_every_alpha():
    x = images()
    alphas = [1.0, 0.5, 0.3, 0.1, 0.0]
    inputs = denoise.corrupted_inputs(x, alphas, 3, 0.5, torch.Generator().manual_seed(0))
    assert list(inputs) == ["a1", "a0.5", "a0.3", "a0.1", "a0", "blur"]
    assert torch.equal(inputs["a1"], x)
    metrics, outputs = denoise.denoise_sweep(Identity(), x, inputs, batch_size=3)
    for cond in ["a0.5", "a0.3", "a0.1", "a0", "blur"]:
        assert np.allclose(metrics[cond]["ratio"], 1.0)
        assert np.allclose(metrics[cond]["ratio_recon"], 1.0)
        assert torch.equal(outputs[cond], inputs[cond])
    assert np.isnan(metrics["a1"]["ratio"]).all() and np.allclose(metrics["a1"]["mse_out"], 0)
    assert np.allclose(metrics["a1"]["ssim"], 1.0)


def test_output_metrics_of_a_perfect_denoiser():
    x = images()
    x_hat = denoise.corrupt(x, 0.5, torch.Generator().manual_seed(0))
    m = denoise.output_metrics(x, x_hat, x.clone())
    assert np.allclose(m["ratio"], 0) and np.allclose(m["stat_dist"], 0) and np.allclose(m["hf_ratio"], 1)
    inp = denoise.input_metrics(x, x_hat)
    assert (inp["psnr_in"] < 30).all() and (inp["ssim_in"] < 1).all()


def test_renormalise_gives_the_data_statistics():
    x_hat = images(seed=1) * 0.3 + 0.6
    mean, std = torch.tensor([0.4, 0.5, 0.6]), torch.tensor([0.1, 0.2, 0.3])
    out = baselines.renormalise(x_hat, mean, std)
    flat = out.flatten(2)
    assert torch.allclose(flat.mean(2), mean.expand(8, 3), atol=1e-5)
    assert torch.allclose(flat.std(2), std.expand(8, 3), atol=1e-5)


@pytest.mark.parametrize("name", baselines.available(["blur", "tv", "wavelet", "nlm"]))
def test_each_baseline_reduces_noise(name):
    x = torch.nn.functional.avg_pool2d(images(4, 32), 5, stride=1, padding=2)  # smooth images
    mean, std = baselines.data_channel_stats(x)
    noisy = denoise.corrupt(x, 0.5, torch.Generator().manual_seed(0))
    grid = {"blur": [1.0], "tv": [0.1], "wavelet": [0.1], "nlm": [0.1]}[name]
    out = baselines.run_baseline(name, grid[0], noisy, mean, std)
    renorm = baselines.run_baseline("renorm", None, noisy, mean, std)
    assert out.shape == x.shape
    assert (out - x).pow(2).mean() < (renorm - x).pow(2).mean()


def test_parameter_selection_uses_only_the_given_images():
    """Flat images want the strongest smoothing, noise-free textured ones the weakest; nothing else is read."""
    g = torch.Generator().manual_seed(0)
    flat = torch.full((4, 3, 16, 16), 0.5)
    noisy_flat = flat + 0.1 * torch.randn(flat.shape, generator=g)
    mean, std = torch.full((3,), 0.5), torch.full((3,), 0.1)
    best, scores = baselines.select_parameter("blur", [0.5, 1.0, 3.0], flat, noisy_flat, mean, std)
    assert best == 3.0 and set(scores) == {0.5, 1.0, 3.0}
    texture = torch.rand(4, 3, 16, 16, generator=g)
    m, s = baselines.data_channel_stats(texture)
    best, _ = baselines.select_parameter("blur", [0.5, 1.0, 3.0], texture, texture.clone(), m, s)
    assert best == 0.5


class ConstantMean(nn.Module):
    def forward(self, x):
        return torch.full_like(x, 0.5)


def test_a_model_that_does_not_copy_makes_its_denoising_claims_inconclusive():
    from aecopy.claims import make_claim
    from aecopy.experiments.e3 import copy_r2, guard_copy

    x = images(16)
    inputs = denoise.corrupted_inputs(x, [1.0, 0.5], 3, 1.0, torch.Generator().manual_seed(0))
    r2 = {}
    for name, model in (("identity", Identity()), ("constant", ConstantMean())):
        metrics, _ = denoise.denoise_sweep(model, x, inputs, 8)
        r2[name] = copy_r2({c: {k: [v] for k, v in m.items()} for c, m in metrics.items()}, x)
    assert r2["identity"] == pytest.approx(1.0)
    assert r2["constant"] < 0.05  # about the data's mean: explains (almost) nothing

    rule = {"reproduced": {"stat": "ci_low", "op": ">", "value": 1.0},
            "not_reproduced": {"stat": "ci_high", "op": "<=", "value": 1.0}}
    stats = {"value": 3.0, "ci_low": 2.5, "ci_high": 3.5}
    ok = guard_copy(make_claim("E9-x", "denoises poorly", "m", stats, rule, "default", "val"),
                    {"identity": r2["identity"]}, 0.5)
    bad = guard_copy(make_claim("E9-x", "denoises poorly", "m", stats, rule, "default", "val"),
                     {"identity": r2["identity"], "constant": r2["constant"]}, 0.5)
    assert ok["verdict"] == "reproduced" and "confounded" not in ok
    assert bad["verdict"] == "inconclusive" and bad["confounded"] and "R²" in bad["rule"]
