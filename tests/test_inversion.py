"""Inversion (input representation) and the non-invertibility check: batching, BatchNorm, convergence."""
from __future__ import annotations

import pytest
import torch

from aecopy.models import build_model
from aecopy.procedures.inversion import (aligned_error, aligned_residual, converged, invert, invert_layer,
                                         inversion_mode, layer_fn, noise_measure, noise_to_signal,
                                         representation_stats, start_like)
from aecopy.procedures.noise import corrupt
from aecopy.procedures.noninvertible import (draw_start, gaussian_ks, gaussian_ks_null, geometric_widths, invert_map,
                                             random_map, sweep)


@pytest.fixture()
def unet64():
    """A tiny U-Net in float64: there the L1 loss's sign gradient is not flipped by rounding noise."""
    torch.manual_seed(0)
    return build_model("unet", 16, base=8, levels=2).double()


def _images(n: int, seed: int = 0) -> torch.Tensor:
    return torch.rand(n, 3, 16, 16, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


def test_batch_gives_the_same_images_as_separate_runs(unet64):
    x = _images(3)
    start = start_like(x, torch.Generator().manual_seed(1)).double()
    batched = invert_layer(unet64, x, generator=torch.Generator().manual_seed(2), steps=15, start=start)
    for i in range(3):
        alone = invert_layer(unet64, x[i:i + 1], generator=torch.Generator().manual_seed(2), steps=15,
                             start=start[i:i + 1])
        torch.testing.assert_close(alone["a"], batched["a"][i:i + 1], rtol=0, atol=1e-9)
        torch.testing.assert_close(alone["loss"][:, 0], batched["loss"][:, i], rtol=1e-9, atol=1e-9)


def test_batchnorm_statistics_do_not_leak_between_images(unet64):
    x = _images(2)
    other = x.clone()
    other[1] = _images(1, seed=5)[0]
    start = start_like(x, torch.Generator().manual_seed(1)).double()
    bn = unet64.inc[1]
    before = (bn.running_mean.clone(), bn.running_var.clone(), int(bn.num_batches_tracked))
    a = invert_layer(unet64, x, generator=torch.Generator().manual_seed(2), steps=10, start=start)["a"]
    b = invert_layer(unet64, other, generator=torch.Generator().manual_seed(2), steps=10, start=start)["a"]
    torch.testing.assert_close(a[0], b[0], rtol=0, atol=1e-9)
    assert (a[1] - b[1]).abs().max() > 1e-3
    # running statistics untouched, train mode and trainable parameters restored
    torch.testing.assert_close(bn.running_mean, before[0])
    torch.testing.assert_close(bn.running_var, before[1])
    assert int(bn.num_batches_tracked) == before[2]
    assert unet64.training and all(p.requires_grad for p in unet64.parameters())
    assert "forward" not in bn.__dict__


def test_eval_mode_uses_running_statistics(unet64):
    x = _images(2)
    with torch.no_grad():
        unet64.eval()
        expected = unet64(x)
        unet64.train()
        with inversion_mode(unet64, eval_mode=True):
            got = unet64(x)
    torch.testing.assert_close(got, expected)
    assert unet64.training


def test_inversion_lowers_its_loss():
    torch.manual_seed(0)
    model = build_model("unet", 16, base=8, levels=2)
    x = torch.rand(4, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    res = invert_layer(model, x, generator=torch.Generator().manual_seed(1), steps=30, record_every=10)
    assert res["a"].shape == x.shape
    assert res["record_steps"].tolist() == [0, 10, 20, 30]
    assert (res["loss"][-1] < 0.8 * res["loss"][0]).all()
    for key in ("rel_error", "aligned_error", "ref_aligned", "noise", "noise_raw", "fit", "gap", "reference",
                "start_reference", "fit_start", "control_start"):
        assert res[key].shape == (4,) and torch.isfinite(res[key]).all()


@pytest.mark.parametrize("kind", ["unet", "identity"])
def test_convergence_test_passes_x_and_fails_x_plus_the_whole_start_noise(kind):
    """The convergence criterion on constructed representations: a = x converges, a = x + the start's noise
    (N(0, 1/20²)) does not, and neither does the author's old reference's size of noise (N(0,1)/18), which the
    previous criterion (‖f(a) − f(x)‖ ≤ ‖f(x + N(0,1)/18) − f(x)‖) accepted half of the time."""
    torch.manual_seed(0)
    model = build_model("unet", 16, base=8, levels=1) if kind == "unet" else torch.nn.Identity()
    x = torch.rand(8, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    g = torch.Generator().manual_seed(1)
    with inversion_mode(model):
        f = layer_fn(model, "output")
        exact = representation_stats(f, x, x.clone(), g)
        noisy = representation_stats(f, x, x + 0.05 * torch.randn(x.shape, generator=g), g)
        ref = representation_stats(f, x, x + torch.randn(x.shape, generator=g) / 18, g)
    assert converged(exact["fit_start"], exact["control_start"], 0.5).all()
    assert not converged(noisy["fit_start"], noisy["control_start"], 0.5).any()
    assert not converged(ref["fit_start"], ref["control_start"], 0.5).any()
    assert (noisy["fit_start"] > 0.7).all() and (noisy["control_start"] > 0.7).all()  # both ≈ 1, well above 0.5


def test_identity_is_inverted_to_the_input():
    """With f = identity the author's steps move each pixel 0.1·c = 0.002 per step towards x."""
    x = torch.rand(2, 3, 8, 8, generator=torch.Generator().manual_seed(0))
    start = start_like(x, torch.Generator().manual_seed(1))
    res = invert(lambda a: a, x, start, steps=500)
    assert (res["a"] - x).abs().max() < 0.005
    assert res["loss"][-1].max() < 0.01 * res["loss"][0].min()


def test_aligned_error_and_noise_ignore_brightness_and_contrast():
    """What per-image BatchNorm cannot see (a gain and per-channel offsets) does not count as error or noise."""
    coarse = torch.rand(2, 3, 4, 4, generator=torch.Generator().manual_seed(0))
    x = torch.nn.functional.interpolate(coarse, size=16, mode="bilinear", align_corners=False)  # smooth images
    shifted = 0.5 * x + torch.tensor([0.1, 0.3, -0.2])[None, :, None, None]
    assert aligned_error(shifted, x).max() < 1e-5
    torch.testing.assert_close(noise_measure(shifted, x), torch.ones(2))
    noisy = x + 0.2 * torch.randn(x.shape, generator=torch.Generator().manual_seed(1))
    assert (aligned_error(noisy, x) > 0.3).all() and (noise_measure(noisy, x) > 2).all()
    assert torch.allclose(aligned_error(torch.rand(2, 3, 16, 16), x), torch.ones(2), atol=0.1)


def test_noise_to_signal_grows_where_the_aligned_error_saturates():
    """E4's measure: 0 for x, blind to brightness and contrast, and unbounded: at α = 0.1 the aligned error of
    x̂ is already ≈ 1 (it cannot tell x̂ from a noisier copy), the noise-to-signal ratio still can."""
    coarse = torch.rand(4, 3, 4, 4, generator=torch.Generator().manual_seed(0))
    x = torch.nn.functional.interpolate(coarse, size=16, mode="bilinear", align_corners=False)
    assert noise_to_signal(x, x).max() < 1e-5
    assert noise_to_signal(0.3 * x + 0.2, x).max() < 1e-5
    x_hat = corrupt(x, 0.1, torch.Generator().manual_seed(1))
    noisier = x_hat + 0.2 * torch.randn(x.shape, generator=torch.Generator().manual_seed(2))
    assert (aligned_error(x_hat, x) > 0.95).all() and (aligned_error(noisier, x) < 1.0001).all()
    assert (noise_to_signal(noisier, x) > 1.3 * noise_to_signal(x_hat, x)).all()
    assert (noise_to_signal(-x, x) == 1e3).all()  # no positive component along x: the ceiling


def test_aligned_residual_is_what_brightness_and_contrast_cannot_explain():
    x = torch.rand(2, 3, 8, 8, generator=torch.Generator().manual_seed(0))
    assert aligned_residual(0.5 * x + 0.3, x).abs().max() < 1e-5
    eps = 0.1 * torch.randn(x.shape, generator=torch.Generator().manual_seed(1))
    r = aligned_residual(x + eps, x)
    assert r.shape == x.shape
    torch.testing.assert_close(r.norm() / (aligned_error(x + eps, x) * (x - x.mean((2, 3), keepdim=True))
                                           .flatten(1).norm(dim=1)).norm(), torch.tensor(1.0), atol=1e-4, rtol=0)


def test_starts_and_copying_maps():
    g = torch.Generator().manual_seed(0)
    x = torch.zeros(2, 4096)
    uniform = draw_start(x, g, "uniform", 0.7, 0.05)
    assert abs(float(uniform.mean()) - 0.7) < 0.01 and abs(float(uniform.std()) - 0.05) < 0.005
    assert float(uniform.max()) <= 0.7 + 0.05 * 3 ** 0.5 and gaussian_ks(uniform).min() > 0.045
    assert (draw_start(x, g, "constant", 0.7, 0.05) == 0.7).all()
    f = random_map([64, 32, 16], g, "relu", kind="sample")
    for lin in (f[0], f[2]):
        assert (lin.weight.sum(1) == 1).all() and ((lin.weight == 0) | (lin.weight == 1)).all()


def test_gaussian_ks_separates_gaussian_from_uniform():
    g = torch.Generator().manual_seed(0)
    assert gaussian_ks(torch.randn(4, 4096, generator=g)).max() < 0.03
    assert gaussian_ks(torch.rand(4, 4096, generator=g)).min() > 0.045  # uniform: 0.057 from its fitted normal


def test_linear_map_representation_noise_lies_in_the_null_space():
    """For a linear map every step is in the row space: δ = a − x₀ is the null-space part of a₀ − x₀."""
    n, m = 96, 48
    g = torch.Generator().manual_seed(0)
    f = random_map([n, m], g)
    x0 = torch.rand(2, n, generator=g)
    res = invert_map(f, x0, starts=2, generator=g, steps=2000, c=0.02, lr=0.1, start_mean=0.7, start_sd=0.05)
    assert res["fit"].max() < 0.02
    A = f[0].weight.double()
    null = torch.eye(n, dtype=torch.float64) - torch.linalg.pinv(A) @ A
    expected = (res["start"] - res["x0"]).double() @ null.T
    torch.testing.assert_close((res["a"] - res["x0"]).double(), expected, rtol=0, atol=0.02)


def test_a_small_random_null_space_makes_the_representation_noise_gaussian():
    """x₀ and the start are far from Gaussian (uniform); projected onto a small random null space
    (n − m = n/8) their difference δ becomes near-Gaussian."""
    n = 1024
    g = torch.Generator().manual_seed(0)
    x0 = torch.rand(2, n, generator=g)
    f = random_map([n, n - n // 8], g)
    res = invert_map(f, x0, starts=1, generator=g, steps=1000, c=0.02, lr=0.1, start_mean=0.7, start_sd=0.05)
    assert res["fit"].max() < 0.05
    assert res["ks_start"].min() > 0.05 and res["ks_delta"].max() < 0.035  # exact Gaussian samples: ≈ 0.022


def test_dense_maps_mix_the_sampled_point_and_copying_maps_do_not():
    """T's contrast: from a uniform start, a dense random map with a large null space (n − m = 7n/8) gives a
    sampled point a close to Gaussian (the start's mean level and x₀ spread over all coordinates), while a
    map that copies coordinates leaves the unreached ones at their uniform start values."""
    n = 512
    g = torch.Generator().manual_seed(0)
    x0 = torch.rand(4, n, generator=g)
    floor = gaussian_ks_null(n, torch.Generator().manual_seed(1))
    out = {}
    for kind in ("dense", "sample"):
        f = random_map([n, n // 8], g, kind=kind)
        res = invert_map(f, x0, starts=1, generator=g, steps=1000, c=0.02, lr=0.1, start_mean=0.7, start_sd=0.05,
                         start="uniform")
        assert converged(res["fit_start"], res["control_start"], 0.5).all()
        out[kind] = float(res["ks"].mean()) / floor
    assert out["dense"] < 1.5 and out["sample"] > 2.0


def test_sweep_rows_and_widths():
    assert geometric_widths(64, 16, 2) == [64, 32, 16]
    g = torch.Generator().manual_seed(0)
    rows = sweep(torch.rand(2, 32, generator=g), [(1, 16), (2, 16)], maps=2, starts=2, generator=g, steps=5,
                 c=0.02, lr=0.1, start_mean=0.7, start_sd=0.05)
    assert len(rows) == 2 * 2 * 2 * 2
    assert {r["n_minus_m"] for r in rows} == {16} and {r["depth"] for r in rows} == {1, 2}


@pytest.mark.slow
def test_vit_b_32_from_a_saved_state_dict(tmp_path):
    """The E10 path for torchvision's vit_b_32: a user-supplied state dict (here random), no download."""
    torchvision = pytest.importorskip("torchvision")
    from aecopy.experiments.invert import VIT_B_32, subject

    torch.manual_seed(0)
    state = torchvision.models.vit_b_32(weights=None).state_dict()
    path = tmp_path / "vit_b_32.pth"
    torch.save(state, path)
    params = {"experiments": {"inversion": {"layers": {VIT_B_32: ["encoder.layers.encoder_layer_0"]}},
                              "e10": {"variant": "vit", "vit_b_32_image_size": 224}},
              "variants": {"vit": {"dataset": "photos32"}}}
    model, size, dataset, layers = subject(params, None, VIT_B_32, 0, "trained", str(path))
    assert (size, dataset, layers) == (224, "photos32", ["encoder.layers.encoder_layer_0"])
    torch.testing.assert_close(model.conv_proj.weight, state["conv_proj.weight"])
    x = torch.rand(1, 3, 224, 224, generator=torch.Generator().manual_seed(0))
    res = invert_layer(model, x, layers[0], torch.Generator().manual_seed(0), steps=2, record_every=1)
    assert res["a"].shape == x.shape and res["loss"].shape == (3, 1)
