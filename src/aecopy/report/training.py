"""The report's Training section: every trained variant, its size and overcompleteness, its loss and
validation curves, and whether it meets the premise (copies clean validation images to the bar)."""
from __future__ import annotations

import math

import numpy as np
import torch

from .. import premise
from ..config import variant_seeds
from ..inputs import untrained_model
from ..plan import spread_indices
from ..procedures.denoise import blur
from ..train import to_input
from . import figures

BLUR_SIGMAS = (1.0, 1.5)  # Gaussian blurs of the validation images, as a yardstick for copy quality


def blur_yardstick(val_u8: torch.Tensor, image_size: int, images: int) -> dict[str, dict]:
    """Copy quality (premise.copy_quality) of Gaussian blurs of the validation images training measured
    on: what a model that returns a slightly blurred copy would score."""
    x = to_input(val_u8[spread_indices(val_u8.shape[0], images)], image_size, "cpu")
    return {f"blur σ {s:g} px": premise.copy_quality(blur(x, 2 * math.ceil(3 * s) + 1, s), x) for s in BLUR_SIGMAS}


def section(params, losses: dict, curves: dict, splits: dict) -> tuple[dict, figures.Figures]:
    """(section JSON, its figures) from {(variant, seed): loss per step}, {(variant, seed): validation per
    epoch} and {dataset: uint8 validation split}."""
    bar = params["premise"]
    figs = figures.Figures("training")
    rows, loss_panels, val_panels, yardsticks = [], {}, {}, {}
    for v in dict.fromkeys(v for v, _ in losses):  # the variants this run trained
        cfg = params["variants"][v]
        model = untrained_model(cfg, 0)
        seeds = variant_seeds(params, v)
        autoencoder = getattr(model, "task", "autoencode") == "autoencode"
        loss_panels[v] = {f"seed {s}": (losses[(v, s)]["step"].to_numpy(), losses[(v, s)]["loss"].to_numpy())
                          for s in seeds}
        key = "psnr" if autoencoder else "accuracy"
        val_panels[v] = {f"seed {s}": (curves[(v, s)]["step"].to_numpy(), curves[(v, s)][key].to_numpy())
                         for s in seeds}
        last = [curves[(v, s)].iloc[-1] for s in seeds]
        steps = int(curves[(v, seeds[0])]["step"].iloc[-1])
        row = {"variant": v, "model": cfg["model"], "image_size": cfg["image_size"],
               "parameters": sum(t.numel() for t in model.parameters()),
               "smallest_layer_ratio": round(float(model.smallest_layer_ratio(cfg["image_size"])), 4)
               if autoencoder else None,
               "overcomplete": bool(getattr(model, "overcomplete", False)),
               "steps": steps, "batch_size": cfg["train"]["batch_size"],
               "images_seen": steps * cfg["train"]["batch_size"], "lr": cfg["train"]["lr"],
               "schedule": cfg["train"].get("schedule", "constant"), "seeds": seeds,
               "final_step_loss": float(np.mean([losses[(v, s)]["loss"].iloc[-1] for s in seeds]))}
        if autoencoder:
            q = [{k: float(r[k]) for k in ("mse", "psnr", "r2")} for r in last]
            row.update(val_psnr=round(float(np.mean([r["psnr"] for r in q])), 2),
                       val_r2=round(float(np.mean([r["r2"] for r in q])), 4),
                       premise="met" if all(premise.met(r, bar) for r in q) else
                       f"unmet ({sum(not premise.met(r, bar) for r in q)} of {len(q)} seeds)")
            ds = (cfg["dataset"], cfg["image_size"])
            if ds not in yardsticks:
                yardsticks[ds] = blur_yardstick(splits[cfg["dataset"]], cfg["image_size"], bar["images"])
        else:
            row.update(val_accuracy=round(float(np.mean([r["accuracy"] for r in last])), 4))
        rows.append(row)
    figs.add("loss_curves.png", figures.panels, loss_panels, "step", "training loss", logy=True)
    figs.add("validation_curves.png", figures.panels, val_panels, "step",
             "validation PSNR (dB) / accuracy", hlines={"psnr": bar["min_psnr"]})
    yard = "; ".join(f"{d} at {s}²: " + ", ".join(f"{k} {q['psnr']:.1f} dB (R² {q['r2']:.3f})" for k, q in y.items())
                     for (d, s), y in yardsticks.items())
    text = ("Every variant trained by the pipeline: its size, the ratio of its smallest layer to the input (≥ 1 = "
            "overcomplete, the premise of the post; unet_hidden is restrictive on purpose), its budget (optimizer "
            "steps × batch = images seen; models compared in one claim see the same number), and how well it copies "
            f"clean validation images at the end of training: PSNR and R² on {bar['images']} validation patches in "
            "random batches at its training batch size, BatchNorm in train mode (mean over seeds). The premise bar "
            f"is PSNR ≥ {bar['min_psnr']:g} dB and R² ≥ {bar['min_r2']:g} for every seed; claims about a model that "
            f"misses it are inconclusive. For scale, Gaussian blurs of the same images score: {yard}.")
    sec = {"id": "training", "title": "Training", "text": text, "table": rows,
           "figures": [{"path": "training/validation_curves.png", "caption": "Validation copy quality (PSNR, dB; "
                        "accuracy for the ViT) per epoch against the optimizer step, one line per seed; the dashed "
                        "line is the premise bar. Look for curves that have flattened above the bar. The ViT's classes "
                        "are its training photographs and validation patches come from other photographs, so its "
                        "validation accuracy is 0 by construction: only its training loss says it learned (it serves "
                        "E9's representations, not a classification claim)."},
                       {"path": "training/loss_curves.png", "caption": "Training loss per optimizer step, log scale; "
                        "one panel per variant."}]}
    return sec, figs
