"""M-attractor (beyond the post; after Radhakrishnan, Belkin & Uhler, PNAS 2020, "Overparameterized neural
networks implement associative memory"): each trained autoencoder is iterated, x ← f(x), from training
and from validation images (`procedures.attractor`). An image is an attractor when its iteration settles
on a fixed point (last step below `tolerance`) near where it started (within E6's walk threshold) and the
spectral radius of the Jacobian there is below `max_radius`. Memorisation as associative memory makes
training images attractors and leaves validation images to move; the post's thesis (no memorisation)
predicts no difference between the two. E6's noise-free walk is the same iteration: its "does not walk"
share is reported beside.

BatchNorm: in train mode (the post's, judged) a batch is one function, so images are iterated in random
batches at the training batch size (of training images only, or of validation images only) and ρ is the
batch's; in eval mode (running statistics) each image is its own function and ρ is per image.
"""
from __future__ import annotations

import numpy as np
import torch

from .. import datasets, premise
from ..claims import make_claim
from ..cli.common import device, log
from ..config import variant_seeds
from ..distribution import contrast_ci, statistic_ci
from ..procedures.attractor import batch_statistics_only, iterate_composed
from ..procedures.inversion import frozen
from ..report import figures
from ..train import to_input
from .g_disjoint import EXPERIMENT, N_SHOW, training_images

SETS = ("train", "val")
FLAGS = ("converged", "near", "contracting", "attractor", "still")
LABELS = {"converged": "converged", "near": "near its start", "contracting": "ρ below max", "attractor": "attractor",
          "still": "does not walk (E6)"}


def flags(res: dict, tolerance: float, near: float, max_radius: float) -> dict[str, np.ndarray]:
    """Per image, from `procedures.attractor.iterate_composed`'s results: whether the iteration converged, ended
    near its start, at a contracting point, all three (an attractor), and whether it did not walk (E6)."""
    out = {"converged": (res["step"] < tolerance).numpy(), "near": (res["moved"] < near).numpy(),
           "contracting": (res["rho"] < max_radius).numpy(), "still": (res["walked"] <= near).numpy()}
    out["attractor"] = out["converged"] & out["near"] & out["contracting"]
    return out


def measure(params, inputs, variant: str, exp: dict, near: float, dev) -> dict:
    """Iterate every seed of `variant` from its training and validation images in each BatchNorm mode.
    Returns {(mode, set): {flag or measure: [per-seed arrays]}}, "quality" {label: premise copy quality},
    "shown" {(set): (start, end)} of the first seed in the first mode, "seeds"."""
    cfg = params["variants"][variant]
    size, bs = cfg["image_size"], cfg["train"]["batch_size"]
    channels_last = cfg["train"].get("channels_last", False)
    train, val = training_images(params, inputs, variant), inputs.split(cfg["dataset"], "val")
    xs = {"train": to_input(train[datasets.spread_indices(train.shape[0], exp["images"])], size, "cpu"),
          "val": to_input(val[datasets.spread_indices(val.shape[0], exp["images"])], size, "cpu")}
    seed0 = params["seed"]
    out: dict = {"quality": {}, "shown": {}, "seeds": variant_seeds(params, variant)}
    for seed in out["seeds"]:
        model, _ = inputs.model(variant, seed, device=dev)
        out["quality"][f"{variant} seed {seed}"] = inputs.premise(variant, seed)
        if channels_last:
            model = model.to(memory_format=torch.channels_last)
        for mode in exp["bn_modes"]:
            model.train(mode == "train")
            with frozen(model), batch_statistics_only(model):
                for name, x in xs.items():
                    res = iterate_composed(model, x, bs, "random", exp["steps"], exp["power_steps"],
                                           torch.Generator().manual_seed(seed0), torch.Generator().manual_seed(seed0 + 1),
                                           per_image=mode == "eval", device=dev, channels_last=channels_last)
                    entry = out.setdefault((mode, name), {})
                    values = flags(res, exp["tolerance"], near, exp["max_radius"])
                    values.update({k: res[k].numpy() for k in ("rho", "moved", "step", "one_step")})
                    for k, v in values.items():
                        entry.setdefault(k, []).append(v)
                    if seed == out["seeds"][0] and mode == exp["bn_modes"][0]:
                        out["shown"][name] = (x[:N_SHOW], res["last"][:N_SHOW])
                    log(f"{variant} seed {seed}, BatchNorm {mode}, {name}: attractors {values['attractor'].mean():.3f}, "
                        f"converged {values['converged'].mean():.3f}, near {values['near'].mean():.3f}, median ρ "
                        f"{np.median(values['rho']):.3f}, median one-step RMS {np.median(values['one_step']):.4f}")
    return out


