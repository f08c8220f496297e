"""Generalisation against memorisation beyond the post (G-disjoint, G-size, M-attractor): the similarity and the
attractor procedures on inputs whose answer is known, the G-size summary, the params checks of the model
pairs, and the three rules run on the tiny project (every key a job reads declared, every declared key read)."""
from __future__ import annotations

import copy
import json
import math

import pytest
import torch
import yaml

from aecopy import config, plan
from aecopy.experiments.g_size import either, regime_change, worst
from aecopy.models import build_model
from aecopy.params import TRACE_ENV
from aecopy.procedures.attractor import batch_statistics_only, iterate, iterate_composed, spectral_radius
from aecopy.procedures.similarity import cosine, nearest_cosine

from .conftest import REPO, make_project, run, tiny_params


def _images(n: int, seed: int = 0, size: int = 8) -> torch.Tensor:
    return torch.rand(n, 3, size, size, generator=torch.Generator().manual_seed(seed))


# ---- similarity

def test_cosine_ignores_brightness_and_contrast_and_sees_the_pattern():
    x = _images(4)
    assert torch.allclose(cosine(x, 0.3 * x + 0.5), torch.ones(4), atol=1e-5)
    assert torch.allclose(cosine(x, 1 - x), -torch.ones(4), atol=1e-5)
    assert cosine(x, _images(4, seed=1)).abs().max() < 0.5  # independent noise images: nearly orthogonal


def test_nearest_cosine_finds_the_copy_across_chunks():
    reference = _images(50, seed=2)
    queries = 0.5 * reference[[7, 31, 49]] + 0.2  # copies up to brightness and contrast
    value, index = nearest_cosine(queries, reference, chunk=8)
    assert index.tolist() == [7, 31, 49]
    assert torch.allclose(value, torch.ones(3), atol=1e-5)
    u8 = (reference * 255).round().to(torch.uint8)
    _, index_u8 = nearest_cosine(queries, u8, chunk=16, transform=lambda t: t.float() / 255)
    assert index_u8.tolist() == [7, 31, 49]


# ---- attractors

def _contraction(rates: torch.Tensor, centre: torch.Tensor):
    """f(x) = c + λ_i (x − c), each image i with its own rate (its Jacobian is λ_i I)."""
    return lambda x: centre + rates.view(-1, 1, 1, 1) * (x - centre)


def test_spectral_radius_of_contractions_per_image_and_per_batch():
    x = _images(3)
    rates = torch.tensor([0.2, 0.9, 1.5])
    f = _contraction(rates, torch.full_like(x, 0.5))
    gen = torch.Generator().manual_seed(0)
    assert torch.allclose(spectral_radius(f, x, 10, gen, per_image=True), rates, rtol=1e-4)
    # the batch as one function: its Jacobian's spectral radius is the largest of the blocks'
    assert torch.allclose(spectral_radius(f, x, 60, gen, per_image=False), torch.full((3,), 1.5), rtol=2e-2)


def test_spectral_radius_of_a_rotation_is_its_modulus():
    """A scaled rotation of two channel planes has complex eigenvalues 0.8·e^{±iθ}: the power iteration's
    growth rate still converges to their modulus."""
    theta = 1.0

    def f(x):
        a, b = x[:, :1], x[:, 1:2]
        return 0.8 * torch.cat([math.cos(theta) * a - math.sin(theta) * b, math.sin(theta) * a + math.cos(theta) * b,
                                0.1 * x[:, 2:]], 1)

    rho = spectral_radius(f, _images(2), 40, torch.Generator().manual_seed(1))
    assert torch.allclose(rho, torch.full((2,), 0.8), rtol=1e-3)


class _Toward(torch.nn.Module):
    """A model that moves every image toward one fixed image by a share: f(x) = c + λ (x − c)."""

    def __init__(self, centre: torch.Tensor, rate: float):
        super().__init__()
        self.centre, self.rate = centre, rate

    def encode(self, x):
        return x

    def decode(self, h):
        return self.centre + self.rate * (h - self.centre)

    def forward(self, x):
        return self.decode(self.encode(x))


