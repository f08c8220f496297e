"""Controls of E7 (diffusion-like generation): constructed stand-ins for the four U-Nets on synthetic images,
run through E7's own code with the post's 30 and 200 steps.

Every stand-in copies the clean validation images exactly or nearly (the premise), and what it generates
from noise is known by construction: an `Oracle` over the validation images ends on real, held-out images;
the identity keeps the noise; a `Memoriser` copies any clean image but, given anything else, returns its
nearest *training* image; a blurred oracle ends on soft images (less detail); a `Mosaic` oracle picks each
quadrant's image on its own, so its samples are real in every quadrant and incoherent as a whole.
"""
from __future__ import annotations

import torch

from ..models.base import AutoEncoder
from . import scenario, small
from .inputs import ControlInputs
from .models import Blur, Identity, Oracle

SIZE = 16
BUDGET = 1000  # training images at the last epoch, the same for every variant unless a scenario says otherwise
SOFT = 0.6  # the blurred oracle's sd in pixels: copies to ≈ 27 dB, visibly less detail


def shrink(p: dict) -> None:
    """16² synthetic images, three seeds per variant, 32 samples per seed (two batches of 16), the post's 30 and
    200 steps, a 3-level pyramid of 3×3 patches; the rules, thresholds and guards of params.yaml."""
    e7 = p["experiments"]["e7"]
    for v in e7["variants"]:
        small(p, v, SIZE)
    e7.update(max_seeds=3, n_samples=32, max_reference=32, frames=4)
    e7["swd"].update(levels=3, patch=3, per_image=16, directions=32, n_boot=50)


class Then(AutoEncoder):
    """second(first(x)): e.g. a blur after an oracle."""

    def __init__(self, first: AutoEncoder, second: AutoEncoder):
        super().__init__()
        self.first, self.second = first, second

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return x

    def decode(self, h: torch.Tensor) -> torch.Tensor:
        return self.second(self.first(h))


class Memoriser(AutoEncoder):
    """Copies an input that is (nearly) one of its images exactly (correlation ≥ `exact`), and returns the
    nearest *training* image for anything else: a model that copies what it is shown and generates only
    training images."""

    def __init__(self, train: torch.Tensor, val: torch.Tensor, exact: float = 0.999):
        super().__init__()
        self.everything, self.train_only, self.exact = Oracle(torch.cat([train, val])), Oracle(train), exact

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return x

    def decode(self, h: torch.Tensor) -> torch.Tensor:
        q = h.flatten(1) - h.flatten(1).mean(1, keepdim=True)
        q = q / q.norm(dim=1, keepdim=True).clamp_min(1e-8)
        best = (q @ self.everything.unit.T).max(1).values  # (B,) correlation with the closest image
        known = (best >= self.exact)[:, None, None, None]
        return torch.where(known, self.everything(h), self.train_only(h))


