"""Shared by E2, E4, E5, E8c, E9 (representation), E10 and T: reading the inversion files of rule
`invert_*` (one per model, seed, BatchNorm mode and input kind).

Every comparison is per image and paired (the same images and starts for every model). Errors are
measured after the best brightness/contrast match (`inversion.aligned_error`) and noise on standardised
images (`inversion.noise_measure`), because train-mode BatchNorm leaves a representation's brightness and
contrast undetermined; the raw ‖a − x‖/‖x‖ is reported beside them.

A claim counts only images whose inversions converged for every model involved: the start's noise is
gone from f(a), Σ|f(a) − f(x)| ≤ `fit_tolerance`·Σ|f(x + η) − f(x)|, η ~ N(0, start_sd²) (the whole
start noise), while x plus the whole start noise, the control, fails the same test
(`inversion.converged`). When fewer than `min_converged` of the images qualify, the comparison is
confounded by the optimisation and the verdict is "inconclusive" whatever the numbers. So it is with
fewer than `min_images` images per training seed or `min_seeds` seeds, and (`premise.guard`) when a
trained autoencoder a claim is about does not copy its clean inputs to the premise's bar (its quality is
stored in its inversion file).
"""
from __future__ import annotations

import math

import numpy as np
import torch

from .. import premise
from ..claims import make_claim, mark_confounded
from ..inputs import set_label
from ..metrics import mean_ci
from ..procedures import inversion
from ..report import figures

N_SHOW = 8  # images per figure row


# ---- loading -------------------------------------------------------------------------------------

def find(runs: list[dict], variant: str, state: str = "trained", bn: str = "train",
         kind: str = "clean") -> dict[int, dict]:
    """{seed: run} of one model condition."""
    want = (variant, state, bn, kind)
    return {r["seed"]: r for r in runs if (r["variant"], r["state"], r["bn"], r["kind"]) == want}


def per_image(by_seed: dict[int, dict], set_name: str, layer: str, key: str, seeds: list[int]) -> np.ndarray:
    """A per-image measure of `layer` over `seeds`, concatenated seed by seed."""
    return np.concatenate([by_seed[s]["sets"][set_name]["layers"][layer][key].double().numpy() for s in seeds])


def per_image_set(by_seed: dict[int, dict], set_name: str, key: str, seeds: list[int]) -> np.ndarray:
    """A per-image measure of the set itself (recon_error, recon_aligned) over `seeds`."""
    return np.concatenate([by_seed[s]["sets"][set_name][key].double().numpy() for s in seeds])


def groups_of(by_seed: dict[int, dict], set_name: str, seeds: list[int]) -> np.ndarray:
    return np.concatenate([np.full(by_seed[s]["sets"][set_name]["x"].shape[0], s) for s in seeds])


def tensor(by_seed: dict[int, dict], set_name: str, key: str, seeds: list[int],
           layer: str | None = None) -> torch.Tensor:
    """x, input, recon (or, with `layer`, a) of every seed, concatenated: (N, C, H, W)."""
    parts = [by_seed[s]["sets"][set_name] for s in seeds]
    return torch.cat([p["layers"][layer][key] if layer else p[key] for p in parts])


def first(by_seed: dict[int, dict], set_name: str, key: str, layer: str | None = None) -> torch.Tensor:
    """The first N_SHOW images of the lowest seed (for figure rows)."""
    return tensor(by_seed, set_name, key, [min(by_seed)], layer)[:N_SHOW]


def common_seeds(*runs: dict[int, dict]) -> list[int]:
    seeds = sorted(set.intersection(*(set(r) for r in runs)))
    if not seeds:
        raise SystemExit("error: the inversion files share no training seed")
    return seeds


def set_names(by_seed: dict[int, dict]) -> list[str]:
    return list(next(iter(by_seed.values()))["sets"])


# ---- statistics and claims -----------------------------------------------------------------------

