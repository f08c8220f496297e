"""E8c: the output layer represents its input equally well with or without BatchNorm."""
from __future__ import annotations

from ..inputs import claim_suffix
from ..plan import figure_name
from ..report import figures
from .represent import (brief, convergence_figure, converged, fields, figure, first, geo, groups_of, guarded, judged,
                        model_pair, opening, per_image, set_names)


def run(params, inputs):
    runs, drawn, exp, tol = opening(params, inputs, "e8c")
    nv, bv = exp["variant"], exp["reference"]
    dataset = params["variants"][nv]["dataset"]
    nobn, bn, seeds = model_pair(runs, exp)
    claims, metrics = [], {}
    for name in set_names(nobn):
        ratio = (per_image(nobn, name, "output", "aligned_error", seeds)
                 / per_image(bn, name, "output", "aligned_error", seeds))
        ok = converged(nobn, name, "output", seeds, tol) & converged(bn, name, "output", seeds, tol)
        rows = figure_name("rows", name)
        drawn.add(rows, figures.image_rows, {"input x": first(nobn, name, "x"),
                            f"with BatchNorm ({bv}) a": first(bn, name, "a", "output"),
                            f"without ({nv}) a": first(nobn, name, "a", "output")},
                           title="E8c: output-layer representations with and without BatchNorm")
        figs = [figure(drawn, rows, "Rows: input; representation by the model with BatchNorm; by the same architecture "
                       "without it. Look for equally accurate rows.")]
        if not name.startswith("eval:"):
            figs.append(convergence_figure(drawn, {nv: (nobn, "output"), bv: (bn, "output")}, name, tol,
                                           "E8c: inversion convergence"))
        details = {bv: brief(bn, name, "output", seeds, tol), nv: brief(nobn, name, "output", seeds, tol),
                   "ratio_geo": geo(ratio)}
        claim = judged(f"E8c{claim_suffix(name)}", "The trained U-Net's output layer represents its input "
                       "equally well with or without BatchNorm",
                       "|mean over images of log(err(a, x) without BatchNorm / with)|", ratio,
                       groups_of(nobn, name, seeds), ok, "E8c", params, how="abs_log",
                       **fields(params, "E8c", name, dataset, seeds, "no batchnorm autoencoder", figs, details))
        claims.append(guarded(claim, params, (nobn, seeds), (bn, seeds)))
        metrics[name] = details
    return claims, metrics, drawn