class Mosaic(AutoEncoder):
    """An oracle per quadrant: each quadrant of the output is that quadrant of the bank image whose same
    quadrant best matches the input's. Copies bank images exactly; from noise it assembles quadrants of
    different images (locally real, globally incoherent)."""

    def __init__(self, bank: torch.Tensor):
        super().__init__()
        h, w = bank.shape[-2:]
        self.cuts = [(slice(0, h // 2), slice(0, w // 2)), (slice(0, h // 2), slice(w // 2, w)),
                     (slice(h // 2, h), slice(0, w // 2)), (slice(h // 2, h), slice(w // 2, w))]
        self.quarters = torch.nn.ModuleList(Oracle(bank[:, :, r, c]) for r, c in self.cuts)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return x

    def decode(self, h: torch.Tensor) -> torch.Tensor:
        out = torch.empty_like(h)
        for (r, c), oracle in zip(self.cuts, self.quarters):
            out[:, :, r, c] = oracle(h[:, :, r, c])
        return out


def _inputs(p: dict, roles: dict, budget=lambda v: BUDGET) -> ControlInputs:
    """ControlInputs whose model of a variant is roles[variant](validation images, training images), else an
    Oracle over the validation images; `budget(variant)`: training images its checkpoints saw."""
    def model(v, s, e):
        return roles.get(v, _oracle)(inputs.images(v, "val"), inputs.images(v, "train"))

    inputs = ControlInputs(p, models=model, images_seen=lambda v, s, e: budget(v))
    return inputs


def _roles(p: dict) -> dict[str, str]:
    """{role: variant}: the reference, narrow and wide (detail_pair), shallow and deep (coherence_pair)."""
    e7 = p["experiments"]["e7"]
    (narrow, wide), (shallow, deep) = e7["detail_pair"], e7["coherence_pair"]
    return {"ref": e7["variants"][0], "narrow": narrow, "wide": wide, "shallow": shallow, "deep": deep}


def _oracle(val, train):
    return Oracle(val)


def _soft(val, train):
    return Then(Oracle(val), Blur(SOFT))


def _mosaic(val, train):
    return Mosaic(val)


@scenario("e7/oracle", "e7", "Every U-Net an Oracle over the validation images: generation ends on real images "
          "that are not training images.",
          {"E7-N30": "reproduced", "E7-N200": "reproduced", "E7-novel": "reproduced"})
def oracle(p):
    return _inputs(p, {})


@scenario("e7/identity", "e7", "Every U-Net the identity (a perfect copier): generation keeps the starting noise, "
          "so its samples are not images and no contrast between models can be read.",
          {"E7-N30": "not reproduced", "E7-N200": "not reproduced", "E7-width-detail": "inconclusive",
           "E7-depth-coherence": "inconclusive"})
def identity(p):
    return _inputs(p, {v: lambda val, train: Identity() for v in p["experiments"]["e7"]["variants"]})


@scenario("e7/memoriser", "e7", "The reference U-Net copies any clean image but otherwise returns its nearest "
          "training image: every sample is a training image.", {"E7-novel": "not reproduced"})
def memoriser(p):
    return _inputs(p, {_roles(p)["ref"]: lambda val, train: Memoriser(train, val)})


def _width_depth(p: dict, narrow, wide, deep) -> dict:
    """Stand-ins by role (the wide U-Net is also the shallow one of the depth pair)."""
    r = _roles(p)
    return {r["narrow"]: narrow, r["wide"]: wide, r["shallow"]: wide, r["deep"]: deep}


@scenario("e7/width", "e7", f"The narrow U-Net a blurred oracle (sd {SOFT} px), the wide one an oracle: the "
          "wider one's samples have more detail.", {"E7-width-detail": "reproduced"})
def width(p):
    return _inputs(p, _width_depth(p, _soft, _oracle, _oracle))


@scenario("e7/depth", "e7", "The wide (shallow) U-Net a mosaic oracle, the deep one an oracle: the deeper one's "
          "samples are globally coherent, the shallower one's assembled from quadrants of different images.",
          {"E7-depth-coherence": "reproduced"})
def depth(p):
    return _inputs(p, _width_depth(p, _oracle, _mosaic, _oracle))


@scenario("e7/width-depth-reversed", "e7", "The narrow U-Net an oracle, the wide one a blurred oracle, the deep one a "
          "mosaic oracle: the wider one's samples have less detail, the deeper one's less coherence.",
          {"E7-width-detail": "not reproduced", "E7-depth-coherence": "not reproduced"})
def width_depth_reversed(p):
    return _inputs(p, _width_depth(p, _oracle, _soft, _mosaic))


@scenario("e7/unequal-budgets", "e7", "The narrow U-Net a blurred oracle, the wide one a mosaic oracle, the deep one "
          "an oracle (width adds detail, depth coherence), but the wide U-Net saw half as many training images as "
          "the narrow and the deep ones.", {"E7-width-detail": "inconclusive", "E7-depth-coherence": "inconclusive"})
def unequal_budgets(p):
    wide = _roles(p)["wide"]
    return _inputs(p, _width_depth(p, _soft, _mosaic, _oracle), budget=lambda v: BUDGET // 2 if v == wide else BUDGET)


@scenario("e7/not-copying", "e7", "Stand-ins built on the training images instead (an Oracle over them, its blurred "
          "and mosaic versions in the roles of e7/unequal-budgets): they do not copy the validation images, so the "
          "premise guard makes every claim inconclusive, though the samples are real images.",
          {"E7-N30": "inconclusive", "E7-N200": "inconclusive", "E7-novel": "inconclusive",
           "E7-width-detail": "inconclusive", "E7-depth-coherence": "inconclusive"})
def not_copying(p):
    ref = _roles(p)["ref"]
    roles = _width_depth(p, lambda val, train: _soft(train, val), lambda val, train: Mosaic(train),
                         lambda val, train: Oracle(train))
    return _inputs(p, {ref: lambda val, train: Oracle(train), **roles})
