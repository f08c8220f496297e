"""T: the numeric check of the non-invertibility argument (SPEC T).

Random untrained maps n → m (linear, and MLPs of growing depth) are inverted from random starts at
validation images x₀ area-downsampled to a small side (n = 3·side²). What is judged is the sampled point
a itself, a member of {x : f(x) = f(x₀)}: the KS distance of its coordinates to a Gaussian, in units of
the same distance for exact Gaussian vectors of length n (the floor: 1 = as Gaussian as a Gaussian
sample), against n − m and depth (procedures.noninvertible explains the start's kind and why δ = a − x₀ is
reported beside, not judged). T-trained compares the trained and the untrained U-Net of E2: the KS
distance of their output-layer representations' residual after the best brightness/contrast match to x.
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
from ..procedures.inversion import aligned_residual, converged
from ..procedures.noninvertible import gaussian_ks, gaussian_ks_null, sweep
from ..report import figures
from ..train import to_input
from .represent import common_seeds, fields, figure, find, first, groups_of, guarded, judged, set_names, tensor
from .represent import converged as inversions_converged

PAPER_FIGURE = "Why Noninvertibility introduces Gaussian Noise in Input Representations"
DELTA_REASON = ("δ = a − x₀ = P_null(a₀ − x₀) is dominated by the image term P_null(x₀), which tends to x₀ itself "
                "as n − m grows, so its distance to a Gaussian rises by construction; it is shown, not judged")


def configs_of(t: dict, n: int) -> list[tuple[int, int]]:
    """(depth, m) pairs: the depth-1 sweep over n − m, then the depth sweep at depth_n_minus_m."""
    width = [(1, n - k) for k in t["n_minus_m"]]
    depth = [(d, n - t["depth_n_minus_m"]) for d in t["depths"]]
    return list(dict.fromkeys(width + depth))


def paired_difference(df: pd.DataFrame, a: pd.Series, b: pd.Series, key: str = "ks_floor"
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`key`(rows a) − `key`(rows b) per (map, image, start): the difference, the map index (bootstrap
    group) and whether both inversions converged."""
    index = ["map", "image", "start"]
    left, right = df[a].set_index(index).sort_index(), df[b].set_index(index).sort_index()
    return ((left[key] - right[key]).to_numpy(), left.index.get_level_values("map").to_numpy(),
            (left["ok"] & right["ok"]).to_numpy())