def describe(res: dict, modes, seed: int) -> dict:
    """Shares of every flag and medians of ρ, the distance moved and the last step, per (mode, set)."""
    out = {}
    for mode in modes:
        for name in SETS:
            e = res[(mode, name)]
            out[f"{mode}/{name}"] = {**{f"share_{k}": statistic_ci(e[k], seed=seed) for k in FLAGS},
                                     **{f"median_{k}": statistic_ci(e[k], "median", seed=seed)
                                        for k in ("rho", "moved", "step", "one_step")}}
    return out


def run(params, inputs):
    """Claim M-attractor, about the first of `variants` in the first of `bn_modes`; the others are measured beside."""
    exp = params["experiments"]["m_attractor"]
    near = params["experiments"]["e6"]["threshold"]
    seed0 = params["seed"]
    dev = device(params)
    results = {v: measure(params, inputs, v, exp, near, dev) for v in exp["variants"]}
    judged_v, judged_mode = exp["variants"][0], exp["bn_modes"][0]
    res = results[judged_v]
    summaries = {v: describe(r, exp["bn_modes"], seed0) for v, r in results.items()}

    figs = figures.Figures()
    s = summaries[judged_v]
    figs.add("shares.png", figures.interval_plot,
             {f"{name} images": ([LABELS[k] for k in FLAGS], [s[f"{judged_mode}/{name}"][f"share_{k}"] for k in FLAGS])
              for name in SETS}, "", "share of images",
             title=f"{judged_v}, BatchNorm {judged_mode}: {exp['steps']} iterations from each image")
    figs.add("rho.png", figures.histogram,
             {f"{name}, BatchNorm {mode}": np.concatenate(res[(mode, name)]["rho"]) for mode in exp["bn_modes"]
              for name in SETS}, "spectral radius ρ of the Jacobian at the end point", vline=exp["max_radius"],
             title=f"{judged_v}: ρ < {exp['max_radius']:g} attracts")
    figs.add("endpoints.png", figures.image_rows,
             {"training images": res["shown"]["train"][0], f"after {exp['steps']} steps": res["shown"]["train"][1],
              "validation images": res["shown"]["val"][0], f"after {exp['steps']} steps ": res["shown"]["val"][1]},
             title=f"{judged_v} seed {res['seeds'][0]}, BatchNorm {judged_mode}: where iteration takes each image")

    attr = {name: res[(judged_mode, name)]["attractor"] for name in SETS}
    ds = params["variants"][judged_v]["dataset"]
    claim = make_claim(
        "M-attractor", "Training images are no more often attractors of the trained autoencoder than validation "
        "images are (no memorisation as associative memory)",
        f"share of training minus share of validation images that are attractors of {judged_v} (iteration converges "
        f"within {exp['steps']} steps to a point within {near:g} RMS of the start, spectral radius of the Jacobian "
        f"there < {exp['max_radius']:g}; BatchNorm {judged_mode})",
        contrast_ci(attr["train"], attr["val"], op="diff", paired_seeds=True, seed=seed0), params["claims"]["M-attractor"],
        scale=params["scale"], data=f"{ds}: {exp['images']} training and {exp['images']} validation patches",
        experiment=EXPERIMENT, seeds=res["seeds"],
        figures=[{"path": "m_attractor/shares.png", "caption": "Share of training and of validation images whose "
                  "iteration converged, ended near its start, at a point with ρ below the bound, all three (an "
                  "attractor), and that did not walk by E6's criterion. Memorisation: training images attractors, "
                  "validation images not."},
                 {"path": "m_attractor/rho.png", "caption": "Spectral radius of the Jacobian at each iteration's end "
                  "point (power iteration with Jacobian-vector products), training against validation images; left of "
                  "the dashed line the end point attracts. In train mode ρ is the batch's (one value per batch)."},
                 {"path": "m_attractor/endpoints.png", "caption": "Training and validation images and where the "
                  "iteration took them: an attractor ends on (nearly) the image it started from."}],
        details={"variant": judged_v, "bn_mode": judged_mode, "per_variant": summaries,
                 "batches": f"random batches of {params['variants'][judged_v]['train']['batch_size']} images of one set"})
    premise.guard(claim, res["quality"], params["premise"])
    return [claim], {"per_variant": summaries}, figs
