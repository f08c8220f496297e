"""E2: training removes noise from the output layer's input representation (trained vs untrained)."""
from __future__ import annotations

import numpy as np

from ..inputs import claim_suffix
from ..plan import figure_name
from ..report import figures
from .represent import (brief, common_seeds, convergence_figure, converged, fields, figure, find, first, groups_of,
                        guarded, judged, opening, per_image, set_names)


def run(params, inputs):
    runs, drawn, exp, tol = opening(params, inputs, "e2")
    v = exp["variant"]
    dataset = params["variants"][v]["dataset"]
    modes = {bn: (find(runs, v, "trained", bn), find(runs, v, "untrained", bn)) for bn in ("train", "eval")}
    claims, metrics = [], {}
    for bn, rule_id in (("train", "E2"), ("eval", "E2-eval")):
        tr, un = modes[bn]
        seeds = common_seeds(tr, un)
        suffix = "" if bn == "train" else "_eval"
        for name in set_names(tr):
            noise_t = per_image(tr, name, "output", "noise", seeds)
            noise_u = per_image(un, name, "output", "noise", seeds)
            ok = converged(tr, name, "output", seeds, tol) & converged(un, name, "output", seeds, tol)
            rows = figure_name(f"rows{suffix}", name)
            drawn.add(rows, figures.image_rows, {"input x": first(tr, name, "x"), "untrained a": first(un, name, "a", "output"),
                                "trained a": first(tr, name, "a", "output")},
                               title=f"E2 {v}: output-layer representations, BatchNorm {bn} mode")
            hist = figure_name(f"noise{suffix}", name)
            drawn.add(hist, figures.histogram, {"untrained": np.log10(noise_u), "trained": np.log10(noise_t)},
                              "log10 noise(a) (standardised Laplacian energy relative to x)", vline=0.0,
                              title=f"noise of the representation, BatchNorm {bn} mode")
            figs = [figure(drawn, rows, "Rows: the input, the untrained and the trained model's representation of "
                           "the output layer (same start). Look for grain in the untrained row that the trained row "
                           "lacks."),
                    figure(drawn, hist, "Per-image noise measure of a, log10; 0 = as rough as the input.")]
            if bn == "train" and not name.startswith("eval:"):
                curves = {f"{state}, BatchNorm {mode} mode": (by_seed, "output")
                          for mode, pair in modes.items() for state, by_seed in zip(("trained", "untrained"), pair)}
                figs.append(convergence_figure(drawn, curves, name, tol, f"E2 {v}: inversion convergence"))
            details = {"trained": brief(tr, name, "output", seeds, tol),
                       "untrained": brief(un, name, "output", seeds, tol), "bn_mode": bn}
            claim = judged(
                f"{rule_id}{claim_suffix(name)}", "Training removes noise from the output layer's input "
                f"representation (trained vs untrained {v}, BatchNorm {bn} mode)",
                "geometric mean over images of noise(a_untrained)/noise(a_trained)", noise_u / noise_t,
                groups_of(tr, name, seeds), ok, rule_id, params,
                **fields(params, "E2", name, dataset, seeds, "landscape representations", figs, details))
            claims.append(guarded(claim, params, (tr, seeds)))
            metrics[f"{bn}/{name}"] = details
    return claims, metrics, drawn
