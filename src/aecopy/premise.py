"""The premise of the post: the autoencoders copy their (clean) inputs well.

The post is about large autoencoders that reproduce their inputs and still do not learn the identity. A
claim about a model that does not copy (a blur, a mean-colour filter) says nothing about that, so every
claim about a trained autoencoder is guarded: its model must copy clean validation images to the bar in
params.yaml (`premise`), measured as training measures its validation curve (`validation_metrics`, in
random batches at the training batch size, BatchNorm in train mode). Otherwise the claim is inconclusive
with "premise unmet".
"""
from __future__ import annotations

import math

import torch

from .claims import mark_confounded


def copy_quality(out: torch.Tensor, x: torch.Tensor) -> dict[str, float]:
    """How well outputs (N, C, H, W) copy x: mean MSE, PSNR of the mean MSE (dB, data range 1) and
    R² = 1 − MSE/Var(x), Var about the set's channel means (an output of the data's mean colour scores 0)."""
    mse = float((out.float() - x.float()).pow(2).mean())
    var = float((x - x.mean(dim=(0, 2, 3), keepdim=True)).pow(2).mean())
    return {"mse": mse, "psnr": 10 * math.log10(1 / max(mse, 1e-12)), "r2": 1 - mse / max(var, 1e-12)}


def met(quality: dict, bar: dict) -> bool:
    """Whether a copy quality reaches the bar {min_psnr, min_r2}."""
    return quality["psnr"] >= bar["min_psnr"] and quality["r2"] >= bar["min_r2"]


def describe(bar: dict) -> str:
    return (f"premise unmet: a model copies clean validation images with PSNR < {bar['min_psnr']:g} dB or "
            f"R² < {bar['min_r2']:g}")


def guard(claim: dict, qualities: dict[str, dict | None], bar: dict) -> dict:
    """Make `claim` inconclusive ("premise unmet") when a model it is about does not copy to the bar.

    qualities: {model label: copy quality (see `copy_quality`)}; None for a model the premise does not
    apply to (an untrained model, a classifier)."""
    claim.setdefault("premise", {}).update({k: q for k, q in qualities.items() if q is not None})
    unmet = [k for k, q in qualities.items() if q is not None and not met(q, bar)]
    if unmet:
        claim["premise_unmet"] = unmet
    return mark_confounded(claim, describe(bar), bool(unmet), reason="premise unmet")