def sweep_figures(drawn: figures.Figures, summary: pd.DataFrame, t, n: int) -> list[dict]:
    lin = summary[summary["depth"] == 1]
    deep = summary[summary["n_minus_m"] == t["depth_n_minus_m"]]
    for part, xkey, path, xlabel in (
            (lin, "n_minus_m", "ks_width.png", f"n − m (n = {n}, one random {t['map']} linear map)"),
            (deep, "depth", "ks_depth.png", f"depth (random {t['map']} {t['activation']} MLP, n = {n} → "
                                            f"m = {n - t['depth_n_minus_m']})")):
        xs = part[xkey].to_numpy()
        drawn.add(path, figures.curves, {"the representation a": (xs, part["ks_floor"].to_numpy()),
                                         "its noise δ = a − x₀": (xs, part["ks_delta_floor"].to_numpy()),
                                         f"the start ({t['start']})": (xs, part["ks_start_floor"].to_numpy()),
                                         "exact Gaussian samples (floor)": (xs, np.ones(len(xs)))},
                  xlabel, "KS distance to a Gaussian / floor", title=f"T: Gaussianity against {xkey}", logy=True)
    return [figure(drawn, "ks_width.png", "Mean KS distance to a Gaussian (fitted mean and sd) of the coordinates of "
                   "the representation a, of its noise δ = a − x₀ and of the start a₀ − x₀, for one random linear "
                   f"map n → m, against n − m; in units of exact Gaussian vectors of length n (1 = the floor). "
                   f"Lower = more Gaussian. {DELTA_REASON}."),
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
                 t["steps"], t["c"], t["lr"], inv["start_mean"], inv["start_sd"], t["activation"], inv["reference_sd"],
                 t["start"], t["map"])
    df = pd.DataFrame(rows)
    df["ok"] = converged(df["fit_start"].to_numpy(), df["control_start"].to_numpy(), tol)
    floor = gaussian_ks_null(n, torch.Generator().manual_seed(params["seed"] + 1))
    for key in ("ks", "ks_delta", "ks_start"):
        df[f"{key}_floor"] = df[key] / floor
    drawn.add("sweep.csv", lambda frame, path: write_text(path, frame.to_csv(index=False)), df)
    summary = df.groupby(["depth", "n_minus_m"]).agg(
        ks=("ks", "mean"), ks_floor=("ks_floor", "mean"), ks_delta_floor=("ks_delta_floor", "mean"),
        ks_start_floor=("ks_start_floor", "mean"), fit_median=("fit", "median"), gap_median=("gap", "median"),
        fit_start_median=("fit_start", "median"), converged=("ok", "mean")).reset_index()
    log("\n" + summary.to_string())

    base = dict(data=f"{dataset} validation patches at {t['image_size']}² (n = {n}), {t['maps']} random {t['map']} "
                f"maps per setting, {t['start']} starts", seeds=[], experiment="T", paper_figure=PAPER_FIGURE,
                figures=sweep_figures(drawn, summary, t, n))
    claims = []
    for rule_id, text, column, values, ref in (
            ("T", "The input representation of a random non-invertible map is more nearly Gaussian as n − m grows",
             "n_minus_m", t["n_minus_m"], 1),
            ("T-depth", "… and as depth grows", "depth", t["depths"], t["depth_n_minus_m"])):
        lo, hi = min(values), max(values)
        at = (df["depth"] == 1) if column == "n_minus_m" else (df["n_minus_m"] == ref)
        diff, groups, ok = paired_difference(df, at & (df[column] == hi), at & (df[column] == lo))
        delta, _, _ = paired_difference(df, at & (df[column] == hi), at & (df[column] == lo), "ks_delta_floor")
        where = "linear map" if column == "n_minus_m" else f"n − m = {t['depth_n_minus_m']}"
        details = {"summary": summary.to_dict(orient="records"), "ks_gaussian_floor": floor,
                   "ks_floor_at_largest": float(df.loc[at & (df[column] == hi), "ks_floor"].mean()),
                   "ks_floor_at_smallest": float(df.loc[at & (df[column] == lo), "ks_floor"].mean()),
                   "delta_difference": float(delta.mean()), "delta_note": DELTA_REASON}
        claims.append(judged(rule_id, text, f"mean KS(a)/floor at {column.replace('_', ' ')} = {hi} minus at {lo} "
                             f"({where}; floor = KS of exact Gaussian vectors of length {n})", diff, groups, ok,
                             rule_id, params, how="mean", **{**base, "details": details}))

    runs = inputs.inversions()
    tr, un = find(runs, t["variant"]), find(runs, t["variant"], "untrained")
    seeds = common_seeds(tr, un)
    metrics = {"sweep": summary.to_dict(orient="records"), "ks_gaussian_floor": floor, "trained": {}}
    for name in set_names(tr):
        x = tensor(tr, name, "x", seeds)
        res_t = aligned_residual(tensor(tr, name, "a", seeds, "output"), x)
        res_u = aligned_residual(tensor(un, name, "a", seeds, "output"), x)
        ks_t, ks_u = gaussian_ks(res_t).double().numpy(), gaussian_ks(res_u).double().numpy()
        ok = inversions_converged(tr, name, "output", seeds, tol) & inversions_converged(un, name, "output", seeds, tol)
        image_floor = gaussian_ks_null(x[0].numel(), torch.Generator().manual_seed(params["seed"] + 1))
        hist = figure_name("ks_trained", name)
        drawn.add(hist, figures.histogram, {"untrained": ks_u, "trained": ks_t}, "KS distance of the representation noise "
                          "to a Gaussian", vline=image_floor,
                          title=f"{t['variant']} output-layer representations (dashed: exact Gaussian)")
        show = figure_name("rows", name)
        k = len(first(tr, name, "x"))
        drawn.add(show, figures.image_rows, {"input x": x[:k], "untrained: noise": res_u[:k], "trained: noise": res_t[:k]},
                           title="T: representation noise of the U-Net (min–max scaled)", scale="minmax")
        figs = [figure(drawn, hist, "Per-image KS distance to a Gaussian of the representation noise (a matched to x "
                       "in brightness and contrast, minus x), untrained and trained U-Net (E2's inversions); the "
                       "dashed line is exact Gaussian noise of the same length."),
                figure(drawn, show, "The representation noise as images (min–max scaled). Gaussian noise looks like "
                       "uniform grain; visible structure is the input showing through.")]
        details = {"ks_untrained": float(ks_u.mean()), "ks_trained": float(ks_t.mean()), "ks_gaussian_floor": image_floor}
        metrics["trained"][name] = details
        claim = judged(f"T-trained{claim_suffix(name)}", "Training makes the representation noise less Gaussian "
                       f"({t['variant']}, output layer)", "mean over images of KS(noise) trained − untrained, noise = "
                       "a matched to x in brightness and contrast, minus x", ks_t - ks_u, groups_of(tr, name, seeds),
                       ok, "T-trained", params, how="mean",
                       **fields(params, "T", name, dataset, seeds, PAPER_FIGURE, figs, details))
        claims.append(guarded(claim, params, (tr, seeds)))
    return claims, metrics, drawn
