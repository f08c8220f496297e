"""E1: an overcomplete FC autoencoder on noisy inputs (SPEC E1)."""
from __future__ import annotations

import numpy as np
import torch

from ..claims import make_claim
from ..metrics import fraction_ci, mean_ci
from ..procedures.noise import noise_test
from ..cli.common import device, log
from ..config import variant_seeds
from ..inputs import claim_suffix, set_label
from ..plan import figure_name
from ..report import figures
from ..train import to_input

PAPER_FIGURE = "overcomplete autoencoder"


def evaluate(model, images_u8: torch.Tensor, image_size: int, alpha: float, batch_size: int, seed: int, dev):
    """Per-image noise-test results over `images_u8`, batch by batch (BatchNorm in train mode)."""
    gen = torch.Generator().manual_seed(seed)
    model.train()
    parts: dict[str, list] = {}
    first = None
    for start in range(0, images_u8.shape[0], batch_size):
        x = to_input(images_u8[start:start + batch_size], image_size, dev)
        res = noise_test(model, x, alpha, gen)
        if first is None:
            first = {"clean": x[:8].cpu(), "noisy": res["noisy"][:8].cpu(), "output": res["output"][:8].cpu()}
        for k in ("r", "moved"):
            parts.setdefault(k, []).append(res[k].cpu().numpy())
    return {k: np.concatenate(v) for k, v in parts.items()}, first


def run(params, inputs):
    """Claims E1 and E1-identity on every evaluation set, from every training seed of the FC autoencoder."""
    exp = params["experiments"]["e1"]
    vname = exp["variant"]
    cfg = params["variants"][vname]
    dev = device(params)
    figs = figures.Figures()

    sets = inputs.evaluation_sets(cfg["dataset"], exp["max_images"])

    results = {name: {"r": [], "moved": [], "seed": []} for name in sets}
    examples = {}
    for seed in variant_seeds(params, vname):
        model, ckpt = inputs.model(vname, seed, device=dev)
        log(f"{vname} seed {seed}: epoch {ckpt['epoch']}")
        for name, imgs in sets.items():
            res, first = evaluate(model, imgs, cfg["image_size"], exp["alpha"], exp["batch_size"],
                                  params["seed"], dev)
            results[name]["r"].append(res["r"])
            results[name]["moved"].append(res["moved"])
            results[name]["seed"].append(np.full(res["r"].shape, seed))
            examples.setdefault(name, first)

    seeds = sorted({int(s) for arr in results[cfg["dataset"]]["seed"] for s in arr})
    claims, metrics = [], {}
    for name, res in results.items():
        r = np.concatenate(res["r"])
        moved = np.concatenate(res["moved"])
        groups = np.concatenate(res["seed"])
        tag = claim_suffix(name)
        ex = examples[name]
        fig_rows = figs.add(figure_name("noise_test", name), figures.image_rows,
                            {"clean x": ex["clean"], "noisy x̂": ex["noisy"], "output O(x̂)": ex["output"]},
                            title=f"E1 {vname}: α = {exp['alpha']}")
        fig_hist = figs.add(figure_name("ratio_hist", name), figures.histogram,
                            {"r = ‖O(x̂)−x‖/‖x̂−x‖": r, "‖O(x̂)−x̂‖/‖x̂−x‖": moved}, "ratio", vline=1.0,
                            title="per image, all seeds")
        r_stats = mean_ci(r, groups, seed=params["seed"])
        moved_stats = mean_ci(moved, groups, seed=params["seed"])
        below = fraction_ci(r < 1, groups, seed=params["seed"])
        metrics[name] = {"r": r_stats, "fraction_r_below_1": below, "moved": moved_stats}
        data = set_label(name, cfg["dataset"])
        set_figs = [{"path": f"e1/{fig_rows}", "caption": "Rows: clean validation images, the noisy input "
                 f"(α = {exp['alpha']}), the autoencoder's output. Look for an output closer to the clean row than "
                 "the noisy row is, and different from the noisy row (the identity would copy it)."},
                {"path": f"e1/{fig_hist}", "caption": "Per-image ratios; the dashed line is 1."}]
        common = dict(scale=params["scale"], data=data, seeds=seeds, experiment="E1", paper_figure=PAPER_FIGURE,
                      figures=set_figs, details={"fraction_r_below_1": below, "alpha": exp["alpha"],
                                             "overcomplete_ratio": cfg["kwargs"]["width"] / (3 * cfg["image_size"] ** 2)})
        claims.append(make_claim(
            f"E1{tag}", "On a noisy input the overcomplete FC autoencoder's output is closer to the clean input: "
            "‖O(x̂)−x‖ < ‖x̂−x‖", "mean r = ‖O(x̂)−x‖/‖x̂−x‖", r_stats, params["claims"]["E1"], **common))
        claims.append(make_claim(
            f"E1-identity{tag}", "An overcomplete FC autoencoder trained on MSE does not learn the identity",
            "mean ‖O(x̂)−x̂‖/‖x̂−x‖ (identity gives 0)", moved_stats, params["claims"]["E1-identity"],
            **{**common, "figures": set_figs[:1]}))
        log(f"E1 {name}: r = {r_stats['value']:.3f} [{r_stats['ci_low']:.3f}, {r_stats['ci_high']:.3f}], "
            f"fraction r<1 = {below['value']:.3f}, moved = {moved_stats['value']:.3f}")

    loss = {f"seed {s}": inputs.loss_epochs(vname, s) for s in seeds}
    figs.add("loss.png", figures.curves, {k: (v["epoch"].to_numpy(), v["loss"].to_numpy()) for k, v in loss.items()},
             "epoch", "training MSE", title=f"{vname} training loss", logy=True)
    claims[0]["figures"].append({"path": "e1/loss.png", "caption": "Training loss per epoch, one line per seed."})
    return claims, metrics, figs