def test_iterate_converges_to_the_fixed_point_and_measures_its_radius():
    x = _images(4)
    centre = torch.full_like(x[:1], 0.5)
    res = iterate(_Toward(centre, 0.5), x, 40, 10, torch.Generator().manual_seed(0), per_image=True)
    assert torch.allclose(res["last"], centre.expand_as(x), atol=1e-6)
    assert (res["step"] < 1e-6).all()
    assert torch.allclose(res["moved"], (x - centre).pow(2).flatten(1).mean(1).sqrt(), atol=1e-5)
    assert torch.allclose(res["rho"], torch.full((4,), 0.5), rtol=1e-4)


def test_train_mode_batchnorm_iterates_as_one_function_and_stays_unchanged():
    """A U-Net in train mode: its running statistics are untouched by iterating it, and torch.func can take
    its Jacobian (BatchNorm would otherwise update a buffer in place, which a transform refuses)."""
    torch.manual_seed(0)
    model = build_model("unet", 8, base=4, levels=1)
    model.train()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    x = _images(6)
    with batch_statistics_only(model):
        res = iterate_composed(model, x, 3, "random", 5, 6, torch.Generator().manual_seed(0),
                               torch.Generator().manual_seed(1), per_image=False)
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    # one ρ per batch of 3, shared by its members
    assert len(torch.unique(res["rho"])) <= 2 and torch.isfinite(res["rho"]).all()
    assert all(m.track_running_stats for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d))


# ---- G-size summary

def test_worst_size_carries_the_rule_at_every_n():
    sizes = [{"value": 0.3, "ci_low": 0.1, "ci_high": 0.5, "n": 10},
             {"value": -0.2, "ci_low": -0.4, "ci_high": 0.05, "n": 10},
             {"value": 0.1, "ci_low": -0.5, "ci_high": -0.1, "n": 10}]
    w = worst(sizes)
    assert w == {"value": -0.2, "ci_low": -0.5, "ci_high": -0.1, "n": 30}


def test_either_criterion_carries_the_or():
    copies_not = {"value": -0.1, "ci_low": -0.2, "ci_high": 0.0, "n": 8}  # m − n: the models disagree ...
    novel = {"value": 0.2, "ci_low": 0.1, "ci_high": 0.3, "n": 8}  # ... but v − n: the samples are no copies
    assert either(copies_not, novel) == {"value": 0.2, "ci_low": 0.1, "ci_high": 0.3, "n": 8}
    both_fail = {"value": -0.3, "ci_low": -0.4, "ci_high": -0.1, "n": 8}
    assert either(copies_not, both_fail)["ci_high"] == 0.0  # not above 0 on either: memorisation at this N


def test_regime_change_reads_the_curve():
    sizes = [64, 512, 1024, 2151]
    assert regime_change(sizes, ["memorises", "unclear", "no memorisation", "no memorisation"]) == \
        {"largest_memorising_n": 64, "no_memorisation_from_n": 1024}
    assert regime_change(sizes, ["no memorisation"] * 4) == {"largest_memorising_n": None, "no_memorisation_from_n": 64}
    assert regime_change(sizes, ["no memorisation", "memorises", "no memorisation", "unclear"]) == \
        {"largest_memorising_n": 512, "no_memorisation_from_n": None}


# ---- params

@pytest.fixture()
def params() -> dict:
    with open(REPO / "params.yaml") as f:
        return yaml.safe_load(f)


def _variants(params):
    return params["scales"]["default"]["variants"]


