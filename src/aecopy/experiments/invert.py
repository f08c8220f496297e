"""Input representations of one model (trained or untrained, one seed) on every evaluation set: the
file rule `invert_*` writes and experiments E2, E4, E5, E8c, E9, E10 and T read (experiments.represent)."""
from __future__ import annotations

import time

import torch
import torch.nn.functional as F

from ..cli.common import log
from ..inputs import Inputs
from ..models.vit import vit_b_32_from_state_dict
from ..plan import VIT_B_32
from ..procedures.batches import run_composed
from ..procedures.inversion import aligned_error, inversion_mode, invert_layer
from ..procedures.noise import corrupt
from ..train import to_input

SETTINGS = ("steps", "c", "lr", "start_mean", "start_sd", "reference_sd", "record_every")


SETTINGS_KEYS = SETTINGS + ("max_images", "batch_size")


def settings_for(inv, variant: str) -> dict:
    """The inversion block of params with the variant's overrides applied."""
    overrides = inv["overrides"].get(variant, {})
    return {k: overrides[k] if k in overrides else inv[k] for k in SETTINGS_KEYS}


def subject(params, inputs: Inputs, variant: str, seed: int, state: str, weights: str | None = None, dev="cpu"):
    """(model, image size, dataset, layers) to invert: a params variant, or torchvision's vit_b_32."""
    layers = list(params["experiments"]["inversion"]["layers"].get(variant, ["output"]))
    if variant == VIT_B_32:
        e10 = params["experiments"]["e10"]
        torch.manual_seed(seed)
        model = vit_b_32_from_state_dict(weights if state == "trained" else None).to(dev)
        return model, e10["vit_b_32_image_size"], params["variants"][e10["variant"]]["dataset"], layers
    cfg = params["variants"][variant]
    if state == "trained":
        model = inputs.model(variant, seed, device=dev)[0]
    else:
        model = inputs.untrained(variant, seed, dev)
    return model, cfg["image_size"], cfg["dataset"], layers


def prepare(images_u8: torch.Tensor, image_size: int, dev) -> torch.Tensor:
    """uint8 patches → float [0, 1] at `image_size`: area-downsampled, or bilinear-upsampled (vit_b_32's 224²)."""
    if images_u8.shape[-1] >= image_size:
        return to_input(images_u8, image_size, dev)
    x = images_u8.to(dev).float().div(255.0)  # (B, 3, S, S)
    return F.interpolate(x, size=(image_size, image_size), mode="bilinear", align_corners=False).clamp(0, 1)


@torch.no_grad()
def reconstruct(model, x: torch.Tensor, eval_mode: bool, batch_size: int, seed: int) -> torch.Tensor:
    """O(x) (N, C, H, W) as the model is used (E1, E3, the premise): random batches at the training batch
    size (`procedures.batches`), train-mode BatchNorm with batch statistics (or eval mode). BatchNorm's
    running statistics are restored afterwards."""
    buffers = {k: v.clone() for k, v in model.named_buffers()}
    was_training = model.training
    model.train(not eval_mode)
    try:
        return run_composed(model, x, batch_size, "random", torch.Generator().manual_seed(seed), x.device)
    finally:
        model.train(was_training)
        for k, v in model.named_buffers():
            v.copy_(buffers[k])


def invert_set(model, x: torch.Tensor, layers: list[str], settings: dict, eval_mode: bool, seed: int,
               noisy_alpha: float | None = None, train_batch_size: int | None = None) -> dict:
    """Invert every layer for the images x (B, C, H, W), `batch_size` images at a time.

    With `noisy_alpha` the inverted input is x̂ = α·x + (1−α)·n (E4); the clean x is kept beside it.
    Starts and reference noise come from generators seeded by `seed` alone, so a trained and an
    untrained model (and every training seed) see the same starts: their comparison is paired.
    Autoencoders also get their reconstruction O(input) as the model is used (`reconstruct`, random
    batches at `train_batch_size`) and the error of the function that is inverted (per-image BatchNorm
    statistics), recon_single_aligned.
    """
    x_in = x if noisy_alpha is None else corrupt(x, noisy_alpha, torch.Generator().manual_seed(seed + 500))
    out: dict = {"x": x.cpu(), "input": x_in.cpu(), "layers": {}}
    bs = settings["batch_size"]
    if getattr(model, "task", "autoencode") == "autoencode":
        recon = reconstruct(model, x_in, eval_mode, train_batch_size or bs, seed + 700)
        out["recon"] = recon.cpu()
        out["recon_error"] = ((recon - x_in).flatten(1).norm(dim=1) / x_in.flatten(1).norm(dim=1)).cpu()
        out["recon_aligned"] = aligned_error(recon, x_in).cpu()
        with inversion_mode(model, eval_mode), torch.no_grad():
            single = torch.cat([model(x_in[i:i + bs]) for i in range(0, len(x_in), bs)])
        out["recon_single_aligned"] = aligned_error(single, x_in).cpu()
    kw = {k: settings[k] for k in SETTINGS}
    for j, layer in enumerate(layers):
        gen = torch.Generator().manual_seed(seed + 10 * j)
        parts = [invert_layer(model, x_in[i:i + bs], layer, gen, eval_mode=eval_mode, **kw)
                 for i in range(0, len(x_in), bs)]
        res = {k: torch.cat([p[k] for p in parts], dim=1 if k == "loss" else 0).cpu()
               for k in parts[0] if k != "record_steps"}
        res["record_steps"] = parts[0]["record_steps"]
        out["layers"][layer] = res
    return out


def run(params, inputs: Inputs, variant: str, seed: int, state: str, bn: str, kind: str, weights=None,
        dev="cpu") -> dict:
    """Invert every layer of the model for every evaluation set; the result as cli.invert saves it.

    A trained autoencoder's file also holds its copy quality on clean validation images (`premise`, from
    its run's validation curve), so the experiments can guard their claims with it; None otherwise."""
    settings = settings_for(params["experiments"]["inversion"], variant)
    model, size, dataset, layers = subject(params, inputs, variant, seed, state, weights, dev)
    alpha = params["experiments"]["e4"]["alpha"] if kind == "noisy" else None
    sets = inputs.evaluation_sets(dataset, settings["max_images"])
    premise = inputs.premise(variant, seed) if state == "trained" and variant != VIT_B_32 else None
    train_bs = params["variants"][variant]["train"]["batch_size"] if variant != VIT_B_32 else None
    t0 = time.perf_counter()
    result = {"variant": variant, "seed": seed, "state": state, "bn": bn, "kind": kind, "premise": premise,
              "alpha": alpha, "layers": layers, "settings": settings, "sets": {}}
    for k, (name, imgs) in enumerate(sets.items()):
        start_seed = params["seed"] * 7919 + 1000 * k
        result["sets"][name] = invert_set(model, prepare(imgs, size, dev), layers, settings, bn == "eval",
                                          start_seed, alpha, train_bs)
        for layer, res in result["sets"][name]["layers"].items():
            log(f"{variant} seed {seed} {state} bn={bn} {kind} {name} {layer}: medians "
                f"fit/start noise {res['fit_start'].median():.3f} (control {res['control_start'].median():.2f}), "
                f"fit {res['fit'].median():.3f}, gap {res['gap'].median():.3f}; means rel error "
                f"{res['rel_error'].mean():.3f}, aligned error {res['aligned_error'].mean():.3f}, "
                f"noise {res['noise'].mean():.2f}")
    result["seconds"] = time.perf_counter() - t0
    log(f"{len(sets)} set(s) in {result['seconds']:.1f} s")
    return result
