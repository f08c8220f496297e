"""The representation experiments' entry point on small stand-in inversion files (tiny models, few steps)."""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch

from aecopy import config, plan
from aecopy.cli import experiment as experiment_cli
from aecopy.experiments import represent
from aecopy.experiments.invert import invert_set
from aecopy.io import save_torch
from aecopy.models import build_model
from aecopy.params import declare

REPO = Path(__file__).resolve().parents[1]
SETTINGS = {"steps": 3, "c": 0.02, "lr": 0.1, "start_mean": 0.7, "start_sd": 0.05, "reference_sd": 1 / 18,
            "record_every": 1, "batch_size": 4, "max_images": 4}


def _run(tmp: Path, variant: str, seed: int, state: str, bn: str = "train", kind: str = "clean") -> str:
    """An inversion file as rule `invert_*` writes it, from a tiny model of the variant's kind."""
    torch.manual_seed(seed + (state == "trained"))
    if variant == "vit":
        model, layers = build_model("vit", 16, patch_size=4, dim=32, depth=2, heads=2, mlp_dim=32, num_classes=5), \
            ["blocks.0", "blocks.1"]
    else:
        model, layers = build_model("unet", 16, base=8, levels=2), ["output"]
    x = torch.rand(4, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    res = invert_set(model, x, layers, SETTINGS, bn == "eval", 7, 0.1 if kind == "noisy" else None)
    path = tmp / f"{variant}-{seed}-{state}-{bn}-{kind}.pt"
    save_torch(path, {"variant": variant, "seed": seed, "state": state, "bn": bn, "kind": kind, "alpha": None,
                      "layers": layers, "settings": SETTINGS, "sets": {"photos32": res}, "seconds": 0.0})
    return str(path)


CASES = {
    "e2": lambda t: [_run(t, "unet", s, st, bn) for s in (0, 1) for st in ("trained", "untrained")
                     for bn in ("train", "eval")],
    "e4": lambda t: [_run(t, "unet", 0, "trained", kind=k) for k in ("noisy", "clean")],
    "e5": lambda t: [_run(t, v, 0, "trained") for v in ("unet_hidden", "unet")],
    "e8c": lambda t: [_run(t, v, 0, "trained") for v in ("unet_nobn", "unet_hidden")],
    "e9_represent": lambda t: [_run(t, v, 0, "trained") for v in ("attn_unet", "linear_attn", "dot_attn", "attn_only")],
    "e10": lambda t: [_run(t, "vit", 0, st) for st in ("trained", "untrained")],
}
IDS = {"e2": {"E2", "E2-eval"}, "e4": {"E4", "E4-noise"}, "e5": {"E5", "E5-gap"}, "e8c": {"E8c"},
       "e9_represent": {"E9-repr-linear", "E9-repr-dot", "E9-repr-attn_only"},
       "e10": {"E10-block1", "E10-block1-untrained", "E10-deep"}}


@pytest.mark.parametrize("experiment", sorted(CASES))
def test_experiment_writes_claims_metrics_and_figures(experiment, tmp_path):
    inputs = CASES[experiment](tmp_path)
    out = tmp_path / experiment
    P = config.load(REPO / "params.yaml")
    experiment_cli.main([experiment, "--rule", experiment, "--params", declare(P, list(P)),
                     "--inputs", json.dumps({"inversions": inputs}), "--out-dir", str(out),
                     "--figures", *plan.figures(P, experiment)])
    claims = json.loads((out / "claims.json").read_text())
    assert {c["id"] for c in claims} == IDS[experiment]
    for c in claims:
        assert c["verdict"] in ("reproduced", "not reproduced", "inconclusive")
        assert c["ci_low"] <= c["value"] <= c["ci_high"]
        assert "inconclusive (inversions did not converge)" in c["rule"]
        assert "inconclusive (too few images or seeds)" in c["rule"]
        for fig in c["figures"]:
            assert (tmp_path / fig["path"]).is_file()
    # three steps converge nothing, and 4 images of 1–2 seeds are too few: every comparison is inconclusive
    assert all(c["verdict"] == "inconclusive" and {"inversions did not converge", "too few images or seeds"}
               <= set(c["reasons"]) for c in claims)
    assert json.loads((out / "metrics.json").read_text())


def test_summaries():
    v = np.array([2.0, 8.0, 4.0])
    g = np.zeros(3)
    geo = represent.summarise(v, g, "geo", 0)
    assert math.isclose(geo["value"], 4.0) and geo["ci_low"] <= 4.0 <= geo["ci_high"]
    inv = represent.summarise(1 / v, g, "abs_log", 0)
    assert math.isclose(inv["value"], math.log(4.0)) and inv["ci_low"] > 0
    straddle = represent.summarise(np.array([0.5, 2.0, 0.6, 1.8]), np.zeros(4), "abs_log", 0)
    assert straddle["ci_low"] == 0.0 and straddle["ci_high"] >= straddle["value"]


def test_reconstruction_uses_random_batches_and_restores_running_statistics():
    from aecopy.experiments.invert import reconstruct

    torch.manual_seed(0)
    model = build_model("unet", 16, base=8, levels=2)
    x = torch.rand(4, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    before = {k: v.clone() for k, v in model.named_buffers()}
    out = reconstruct(model, x, eval_mode=False, batch_size=4, seed=0)
    for k, v in model.named_buffers():
        torch.testing.assert_close(v, before[k])
    with torch.no_grad():
        torch.testing.assert_close(out, model(x))  # one random batch of all four: train mode, its statistics
        halves = reconstruct(model, x, eval_mode=False, batch_size=2, seed=0)
        assert not torch.allclose(halves, out)  # batches of two: other statistics, other outputs


def _params_for_judging() -> dict:
    P = config.load(REPO / "params.yaml")
    return {"seed": 0, "scale": "default", "claims": {"E2": P["claims"]["E2"]},
            "experiments": {"inversion": {k: P["experiments"]["inversion"][k] for k in
                                          ("fit_tolerance", "min_converged", "min_images", "min_seeds", "start_sd")}}}


@pytest.mark.parametrize("seeds, images, verdict", [(3, 16, "reproduced"), (2, 16, "inconclusive"),
                                                    (3, 15, "inconclusive")])
def test_sample_size_guard(seeds, images, verdict):
    """≥ 16 images per training seed and ≥ 3 seeds, or the comparison is inconclusive whatever its interval."""
    rng = np.random.default_rng(0)
    values = np.exp(rng.normal(1.0, 0.1, seeds * images))
    groups = np.repeat(np.arange(seeds), images)
    c = represent.judged("E2", "claim", "metric", values, groups, np.ones(values.size, bool), "E2",
                         _params_for_judging(), data="d")
    assert c["verdict"] == verdict
    assert c["sample"] == {"groups": seeds, "images_per_group": images}


def test_unconverged_images_are_left_out_and_too_many_make_it_inconclusive():
    rng = np.random.default_rng(0)
    values = np.exp(rng.normal(1.0, 0.1, 48))
    values[:8] = 0.01  # unconverged images with a misleading value
    groups = np.repeat(np.arange(3), 16)
    ok = np.ones(48, bool)
    ok[:8] = False
    c = represent.judged("E2", "claim", "metric", values, groups, ok, "E2", _params_for_judging(), data="d")
    assert c["verdict"] == "reproduced" and c["n"] == 40
    ok[:30] = False
    c = represent.judged("E2", "claim", "metric", values, groups, ok, "E2", _params_for_judging(), data="d")
    assert c["verdict"] == "inconclusive" and "inversions did not converge" in c["reasons"]
