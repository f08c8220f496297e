"""G-size (beyond the post): G-disjoint's measurement at several training-set sizes N, each a pair of U-Nets on
disjoint photographs with at most N patches each, trained for a fixed number of steps. Kadkhodaie et al.
(ICLR 2024) find diffusion models memorise at small N (each sample a copy of a training image, the two
models' samples unlike) and generalise at large N (the two models' samples alike); the post's thesis
predicts no memorisation at any N.

Memorisation at a size N: the samples are closer to their model's training images (n) both than to the other
model's samples (m, Kadkhodaie et al.'s comparison) and than new photographs are to those training images
(v, what a copy exceeds). Models whose samples disagree without copying anything are not memorising, so
n > m alone is not enough. The claim: no memorisation at any N, n ≤ max(m, v) everywhere. The curve of m, n
and v against N and the size where the regime changes are reported.
"""
from __future__ import annotations

import numpy as np

from .. import premise
from ..claims import make_claim, mark_confounded, verdict
from ..cli.common import device
from ..report import figures
from .g_disjoint import EXPERIMENT, measure_pair, similarity_histogram, summary

REGIME = {"reproduced": "no memorisation", "not reproduced": "memorises", "inconclusive": "unclear"}


def regime_change(sizes: list[int], regimes: list[str]) -> dict:
    """The largest N judged memorising, and the smallest N from which no larger N is judged anything but free of
    memorisation (None when there is none); sizes ascending."""
    memorising = [n for n, r in zip(sizes, regimes) if r == "memorises"]
    from_n = None
    for n, r in reversed(list(zip(sizes, regimes))):
        if r != "no memorisation":
            break
        from_n = n
    return {"largest_memorising_n": max(memorising) if memorising else None, "no_memorisation_from_n": from_n}


def either(a: dict, b: dict) -> dict:
    """One interval for "a > 0 or b > 0": the larger value, lower and upper bound of the two. The rule "> v"
    then reproduces when either interval lies above v and fails when both lie at or below it."""
    return {k: float(max(a[k], b[k])) for k in ("value", "ci_low", "ci_high")} | {"n": int(a["n"])}


def worst(per_size: list[dict]) -> dict:
    """One interval for "at every N": the smallest value, lower and upper bound over the sizes. The rule
    "> v" then reproduces when every size's interval lies above v and fails when some size's lies at or
    below it (the envelope of the per-size 95% intervals)."""
    return {k: float(min(s[k] for s in per_size)) for k in ("value", "ci_low", "ci_high")} | {
        "n": int(sum(s["n"] for s in per_size))}


def run(params, inputs):
    """Claim G-size."""
    exp = params["experiments"]["g_size"]
    seed0 = params["seed"]
    steps = params["experiments"]["e7"]["judge_steps"]
    rule = params["claims"]["G-size"]
    bar = params["premise"]
    dev = device(params)
    results = [measure_pair(params, inputs, pair, exp["n_samples"], steps, dev, guard_training=True)
               for pair in exp["pairs"]]
    order = np.argsort([min(r["n_train"]) for r in results], kind="stable")
    pairs = [exp["pairs"][i] for i in order]
    results = [results[i] for i in order]
    sizes = [min(r["n_train"]) for r in results]
    stats = [summary(r, seed0) for r in results]
    no_copy = [either(s["d"], s["novelty"]) for s in stats]  # m − n or v − n, per size
    regimes = [REGIME[verdict(rule, s)] for s in no_copy]
    change = regime_change(sizes, regimes)

    figs = figures.Figures()
    figs.add("curve.png", figures.interval_plot,
             {"model-to-model": (sizes, [s["m"] for s in stats]),
              "sample to its nearest training image (model A)": (sizes, [s["n_a"] for s in stats]),
              "sample to its nearest training image (model B)": (sizes, [s["n_b"] for s in stats]),
              "validation image to its nearest training image": (sizes, [s["val"] for s in stats])},
             "training images per model (N)", "mean-removed cosine similarity",
             title=f"two models on disjoint photographs, same noise, {steps} steps")
    rows = {}
    for n, r in zip(sizes, results):
        rows.update({f"N={n}: A": r["shown"]["a"], f"N={n}: B": r["shown"]["b"], f"N={n}: A's nearest": r["shown"]["near_a"]})
    figs.add("samples.png", figures.image_rows, rows, title="per N: the two models' samples from the same noise, and "
             "model A's nearest training image")
    figs.add("similarity.png", figures.histogram, similarity_histogram(results[0], pairs[0]),
             "mean-removed cosine similarity", title=f"the smallest N = {sizes[0]}")

    per_size = [{"n": n, "pair": list(p), "regime": g, "no_memorisation": c, "model_to_model": s["m"],
                 "nearest_training_a": s["n_a"], "nearest_training_b": s["n_b"], "model_minus_training": s["d"],
                 "validation_nearest_training": s["val"], "validation_minus_training": s["novelty"],
                 "steps_trained": r["steps_trained"], "validation_copy": r["quality"], "training_copy": r["train_quality"]}
                for n, p, g, c, s, r in zip(sizes, pairs, regimes, no_copy, stats, results)]
    ds = params["variants"][pairs[0][0]]["dataset"]
    claim = make_claim(
        "G-size", "No memorisation at any training-set size: at every N the samples are no closer to their model's "
        "training images than to the other model's samples, or than new photographs are to those training images",
        "smallest over N of the larger of m − n and v − n, means over samples of mean-removed cosines: m sample A to "
        "sample B, n sample to its model's nearest training image, v validation image to it; interval: the same "
        "envelope of the 95% bounds",
        worst(no_copy), rule, scale=params["scale"],
        data=f"{ds}: N = {', '.join(map(str, sizes))} training patches per model, disjoint photographs; "
        f"{exp['n_samples']} samples per model and seed", experiment=EXPERIMENT,
        seeds=sorted({s for r in results for s in r["seeds"]}),
        figures=[{"path": "g_size/curve.png", "caption": "Against the training-set size N: the two models' samples "
                  "compared with each other (model-to-model) and with their nearest training images, beside "
                  "validation images' nearest-training similarity (what a new photograph scores). Memorisation: "
                  "sample-to-training near 1, above both other curves; generalisation: model-to-model on top. Where "
                  "the curves cross the regime changes "
                  f"(here: memorising up to N = {change['largest_memorising_n']}, none from N = "
                  f"{change['no_memorisation_from_n']})."},
                 {"path": "g_size/samples.png", "caption": "For each N, the two models' samples from the same noise and "
                  "model A's nearest training image: copies at small N would match the row below them."},
                 {"path": "g_size/similarity.png", "caption": "Per-sample similarities at the smallest N."}],
        details={"per_size": per_size, **change})
    # every model must have learned its task (copy its own training images); at the largest N the models must
    # also copy validation images (the post's premise); poor copying of new images at small N is what is measured
    premise.guard(claim, results[-1]["quality"], bar)
    unlearned = [k for r in results for k, q in r["train_quality"].items() if not premise.met(q, bar)]
    claim["training_copy_unmet"] = unlearned
    mark_confounded(claim, f"a model copies its own training images with PSNR < {bar['min_psnr']:g} dB or R² < "
                    f"{bar['min_r2']:g}", bool(unlearned), reason="training images not copied")
    metrics = {"per_size": per_size, **change}
    return [claim], metrics, figs
