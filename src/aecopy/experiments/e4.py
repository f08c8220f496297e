"""E4: the representation of a noisy input is closer to the clean input, and less noisy, than the input."""
from __future__ import annotations

from ..inputs import claim_suffix
from ..plan import figure_name
from ..procedures.inversion import aligned_error
from ..report import figures
from .represent import opening, find, per_image, groups_of, tensor, first, set_names, geo, converged, judged, brief, fields, figure


def run(params, inputs):
    runs, drawn, exp, tol = opening(params, inputs, "e4")
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
        rows = figure_name("rows", name)
        show = {"clean x": first(noisy, name, "x"), f"noisy x̂ (α = {exp['alpha']})": first(noisy, name, "input"),
                "a(x̂)": first(noisy, name, "a", "output")}
        if set(seeds) <= set(clean):
            show["a(x)"] = first(clean, name, "a", "output")
        drawn.add(rows, figures.image_rows, show, title=f"E4 {v}: representation of a noisy input")
        hist = figure_name("ratio_hist", name)
        drawn.add(hist, figures.histogram, {"err(a(x̂), x)/err(x̂, x)": err_a / err_in, "noise(a(x̂))/noise(x̂)": noise},
                          "ratio", vline=1.0, title="per image, all seeds (err: after brightness/contrast match)")
        figs = [figure(drawn, rows, "Rows: clean input, noisy input, the trained model's output-layer representation of "
                       "the noisy input (and of the clean input). Look for a representation closer to the clean row, "
                       "and smoother, than the noisy row."),
                figure(drawn, hist, "Per-image ratios; the dashed line is 1.")]
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
    return claims, metrics, drawn
