"""Controls of E3 (denoising, deblurring), E8a/E8b (BatchNorm, batch size 1) and E9 (attention models'
denoising): constructed stand-ins for every model of the experiment on synthetic images.

The stand-ins are built from an `Oracle` (a perfect denoiser of the evaluation images: its bank) mixed with
its input, `Mix(Oracle, λ)`, whose error on any corrupted copy is exactly λ times the corruption (an MSE
ratio of λ²), so every ratio a claim is judged on is known by construction. Unless a scenario says
otherwise, the U-Nets are Mix(Oracle, 0.3) (ratio 0.09), the attention U-Net and the linear-attention block
Mix(Oracle, 0.8) (0.64, "poorly"), attention alone the identity (1, "does not denoise"), and every model
saw 1,000 training images at its last epoch.
"""
from __future__ import annotations

from ..claim_ids import ATTENTION_MODELS_WITH_DENOISING_CLAIMS as DENOISING_CLAIMS
from ..plan import e3_variants, last_epoch
from . import scenario, small
from .inputs import ControlInputs
from .models import AddNoise, Blur, ColourCast, Identity, MeanColour, Mix, Oracle

SIZE, ATTENTION_SIZE = 32, 16  # 32²: large enough for the Oracle to find its image under α = 0.1 noise
CAST = (0.06, -0.04, 0.05)  # a colour cast (per-channel offset) that still copies to the premise bar
BUDGET = 1000


def shrink(p: dict) -> None:
    """Synthetic images at 32² (attention models and their reference at 16²), three seeds, 16 evaluation
    images, one baseline α with short grids; the rules, thresholds and guards of params.yaml."""
    e3 = p["experiments"]["e3"]
    # attention models that make no denoising claim (dot_attn) would only be drawn
    e3["attention"] = [v for v in e3["attention"] if p["variants"][v]["model"] in DENOISING_CLAIMS]
    attention_side = {*e3["attention"], e3["attention_reference"]}
    for v in e3_variants(p):
        small(p, v, SIZE, batch=min(p["variants"][v]["train"]["batch_size"], 16),
              image_size=ATTENTION_SIZE if v in attention_side else SIZE)
    e3["max_images"] = 16
    e3["alphas"] = [a for a in e3["alphas"] if a > 0]  # pure noise (α = 0) makes no claim
    e3["baselines"].update(alphas=[e3["judge_alpha"]], max_images=16, train_images=16,
                           grids={"blur": [0.5, 1.0], "tv": [0.1]})


def role_of(p: dict, variant: str) -> str:
    """The part a variant plays: ref, bn, nobn, batch1, attention_reference, or its attention model's name."""
    e3 = p["experiments"]["e3"]
    roles = {e3["reference"]: "ref", e3["bn_pair"][0]: "bn", e3["bn_pair"][1]: "nobn", e3["batch1"]: "batch1",
             e3["attention_reference"]: "attention_reference"}
    return roles.get(variant) or p["variants"][variant]["model"]


# the share λ of any corruption each model leaves in place, Mix(Oracle, λ), unless a scenario says otherwise
DEFAULT_MIX = {"ref": 0.3, "bn": 0.3, "nobn": 0.3, "batch1": 0.3, "attention_reference": 0.3, "attn_unet": 0.8,
               "linear_attn": 0.8}


def _inputs(p: dict, models: dict | None = None, budgets=None) -> ControlInputs:
    """ControlInputs whose model of a variant is `models[role](bank, epoch)` (else the default above), the
    bank being the evaluation images at the variant's resolution; `budgets(role, share)` gives the training
    images a checkpoint saw, share = its epoch / the variant's last (default: 1,000 · share)."""
    models = models or {}

    def make(v, s, e):
        role, b = role_of(p, v), inputs.images(v, "val")
        if role in models:
            return models[role](b, e)
        return Mix(Oracle(b), DEFAULT_MIX[role]) if role in DEFAULT_MIX else Identity()

    def seen(v, s, e):
        share = e / last_epoch(p, v)
        return budgets(role_of(p, v), share) if budgets else round(BUDGET * share)

    inputs = ControlInputs(p, models=make, images_seen=seen)
    return inputs


ALL = ("E3-a0.5", "E3-a0.3", "E3-a0.1", "E3-deblur", "E8a-stats", "E8a-deblur", "E8b", "E9-attn_unet",
       "E9-linear_attn", "E9-attn_only")


@scenario("e3/oracle-mix", "e3", "U-Nets that remove 70% of any corruption (Mix(Oracle, 0.3): MSE ratio 0.09), the "
          "one without BatchNorm with a colour cast, the batch-size-1 one identical to the reference, attention "
          "models that remove 20% (ratio 0.64, 7× the reference's), attention alone the identity: every claim true.",
          dict.fromkeys(ALL, "reproduced"))
def oracle_mix(p):
    return _inputs(p, {"nobn": lambda b, e: ColourCast(Mix(Oracle(b), 0.3), CAST)})


@scenario("e3/identity", "e3", "Every model is the identity: no model brings a corrupted input closer (ratio 1), "
          "none is statistically further off than another, and the batch-size-1 model equals the reference.",
          {**dict.fromkeys(ALL, "not reproduced"), "E8b": "reproduced", "E9-attn_only": "reproduced"})
def identity(p):
    return _inputs(p, {r: (lambda b, e: Identity()) for r in ("ref", "bn", "nobn", "batch1", "attention_reference",
                                                              "attn_unet", "linear_attn", "attn_only")})


