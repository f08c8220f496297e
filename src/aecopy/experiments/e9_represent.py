"""E9 (representation): linear attention represents its input near-perfectly, dot-product attention less so,
attention alone well. The attention U-Net's representation is shown beside them (no claim rests on it)."""
from __future__ import annotations

from ..inputs import claim_suffix
from ..plan import figure_name
from ..report import figures
from .represent import (brief, common_seeds, convergence_figure, converged, fields, figure, find, first, groups_of,
                        guarded, judged, opening, per_image, set_names)

JUDGED = ("linear", "dot", "attention_only")  # the roles claims are about


def run(params, inputs):
    runs, drawn, exp, tol = opening(params, inputs, "e9_represent", "e9")
    roles = {role: find(runs, exp[role]) for role in ("unet", *JUDGED)}
    lin, dot = roles["linear"], roles["dot"]
    dataset = params["variants"][exp["linear"]]["dataset"]
    claims, metrics = [], {}
    for name in set_names(lin):
        rows = {"input x": first(lin, name, "x")}
        rows.update({f"{exp[role]} a": first(by_seed, name, "a", "output") for role, by_seed in roles.items() if by_seed})
        fig = figure_name("rows", name)
        drawn.add(fig, figures.image_rows, rows, title="E9: output-layer representations of the attention models")
        figs = [figure(drawn, fig, "Rows: input; the representation by each trained attention model. Look for a "
                       "near-copy from the linear-attention model and a less accurate one from dot-product attention.")]
        if not name.startswith("eval:"):
            figs.append(convergence_figure(drawn, {exp[role]: (roles[role], "output") for role in JUDGED}, name, tol,
                                           "E9: inversion convergence"))
        details = {exp[role]: brief(by_seed, name, "output", sorted(by_seed), tol)
                   for role, by_seed in roles.items() if by_seed}
        metrics[name] = details
        for rule_id, role in (("E9-repr-linear", "linear"), ("E9-repr-attn_only", "attention_only")):
            model, who = roles[role], exp[role]
            seeds = sorted(model)
            ratio = per_image(model, name, "output", "aligned_error", seeds) / per_image(model, name, "output",
                                                                                       "ref_aligned", seeds)
            claim = judged(
                f"{rule_id}{claim_suffix(name)}", f"{who} represents its input (near-)perfectly: as accurately as "
                "x + N(0,1)/18 does", f"geometric mean over images of err(a, x)/err(x + ε, x), ε ~ N(0,1)/18 ({who})",
                ratio, groups_of(model, name, seeds), converged(model, name, "output", seeds, tol), rule_id, params,
                **fields(params, "E9-repr", name, dataset, seeds, "attention autoencoder", figs, details))
            claims.append(guarded(claim, params, (model, seeds)))
        seeds = common_seeds(lin, dot)
        ratio = (per_image(dot, name, "output", "aligned_error", seeds)
                 / per_image(lin, name, "output", "aligned_error", seeds))
        ok = converged(dot, name, "output", seeds, tol) & converged(lin, name, "output", seeds, tol)
        claim = judged(
            f"E9-repr-dot{claim_suffix(name)}", f"Dot-product attention ({exp['dot']}) represents its input less "
            f"accurately than linear attention ({exp['linear']})",
            f"geometric mean over images of err(a, x) of {exp['dot']} / of {exp['linear']}", ratio,
            groups_of(lin, name, seeds), ok, "E9-repr-dot", params,
            **fields(params, "E9-repr", name, dataset, seeds, "attention autoencoder", figs, details))
        claims.append(guarded(claim, params, (dot, seeds), (lin, seeds)))
    return claims, metrics, drawn
