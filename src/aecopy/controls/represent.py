"""Controls of E2, E4, E5, E8c, E9 (representation) and E10: constructed functions inverted by the real
`experiments.invert.run` (the author's procedure, the real step count, starts and convergence test) on
synthetic photographs, then judged by each experiment's own `run`.

The functions (controls.maps, controls.models): the identity (its representation converges to x); a 2×2
block mean (non-invertible: its representation keeps the start's noise within blocks, yet it copies smooth
images to the premise's bar); the projection onto the span of the validation images (copies them exactly,
keeps the start almost everywhere: an analogue of a restrictive hidden module); a fixed added pattern (a
reconstruction error no representation shares); a colour cast (invertible, copies nothing: premise unmet).
Guards: every representation replaced by x plus the whole start noise (must count as unconverged), and a
trained model that does not copy (premise unmet).
"""
from __future__ import annotations

import copy
import json

import torch
from torchvision.transforms.functional import gaussian_blur

from .. import plan
from ..experiments import invert
from ..procedures.inversion import inversion_mode, layer_fn, representation_stats
from . import scenario, small
from .images import synthetic_images
from .inputs import ControlInputs
from .maps import BankProjection, Blocks, BlockMean, FixedPattern
from .models import ColourCast, Identity

SIZE, IMAGES = 16, 16
EXPERIMENTS = ("e2", "e4", "e5", "e8c", "e9_represent", "e10")
CAST = (0.3, -0.3, 0.2)  # a colour cast far beyond the premise's bar (PSNR ≈ 11 dB)


def shrink(p: dict) -> None:
    """16 px synthetic images, 16 of them per inversion, three seeds; steps, starts, tolerances and rules real."""
    exps = p["experiments"]
    variants = {v for e in EXPERIMENTS for (v, *_rest) in plan.represent_conditions(p, e) if v != plan.VIT_B_32}
    for v in variants:
        small(p, v, SIZE, batch=IMAGES)
    exps["inversion"].update(max_images=IMAGES, batch_size=IMAGES, overrides={})
    exps["e2"].pop("eval_seeds", None)
    exps["e10"]["vit_b_32_weights"] = None


# ---- images ------------------------------------------------------------------------------------------

def _smooth(u8: torch.Tensor) -> torch.Tensor:
    """Blurred (σ 1 px): photographs whose detail is coarser than a pixel, like 32 px patches downsampled."""
    return (gaussian_blur(u8.float() / 255, [5, 5], [1.0, 1.0]).clamp(0, 1) * 255).round().to(torch.uint8)


def _grainy(u8: torch.Tensor) -> torch.Tensor:
    """With pixel grain of sd 0.15, three times the start's noise: images rougher than any representation."""
    grain = torch.randn(u8.shape, generator=torch.Generator().manual_seed(9))
    return ((u8.float() / 255 + 0.15 * grain).clamp(0, 1) * 255).round().to(torch.uint8)


LOOKS = {"smooth": _smooth, "grainy": _grainy}


