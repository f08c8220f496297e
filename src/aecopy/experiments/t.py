"""T: the numeric check of the non-invertibility argument (SPEC T).

Random untrained maps n → m (linear, and MLPs of growing depth) are inverted from random starts at
validation images x₀ area-downsampled to a small side (n = 3·side²); the KS distance of the
representation noise δ = a − x₀ to a Gaussian is reported against n − m and depth. The same statistic
is computed for the trained and the untrained U-Net of E2 (their output-layer representations, with the
per-channel brightness offset that train-mode BatchNorm leaves open removed).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from .. import datasets
from ..cli.common import log
from ..inputs import claim_suffix
from ..io import write_text
from ..plan import figure_name
from ..procedures.noninvertible import gaussian_ks, gaussian_ks_null, sweep
from ..report import figures
from ..train import to_input
from .represent import common_seeds, converged, fields, figure, find, first, groups_of, judged, set_names, tensor

PAPER_FIGURE = "Why Noninvertibility introduces Gaussian Noise in Input Representations"


def residual(a: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """a − x with each channel's mean removed (B, C, H, W): the representation noise without the
    brightness offsets that train-mode BatchNorm leaves undetermined (KS standardises the scale)."""
    d = a - x
    return d - d.flatten(2).mean(2)[:, :, None, None]


def configs_of(t: dict, n: int) -> list[tuple[int, int]]:
    """(depth, m) pairs: the depth-1 sweep over n − m, then the depth sweep at depth_n_minus_m."""
    width = [(1, n - k) for k in t["n_minus_m"]]
    depth = [(d, n - t["depth_n_minus_m"]) for d in t["depths"]]
    return list(dict.fromkeys(width + depth))


def paired_difference(df: pd.DataFrame, a: pd.Series, b: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ks(rows a) − ks(rows b) per (map, image, start): the difference, the map index (bootstrap
    group) and whether both inversions converged."""
    key = ["map", "image", "start"]
    left, right = df[a].set_index(key).sort_index(), df[b].set_index(key).sort_index()
    return ((left["ks"] - right["ks"]).to_numpy(), left.index.get_level_values("map").to_numpy(),
            (left["ok"] & right["ok"]).to_numpy())


def sweep_figures(drawn: figures.Figures, summary: pd.DataFrame, t, n: int, floor: float) -> list[dict]:
    lin = summary[summary["depth"] == 1]
    deep = summary[summary["n_minus_m"] == t["depth_n_minus_m"]]
    for part, xkey, path, xlabel in (
            (lin, "n_minus_m", "ks_width.png", f"n − m (n = {n}, one random linear map)"),
            (deep, "depth", "ks_depth.png", f"depth (random {t['activation']} MLP, n = {n} → "
                                            f"m = {n - t['depth_n_minus_m']})")):
        xs = part[xkey].to_numpy()
        drawn.add(path, figures.curves, {"representation noise δ = a − x₀": (xs, part["ks"].to_numpy()),
                        "start's deviation a₀ − x₀": (xs, part["ks_start"].to_numpy()),
                        "exact Gaussian samples (floor)": (xs, np.full(len(xs), floor))}, xlabel, "KS distance to a Gaussian", title=f"T: Gaussianity of δ against {xkey}")
    return [figure(drawn, "ks_width.png", "Mean KS distance of the coordinates of δ = a − x₀ to a Gaussian (fitted mean "
                   "and sd) for one random linear map n → m, against n − m, with the start's own deviation and exact "
                   "Gaussian samples of the same length for reference. Lower = more Gaussian."),
            figure(drawn, "ks_depth.png", "The same against the depth of a random MLP with geometrically shrinking "
                   "widths.")]


