"""E4: the representation of a noisy input is closer to the clean input, and less noisy, than the input.

"Closer" is measured as a noise-to-signal ratio (`inversion.noise_to_signal`): the distance to the clean x
once an image is scaled so that its component along x is x itself. Brightness and contrast do not count
(train-mode BatchNorm leaves them undetermined), and unlike the error after the best brightness/contrast
match, which is ≈ 1 for any heavily noisy image and so cannot grow, it is unbounded: a representation that
keeps all the input's noise and adds some scores above the input.
"""
from __future__ import annotations

import numpy as np

from ..inputs import claim_suffix
from ..plan import figure_name
from ..procedures.inversion import aligned_error, noise_to_signal
from ..report import figures
from .represent import (brief, convergence_figure, converged, fields, figure, find, first, geo, groups_of, guarded,
                        judged, opening, per_image, set_names, tensor)


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
        nsr_a, nsr_in = noise_to_signal(a, x).double().numpy(), noise_to_signal(x_hat, x).double().numpy()
        err_a, err_in = aligned_error(a, x).double().numpy(), aligned_error(x_hat, x).double().numpy()
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
        drawn.add(hist, figures.histogram, {"log10 NSR(a(x̂))/NSR(x̂)": np.log10(nsr_a / nsr_in),
                                            "log10 noise(a(x̂))/noise(x̂)": np.log10(noise)},
                  "log10 ratio", vline=0.0, title="per image, all seeds (NSR: noise-to-signal ratio w.r.t. x)")
        figs = [figure(drawn, rows, "Rows: clean input, noisy input, the trained model's output-layer representation of "
                       "the noisy input (and of the clean input). Look for a representation closer to the clean row, "
                       "and smoother, than the noisy row."),
                figure(drawn, hist, "Per-image ratios, log10; the dashed line is 0 (as noisy as the input).")]
        if not name.startswith("eval:"):
            figs.append(convergence_figure(drawn, {"a(x̂)": (noisy, "output")}, name, tol,
                                           f"E4 {v}: inversion convergence"))
        details = {"noisy": brief(noisy, name, "output", seeds, tol), "alpha": exp["alpha"],
                   "nsr_representation_geo": geo(nsr_a), "nsr_noisy_input_geo": geo(nsr_in),
                   "aligned_error_representation": float(err_a.mean()),
                   "aligned_error_noisy_input": float(err_in.mean()),
                   "aligned_ratio_geo": geo(err_a / err_in)}
        shared = fields(params, "E4", name, dataset, seeds, "unet representations", figs, details)
        claims.append(guarded(judged(
            f"E4{claim_suffix(name)}", "The representation of a noisy input is closer to the clean input than the "
            "noisy input is: ‖a(x̂) − x‖ < ‖x̂ − x‖", "geometric mean over images of NSR(a(x̂))/NSR(x̂), NSR(y) = "
            "‖y − β·x‖/‖β·x‖ with channel means removed and β the gain of x in y", nsr_a / nsr_in, groups, ok,
            "E4", params, **shared), params, (noisy, seeds)))
        claims.append(guarded(judged(
            f"E4-noise{claim_suffix(name)}", "The representation of a noisy input is less noisy than the input",
            "geometric mean over images of noise(a(x̂))/noise(x̂)", noise, groups, ok, "E4-noise", params,
            **{**shared, "figures": figs[:1]}), params, (noisy, seeds)))
        metrics[name] = details
    return claims, metrics, drawn