def summarise(values: np.ndarray, groups: np.ndarray, how: str, seed: int) -> dict:
    """mean ("mean"), geometric mean ("geo") or |mean log| ("abs_log") with a 95% hierarchical
    bootstrap interval over seeds and images. For |mean log| the interval is the image of the
    interval of the mean log under |·|."""
    if how == "mean":
        return mean_ci(values, groups, seed=seed)
    s = mean_ci(np.log(values), groups, seed=seed)
    if how == "geo":
        return {**s, "value": math.exp(s["value"]), "ci_low": math.exp(s["ci_low"]), "ci_high": math.exp(s["ci_high"])}
    lo, hi = s["ci_low"], s["ci_high"]
    low = 0.0 if lo <= 0 <= hi else min(abs(lo), abs(hi))
    return {**s, "value": abs(s["value"]), "ci_low": low, "ci_high": max(abs(lo), abs(hi))}


def geo(values: np.ndarray) -> float:
    return float(np.exp(np.log(values).mean()))


def converged(by_seed: dict[int, dict], set_name: str, layer: str, seeds: list[int], tol: float) -> np.ndarray:
    """Per image: the start noise is gone from f(a) and the control (x plus the whole start noise) is not
    taken for converged (`inversion.converged`)."""
    return inversion.converged(per_image(by_seed, set_name, layer, "fit_start", seeds),
                               per_image(by_seed, set_name, layer, "control_start", seeds), tol)


def convergence_rule(inv: dict) -> str:
    return (f"fewer than {inv['min_converged']:.0%} of the images have every inversion converged (Σ|f(a)−f(x)| ≤ "
            f"{inv['fit_tolerance']:g}·Σ|f(x+η)−f(x)|, η the whole start noise N(0, {inv['start_sd']:g}²), which "
            "x + η' itself must fail)")


def judged(claim_id: str, claim: str, metric: str, values: np.ndarray, groups: np.ndarray, ok: np.ndarray,
           rule_id: str, params: dict, how: str = "geo", **extra) -> dict:
    """A claim over the images whose inversions converged (`ok`); inconclusive when too few did, or with
    fewer than `min_images` images per group (training seed) or `min_seeds` groups."""
    inv = params["experiments"]["inversion"]
    frac = float(ok.mean())
    enough = frac >= inv["min_converged"] and ok.sum() >= 2
    use = ok if enough else np.ones_like(ok, dtype=bool)
    stats = summarise(values[use], groups[use], how, params["seed"])
    c = make_claim(claim_id, claim, metric, stats, params["claims"][rule_id], params["scale"], **extra)
    c["converged_fraction"] = frac
    mark_confounded(c, convergence_rule(inv), not enough, reason="inversions did not converge")
    _, per_group = np.unique(groups, return_counts=True)
    c["sample"] = {"groups": int(per_group.size), "images_per_group": int(per_group.min())}
    small = per_group.size < inv["min_seeds"] or per_group.min() < inv["min_images"]
    return mark_confounded(c, f"fewer than {inv['min_images']} images per training seed or {inv['min_seeds']} "
                           "seeds", small, reason="too few images or seeds")


def qualities(by_seed: dict[int, dict], seeds: list[int]) -> dict[str, dict | None]:
    """{"<variant> seed <s>": copy quality} of trained runs (None for untrained models and classifiers)."""
    return {f"{r['variant']} seed {s}": r.get("premise") for s, r in ((s, by_seed[s]) for s in seeds)}


def guarded(claim: dict, params: dict, *conditions: tuple[dict[int, dict], list[int]]) -> dict:
    """`premise.guard` of a claim about the trained autoencoders of (runs, seeds) `conditions`."""
    found: dict = {}
    for by_seed, seeds in conditions:
        found.update(qualities(by_seed, seeds))
    return premise.guard(claim, found, params["premise"])