class LookInputs(ControlInputs):
    """ControlInputs whose synthetic photographs are smoothed or made grainy (`LOOKS`)."""

    def __init__(self, params: dict, look: str, **kw):
        super().__init__(params, **kw)
        self.look = look

    def _synthetic(self, n: int, size: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
        images, photo = synthetic_images(n, size, seed)
        return LOOKS[self.look](images), photo


# ---- constructed functions ---------------------------------------------------------------------------

def build(tag: str, inputs: LookInputs, variant: str) -> torch.nn.Module:
    """The constructed function a tag names; "vit:<block 1>/<deep>" a stand-in classifier of two layers."""
    if tag.startswith("vit:"):
        first, deep = tag[4:].split("/")
        names = inputs.params["experiments"]["inversion"]["layers"][variant]
        return Blocks({names[0]: build(first, inputs, variant), names[-1]: build(deep, inputs, variant)})
    cfg = inputs.params["variants"][variant]
    if tag == "identity":
        return Identity()
    if tag == "blockmean":
        return BlockMean(2)
    if tag == "bank":
        return BankProjection(inputs.split(cfg["dataset"], "val").float() / 255)
    if tag.startswith("fixed-"):
        return FixedPattern(build(tag[6:], inputs, variant), 0.02, cfg["image_size"])
    if tag.startswith("cast-"):
        return ColourCast(build(tag[5:], inputs, variant), CAST)
    raise KeyError(tag)


_CACHE: dict[str, dict] = {}  # inversions are deterministic: scenarios that need the same one share it


def _key(p: dict, inputs: LookInputs, tag: str, cond: tuple) -> str:
    variant, seed, _state, bn, kind = cond
    cfg = p["variants"][variant]
    inv = p["experiments"]["inversion"]
    return json.dumps([tag, inputs.look, seed, kind, p["seed"], cfg["image_size"], cfg["train"]["batch_size"],
                       invert.settings_for(inv, variant), inv["layers"].get(variant), p["experiments"]["e4"]["alpha"]
                       if kind == "noisy" else None], sort_keys=True)  # no BatchNorm: the mode changes nothing


def inversions(p: dict, experiment: str, inputs: LookInputs, tags: dict[tuple[str, str], str]) -> list[dict]:
    """`invert.run` for every inversion the experiment compares (plan.represent_conditions), the model of
    (variant, state) being the constructed function `tags[(variant, state)]`. (The maps have no BatchNorm,
    so both BatchNorm modes give the same inversion.)"""
    out = []
    for cond in plan.represent_conditions(p, experiment):
        variant, seed, state, bn, kind = cond
        key = _key(p, inputs, tags[(variant, state)], cond)
        if key not in _CACHE:
            _CACHE[key] = invert.run(p, inputs, *cond)
        out.append({**_CACHE[key], "variant": variant, "seed": seed, "state": state, "bn": bn, "kind": kind,
                    "premise": inputs.premise(variant, seed) if state == "trained" else None})
    return out


def control_inputs(p: dict, experiment: str, tags: dict[tuple[str, str], str], look: str = "smooth",
                   start_noise: bool = False) -> LookInputs:
    """Inputs whose inversion results come from the constructed functions `tags` ({(variant, state): tag});
    with `start_noise` every representation is replaced by x plus the whole start noise."""
    inputs = LookInputs(p, look, models=lambda v, s, e: build(tags[(v, "trained")], inputs, v),
                        untrained=lambda v, s, e: build(tags[(v, "untrained")], inputs, v))
    runs = inversions(p, experiment, inputs, tags)
    if start_noise:
        runs = [keep_start_noise(p, r, build(tags[(r["variant"], r["state"])], inputs, r["variant"])) for r in runs]
    inputs._inversions = runs
    return inputs


@torch.no_grad()
def keep_start_noise(p: dict, run: dict, model: torch.nn.Module) -> dict:
    """The run with every representation a = input + η, η ~ N(0, start_sd²) (the whole start noise), its
    measures recomputed and its loss curve flat at the final distance: an inversion that removed nothing."""
    inv = p["experiments"]["inversion"]
    out = copy.deepcopy(run)
    for k, res in enumerate(out["sets"].values()):
        x_in = res["input"]
        for j, (layer, lres) in enumerate(res["layers"].items()):
            g = torch.Generator().manual_seed(1000 * k + j)
            a = x_in + inv["start_sd"] * torch.randn(x_in.shape, generator=g)
            with inversion_mode(model, run["bn"] == "eval"):
                stats = representation_stats(layer_fn(model, layer), x_in, a, g, inv["reference_sd"], inv["start_sd"])
            lres.update(stats, a=a)
            lres["loss"] = (stats["fit_start"] * stats["start_reference"]).expand_as(lres["loss"]).clone()
    return out


def _tags(pairs: dict[str, tuple[str, str]]) -> dict[tuple[str, str], str]:
    """{variant: (trained tag, untrained tag)} → {(variant, state): tag}."""
    return {(v, st): t for v, (tr, un) in pairs.items() for st, t in (("trained", tr), ("untrained", un))}


def _e(p: dict, key: str) -> dict:
    return p["experiments"][key]


# ---- E2 ----------------------------------------------------------------------------------------------

def _e2(p, trained, untrained, **kw):
    return control_inputs(p, "e2", _tags({_e(p, "e2")["variant"]: (trained, untrained)}), **kw)


@scenario("e2/untrained-noninvertible", "e2", "Trained: the identity (its representation is x); untrained: a 2×2 "
          "block mean (its representation keeps the start's noise within blocks). Training removed the noise.",
          {"E2": "reproduced", "E2-eval": "reproduced"})
def e2_positive(p):
    return _e2(p, "identity", "blockmean")


@scenario("e2/trained-keeps-start", "e2", "Trained: the projection onto the validation images' span (copies them "
          "exactly, its representation keeps the start's noise); untrained: the identity. Training added noise.",
          {"E2": "not reproduced", "E2-eval": "not reproduced"})
def e2_negative(p):
    return _e2(p, "bank", "identity")


@scenario("e2/start-noise", "e2", "As e2/untrained-noninvertible, but every representation is x plus the whole start "
          "noise: no inversion converged, so the convergence guard makes both claims inconclusive.",
          {"E2": "inconclusive", "E2-eval": "inconclusive"})
def e2_start_noise(p):
    return _e2(p, "identity", "blockmean", start_noise=True)


@scenario("e2/premise", "e2", "As e2/untrained-noninvertible, but the trained model casts every colour (it copies "
          "nothing to the bar): the premise guard makes both claims inconclusive.",
          {"E2": "inconclusive", "E2-eval": "inconclusive"})
def e2_premise(p):
    return _e2(p, "cast-identity", "blockmean")


# ---- E4 ----------------------------------------------------------------------------------------------

def _e4(p, trained, **kw):
    return control_inputs(p, "e4", _tags({_e(p, "e4")["variant"]: (trained, trained)}), **kw)


def _mild_noise(p: dict) -> None:
    p["experiments"]["e4"]["alpha"] = 0.95  # input noise of sd 0.01, a fifth of the start's


@scenario("e4/noninvertible", "e4", "A 2×2 block mean (copies smooth images): the representation of x̂ keeps the "
          "block means of x̂ and, within blocks, the start's noise (sd 0.05) instead of x̂'s (sd 0.14 at α = 0.3).",
          {"E4": "reproduced", "E4-noise": "reproduced"})
def e4_positive(p):
    return _e4(p, "blockmean")


@scenario("e4/mild-noise", "e4", "The same block mean on a mildly noisy input (α = 0.95, noise sd 0.01): the "
          "start's noise it keeps exceeds the input's, so the representation is further from x and noisier.",
          {"E4": "not reproduced", "E4-noise": "not reproduced"}, adjust=_mild_noise)
def e4_negative(p):
    return _e4(p, "blockmean")


@scenario("e4/start-noise", "e4", "As e4/noninvertible, every representation x̂ plus the whole start noise: "
          "inconclusive (unconverged).", {"E4": "inconclusive", "E4-noise": "inconclusive"})
def e4_start_noise(p):
    return _e4(p, "blockmean", start_noise=True)


@scenario("e4/premise", "e4", "As e4/noninvertible with a colour cast on the output (copies nothing): inconclusive "
          "(premise unmet).", {"E4": "inconclusive", "E4-noise": "inconclusive"})
def e4_premise(p):
    return _e4(p, "cast-blockmean")


# ---- E5 and E8c --------------------------------------------------------------------------------------

def _pair(p, experiment, variant_tag, reference_tag, **kw):
    e = _e(p, experiment)
    return control_inputs(p, experiment, _tags({e["variant"]: (variant_tag, variant_tag),
                                                e["reference"]: (reference_tag, reference_tag)}), **kw)


@scenario("e5/restrictive-hidden", "e5", "The hidden-module model: the validation images' span plus a fixed pattern "
          "(copies to the bar, keeps the start in its representation); the reference: the identity.",
          {"E5": "reproduced", "E5-gap": "reproduced"})
def e5_positive(p):
    return _pair(p, "e5", "fixed-bank", "identity")


@scenario("e5/invertible-hidden", "e5", "The hidden-module model: the identity plus a fixed pattern (its "
          "representation is x, its output is not); the reference: the span projection (keeps the start).",
          {"E5": "not reproduced", "E5-gap": "not reproduced"})
def e5_negative(p):
    return _pair(p, "e5", "fixed-identity", "bank")


@scenario("e5/start-noise", "e5", "As e5/restrictive-hidden, every representation x plus the whole start noise: "
          "inconclusive (unconverged).", {"E5": "inconclusive", "E5-gap": "inconclusive"})
def e5_start_noise(p):
    return _pair(p, "e5", "fixed-bank", "identity", start_noise=True)


@scenario("e5/premise", "e5", "As e5/restrictive-hidden with a colour cast on the hidden-module model's output: "
          "inconclusive (premise unmet).", {"E5": "inconclusive", "E5-gap": "inconclusive"})
def e5_premise(p):
    return _pair(p, "e5", "cast-fixed-bank", "identity")


@scenario("e8c/same-function", "e8c", "Without BatchNorm: a 2×2 block mean; with: the same plus a fixed pattern. "
          "Same preimages, same representations.", {"E8c": "reproduced"})
def e8c_positive(p):
    return _pair(p, "e8c", "blockmean", "fixed-blockmean")


@scenario("e8c/different", "e8c", "Without BatchNorm: the span projection (keeps the start); with: the identity.",
          {"E8c": "not reproduced"})
def e8c_negative(p):
    return _pair(p, "e8c", "bank", "identity")


@scenario("e8c/start-noise", "e8c", "As e8c/different, every representation x plus the whole start noise: "
          "inconclusive (unconverged).", {"E8c": "inconclusive"})
def e8c_start_noise(p):
    return _pair(p, "e8c", "bank", "identity", start_noise=True)


@scenario("e8c/premise", "e8c", "As e8c/same-function with a colour cast on the model without BatchNorm: "
          "inconclusive (premise unmet).", {"E8c": "inconclusive"})
def e8c_premise(p):
    return _pair(p, "e8c", "cast-blockmean", "fixed-blockmean")


# ---- E9 ----------------------------------------------------------------------------------------------

E9_IDS = ("E9-repr-linear", "E9-repr-attn_only", "E9-repr-dot")


def _e9(p, linear, dot, attention_only, **kw):
    e9 = _e(p, "e9")
    roles = {e9["unet"]: "identity", e9["linear"]: linear, e9["dot"]: dot, e9["attention_only"]: attention_only}
    return control_inputs(p, "e9_represent", _tags({v: (t, t) for v, t in roles.items()}), **kw)


def _noisy_start(p: dict) -> None:
    """A start three times noisier than the reference perturbation (sd 0.15) for the linear and attention-only
    models: what their representations keep of it is far from near-perfect."""
    e9 = p["experiments"]["e9"]
    for role in ("linear", "attention_only"):
        p["experiments"]["inversion"]["overrides"][e9[role]] = {"start_sd": 0.15}


@scenario("e9/invertible", "e9_represent", "Linear attention and attention alone: the identity (representations "
          "within the sign steps of x); dot-product attention: the span projection (keeps the start's noise).",
          dict.fromkeys(E9_IDS, "reproduced"))
def e9_positive(p):
    return _e9(p, "identity", "bank", "identity")


@scenario("e9/keeps-noisy-start", "e9_represent", "Linear attention and attention alone: the span projection with a "
          "start of sd 0.15, which their representations keep; dot-product attention: the identity.",
          dict.fromkeys(E9_IDS, "not reproduced"), adjust=_noisy_start)
def e9_negative(p):
    return _e9(p, "bank", "identity", "bank")


@scenario("e9/start-noise", "e9_represent", "As e9/invertible, every representation x plus the whole start noise: "
          "inconclusive (unconverged).", dict.fromkeys(E9_IDS, "inconclusive"))
def e9_start_noise(p):
    return _e9(p, "identity", "bank", "identity", start_noise=True)


@scenario("e9/premise", "e9_represent", "As e9/invertible with a colour cast on every attention model's output: "
          "inconclusive (premise unmet).", dict.fromkeys(E9_IDS, "inconclusive"))
def e9_premise(p):
    return _e9(p, "cast-identity", "cast-bank", "cast-identity")


# ---- E10 ---------------------------------------------------------------------------------------------

E10_IDS = ("E10-block1", "E10-block1-untrained", "E10-deep")


def _e10(p, trained, untrained, **kw):
    return control_inputs(p, "e10", _tags({_e(p, "e10")["variant"]: (f"vit:{trained}", f"vit:{untrained}")}), **kw)


@scenario("e10/noninvertible-block1", "e10", "Block 1, trained and untrained: a 2×2 block mean (keeps the start's "
          "noise within blocks); deep block: the identity trained, a block mean untrained.",
          dict.fromkeys(E10_IDS, "reproduced"))
def e10_positive(p):
    return _e10(p, "blockmean/identity", "blockmean/blockmean")


@scenario("e10/grainy-images", "e10", "The same block-1 block mean on grainy images (pixel noise of sd 0.15, three "
          "times the start's): its representations are smoother than the images.",
          {"E10-block1": "not reproduced", "E10-block1-untrained": "not reproduced"})
def e10_negative_block1(p):
    return _e10(p, "blockmean/identity", "blockmean/identity", look="grainy")


@scenario("e10/trained-deep-noisy", "e10", "Deep block: a block mean trained, the identity untrained: the trained "
          "representation is the noisy one.", {"E10-deep": "not reproduced"})
def e10_negative_deep(p):
    return _e10(p, "blockmean/blockmean", "blockmean/identity")


@scenario("e10/start-noise", "e10", "As e10/noninvertible-block1, every representation x plus the whole start noise: "
          "inconclusive (unconverged).", dict.fromkeys(E10_IDS, "inconclusive"))
def e10_start_noise(p):
    return _e10(p, "blockmean/identity", "blockmean/blockmean", start_noise=True)
