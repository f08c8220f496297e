"""The denoising test, its statistics and the classical baselines: the identity gives ratio 1 and a perfect
denoiser 0; ratios are ratios of means, not means of ratios; the equivalence transform and the ratio of two
models' ratios on different images; blur settings scale with the resolution; the baselines' renormalisation
works on batches as train-mode BatchNorm does; strengths are chosen on the given images only; a contrast
uses the reference's checkpoint at the matched training budget."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from skimage.metrics import peak_signal_noise_ratio
from torch import nn

from aecopy import baselines
from aecopy.claim_ids import expand_rule
from aecopy.claims import verdict
from aecopy.experiments import e3
from aecopy.procedures import denoise
from aecopy.procedures.batches import batch_indices


class Identity(nn.Module):
    def forward(self, x):
        return x


class BatchStandardise(nn.Module):
    """Each channel standardised over the batch, as a train-mode BatchNorm without affine parameters."""

    def forward(self, x):
        m = x.mean(dim=(0, 2, 3), keepdim=True)
        return (x - m) / x.std(dim=(0, 2, 3), keepdim=True).clamp_min(1e-6) * 0.2 + 0.5


def images(n=8, size=16, seed=0):
    g = torch.Generator().manual_seed(seed)
    return (0.5 + 0.2 * torch.randn(n, 3, size, size, generator=g)).clamp(0, 1)


def smooth_images(n=8, size=32, seed=0):
    return torch.nn.functional.avg_pool2d(images(n, size, seed), 5, stride=1, padding=2)


def test_blur_settings_scale_with_resolution():
    assert denoise.blur_settings(512, 19, 8.0, 512) == (19, 8.0)
    assert denoise.blur_settings(256, 19, 8.0, 512) == (11, 4.0)
    k, s = denoise.blur_settings(32, 19, 8.0, 512)
    assert k == 3 and s == pytest.approx(0.5)
    assert denoise.blur_settings(16, 11, 1.5, 32) == (7, 0.75)  # the default's blur on the attention models' 16²


def test_identity_model_leaves_every_error_as_it_was():
    x = images()
    alphas = [1.0, 0.5, 0.3, 0.1, 0.0]
    inputs = denoise.corrupted_inputs(x, alphas, 3, 0.5, torch.Generator().manual_seed(0))
    assert list(inputs) == ["a1", "a0.5", "a0.3", "a0.1", "a0", "blur"]
    assert torch.equal(inputs["a1"], x)
    metrics, outputs = denoise.sweep(Identity(), x, inputs, 3, "random", seed=0)
    for cond in ["a0.5", "a0.3", "a0.1", "a0", "blur"]:
        mse_in = denoise.input_metrics(x, inputs[cond])["mse_in"]
        assert np.array_equal(metrics[cond]["mse_out"], mse_in)
        assert np.array_equal(metrics[cond]["mse_shift"], mse_in)  # O(x) = x
        assert torch.equal(outputs[cond], inputs[cond])
        assert e3.ratio_of_means([metrics[cond]["mse_out"]] * 3, [mse_in] * 3, seed=0)["value"] == 1.0
    assert np.allclose(metrics["a1"]["mse_out"], 0) and np.allclose(metrics["a1"]["psnr"], 100.0)  # capped


def test_psnr_is_scikit_images_and_ssim_only_where_asked():
    x = images()
    x_hat = denoise.corrupt(x, 0.5, torch.Generator().manual_seed(0))
    want = [peak_signal_noise_ratio(a.numpy(), b.numpy(), data_range=1.0) for a, b in zip(x.double(), x_hat.double())]
    assert np.allclose(denoise.psnr(x_hat, x), want, rtol=1e-5)
    assert "ssim" not in denoise.output_metrics(x, x_hat)
    m = denoise.output_metrics(x, x.clone(), full=True, with_ssim=True)
    assert np.allclose(m["mse_out"], 0) and np.allclose(m["stat_dist"], 0) and np.allclose(m["ssim"], 1)
    assert set(denoise.output_metrics(x, x_hat, x, full=False)) == {"mse_out", "stat_dist"}


def test_ratio_of_means_is_not_a_mean_of_ratios():
    """One image that a corruption barely touches (denominator ≈ 0) makes the mean of per-image ratios huge;
    the ratio of mean errors is what the claims use."""
    den = np.array([1e-5, 1.0, 1.0, 1.0])
    num = np.array([1e-3, 0.5, 0.5, 0.5])
    assert np.mean(num / den) > 20  # the old statistic
    s = e3.ratio_of_means([num, num * 1.1, num * 0.9], [den] * 3, seed=0)
    assert s["value"] == pytest.approx(num.sum() / den.sum())
    assert s["ci_low"] <= s["value"] <= s["ci_high"] < 1
    assert s["n_seeds"] == 3 and "interval" in s


def test_ratio_of_means_interval_covers_the_spread_between_seeds():
    """Three seeds with ratios 0.6, 0.9 and 1.2: no verdict below 1 however many images agree within a seed."""
    den = np.ones(64)
    s = e3.ratio_of_means([0.6 * den, 0.9 * den, 1.2 * den], [den] * 3, seed=0)
    assert s["value"] == pytest.approx(0.9) and s["ci_low"] < 0.6 and s["ci_high"] > 1.2
    assert verdict(expand_rule("< 1.0"), s) == "inconclusive"


@pytest.mark.parametrize("interval, want", [((0.9, 1.1), "reproduced"), ((0.95, 1.3), "inconclusive"),
                                            ((1.3, 1.6), "not reproduced"), ((0.5, 0.7), "not reproduced")])
def test_abs_log_makes_a_two_sided_equivalence(interval, want):
    lo, hi = interval
    stats = {"value": (lo * hi) ** 0.5, "ci_low": lo, "ci_high": hi}
    t = e3.abs_log(stats)
    assert t["ci_low"] <= t["value"] <= t["ci_high"]
    assert t["ratio"]["ci_low"] == lo
    assert verdict(expand_rule("< 0.223"), t) == want


def test_ratio_of_ratios_on_different_images():
    g = np.random.default_rng(0)
    a_in = [g.uniform(0.5, 1.5, 32)] * 3
    b_in = [g.uniform(0.1, 0.3, 48)] * 3
    a = [0.5 * a_in[0] * f for f in (0.9, 1.0, 1.1)]  # ratio 0.5 on its own inputs
    b = [0.25 * b_in[0]] * 3  # ratio 0.25
    s = e3.ratio_of_ratios((a, a_in), (b, b_in), seed=0)
    assert s["value"] == pytest.approx(2.0) and s["ci_low"] < 2.0 < s["ci_high"] and s["ci_low"] > 1.5


def test_sweep_batches_every_condition_alike_and_compositions_differ_for_batch_statistics():
    x = images(16)
    inputs = denoise.corrupted_inputs(x, [1.0, 0.5], 3, 1.0, torch.Generator().manual_seed(0))
    model = BatchStandardise()
    rand, out_r = denoise.sweep(model, x, inputs, 8, "random", seed=3)
    again, out_a = denoise.sweep(model, x, inputs, 8, "random", seed=3)
    single, out_s = denoise.sweep(model, x, inputs, 8, "single", seed=3)
    assert all(torch.equal(out_r[c], out_a[c]) for c in out_r)  # seeded: the same batches
    assert not torch.allclose(out_r["a0.5"], out_s["a0.5"])  # batch statistics differ from one image's
    ident, _ = denoise.sweep(Identity(), x, inputs, 8, "single", seed=3)
    assert np.array_equal(ident["a0.5"]["mse_out"], denoise.input_metrics(x, inputs["a0.5"])["mse_in"])


def test_renormalise_works_on_batches_not_images():
    """Each random batch gets the data's channel mean and sd; within a batch a brighter image stays brighter
    (per-image renormalisation would erase that); batch size 1 is per-image renormalisation."""
    x_hat = images(16, seed=1) * 0.3 + 0.6
    x_hat[0] += 0.2  # one image brighter than the rest
    mean, std = torch.tensor([0.4, 0.5, 0.6]), torch.tensor([0.1, 0.2, 0.3])
    out = baselines.renormalise(x_hat, mean, std, 8, torch.Generator().manual_seed(5))
    for idx in batch_indices(16, 8, "random", torch.Generator().manual_seed(5)):
        b = out[idx]
        assert torch.allclose(b.mean(dim=(0, 2, 3)), mean, atol=1e-5)
        assert torch.allclose(b.var(dim=(0, 2, 3), unbiased=False).sqrt(), std, atol=1e-5)
    assert out[0].mean() > out[1:].mean() + 0.1
    single = baselines.renormalise(x_hat, mean, std, 1, torch.Generator().manual_seed(5))
    assert torch.allclose(single.mean(dim=(2, 3)), mean.expand(16, 3), atol=1e-5)


@pytest.mark.parametrize("name", baselines.available(["blur", "tv", "wavelet", "nlm"]))
def test_each_baseline_reduces_noise(name):
    x = smooth_images(16)
    mean, std = baselines.data_channel_stats(x)
    noisy = denoise.corrupt(x, 0.5, torch.Generator().manual_seed(0))
    inp = baselines.renormalise(noisy, mean, std, 8, torch.Generator().manual_seed(0))
    param = {"blur": 1.0, "tv": 0.1, "wavelet": 0.1, "nlm": 0.1}[name]
    out = baselines.run_baseline(name, param, inp)
    assert out.shape == x.shape
    assert (out - x).pow(2).mean() < (baselines.run_baseline("renorm", None, inp) - x).pow(2).mean()


def test_parameter_selection_uses_only_the_given_images():
    """Flat images want the strongest smoothing, noise-free textured ones the weakest; nothing else is read."""
    g = torch.Generator().manual_seed(0)
    flat = torch.full((4, 3, 16, 16), 0.5)
    noisy_flat = flat + 0.1 * torch.randn(flat.shape, generator=g)
    best, scores = baselines.select_parameter("blur", [0.5, 1.0, 3.0], flat, noisy_flat)
    assert best == 3.0 and set(scores) == {0.5, 1.0, 3.0}
    texture = torch.rand(4, 3, 16, 16, generator=g)
    best, _ = baselines.select_parameter("blur", [0.5, 1.0, 3.0], texture, texture.clone())
    assert best == 0.5


def test_deblur_details_measure_sharpness():
    """A blurred input has less high-frequency energy than the clean image; the identity keeps it."""
    x = smooth_images(8, seed=2) + 0.05 * images(8, 32, seed=3)
    inputs = denoise.corrupted_inputs(x, [1.0], 11, 1.5, torch.Generator().manual_seed(0))
    st = {"input_metrics": {c: denoise.input_metrics(x, v) for c, v in inputs.items()}, "blur": {"sigma": 1.5}}
    metrics, _ = denoise.sweep(Identity(), x, inputs, 4, "random", seed=0)
    summ = e3.summarise({c: {k: [v] * 3 for k, v in m.items()} for c, m in metrics.items()}, st["input_metrics"], 0)
    d = e3._deblur_details(st, summ, "blur")
    assert d["sharpness_input"] < 0.5
    assert d["sharpness_output"]["value"] == pytest.approx(d["sharpness_input"])
    assert summ["blur"]["ratio"]["value"] == 1.0 and d["mse_reconstruction"]["value"] == 0


class Budgets:
    """Inputs that only know checkpoints' training budgets: {(variant, epoch): images seen}."""

    def __init__(self, seen):
        self.seen = seen

    def model(self, variant, seed, epoch=None, device="cpu"):
        return None, {"epoch": epoch, "images_seen": self.seen[(variant, epoch)]}


@pytest.mark.parametrize("bs1_images, want_epoch, equal", [(8000, 2, True), (4000, 1, True), (4100, 1, True),
                                                           (5000, 2, False), (None, 2, False)])
def test_a_contrast_uses_the_reference_at_the_matched_budget(bs1_images, want_epoch, equal):
    params = {"seeds": [0, 1, 2], "variants": {
        "unet": {"train": {"save_epochs": [1, 2]}}, "unet_bs1": {"train": {"save_epochs": [1]}}}}
    inputs = Budgets({("unet", 1): 4000, ("unet", 2): 8000, ("unet_bs1", 1): bs1_images})
    m = e3.matched_reference(params, inputs, {}, "unet_bs1", "unet", tolerance=0.05)
    assert (m["epoch"], m["equal"]) == (want_epoch, equal)
    assert m["budgets"]["unet_bs1"] == [bs1_images] * 3