@pytest.mark.parametrize("change,message", [
    (lambda v: v["unet_half1"]["train"]["subset"].update(part=0),
     "experiments.g_disjoint.pair: got ['unet_half0', 'unet_half1'], expected two variants on different parts"),
    (lambda v: v["unet_n64_1"]["train"]["subset"].update(limit=32), "experiments.g_size.pairs[0]: got"),
    (lambda v: v["unet_half1"].update(image_size=16),
     "variants.unet_half1.image_size: got 16, expected 32, that of unet_half0"),
    (lambda v: v["unet_n512_1"]["train"].update(batch_size=16), "variants.unet_n512_1.train.batch_size: got 16"),
    (lambda v: v["unet_n512_1"].update(seeds=[1]), "expected two variants with a training seed in common"),
], ids=["same-part", "other-limit", "other-resolution", "other-batch", "no-common-seed"])
def test_model_pairs_must_differ_only_in_their_training_photographs(params, change, message):
    bad = copy.deepcopy(params)
    change(_variants(bad))
    with pytest.raises(config.ConfigError) as err:
        config.resolve(bad)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_the_beyond_variants_train_only_when_switched_on(params):
    resolved = config.resolve(params)
    ours = {v for e in ("g_disjoint", "g_size") for v in plan.generalisation_variants(resolved, e)}
    assert ours and not ours & set(plan.trained_variants(resolved))
    assert ours <= set(plan.trained_variants(config.resolve({**params, "beyond": True})))


def test_inputs_name_every_seed_and_the_manifest(params):
    resolved = config.resolve(params)
    inputs = plan.generalisation_inputs(resolved, "g_disjoint")
    seeds = {(c["variant"], c["seed"]) for c in inputs["checkpoints"]}
    assert seeds == {(v, s) for v in resolved["experiments"]["g_disjoint"]["pair"] for s in resolved["seeds"]}
    assert inputs["manifests"] == [{"dataset": "photos32", "path": "data/prepared/photos32/manifest.csv"}]


def test_paper_scale_switches_the_models_and_data_without_code(params):
    paper = config.resolve({**params, "scale": "paper"})
    for v in plan.generalisation_variants(paper, "g_size"):
        cfg = paper["variants"][v]
        assert (cfg["dataset"], cfg["image_size"], cfg["kwargs"]) == ("churches64", 64, {"base": 64, "levels": 4})
    assert paper["experiments"]["g_disjoint"]["pair"] == ["unet_half0", "unet_half1"]


# ---- the rules on the tiny project

TARGETS = ["results/g_disjoint/claims.json", "results/g_size/claims.json", "results/m_attractor/claims.json"]


@pytest.mark.slow
def test_the_three_rules_run_and_read_exactly_what_they_declare(tmp_path, photos_available):
    params = tiny_params()
    params["beyond"] = True
    project = make_project(tmp_path / "p", params)
    trace = tmp_path / "trace"
    run(["snakemake", "--cores", "2", *TARGETS], project, env={TRACE_ENV: str(trace)})
    for target in TARGETS:
        claims = json.loads((project / target).read_text())
        assert len(claims) == 1 and claims[0]["experiment"] == "Beyond the post"
        assert claims[0]["verdict"] in ("reproduced", "not reproduced", "inconclusive")
    records = [json.loads(p.read_text()) for p in trace.glob("*.json")]
    ours = [r for r in records if r["rule"] in ("g_disjoint", "g_size", "m_attractor")]
    assert {r["rule"] for r in ours} == {"g_disjoint", "g_size", "m_attractor"}
    for r in ours:
        undeclared = [k for k in r["read"] if not any(k == d or k.startswith(d + ".") for d in r["declared"])]
        unread = [leaf for leaf in r["leaves"]
                  if not any(leaf == k or leaf.startswith(k + ".") or k.startswith(leaf + ".") for k in r["read"])]
        assert not undeclared and not unread, (r["rule"], undeclared, unread)
    # with `beyond: true` the gathered claims (and so the report) include them
    gathered = run(["snakemake", "-n", "--forceall", "results/claims.json"], project).stdout
    assert all(t in gathered for t in TARGETS)
