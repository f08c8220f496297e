"""E5: the U-Net with a restrictive hidden module autoencodes well but represents its input poorly."""
from __future__ import annotations

import numpy as np

from ..inputs import claim_suffix
from ..plan import figure_name
from ..report import figures
from .represent import (brief, convergence_figure, converged, fields, figure, first, geo, groups_of, guarded, judged,
                        model_pair, opening, per_image, per_image_set, set_names)


def run(params, inputs):
    runs, drawn, exp, tol = opening(params, inputs, "e5")
    hv, rv = exp["variant"], exp["reference"]
    dataset = params["variants"][hv]["dataset"]
    hid, ref, seeds = model_pair(runs, exp)
    claims, metrics = [], {}
    for name in set_names(hid):
        rep_h = per_image(hid, name, "output", "aligned_error", seeds)
        rep_r = per_image(ref, name, "output", "aligned_error", seeds)
        # an exact copy has error 0: floor it at float32 resolution so that logs and ratios stay finite
        rec_h = np.maximum(per_image_set(hid, name, "recon_aligned", seeds), 1e-7)
        rec_r = np.maximum(per_image_set(ref, name, "recon_aligned", seeds), 1e-7)
        ok_h = converged(hid, name, "output", seeds, tol)
        ok = ok_h & converged(ref, name, "output", seeds, tol)
        groups = groups_of(hid, name, seeds)
        rows = figure_name("rows", name)
        drawn.add(rows, figures.image_rows, {"input x": first(hid, name, "x"), f"{rv} O(x)": first(ref, name, "recon"),
                            f"{rv} a": first(ref, name, "a", "output"), f"{hv} O(x)": first(hid, name, "recon"),
                            f"{hv} a": first(hid, name, "a", "output")},
                           title=f"E5: reconstruction O(x) and representation a, {rv} vs {hv}")
        hist = figure_name("errors", name)
        drawn.add(hist, figures.histogram, {f"{rv} reconstruction": np.log10(rec_r), f"{rv} representation": np.log10(rep_r),
                           f"{hv} reconstruction": np.log10(rec_h), f"{hv} representation": np.log10(rep_h)}, "log10 error after brightness/contrast match",
                          title="reconstruction and representation errors side by side")
        figs = [figure(drawn, rows, f"Rows: input; {rv}'s output (random batches at the training batch size, "
                       "train-mode BatchNorm) and "
                       f"representation; the same for {hv}. Look for a hidden-module output close to the input beside "
                       "a representation far from it."),
                figure(drawn, hist, "Reconstruction error err(O(x), x) and representation error err(a, x) of both "
                       "models (log10; err = relative error after the best brightness/contrast match).")]
        if not name.startswith("eval:"):
            figs.append(convergence_figure(drawn, {hv: (hid, "output"), rv: (ref, "output")}, name, tol,
                                           "E5: inversion convergence"))
        details = {v: {**brief(by_seed, name, "output", seeds, tol), "recon_aligned": float(rec.mean()),
                       "recon_error": float(per_image_set(by_seed, name, "recon_error", seeds).mean()),
                       "recon_single_aligned": float(per_image_set(by_seed, name, "recon_single_aligned",
                                                                   seeds).mean())}
                   for v, by_seed, rec in ((hv, hid, rec_h), (rv, ref, rec_r))}
        details.update(recon_ratio_geo=geo(rec_h / rec_r), gap_reference_geo=geo(rep_r / rec_r))
        shared = fields(params, "E5", name, dataset, seeds, "unet hidden module representation", figs, details)
        claims.append(guarded(judged(f"E5{claim_suffix(name)}", f"{hv} represents its input worse than {rv} does",
                                     f"geometric mean over images of err(a, x) of {hv} / of {rv}", rep_h / rep_r,
                                     groups, ok, "E5", params, **shared), params, (hid, seeds), (ref, seeds)))
        claims.append(guarded(judged(f"E5-gap{claim_suffix(name)}", f"{hv} autoencodes better than it represents its "
                                     "input", f"geometric mean over images of err(a, x)/err(O(x), x) of {hv}",
                                     rep_h / rec_h, groups, ok_h, "E5-gap", params, **shared), params, (hid, seeds)))
        metrics[name] = details
    return claims, metrics, drawn
