"""Rule `e1`: an overcomplete FC autoencoder on noisy inputs (SPEC E1)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import torch

from ..claims import make_claim
from ..metrics import fraction_ci, mean_ci
from ..procedures.noise import noise_test
from ..report import figures
from ..experiment import checkpoint_path, claim_suffix, evaluation_sets, load_trained, set_label, variant_seeds
from ..train import to_input
from .common import device, log, out_dir, parser, setup, write_results

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


def main(argv=None) -> None:
    p = parser(__doc__)
    p.add_argument("--out-dir", required=True)
    args = p.parse_args(argv)
    params = setup(args)
    exp = params["experiments"]["e1"]
    vname = exp["variant"]
    cfg = params["variants"][vname]
    out = out_dir(args)
    dev = device(params)

    sets = evaluation_sets(params, cfg["dataset"], exp["max_images"])

    results = {name: {"r": [], "moved": [], "seed": []} for name in sets}
    examples = {}
    for seed in variant_seeds(params, vname):
        model, ckpt = load_trained(params, vname, seed, device=dev)
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
        eval_name = name.split(":", 1)[1] if name.startswith("eval:") else ""
        tag = claim_suffix(name)
        fig_rows = out / (f"noise_test-{eval_name}.png" if eval_name else "noise_test.png")
        ex = examples[name]
        figures.image_rows({"clean x": ex["clean"], "noisy x̂": ex["noisy"], "output O(x̂)": ex["output"]}, fig_rows,
                           title=f"E1 {vname}: α = {exp['alpha']}")
        fig_hist = out / fig_rows.name.replace("noise_test", "ratio_hist")
        figures.histogram({"r = ‖O(x̂)−x‖/‖x̂−x‖": r, "‖O(x̂)−x̂‖/‖x̂−x‖": moved}, fig_hist, "ratio", vline=1.0,
                          title="per image, all seeds")
        r_stats = mean_ci(r, groups, seed=params["seed"])
        moved_stats = mean_ci(moved, groups, seed=params["seed"])
        below = fraction_ci(r < 1, groups, seed=params["seed"])
        metrics[name] = {"r": r_stats, "fraction_r_below_1": below, "moved": moved_stats}
        data = set_label(name, cfg["dataset"])
        figs = [{"path": f"e1/{fig_rows.name}", "caption": "Rows: clean validation images, the noisy input "
                 f"(α = {exp['alpha']}), the autoencoder's output. Look for an output closer to the clean row than "
                 "the noisy row is, and different from the noisy row (the identity would copy it)."},
                {"path": f"e1/{fig_hist.name}", "caption": "Per-image ratios; the dashed line is 1."}]
        common = dict(scale=params["scale"], data=data, seeds=seeds, experiment="E1", paper_figure=PAPER_FIGURE,
                      figures=figs, details={"fraction_r_below_1": below, "alpha": exp["alpha"],
                                             "overcomplete_ratio": cfg["kwargs"]["width"] / (3 * cfg["image_size"] ** 2)})
        claims.append(make_claim(
            f"E1{tag}", "On a noisy input the overcomplete FC autoencoder's output is closer to the clean input: "
            "‖O(x̂)−x‖ < ‖x̂−x‖", "mean r = ‖O(x̂)−x‖/‖x̂−x‖", r_stats, params["claims"]["E1"], **common))
        claims.append(make_claim(
            f"E1-identity{tag}", "An overcomplete FC autoencoder trained on MSE does not learn the identity",
            "mean ‖O(x̂)−x̂‖/‖x̂−x‖ (identity gives 0)", moved_stats, params["claims"]["E1-identity"],
            **{**common, "figures": figs[:1]}))
        log(f"E1 {name}: r = {r_stats['value']:.3f} [{r_stats['ci_low']:.3f}, {r_stats['ci_high']:.3f}], "
            f"fraction r<1 = {below['value']:.3f}, moved = {moved_stats['value']:.3f}")

    loss = {f"seed {s}": pd.read_csv(Path(checkpoint_path(params, vname, s)).parent / "loss_epochs.csv") for s in seeds}
    figures.curves({k: (v["epoch"].to_numpy(), v["loss"].to_numpy()) for k, v in loss.items()}, out / "loss.png",
                   "epoch", "training MSE", title=f"{vname} training loss", logy=True)
    claims[0]["figures"].append({"path": "e1/loss.png", "caption": "Training loss per epoch, one line per seed."})
    write_results(out, claims, metrics)


if __name__ == "__main__":
    main()
