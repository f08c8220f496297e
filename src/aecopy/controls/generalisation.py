"""Controls of G-disjoint, G-size and M-attractor (beyond the post): constructed stand-ins for the U-Nets on
synthetic images, run through the experiments' own code.

What each stand-in generates, or which images attract its iteration, is known by construction: a blur
ignores its training set (two of them give the same sample from the same noise, unlike any training
image: generalisation); E7's `Memoriser` copies any image it is shown but generates only its own training
images (memorisation that still passes the premise); an `Attractors` model pulls inputs near its stored
images onto them (each one an attractor, Jacobian 0) and copies everything else unchanged (ρ = 1).
"""
from __future__ import annotations

import torch

from ..experiments.g_disjoint import training_images
from ..models.base import AutoEncoder
from ..train import to_input
from . import scenario, small
from .e7 import Memoriser
from .inputs import ControlInputs
from .models import Blur, Identity, MeanColour, Oracle

SIZE = 16
LIMITS = (4, 8, 16)  # the smaller G-size pairs on the synthetic training split (halves of 32 images)
SOFT = 0.5  # the blur's sd in pixels: copies synthetic images to ≈ 32 dB


def shrink(p: dict) -> None:
    """16² synthetic images, three seeds, 16 samples or images per seed (one batch), G-size's smaller pairs at 4, 8
    and 16 training images (the largest pair keeps its whole halves), M-attractor's judged variant and BatchNorm
    mode alone (the stand-ins have no BatchNorm); the rules, thresholds and guards of params.yaml."""
    exps = p["experiments"]
    pairs = sorted(exps["g_size"]["pairs"], key=lambda pair: p["variants"][pair[0]]["train"]["subset"].get("limit", 1e12))
    for pair, limit in zip(pairs[:-1], LIMITS):
        for v in pair:
            p["variants"][v]["train"]["subset"]["limit"] = limit
    for v in {*exps["g_disjoint"]["pair"], *[v for pair in pairs for v in pair], *exps["m_attractor"]["variants"]}:
        small(p, v, SIZE)
    exps["g_disjoint"]["n_samples"] = 16
    exps["g_size"]["n_samples"] = 16
    m = exps["m_attractor"]
    m.update(variants=m["variants"][:1], bn_modes=m["bn_modes"][:1], images=16, steps=20, power_steps=20)


class Attractors(AutoEncoder):
    """x + w·(t − x), t the stored image nearest to x and w = exp(−d²/(2·width²)), d = RMS(x − t): every stored
    image is a fixed point whose Jacobian is 0 (an attractor), and an input far from all of them is copied
    unchanged (a fixed point with ρ = 1, which does not attract). An associative memory of its bank that
    still copies new images."""

    def __init__(self, bank: torch.Tensor, width: float = 0.02):
        super().__init__()
        self.register_buffer("bank", bank.float())  # (K, C, H, W)
        self.width = width

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return x

    def decode(self, h: torch.Tensor) -> torch.Tensor:
        nearest = torch.cdist(h.detach().flatten(1), self.bank.flatten(1)).argmin(1)  # (B,), no tangent
        t = self.bank[nearest]
        d2 = (h - t).pow(2).flatten(1).mean(1)
        w = torch.exp(-d2 / (2 * self.width ** 2)).view(-1, 1, 1, 1)
        return h + w * (t - h)


def _inputs(p: dict, make) -> ControlInputs:
    inputs = ControlInputs(p, models=lambda v, s, e: make(inputs, v))
    return inputs


def _train(inputs: ControlInputs, variant: str) -> torch.Tensor:
    """The variant's training images (its part of the synthetic training split) in [0, 1]."""
    return to_input(training_images(inputs.params, inputs, variant), SIZE, "cpu")


def _memoriser(inputs, v):
    return Memoriser(_train(inputs, v), inputs.images(v, "val"))


def _largest(p: dict) -> set[str]:
    """The variants of G-size's largest pair (the one without a limit)."""
    return {v for pair in p["experiments"]["g_size"]["pairs"] for v in pair
            if "limit" not in p["variants"][v]["train"]["subset"]}


# ---- G-disjoint

