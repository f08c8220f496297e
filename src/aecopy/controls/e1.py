"""Controls of E1 and E1-identity: constructed stand-ins for the FC autoencoder on synthetic images."""
from __future__ import annotations

from . import scenario, small
from .inputs import ControlInputs
from .models import AddNoise, Identity, MeanColour, Oracle

SIZE = 16


def shrink(p: dict) -> None:
    """Small synthetic images, three seeds, the rules and thresholds of params.yaml."""
    v = p["experiments"]["e1"]["variant"]
    small(p, v, SIZE)
    p["experiments"]["e1"]["max_images"] = 32


def _inputs(p: dict, make) -> ControlInputs:
    inputs = ControlInputs(p, models=lambda v, s, e: make(inputs, v, s))
    return inputs


@scenario("e1/oracle", "e1", "The model returns the clean validation image that its noisy input is a copy of: "
          "its output is the clean image (r = 0) and moves far from the noisy input.",
          {"E1": "reproduced", "E1-identity": "reproduced"})
def oracle(p):
    return _inputs(p, lambda inputs, v, s: Oracle(inputs.images(v, "val")))


@scenario("e1/identity", "e1", "The identity: it copies the noisy input (r = 1, moved = 0).",
          {"E1": "not reproduced", "E1-identity": "not reproduced"})
def identity(p):
    return _inputs(p, lambda inputs, v, s: Identity())


@scenario("e1/noise-adder", "e1", "A model that copies and adds fresh noise of sd 0.03 (it still copies clean images to the bar): its output is further "
          "from the clean image than its input (r > 1).", {"E1": "not reproduced"})
def noise_adder(p):
    return _inputs(p, lambda inputs, v, s: AddNoise(0.03, seed=s))


@scenario("e1/mean-colour", "e1", "A model that outputs each image's mean colour: closer to the clean image "
          "than heavy noise is, but it copies nothing, so the premise guard makes both claims inconclusive.",
          {"E1": "inconclusive", "E1-identity": "inconclusive"})
def mean_colour(p):
    return _inputs(p, lambda inputs, v, s: MeanColour(SIZE))
