"""SWD on Laplacian-pyramid patches, the nearest-neighbour copying check and contrast intervals."""
from __future__ import annotations

import numpy as np
import torch

from aecopy.distribution import (SlicedWasserstein, contrast_ci, laplacian_pyramid, layout_distance,
                                 nearest_distance, phase_randomised, statistic_ci, swd, swd_bootstrap, swd_report,
                                 trend_ci)


def photos(n, seed, size=32):
    """Smooth random 'images': blurred noise, so patches have structure at several scales."""
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n, 3, size, size, generator=g)
    return torch.nn.functional.avg_pool2d(x, 5, stride=1, padding=2)


def test_pyramid_levels_halve_the_resolution():
    x = photos(2, 0)
    pyr = laplacian_pyramid(x, 3)
    assert [p.shape[-1] for p in pyr] == [32, 16, 8]


def test_swd_of_a_set_with_itself_is_zero_and_grows_with_a_shift():
    ref = photos(24, 0)
    sw = SlicedWasserstein(levels=3, per_image=16, directions=32).fit(ref)
    p = sw.project(ref)
    assert np.allclose(swd(p, p), 0)
    other = photos(24, 1)
    d_other = swd(sw.project(other), p).mean()
    d_small = swd(sw.project(other + 0.05), p).mean()
    d_big = swd(sw.project(other + 0.2), p).mean()
    assert d_other < d_small < d_big


def test_swd_report_positions_samples_between_floor_and_ceiling():
    ref, floor = photos(24, 0), photos(24, 1)
    noise = torch.rand(24, 3, 32, 32, generator=torch.Generator().manual_seed(2))
    rep = swd_report({"real": photos(24, 3), "noise": noise}, ref, floor, noise, levels=3, patch=7, per_image=16,
                     directions=32, n_boot=20, seed=0, extra={"other": floor})
    assert rep["noise"]["position"]["value"] == 1.0
    assert abs(rep["real"]["position"]["value"]) < 0.3
    assert rep["_floor"]["mean"]["value"] < rep["_ceiling"]["mean"]["value"]
    assert rep["_other"]["mean"]["value"] == rep["_floor"]["mean"]["value"]
    assert rep["_boot"]["real"].shape == (20, 3)


def test_phase_randomisation_keeps_spectrum_and_means_but_not_structure():
    x = torch.zeros(2, 3, 16, 16)
    x[:, :, :, 8:] = 0.8  # a vertical edge
    x = x + 0.1
    pr = phase_randomised(x, torch.Generator().manual_seed(0))
    assert pr.shape == x.shape
    assert torch.allclose(pr.mean((2, 3)), x.mean((2, 3)), atol=0.05)
    assert not torch.allclose(pr, x, atol=0.1)


def test_bootstrap_is_deterministic():
    ref = photos(12, 0)
    sw = SlicedWasserstein(levels=2, per_image=8, directions=16).fit(ref)
    sets = {"a": sw.project(photos(12, 1))}
    p1, b1, s1 = swd_bootstrap(sets, sw.project(ref), 10, seed=5)
    p2, b2, s2 = swd_bootstrap(sets, sw.project(ref), 10, seed=5)
    assert np.array_equal(b1["a"], b2["a"]) and np.array_equal(p1["a"], p2["a"]) and s1["a"].shape == (1, 2)


def test_swd_of_several_seeds_is_the_mean_of_each_seeds_swd():
    """A set given per seed: each seed's images are measured on their own (as many as the floor), the value is
    the mean over seeds, and the interval covers the spread between seeds (a t interval over them)."""
    ref, floor = photos(24, 0), photos(12, 1)
    seeds = [photos(12, 3), photos(12, 4), photos(12, 5) + 0.15]  # the third seed's images are brighter
    ceiling = phase_randomised(floor, torch.Generator().manual_seed(0))
    rep = swd_report({"s": seeds}, ref, floor, ceiling, levels=2, patch=5, per_image=8, directions=16, n_boot=20,
                     seed=0)
    alone = [swd_report({"s": t}, ref, floor, ceiling, levels=2, patch=5, per_image=8, directions=16, n_boot=2,
                        seed=0)["s"]["mean"]["value"] for t in seeds]
    assert np.isclose(rep["s"]["mean"]["value"], np.mean(alone))
    assert rep["_per_seed"]["s"].shape == (3, 2) and rep["s"]["mean"]["n_seeds"] == 3
    assert np.allclose(rep["s"]["per_seed_vs_ceiling"], np.array(alone) / rep["_ceiling"]["mean"]["value"])
    spread = max(alone) - min(alone)
    assert rep["s"]["mean"]["ci_high"] - rep["s"]["mean"]["ci_low"] > spread  # the t interval over 3 seeds


def test_nearest_neighbour_detects_exact_copies():
    train = photos(50, 0)
    copies = train[[3, 17, 42]]
    d, i = nearest_distance(copies, train, chunk=16)
    assert torch.equal(i, torch.tensor([3, 17, 42])) and torch.allclose(d, torch.zeros(3), atol=1e-5)
    d_new, _ = nearest_distance(photos(3, 1), train)
    assert (d_new > 0.01).all()


def test_statistic_and_contrast_intervals():
    rng = np.random.default_rng(0)
    a = [rng.normal(2.0, 0.1, 200) for _ in range(3)]
    b = [rng.normal(1.0, 0.1, 200)]
    s = statistic_ci(a)
    assert s["ci_low"] < s["value"] < s["ci_high"] and s["n"] == 600 and s["n_groups"] == 3
    r = contrast_ci(a, b)
    assert 1.9 < r["ci_low"] < r["value"] < r["ci_high"] < 2.1
    d = contrast_ci(a, a, op="diff", reduce="median", paired_images=True, paired_seeds=True)
    assert d["value"] == 0 and d["ci_low"] == 0 and d["ci_high"] == 0


def test_layout_distance_tells_assembled_images_from_real_ones():
    """A copy of a reference image has the layout of one (distance 0); an image assembled from the halves of two
    different reference images has a layout none of them has."""
    ref = photos(20, 0)
    copy = ref[[2, 7]]
    halves = torch.cat([ref[3:4, :, :16], ref[11:12, :, 16:]], dim=2)
    d = layout_distance(torch.cat([copy, halves]), ref, levels=3, chunk=7)
    assert torch.allclose(d[:2], torch.zeros(2), atol=1e-6) and d[2] > 0.01


def test_trend_ci_recovers_a_slope_and_its_sign():
    """Median distances that fall by 0.1 per unit of x, for three seeds of 40 images measured at four x: a
    negative slope whose interval excludes 0; the same values in reverse order give the opposite slope."""
    rng = np.random.default_rng(0)
    xs = [0.0, 1.0, 2.0, 3.0]
    base = [rng.normal(1.0, 0.05, 40) for _ in range(3)]
    values = [[b - 0.1 * x + rng.normal(0, 0.01, 40) for b in base] for x in xs]
    t = trend_ci(values, xs)
    assert -0.12 < t["ci_low"] < t["value"] < t["ci_high"] < -0.08 and t["n_seeds"] == 3
    r = trend_ci(values[::-1], xs)
    assert np.isclose(r["value"], -t["value"]) and r["ci_low"] > 0
    flat = trend_ci([base, base], [0.0, 1.0])
    assert flat["value"] == 0 and flat["ci_low"] == 0 and flat["ci_high"] == 0
