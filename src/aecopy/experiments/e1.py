"""E1: an overcomplete FC autoencoder on noisy inputs (SPEC E1)."""
from __future__ import annotations

import numpy as np
import torch

from .. import premise
from ..claims import add_sensitivity, make_claim
from ..cli.common import device, log
from ..config import variant_seeds
from ..inputs import claim_suffix, set_label
from ..metrics import mean_ci
from ..plan import figure_name
from ..procedures.batches import COMPOSITIONS, run_composed
from ..procedures.noise import corrupt, noise_ratios
from ..report import figures
from ..train import to_input

PAPER_FIGURE = "overcomplete autoencoder"
N_SHOW = 8


def evaluate(model, x: torch.Tensor, alpha: float, batch_size: int, composition: str, seed: int, dev) -> dict:
    """Per-image noise-test ratios (`noise_ratios`) of the model on x̂ = α·x + (1−α)·n for the clean images x
    (N, C, H, W), batches composed as `composition` says (BatchNorm in train mode); the noise is the same
    for every composition. Also the first images' noisy inputs and outputs."""
    x_hat = corrupt(x, alpha, torch.Generator().manual_seed(seed))
    model.train()
    out = run_composed(model, x_hat, batch_size, composition, torch.Generator().manual_seed(seed + 1), dev)
    res = {k: v.numpy() for k, v in noise_ratios(x, x_hat, out).items()}
    res["show"] = {"clean x": x[:N_SHOW], "noisy x̂": x_hat[:N_SHOW], "output O(x̂)": out[:N_SHOW]}
    return res


def compositions(model) -> tuple[str, ...]:
    """The batch compositions a model can be run in: a train-mode BatchNorm1d (fc's) has no statistics for a
    batch of one image, so `single` is left out for it."""
    one_d = any(isinstance(m, torch.nn.BatchNorm1d) for m in model.modules())
    return tuple(c for c in COMPOSITIONS if not (one_d and c == "single"))


def run(params, inputs):
    """Claims E1 and E1-identity on every evaluation set, from every training seed of the FC autoencoder;
    judged on random batches at the training batch size, with the other compositions beside."""
    exp = params["experiments"]["e1"]
    vname = exp["variant"]
    cfg = params["variants"][vname]
    bs = cfg["train"]["batch_size"]
    dev = device(params)
    figs = figures.Figures()
    seeds = variant_seeds(params, vname)
    sets = {name: to_input(imgs, cfg["image_size"], "cpu")
            for name, imgs in inputs.evaluation_sets(cfg["dataset"], exp["max_images"]).items()}

    results = {name: {c: {"r": [], "moved": []} for c in COMPOSITIONS} for name in sets}  # emptied ones dropped
    examples, quality = {}, {}
    for seed in seeds:
        model, ckpt = inputs.model(vname, seed, device=dev)
        quality[f"{vname} seed {seed}"] = inputs.premise(vname, seed)
        log(f"{vname} seed {seed}: epoch {ckpt['epoch']}, copy quality {quality[f'{vname} seed {seed}']}")
        for name, x in sets.items():
            for comp in compositions(model):
                res = evaluate(model, x, exp["alpha"], bs, comp, params["seed"], dev)
                results[name][comp]["r"].append(res["r"])
                results[name][comp]["moved"].append(res["moved"])
                if comp == "random":
                    examples.setdefault(name, res["show"])

    claims, metrics = [], {}
    for name, by_comp in results.items():
        by_comp = {c: v for c, v in by_comp.items() if v["r"]}
        groups = np.concatenate([np.full(len(a), s) for s, a in zip(seeds, by_comp["random"]["r"])])
        stats = {c: {k: mean_ci(np.concatenate(v[k]), groups, seed=params["seed"]) for k in ("r", "moved")}
                 for c, v in by_comp.items()}
        r_all = np.concatenate(by_comp["random"]["r"])
        below = mean_ci((r_all < 1).astype(np.float64), groups, seed=params["seed"])
        tag = claim_suffix(name)
        fig_rows = figs.add(figure_name("noise_test", name), figures.image_rows, examples[name],
                            title=f"E1 {vname}: α = {exp['alpha']}")
        fig_hist = figs.add(figure_name("ratio_hist", name), figures.histogram,
                            {"r = ‖O(x̂)−x‖/‖x̂−x‖": r_all, "‖O(x̂)−x̂‖/‖x̂−x‖": np.concatenate(by_comp["random"]["moved"])},
                            "ratio", vline=1.0, title="per image, all seeds")
        metrics[name] = {"by_composition": stats, "fraction_r_below_1": below, "copy_quality": quality}
        set_figs = [{"path": f"e1/{fig_rows}", "caption": "Rows: clean validation images, the noisy input "
                     f"(α = {exp['alpha']}), the autoencoder's output. Look for an output closer to the clean row "
                     "than the noisy row is, and different from the noisy row (the identity would copy it)."},
                    {"path": f"e1/{fig_hist}", "caption": "Per-image ratios; the dashed line is 1."}]
        common = dict(scale=params["scale"], data=set_label(name, cfg["dataset"]), seeds=seeds, experiment="E1",
                      paper_figure=PAPER_FIGURE, figures=set_figs,
                      details={"fraction_r_below_1": below, "alpha": exp["alpha"], "copy_quality": quality,
                               "overcomplete_ratio": cfg["kwargs"]["width"] / (3 * cfg["image_size"] ** 2)})
        for rule_id, text, metric, key in (
                ("E1", "On a noisy input the overcomplete FC autoencoder's output is closer to the clean input: "
                 "‖O(x̂)−x‖ < ‖x̂−x‖", "mean r = ‖O(x̂)−x‖/‖x̂−x‖", "r"),
                ("E1-identity", "An overcomplete FC autoencoder trained on MSE does not learn the identity",
                 "mean ‖O(x̂)−x̂‖/‖x̂−x‖ (identity gives 0)", "moved")):
            rule = params["claims"][rule_id]
            claim = make_claim(f"{rule_id}{tag}", text, metric, stats["random"][key], rule,
                               **{**common, "figures": set_figs if key == "r" else set_figs[:1]})
            add_sensitivity(claim, rule, {c: s[key] for c, s in stats.items()}, bs)
            claims.append(premise.guard(claim, quality, params["premise"]))
        log(f"E1 {name}: r = {stats['random']['r']['value']:.3f}, moved = {stats['random']['moved']['value']:.3f} "
            + "".join(f"; {c} batches: r = {v['r']['value']:.3f}" for c, v in stats.items() if c != "random"))

    loss = {f"seed {s}": inputs.loss_epochs(vname, s) for s in seeds}
    figs.add("loss.png", figures.curves, {k: (v["epoch"].to_numpy(), v["loss"].to_numpy()) for k, v in loss.items()},
             "epoch", "training MSE", title=f"{vname} training loss", logy=True)
    claims[0]["figures"].append({"path": "e1/loss.png", "caption": "Training loss per epoch, one line per seed."})
    return claims, metrics, figs