def brief(by_seed: dict[int, dict], set_name: str, layer: str, seeds: list[int], tol: float) -> dict:
    """Per-model summary for the details of a claim and metrics.json."""
    def get(key):
        return per_image(by_seed, set_name, layer, key, seeds)

    fit, gap, fit_ref, fit_start, control = get("fit"), get("gap"), get("fit_ref"), get("fit_start"), get("control_start")
    return {"rel_error": float(get("rel_error").mean()), "aligned_error": float(get("aligned_error").mean()),
            "ref_aligned": float(get("ref_aligned").mean()), "noise_geo": geo(get("noise")),
            "noise_raw_geo": geo(get("noise_raw")), "fit_median": float(np.median(fit)),
            "gap_median": float(np.median(gap)), "fit_ref_median": float(np.median(fit_ref)),
            "fit_start_median": float(np.median(fit_start)), "fit_start_max": float(fit_start.max()),
            "control_start_min": float(control.min()),
            "converged_fraction": float(inversion.converged(fit_start, control, tol).mean()),
            "reference_rel": float(get("reference_rel").mean()), "images": int(fit.size), "seeds": seeds,
            "premise": {k: v for k, v in qualities(by_seed, seeds).items() if v is not None}}


def fields(params: dict, exp: str, set_name: str, dataset: str, seeds: list[int], paper_figure: str,
           figs: list[dict], details: dict) -> dict:
    """The claims.json fields every claim of an experiment shares."""
    return dict(data=set_label(set_name, dataset), seeds=seeds, experiment=exp, paper_figure=paper_figure,
                figures=figs, details=details)


def convergence_series(curves: dict[str, tuple[dict[int, dict], str]], set_name: str, tol: float) -> dict:
    """{label: (steps, median over images and seeds of fit_start = Σ|f(a) − f(x)| / Σ|f(x + η) − f(x)|)}
    for {label: (runs, layer)}, with the tolerance as a flat line."""
    series = {}
    for label, (by_seed, layer) in curves.items():
        runs = [by_seed[s]["sets"][set_name]["layers"][layer] for s in sorted(by_seed)]
        ratio = torch.cat([r["loss"].double() / r["start_reference"].double() for r in runs], dim=1)  # (R, N)
        steps = runs[0]["record_steps"].numpy()
        series[label] = (steps, ratio.median(1).values.numpy())
    series[f"tolerance {tol:g}"] = (steps, np.full(len(steps), tol))
    return series


def convergence_figure(drawn: figures.Figures, curves: dict, set_name: str, tol: float, title: str,
                       name: str = "convergence.png") -> dict:
    """Draw the convergence curves of `curves` ({label: (runs, layer)}) and return the figure entry."""
    drawn.add(name, figures.curves, convergence_series(curves, set_name, tol), "step",
              "Σ|f(a) − f(x)| / Σ|f(x + η) − f(x)|", title=title, logy=True)
    return figure(drawn, name, "Convergence: the inversion's output distance to f(x) relative to what the whole "
                  "start noise η does to f (median over images and seeds) against the step. An inversion counts "
                  "as converged below the tolerance line; x plus the whole start noise sits near 1.")


def figure(drawn: figures.Figures, name: str, caption: str) -> dict:
    """A claims.json figure entry: the file (relative to results/) and what to look at."""
    return {"path": f"{drawn.prefix}/{name}", "caption": caption}


def opening(params, inputs, experiment: str, block: str | None = None) -> tuple:
    """What every representation experiment starts from: (the inversion runs, its figures, its params
    block, the fit tolerance of a converged inversion)."""
    return (inputs.inversions(), figures.Figures(experiment), params["experiments"][block or experiment],
            params["experiments"]["inversion"]["fit_tolerance"])


def model_pair(runs: list[dict], exp) -> tuple[dict, dict, list[int]]:
    """{seed: run} of a pair experiment's variant and reference, and the seeds they share."""
    a, b = find(runs, exp["variant"]), find(runs, exp["reference"])
    return a, b, common_seeds(a, b)
