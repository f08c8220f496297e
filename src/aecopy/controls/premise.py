"""Controls of the premise itself: the identity copies (meets the bar), a mean-colour model and a strong
blur do not, measured by the same validation code training uses (`train.validate`) and the same bar."""
from __future__ import annotations

from .. import premise
from ..train import validate
from . import scenario
from .images import synthetic_images
from .models import Blur, Identity, MeanColour

SIZE, IMAGES, BATCH = 16, 64, 16


def _judge(p: dict, model) -> list[dict]:
    val, _ = synthetic_images(IMAGES, SIZE, seed=1)
    q = validate(model, val, None, BATCH, SIZE, "cpu", seed=0)
    ok = premise.met(q, p["premise"])
    return [{"id": "premise", "verdict": "reproduced" if ok else "not reproduced", "value": q["psnr"],
             "ci_low": q["psnr"], "ci_high": q["psnr"], "metric": f"PSNR {q['psnr']:.3g} dB, R² {q['r2']:.3g}"}]


@scenario("premise/identity", "premise", "The identity copies every image exactly: it meets the bar.",
          {"premise": "reproduced"})
def identity(p):
    return _judge(p, Identity())


@scenario("premise/mean-colour", "premise", "A model that outputs each image's mean colour copies nothing "
          "of its structure: it fails the bar.", {"premise": "not reproduced"})
def mean_colour(p):
    return _judge(p, MeanColour(SIZE))


@scenario("premise/blur", "premise", "A Gaussian blur of sd 1.5 px (a visibly soft copy) fails the bar.",
          {"premise": "not reproduced"})
def blur(p):
    return _judge(p, Blur(1.5))