def run(params, inputs):
    """Claims T and T-depth (random maps) and T-trained (the U-Net's inversions of E2)."""
    drawn = figures.Figures("t")
    t = params["experiments"]["t"]
    inv = params["experiments"]["inversion"]
    tol = inv["fit_tolerance"]
    dataset = params["variants"][t["variant"]]["dataset"]

    val = inputs.split(dataset, "val")
    x0 = to_input(val[datasets.spread_indices(val.shape[0], t["images"])], t["image_size"], "cpu").flatten(1)  # (K, n)
    n = x0.shape[1]
    torch.set_num_threads(1)  # the maps are small: a second thread only adds synchronisation
    rows = sweep(x0, configs_of(t, n), t["maps"], t["starts"], torch.Generator().manual_seed(params["seed"]),
                 t["steps"], t["c"], t["lr"], inv["start_mean"], inv["start_sd"], t["activation"], inv["reference_sd"])
    df = pd.DataFrame(rows)
    df["ok"] = df["fit_ref"] <= tol
    drawn.add("sweep.csv", lambda frame, path: write_text(path, frame.to_csv(index=False)), df)
    floor = gaussian_ks_null(n, torch.Generator().manual_seed(params["seed"] + 1))
    summary = df.groupby(["depth", "n_minus_m"]).agg(
        ks=("ks", "mean"), ks_sd=("ks", "std"), ks_start=("ks_start", "mean"), fit_median=("fit", "median"),
        gap_median=("gap", "median"), fit_ref_median=("fit_ref", "median"), converged=("ok", "mean")).reset_index()
    log("\n" + summary.to_string())

    base = dict(data=f"{dataset} validation patches at {t['image_size']}² (n = {n}), {t['maps']} random maps per "
                "setting", seeds=[], experiment="T", paper_figure=PAPER_FIGURE,
                figures=sweep_figures(drawn, summary, t, n, floor),
                details={"summary": summary.to_dict(orient="records"), "ks_gaussian_floor": floor})
    lo_w, hi_w = min(t["n_minus_m"]), max(t["n_minus_m"])
    linear = df["depth"] == 1
    diff, groups, ok = paired_difference(df, linear & (df["n_minus_m"] == hi_w), linear & (df["n_minus_m"] == lo_w))
    claims = [judged("T", "The input representation of a random non-invertible map carries more nearly Gaussian noise "
                     "as n − m grows", f"mean KS(δ) at n − m = {hi_w} minus at n − m = {lo_w} (linear map)", diff,
                     groups, ok, "T", params, how="mean", **base)]
    at = df["n_minus_m"] == t["depth_n_minus_m"]
    d_lo, d_hi = min(t["depths"]), max(t["depths"])
    diff, groups, ok = paired_difference(df, at & (df["depth"] == d_hi), at & (df["depth"] == d_lo))
    claims.append(judged("T-depth", "… and as depth grows", f"mean KS(δ) at depth {d_hi} minus at depth {d_lo} "
                         f"(n − m = {t['depth_n_minus_m']})", diff, groups, ok, "T-depth", params, how="mean", **base))

    runs = inputs.inversions()
    tr, un = find(runs, t["variant"]), find(runs, t["variant"], "untrained")
    seeds = common_seeds(tr, un)
    metrics = {"sweep": summary.to_dict(orient="records"), "ks_gaussian_floor": floor, "trained": {}}
    for name in set_names(tr):
        x = tensor(tr, name, "x", seeds)
        res_t = residual(tensor(tr, name, "a", seeds, "output"), x)
        res_u = residual(tensor(un, name, "a", seeds, "output"), x)
        ks_t, ks_u = gaussian_ks(res_t).double().numpy(), gaussian_ks(res_u).double().numpy()
        ok = converged(tr, name, "output", seeds, tol) & converged(un, name, "output", seeds, tol)
        hist = figure_name("ks_trained", name)
        drawn.add(hist, figures.histogram, {"untrained": ks_u, "trained": ks_t}, "KS distance of the representation noise "
                          "to a Gaussian", vline=gaussian_ks_null(x[0].numel(), torch.Generator().manual_seed(0)),
                          title=f"{t['variant']} output-layer representations (dashed: exact Gaussian)")
        show = figure_name("rows", name)
        k = len(first(tr, name, "x"))
        drawn.add(show, figures.image_rows, {"input x": x[:k], "untrained: noise": res_u[:k], "trained: noise": res_t[:k]},
                           title="T: representation noise of the U-Net (min–max scaled)", scale="minmax")
        figs = [figure(drawn, hist, "Per-image KS distance of the representation noise (a − x, channel means "
                       "removed) to a Gaussian, untrained and trained U-Net (E2's inversions)."),
                figure(drawn, show, "The representation noise as images (min–max scaled). Gaussian noise looks like "
                       "uniform grain; visible structure is the input showing through.")]
        details = {"ks_untrained": float(ks_u.mean()), "ks_trained": float(ks_t.mean())}
        metrics["trained"][name] = details
        claims.append(judged(f"T-trained{claim_suffix(name)}", "Training makes the representation noise less Gaussian "
                             f"({t['variant']}, output layer)", "mean over images of KS(noise) trained − untrained",
                             ks_t - ks_u, groups_of(tr, name, seeds), ok, "T-trained", params, how="mean",
                             **fields(params, "T", name, dataset, seeds, PAPER_FIGURE, figs, details)))
    return claims, metrics, drawn
