"""Rules `e2`, `e4`, `e5`, `e8c`, `e9_represent`, `e10`: claims about input representations, from the
files of rule `invert_*` (one per model, seed, BatchNorm mode and input kind).

Every comparison is per image and paired (the same images and starts for every model). Errors are
measured after the best brightness/contrast match (`inversion.aligned_error`) and noise on standardised
images (`inversion.noise_measure`), because train-mode BatchNorm leaves a representation's brightness and
contrast undetermined; the raw ‖a − x‖/‖x‖ is reported beside them.

A claim counts only images whose inversions converged for every model involved:
‖f(a) − f(x)‖ ≤ `fit_tolerance`·‖f(x + ε) − f(x)‖, ε ~ N(0,1)/18, i.e. f(a) is as close to f(x) as the
author's reference perturbation gets (a fit relative to ‖f(x)‖ can look small for a layer that barely
responds to its input, or to the noise a representation keeps). When fewer than `min_converged` of the
images qualify, the comparison is confounded by the optimisation and the verdict is "inconclusive"
whatever the numbers.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch

from ..claims import make_claim, mark_confounded
from ..experiment import claim_suffix, set_label
from ..io import load_torch
from ..metrics import mean_ci
from ..procedures.inversion import aligned_error
from ..report import figures
from .common import out_dir, parser, setup, write_results

N_SHOW = 8  # images per figure row


# ---- loading -------------------------------------------------------------------------------------

def load_runs(paths: list[str]) -> list[dict]:
    return [load_torch(p) for p in paths]


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


def fig_name(stem: str, set_name: str) -> str:
    return f"{stem}-{set_name.split(':', 1)[1]}.png" if set_name.startswith("eval:") else f"{stem}.png"


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
    """Per image: ‖f(a) − f(x)‖ ≤ tol·‖f(x + ε) − f(x)‖."""
    return per_image(by_seed, set_name, layer, "fit_ref", seeds) <= tol


def judged(claim_id: str, claim: str, metric: str, values: np.ndarray, groups: np.ndarray, ok: np.ndarray,
           rule_id: str, params: dict, how: str = "geo", **extra) -> dict:
    """A claim over the images whose inversions converged (`ok`), inconclusive when too few did."""
    inv = params["experiments"]["inversion"]
    frac = float(ok.mean())
    enough = frac >= inv["min_converged"] and ok.sum() >= 2
    use = ok if enough else np.ones_like(ok, dtype=bool)
    stats = summarise(values[use], groups[use], how, params["seed"])
    c = make_claim(claim_id, claim, metric, stats, params["claims"][rule_id], params["scale"], **extra)
    c["converged_fraction"] = frac
    return mark_confounded(c, f"fewer than {inv['min_converged']:.0%} of the images have every inversion converged "
                           f"(‖f(a)−f(x)‖ ≤ {inv['fit_tolerance']:g}·‖f(x+ε)−f(x)‖, ε ~ N(0,1)/18)", not enough)


def brief(by_seed: dict[int, dict], set_name: str, layer: str, seeds: list[int], tol: float) -> dict:
    """Per-model summary for the details of a claim and metrics.json."""
    def get(key):
        return per_image(by_seed, set_name, layer, key, seeds)

    fit, gap, fit_ref = get("fit"), get("gap"), get("fit_ref")
    return {"rel_error": float(get("rel_error").mean()), "aligned_error": float(get("aligned_error").mean()),
            "ref_aligned": float(get("ref_aligned").mean()), "noise_geo": geo(get("noise")),
            "noise_raw_geo": geo(get("noise_raw")), "fit_median": float(np.median(fit)),
            "gap_median": float(np.median(gap)), "fit_ref_median": float(np.median(fit_ref)),
            "converged_fraction": float((fit_ref <= tol).mean()),
            "reference_rel": float(get("reference_rel").mean()), "images": int(fit.size), "seeds": seeds}


def fields(params: dict, exp: str, set_name: str, dataset: str, seeds: list[int], paper_figure: str,
           figs: list[dict], details: dict) -> dict:
    """The claims.json fields every claim of an experiment shares."""
    return dict(data=set_label(set_name, dataset), seeds=seeds, experiment=exp, paper_figure=paper_figure,
                figures=figs, details=details)


def convergence_figure(curves: dict[str, dict[int, dict]], set_name: str, layer: str, path: Path, title: str) -> None:
    """Median over images of Σ|f(a) − f(x)| relative to its start value, against the step."""
    series = {}
    for label, by_seed in curves.items():
        run = by_seed[min(by_seed)]["sets"][set_name]["layers"][layer]
        loss = run["loss"].double()
        series[label] = (run["record_steps"].numpy(), (loss / loss[0]).median(1).values.numpy())
    figures.curves(series, path, "step", "Σ|f(a) − f(x)| / start value", title=title, logy=True)


def figure(out: Path, name: str, caption: str) -> dict:
    return {"path": f"{out.name}/{name}", "caption": caption}


# ---- experiments ---------------------------------------------------------------------------------

def e2(params: dict, runs: list[dict], out: Path) -> tuple[list, dict]:
    exp = params["experiments"]["e2"]
    tol = params["experiments"]["inversion"]["fit_tolerance"]
    v = exp["variant"]
    dataset = params["variants"][v]["dataset"]
    claims, metrics = [], {}
    for bn, rule_id in (("train", "E2"), ("eval", "E2-eval")):
        tr, un = find(runs, v, "trained", bn), find(runs, v, "untrained", bn)
        seeds = common_seeds(tr, un)
        suffix = "" if bn == "train" else "_eval"
        for name in set_names(tr):
            noise_t = per_image(tr, name, "output", "noise", seeds)
            noise_u = per_image(un, name, "output", "noise", seeds)
            ok = converged(tr, name, "output", seeds, tol) & converged(un, name, "output", seeds, tol)
            rows = fig_name(f"rows{suffix}", name)
            figures.image_rows({"input x": first(tr, name, "x"), "untrained a": first(un, name, "a", "output"),
                                "trained a": first(tr, name, "a", "output")}, out / rows,
                               title=f"E2 {v}: output-layer representations, BatchNorm {bn} mode")
            hist = fig_name(f"noise{suffix}", name)
            figures.histogram({"untrained": np.log10(noise_u), "trained": np.log10(noise_t)}, out / hist,
                              "log10 noise(a) (standardised Laplacian energy relative to x)", vline=0.0,
                              title=f"noise of the representation, BatchNorm {bn} mode")
            figs = [figure(out, rows, "Rows: the input, the untrained and the trained model's representation of "
                           "the output layer (same start). Look for grain in the untrained row that the trained row "
                           "lacks."),
                    figure(out, hist, "Per-image noise measure of a, log10; 0 = as rough as the input.")]
            if bn == "train" and not name.startswith("eval:"):
                convergence_figure({"untrained": un, "trained": tr}, name, "output", out / "convergence.png",
                                   f"E2 {v}: inversion loss")
                figs.append(figure(out, "convergence.png", "Inversion loss against the step (median over images, "
                                   "relative to the start). A curve still falling at the end has not converged."))
            details = {"trained": brief(tr, name, "output", seeds, tol),
                       "untrained": brief(un, name, "output", seeds, tol), "bn_mode": bn}
            claims.append(judged(
                f"{rule_id}{claim_suffix(name)}", "Training removes noise from the output layer's input "
                f"representation (trained vs untrained {v}, BatchNorm {bn} mode)",
                "geometric mean over images of noise(a_untrained)/noise(a_trained)", noise_u / noise_t,
                groups_of(tr, name, seeds), ok, rule_id, params,
                **fields(params, "E2", name, dataset, seeds, "landscape representations", figs, details)))
            metrics[f"{bn}/{name}"] = details
    return claims, metrics


def e4(params: dict, runs: list[dict], out: Path) -> tuple[list, dict]:
    exp = params["experiments"]["e4"]
    tol = params["experiments"]["inversion"]["fit_tolerance"]
    v = exp["variant"]
    dataset = params["variants"][v]["dataset"]
    noisy, clean = find(runs, v, kind="noisy"), find(runs, v)
    seeds = sorted(noisy)
    claims, metrics = [], {}
    for name in set_names(noisy):
        x, x_hat = tensor(noisy, name, "x", seeds), tensor(noisy, name, "input", seeds)
        a = tensor(noisy, name, "a", seeds, "output")
        err_a, err_in = aligned_error(a, x).double().numpy(), aligned_error(x_hat, x).double().numpy()
        raw = ((a - x).flatten(1).norm(dim=1) / (x_hat - x).flatten(1).norm(dim=1)).double().numpy()
        noise = per_image(noisy, name, "output", "noise", seeds)  # noise(a(x̂)) relative to x̂
        ok = converged(noisy, name, "output", seeds, tol)
        groups = groups_of(noisy, name, seeds)
        rows = fig_name("rows", name)
        show = {"clean x": first(noisy, name, "x"), f"noisy x̂ (α = {exp['alpha']})": first(noisy, name, "input"),
                "a(x̂)": first(noisy, name, "a", "output")}
        if set(seeds) <= set(clean):
            show["a(x)"] = first(clean, name, "a", "output")
        figures.image_rows(show, out / rows, title=f"E4 {v}: representation of a noisy input")
        hist = fig_name("ratio_hist", name)
        figures.histogram({"err(a(x̂), x)/err(x̂, x)": err_a / err_in, "noise(a(x̂))/noise(x̂)": noise}, out / hist,
                          "ratio", vline=1.0, title="per image, all seeds (err: after brightness/contrast match)")
        figs = [figure(out, rows, "Rows: clean input, noisy input, the trained model's output-layer representation of "
                       "the noisy input (and of the clean input). Look for a representation closer to the clean row, "
                       "and smoother, than the noisy row."),
                figure(out, hist, "Per-image ratios; the dashed line is 1.")]
        details = {"noisy": brief(noisy, name, "output", seeds, tol), "alpha": exp["alpha"],
                   "aligned_error_representation": float(err_a.mean()),
                   "aligned_error_noisy_input": float(err_in.mean()), "raw_ratio_geo": geo(raw)}
        shared = fields(params, "E4", name, dataset, seeds, "unet representations", figs, details)
        claims.append(judged(f"E4{claim_suffix(name)}", "The representation of a noisy input is closer to the clean "
                             "input than the noisy input is: ‖a(x̂) − x‖ < ‖x̂ − x‖",
                             "geometric mean over images of err(a(x̂), x)/err(x̂, x), err = ‖·−x‖ after the best "
                             "brightness/contrast match", err_a / err_in, groups, ok, "E4", params, **shared))
        claims.append(judged(f"E4-noise{claim_suffix(name)}", "The representation of a noisy input is less noisy than "
                             "the input", "geometric mean over images of noise(a(x̂))/noise(x̂)", noise, groups, ok,
                             "E4-noise", params, **{**shared, "figures": figs[:1]}))
        metrics[name] = details
    return claims, metrics


def e5(params: dict, runs: list[dict], out: Path) -> tuple[list, dict]:
    exp = params["experiments"]["e5"]
    tol = params["experiments"]["inversion"]["fit_tolerance"]
    hv, rv = exp["variant"], exp["reference"]
    dataset = params["variants"][hv]["dataset"]
    hid, ref = find(runs, hv), find(runs, rv)
    seeds = common_seeds(hid, ref)
    claims, metrics = [], {}
    for name in set_names(hid):
        rep_h = per_image(hid, name, "output", "aligned_error", seeds)
        rep_r = per_image(ref, name, "output", "aligned_error", seeds)
        rec_h = per_image_set(hid, name, "recon_aligned", seeds)
        rec_r = per_image_set(ref, name, "recon_aligned", seeds)
        ok_h = converged(hid, name, "output", seeds, tol)
        ok = ok_h & converged(ref, name, "output", seeds, tol)
        groups = groups_of(hid, name, seeds)
        rows = fig_name("rows", name)
        figures.image_rows({"input x": first(hid, name, "x"), f"{rv} O(x)": first(ref, name, "recon"),
                            f"{rv} a": first(ref, name, "a", "output"), f"{hv} O(x)": first(hid, name, "recon"),
                            f"{hv} a": first(hid, name, "a", "output")}, out / rows,
                           title=f"E5: reconstruction O(x) and representation a, {rv} vs {hv}")
        hist = fig_name("errors", name)
        figures.histogram({f"{rv} reconstruction": np.log10(rec_r), f"{rv} representation": np.log10(rep_r),
                           f"{hv} reconstruction": np.log10(rec_h), f"{hv} representation": np.log10(rep_h)},
                          out / hist, "log10 error after brightness/contrast match",
                          title="reconstruction and representation errors side by side")
        figs = [figure(out, rows, f"Rows: input; {rv}'s output (the images as one batch, train-mode BatchNorm) and "
                       f"representation; the same for {hv}. Look for a hidden-module output close to the input beside "
                       "a representation far from it."),
                figure(out, hist, "Reconstruction error err(O(x), x) and representation error err(a, x) of both "
                       "models (log10; err = relative error after the best brightness/contrast match).")]
        details = {v: {**brief(by_seed, name, "output", seeds, tol), "recon_aligned": float(rec.mean()),
                       "recon_error": float(per_image_set(by_seed, name, "recon_error", seeds).mean()),
                       "recon_single_aligned": float(per_image_set(by_seed, name, "recon_single_aligned",
                                                                   seeds).mean())}
                   for v, by_seed, rec in ((hv, hid, rec_h), (rv, ref, rec_r))}
        details.update(recon_ratio_geo=geo(rec_h / rec_r), gap_reference_geo=geo(rep_r / rec_r))
        shared = fields(params, "E5", name, dataset, seeds, "unet hidden module representation", figs, details)
        claims.append(judged(f"E5{claim_suffix(name)}", f"{hv} represents its input worse than {rv} does",
                             f"geometric mean over images of err(a, x) of {hv} / of {rv}", rep_h / rep_r, groups, ok,
                             "E5", params, **shared))
        claims.append(judged(f"E5-gap{claim_suffix(name)}", f"{hv} autoencodes better than it represents its input",
                             f"geometric mean over images of err(a, x)/err(O(x), x) of {hv}", rep_h / rec_h, groups,
                             ok_h, "E5-gap", params, **shared))
        metrics[name] = details
    return claims, metrics


def e8c(params: dict, runs: list[dict], out: Path) -> tuple[list, dict]:
    exp = params["experiments"]["e8c"]
    tol = params["experiments"]["inversion"]["fit_tolerance"]
    nv, bv = exp["variant"], exp["reference"]
    dataset = params["variants"][nv]["dataset"]
    nobn, bn = find(runs, nv), find(runs, bv)
    seeds = common_seeds(nobn, bn)
    claims, metrics = [], {}
    for name in set_names(nobn):
        ratio = (per_image(nobn, name, "output", "aligned_error", seeds)
                 / per_image(bn, name, "output", "aligned_error", seeds))
        ok = converged(nobn, name, "output", seeds, tol) & converged(bn, name, "output", seeds, tol)
        rows = fig_name("rows", name)
        figures.image_rows({"input x": first(nobn, name, "x"),
                            f"with BatchNorm ({bv}) a": first(bn, name, "a", "output"),
                            f"without ({nv}) a": first(nobn, name, "a", "output")}, out / rows,
                           title="E8c: output-layer representations with and without BatchNorm")
        figs = [figure(out, rows, "Rows: input; representation by the model with BatchNorm; by the same architecture "
                       "without it. Look for equally accurate rows.")]
        details = {bv: brief(bn, name, "output", seeds, tol), nv: brief(nobn, name, "output", seeds, tol),
                   "ratio_geo": geo(ratio)}
        claims.append(judged(f"E8c{claim_suffix(name)}", "The trained U-Net's output layer represents its input "
                             "equally well with or without BatchNorm",
                             "|mean over images of log(err(a, x) without BatchNorm / with)|", ratio,
                             groups_of(nobn, name, seeds), ok, "E8c", params, how="abs_log",
                             **fields(params, "E8c", name, dataset, seeds, "no batchnorm autoencoder", figs, details)))
        metrics[name] = details
    return claims, metrics


def e9(params: dict, runs: list[dict], out: Path) -> tuple[list, dict]:
    exp = params["experiments"]["e9"]
    tol = params["experiments"]["inversion"]["fit_tolerance"]
    roles = {role: find(runs, exp[role]) for role in ("unet", "linear", "dot", "attention_only")}
    lin, dot = roles["linear"], roles["dot"]
    dataset = params["variants"][exp["linear"]]["dataset"]
    claims, metrics = [], {}
    for name in set_names(lin):
        rows = {"input x": first(lin, name, "x")}
        rows.update({f"{exp[role]} a": first(by_seed, name, "a", "output") for role, by_seed in roles.items()})
        fig = fig_name("rows", name)
        figures.image_rows(rows, out / fig, title="E9: output-layer representations of the attention models")
        figs = [figure(out, fig, "Rows: input; the representation by each trained attention model. Look for a "
                       "near-copy from the linear-attention model and a less accurate one from dot-product attention.")]
        details = {exp[role]: brief(by_seed, name, "output", sorted(by_seed), tol) for role, by_seed in roles.items()}
        metrics[name] = details
        for rule_id, role in (("E9-repr-linear", "linear"), ("E9-repr-attn_only", "attention_only")):
            model, who = roles[role], exp[role]
            seeds = sorted(model)
            ratio = per_image(model, name, "output", "aligned_error", seeds) / per_image(model, name, "output",
                                                                                       "ref_aligned", seeds)
            claims.append(judged(
                f"{rule_id}{claim_suffix(name)}", f"{who} represents its input (near-)perfectly: as accurately as "
                "x + N(0,1)/18 does", f"geometric mean over images of err(a, x)/err(x + ε, x), ε ~ N(0,1)/18 ({who})",
                ratio, groups_of(model, name, seeds), converged(model, name, "output", seeds, tol), rule_id, params,
                **fields(params, "E9-repr", name, dataset, seeds, "attention autoencoder", figs, details)))
        seeds = common_seeds(lin, dot)
        ratio = (per_image(dot, name, "output", "aligned_error", seeds)
                 / per_image(lin, name, "output", "aligned_error", seeds))
        ok = converged(dot, name, "output", seeds, tol) & converged(lin, name, "output", seeds, tol)
        claims.append(judged(
            f"E9-repr-dot{claim_suffix(name)}", f"Dot-product attention ({exp['dot']}) represents its input less "
            f"accurately than linear attention ({exp['linear']})",
            f"geometric mean over images of err(a, x) of {exp['dot']} / of {exp['linear']}", ratio,
            groups_of(lin, name, seeds), ok, "E9-repr-dot", params,
            **fields(params, "E9-repr", name, dataset, seeds, "attention autoencoder", figs, details)))
    return claims, metrics


def e10(params: dict, runs: list[dict], out: Path) -> tuple[list, dict]:
    exp = params["experiments"]["e10"]
    tol = params["experiments"]["inversion"]["fit_tolerance"]
    dataset = params["variants"][exp["variant"]]["dataset"]
    claims, metrics = [], {}
    for v in (exp["variant"], "vit_b_32"):
        tr, un = find(runs, v), find(runs, v, "untrained")
        if not tr:
            continue
        seeds = common_seeds(tr, un)
        layers = next(iter(tr.values()))["layers"]
        block1, deep = layers[0], layers[-1]
        tag = "" if v == exp["variant"] else f"-{v}"
        for name in set_names(tr):
            groups = groups_of(tr, name, seeds)
            rows = fig_name(f"rows{tag}", name)
            figures.image_rows({"input x": first(tr, name, "x"),
                                f"{block1} untrained": first(un, name, "a", block1),
                                f"{block1} trained": first(tr, name, "a", block1),
                                f"{deep} untrained": first(un, name, "a", deep),
                                f"{deep} trained": first(tr, name, "a", deep)}, out / rows,
                               title=f"E10 {v}: representations of block 1 and of a deep block")
            figs = [figure(out, rows, "Rows: input; representations of block 1 and of the deep block, untrained and "
                           "trained. Look for grain in both block-1 rows and in the untrained deep row only.")]
            details = {f"{state} {layer}": brief(by_seed, name, layer, seeds, tol)
                       for state, by_seed in (("untrained", un), ("trained", tr)) for layer in (block1, deep)}
            shared = fields(params, "E10", name, dataset, seeds, "vision transformer representations", figs, details)
            for rule_id, by_seed, state in (("E10-block1", tr, "trained"), ("E10-block1-untrained", un, "untrained")):
                claims.append(judged(
                    f"{rule_id}{tag}{claim_suffix(name)}", f"The {state} {v}'s block-1 representation is noisy "
                    "(rougher than the input)", f"geometric mean over images of noise(a), {block1}, {state}",
                    per_image(by_seed, name, block1, "noise", seeds), groups,
                    converged(by_seed, name, block1, seeds, tol), rule_id, params, **shared))
            ratio = per_image(un, name, deep, "noise", seeds) / per_image(tr, name, deep, "noise", seeds)
            ok = converged(un, name, deep, seeds, tol) & converged(tr, name, deep, seeds, tol)
            claims.append(judged(
                f"E10-deep{tag}{claim_suffix(name)}", f"A deep block of {v} represents its input with noise when "
                "untrained but not when trained",
                f"geometric mean over images of noise(a_untrained)/noise(a_trained), {deep}", ratio, groups, ok,
                "E10-deep", params, **shared))
            metrics[f"{v}/{name}"] = details
    return claims, metrics


EXPERIMENTS = {"e2": e2, "e4": e4, "e5": e5, "e8c": e8c, "e9": e9, "e10": e10}


def main(argv=None) -> None:
    p = parser(__doc__)
    p.add_argument("experiment", choices=sorted(EXPERIMENTS))
    p.add_argument("--inputs", nargs="+", required=True, help="files written by `python -m aecopy.cli.invert`")
    p.add_argument("--out-dir", required=True)
    args = p.parse_args(argv)
    params = setup(args)
    out = out_dir(args)
    claims, metrics = EXPERIMENTS[args.experiment](params, load_runs(args.inputs), out)
    write_results(out, claims, metrics)


if __name__ == "__main__":
    main()