@scenario("e3/noise-adder", "e3", "The reference copies and adds fresh noise of sd 0.03 (it still copies to the bar): "
          "every corrupted input comes out further from the clean image; the batch-size-1 model denoises far "
          "better than it (not 'about as well').",
          {"E3-a0.5": "not reproduced", "E3-a0.3": "not reproduced", "E3-a0.1": "not reproduced",
           "E3-deblur": "not reproduced", "E8b": "not reproduced"})
def noise_adder(p):
    return _inputs(p, {"ref": lambda b, e: AddNoise(0.03)})


@scenario("e3/blurrer", "e3", "The reference and the model without BatchNorm are a Gaussian blur of sd 0.5 px (a "
          "sharp enough copy for the premise): a blurred input comes out blurrier, further from the clean image.",
          {"E3-deblur": "not reproduced", "E8a-deblur": "not reproduced"})
def blurrer(p):
    return _inputs(p, {"ref": lambda b, e: Blur(0.5), "nobn": lambda b, e: Blur(0.5)})


@scenario("e3/contrasts-reversed", "e3", "The contrasts turned round: the batch-size-1 model leaves 80% of the "
          "noise (ratio 7× the reference's), the model with BatchNorm carries the colour cast, the attention models "
          "denoise better than their reference U-Net, and attention alone is a perfect denoiser.",
          {"E8a-stats": "not reproduced", "E8b": "not reproduced", "E9-attn_unet": "not reproduced",
           "E9-linear_attn": "not reproduced", "E9-attn_only": "not reproduced"})
def contrasts_reversed(p):
    return _inputs(p, {"batch1": lambda b, e: Mix(Oracle(b), 0.8),
                       "bn": lambda b, e: ColourCast(Mix(Oracle(b), 0.3), CAST),
                       "attention_reference": lambda b, e: Mix(Oracle(b), 0.8),
                       "attn_unet": lambda b, e: Mix(Oracle(b), 0.3), "linear_attn": lambda b, e: Mix(Oracle(b), 0.3),
                       "attn_only": lambda b, e: Oracle(b)})


@scenario("e3/no-copy", "e3", "Every model outputs each image's mean colour: it 'denoises' and is 'statistically "
          "close' without copying anything, so the premise guard makes every claim inconclusive.",
          dict.fromkeys(ALL, "inconclusive"))
def no_copy(p):
    size = {v: p["variants"][v]["image_size"] for v in e3_variants(p)}
    return _inputs(p, {role_of(p, v): (lambda b, e, s=size[v]: MeanColour(s)) for v in e3_variants(p)})


def _last_only(p: dict) -> None:
    """The references save their last epoch only (whatever params.yaml saves for E6)."""
    e3 = p["experiments"]["e3"]
    for v in (e3["reference"], e3["attention_reference"]):
        p["variants"][v]["train"]["save_epochs"] = [p["variants"][v]["train"]["epochs"]]


@scenario("e3/unequal-budgets", "e3", "The models of oracle-mix, but the batch-size-1 model, the one without "
          "BatchNorm and the attention models saw 55% of their references' training images, and no saved epoch of a "
          "reference matches (each saves its last epoch only): every contrast is inconclusive (unequal budgets), the "
          "single-model claims stand.",
          {**dict.fromkeys(ALL, "reproduced"), **dict.fromkeys(
              ("E8a-stats", "E8b", "E9-attn_unet", "E9-linear_attn"), "inconclusive")}, adjust=_last_only)
def unequal_budgets(p):
    short = {"batch1", "nobn", "attn_unet", "linear_attn"}
    return _inputs(p, {"nobn": lambda b, e: ColourCast(Mix(Oracle(b), 0.3), CAST)},
                   budgets=lambda role, share: 550 if role in short else round(BUDGET * share))


def _two_epochs(p: dict) -> None:
    """The reference U-Net saves epochs 1 and 2 (500 and 1,000 training images)."""
    p["variants"][p["experiments"]["e3"]["reference"]]["train"].update(epochs=2, save_epochs=[1, 2])


@scenario("e3/matched-budget", "e3", "The batch-size-1 model saw 500 training images, as the reference's epoch-1 "
          "checkpoint did: E8b compares it with that checkpoint (both leave 80% of the noise: equivalent), not with "
          "the better-trained last one (ratio 0.09), which the E3 claims use.",
          {"E8b": "reproduced", "E3-a0.5": "reproduced"}, adjust=_two_epochs)
def matched_budget(p):
    return _inputs(p, {"ref": lambda b, e: Mix(Oracle(b), 0.8 if e == 1 else 0.3),
                       "batch1": lambda b, e: Mix(Oracle(b), 0.8)},
                   budgets=lambda role, share: 500 if role == "batch1" else round(BUDGET * share))


def _one_seed(p: dict) -> None:
    """The reference U-Net trained with one seed only."""
    p["variants"][p["experiments"]["e3"]["reference"]]["seeds"] = [0]


@scenario("e3/one-seed", "e3", "The models of oracle-mix, the reference U-Net with one training seed: its claims "
          "rest on too few seeds and are inconclusive whatever their value; the others stand.",
          {"E3-a0.5": "inconclusive", "E3-deblur": "inconclusive", "E8b": "inconclusive",
           "E8a-deblur": "reproduced"}, adjust=_one_seed)
def one_seed(p):
    return _inputs(p, {"nobn": lambda b, e: ColourCast(Mix(Oracle(b), 0.3), CAST)})