@scenario("generalisation/disjoint-blurs", "g_disjoint", "Both models are the same Gaussian blur (sd 0.5 px), which "
          "ignores its training images: from the same noise they give the same smooth sample, unlike any training "
          "image (generalisation).", {"G-disjoint": "reproduced"})
def disjoint_blurs(p):
    return _inputs(p, lambda inputs, v: Blur(SOFT))


@scenario("generalisation/disjoint-memorisers", "g_disjoint", "Each model copies any image it is shown (it passes "
          "the premise) but generates only its own half's training images: its samples are copies of them, and the "
          "two models' samples differ (memorisation).", {"G-disjoint": "not reproduced"})
def disjoint_memorisers(p):
    return _inputs(p, _memoriser)


@scenario("generalisation/disjoint-no-copy", "g_disjoint", "Both models output each image's mean colour: their "
          "samples are alike, but they copy nothing, so the premise guard makes the claim inconclusive.",
          {"G-disjoint": "inconclusive"})
def disjoint_no_copy(p):
    return _inputs(p, lambda inputs, v: MeanColour(SIZE))


# ---- G-size

@scenario("generalisation/size-blurs", "g_size", "Every model at every N is the same blur: the two models' samples "
          "agree at every size (no memorisation at any N).", {"G-size": "reproduced"})
def size_blurs(p):
    return _inputs(p, lambda inputs, v: Blur(SOFT))


@scenario("generalisation/size-memorise-small", "g_size", "Below the largest size each model generates only its own "
          "training images (E7's memoriser); at the largest size both are the same blur: memorisation at small N, "
          "generalisation at the largest, as Kadkhodaie et al. find for diffusion models.", {"G-size": "not reproduced"})
def size_memorise_small(p):
    largest = _largest(p)
    return _inputs(p, lambda inputs, v: Blur(SOFT) if v in largest else _memoriser(inputs, v))


@scenario("generalisation/size-unlearned", "g_size", "Below the largest size the models output mean colours (they "
          "never learned to copy their own training images); at the largest both are the same blur: the training-copy "
          "guard makes the claim inconclusive.", {"G-size": "inconclusive"})
def size_unlearned(p):
    largest = _largest(p)
    return _inputs(p, lambda inputs, v: Blur(SOFT) if v in largest else MeanColour(SIZE))


@scenario("generalisation/size-oracles", "g_size", "Every model returns its nearest own training image for any input: "
          "it copies its training images but not validation images, so the premise at the largest size is unmet "
          "(inconclusive).", {"G-size": "inconclusive"})
def size_oracles(p):
    return _inputs(p, lambda inputs, v: Oracle(_train(inputs, v)))


# ---- M-attractor

@scenario("generalisation/attractor-identity", "m_attractor", "The identity: every image is a fixed point where it "
          "started, but none attracts (ρ = 1), training or validation: no difference.", {"M-attractor": "reproduced"})
def attractor_identity(p):
    return _inputs(p, lambda inputs, v: Identity())


@scenario("generalisation/attractor-everywhere", "m_attractor", "An associative memory of the training and the "
          "validation images: both kinds are attractors, so training images are not preferred (no difference).",
          {"M-attractor": "reproduced"})
def attractor_everywhere(p):
    return _inputs(p, lambda inputs, v: Attractors(torch.cat([_train(inputs, v), inputs.images(v, "val")])))


@scenario("generalisation/attractor-memoriser", "m_attractor", "An associative memory of the training images alone "
          "that copies every other image unchanged (it passes the premise): every training image attracts (ρ = 0), "
          "no validation image does (ρ = 1).", {"M-attractor": "not reproduced"})
def attractor_memoriser(p):
    return _inputs(p, lambda inputs, v: Attractors(_train(inputs, v)))


@scenario("generalisation/attractor-oracle", "m_attractor", "The nearest training image for any input: every "
          "training image attracts, but validation images are replaced by training images (no copy), so the "
          "premise guard makes the claim inconclusive.", {"M-attractor": "inconclusive"})
def attractor_oracle(p):
    return _inputs(p, lambda inputs, v: Oracle(_train(inputs, v)))
