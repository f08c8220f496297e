"""Controls of T, T-depth and T-trained, through `experiments.t.run`.

T and T-depth: the real sweep at n = 3·8² = 192 (random dense maps, uniform starts: the claim true by
construction of the mixing) against maps that copy random coordinates (`sample`, one-hot rows drawn with
replacement) inverted from a constant start: no mixing, the coordinates no output reaches keep the start's
one value, and more of them as n − m and depth grow, so a grows less Gaussian. T-trained: the U-Net's
inversions replaced by constructed functions (controls.represent): the identity's representation residual is
the sign steps' uniform jitter, the span projection's the start's Gaussian noise.
"""
from __future__ import annotations

from . import scenario, small
from .represent import IMAGES, SIZE, _tags, control_inputs

T_SIZE = 8  # n = 3·8² = 192: the random maps stay small


def shrink(p: dict) -> None:
    """T's sweep at n = 192 with three maps of 16 sampled points each; the U-Net's inversions on 16 px images."""
    t = p["experiments"]["t"]
    n = 3 * T_SIZE ** 2
    t.update(image_size=T_SIZE, images=8, starts=2, maps=3, n_minus_m=[n // 12, n // 2, n - n // 12],
             depths=[1, 3], depth_n_minus_m=n // 12)
    small(p, t["variant"], SIZE, batch=IMAGES)
    p["experiments"]["inversion"].update(max_images=IMAGES, batch_size=IMAGES, overrides={})


def _t(p, trained, untrained, **kw):
    return control_inputs(p, "t", _tags({p["experiments"]["t"]["variant"]: (trained, untrained)}), **kw)


def _copying_maps(p: dict) -> None:
    p["experiments"]["t"].update(map="sample", start="constant", activation="relu")


def _two_steps(p: dict) -> None:
    p["experiments"]["t"]["steps"] = 2


@scenario("t/dense-maps", "t", "Random dense maps from uniform starts (the real sweep, small): the sampled points "
          "grow more Gaussian with n − m and depth. U-Net stand-ins: trained, the identity (residual: the sign "
          "steps' uniform jitter); untrained, the span projection (residual: the start's Gaussian noise).",
          {"T": "reproduced", "T-depth": "reproduced", "T-trained": "reproduced"})
def t_positive(p):
    return _t(p, "identity", "bank")


@scenario("t/copying-maps", "t", "Maps whose outputs copy random input coordinates, inverted from a constant start: "
          "the coordinates no output reaches stay at the start's one value, more of them as n − m and depth grow. "
          "U-Net stand-ins swapped: the trained residual is the Gaussian one.",
          {"T": "not reproduced", "T-depth": "not reproduced", "T-trained": "not reproduced"}, adjust=_copying_maps)
def t_negative(p):
    return _t(p, "bank", "identity")


@scenario("t/unconverged", "t", "Two inversion steps for the random maps, and the U-Net stand-ins' representations "
          "replaced by x plus the whole start noise: every claim inconclusive (unconverged).",
          {"T": "inconclusive", "T-depth": "inconclusive", "T-trained": "inconclusive"}, adjust=_two_steps)
def t_unconverged(p):
    return _t(p, "identity", "bank", start_noise=True)


@scenario("t/premise", "t", "As t/dense-maps with a colour cast on the trained U-Net stand-in's output (copies "
          "nothing): T-trained inconclusive (premise unmet).", {"T-trained": "inconclusive"})
def t_premise(p):
    return _t(p, "cast-identity", "bank")
