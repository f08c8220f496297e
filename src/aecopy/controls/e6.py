"""Controls of E6 (manifold walks): constructed stand-ins for the U-Net at every saved epoch, on synthetic
images, walked by E6's own code (fewer steps: 20 instead of 300).

A model that copies to the premise bar but shifts every channel's mean a little at each pass (`drift`)
walks: its noise-free walk moves by (T − 1) times the shift, while its one-step error stays at the shift.
The identity never walks; an `Oracle` over the validation images (its bank) walks only between real
images, so its noisy walks end on real images.
"""
from __future__ import annotations

from . import scenario, small
from .inputs import ControlInputs
from .models import AddNoise, Blur, ColourCast, Identity, MeanColour, Oracle

SIZE, STEPS = 16, 20
BUDGET = 1000  # training images per epoch: only their shares matter (min_span)


def shrink(p: dict) -> None:
    """16² synthetic images, three seeds, 32 images walked in two random batches of 16 for 20 steps at four
    of the variant's saved epochs (first to last); the rules, thresholds and guards of params.yaml."""
    e6 = p["experiments"]["e6"]
    small(p, e6["variant"], SIZE)
    e6.update(max_seeds=3, curve_epochs=4, steps=STEPS, max_images=32, max_reference=32,
              gif={"images": 2, "every": 5})
    e6["swd"].update(levels=3, patch=3, per_image=16, directions=32, n_boot=50)


def drift(shift: float, seed: int) -> ColourCast:
    """A slight blur, then every channel's mean shifted by ±`shift` (a little more for higher seeds): copies
    clean images to ≈ 30 dB, and its walks drift by about 19·shift in 20 steps."""
    s = shift * (1 + 0.05 * seed)
    return ColourCast(Blur(0.5), (s, -s, s))


def _inputs(p: dict, make) -> ControlInputs:
    """ControlInputs whose model of (seed, epoch) is `make(bank, seed, epoch)`, the bank being the validation
    images at the variant's resolution; 64 validation images (32 walked, 32 to compare with)."""
    inputs = ControlInputs(p, models=lambda v, s, e: make(inputs.images(v, "val"), s, e), n_val=64,
                           images_seen=lambda v, s, e: BUDGET * e)
    return inputs


def _last(p: dict) -> int:
    return max(p["variants"][p["experiments"]["e6"]["variant"]]["train"]["save_epochs"])


@scenario("e6/drift", "e6", "At every epoch a model that copies to ≈ 30 dB but shifts each channel's mean by "
          "±0.01 per pass: every noise-free walk drifts by ≈ 0.2 in 20 steps.", {"E6-noisefree": "reproduced"})
def drifting(p):
    return _inputs(p, lambda bank, s, e: drift(0.01, s))


@scenario("e6/identity", "e6", "The identity at every epoch: no walk moves, latent noise accumulates into noise.",
          {"E6-noisefree": "not reproduced", "E6-generates": "not reproduced"})
def identity(p):
    return _inputs(p, lambda bank, s, e: Identity())


@scenario("e6/drift-falls", "e6", "The drift shrinks with training, from ±0.012 per pass at the first epoch to "
          "none at the last: the median walk distance falls.", {"E6-trend": "reproduced"})
def drift_falls(p):
    last = _last(p)
    return _inputs(p, lambda bank, s, e: drift(0.012 * (last - e) / (last - 1), s))


@scenario("e6/drift-grows", "e6", "The reverse: no drift at the first epoch, ±0.012 per pass at the last: the "
          "median walk distance grows.", {"E6-trend": "not reproduced"})
def drift_grows(p):
    last = _last(p)
    return _inputs(p, lambda bank, s, e: drift(0.012 * (e - 1) / (last - 1), s))


@scenario("e6/oracle", "e6", "An Oracle over the validation images (it copies them and only ever outputs them): "
          "noisy walks hop between real images and end on them.", {"E6-generates": "reproduced"})
def oracle(p):
    return _inputs(p, lambda bank, s, e: Oracle(bank))


@scenario("e6/mean-colour", "e6", "A model that outputs each image's mean colour copies nothing: the premise "
          "guard makes every claim inconclusive.",
          {"E6-noisefree": "inconclusive", "E6-trend": "inconclusive", "E6-generates": "inconclusive"})
def mean_colour(p):
    return _inputs(p, lambda bank, s, e: MeanColour(SIZE))


def _low_threshold(p: dict) -> None:
    p["experiments"]["e6"]["threshold"] = 0.02


@scenario("e6/one-step-above-threshold", "e6", "With the walk threshold lowered to 0.02, a model that copies and "
          "adds fresh noise of sd 0.03 at every pass (30 dB: it meets the premise) has a one-step error above the "
          "threshold at every epoch: its walks cannot be told from its reconstruction error.",
          {"E6-noisefree": "inconclusive", "E6-trend": "inconclusive"}, adjust=_low_threshold)
def one_step_above(p):
    return _inputs(p, lambda bank, s, e: AddNoise(0.03, seed=100 * s + e))


def _two_late_epochs(p: dict) -> None:
    cfg = p["variants"][p["experiments"]["e6"]["variant"]]
    cfg["train"]["save_epochs"] = [cfg["train"]["epochs"] - 1, cfg["train"]["epochs"]]


@scenario("e6/short-span", "e6", "The falling drift, but only the last two epochs saved: too few checkpoints over "
          "too little training for a trend.", {"E6-trend": "inconclusive"}, adjust=_two_late_epochs)
def short_span(p):
    last = p["variants"][p["experiments"]["e6"]["variant"]]["train"]["epochs"]
    return _inputs(p, lambda bank, s, e: drift(0.012 * (last - e) / (last - 1), s))
