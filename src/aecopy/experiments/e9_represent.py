"""E9 (representation): linear attention represents its input near-perfectly, dot-product attention less so."""
from __future__ import annotations

from ..inputs import claim_suffix
from ..plan import figure_name
from ..report import figures
from .represent import opening, find, per_image, groups_of, first, common_seeds, set_names, converged, judged, brief, fields, figure


def run(params, inputs):
    runs, drawn, exp, tol = opening(params, inputs, "e9_represent", "e9")
    roles = {role: find(runs, exp[role]) for role in ("unet", "linear", "dot", "attention_only")}
    lin, dot = roles["linear"], roles["dot"]
    dataset = params["variants"][exp["linear"]]["dataset"]
    claims, metrics = [], {}
    for name in set_names(lin):
        rows = {"input x": first(lin, name, "x")}
        rows.update({f"{exp[role]} a": first(by_seed, name, "a", "output") for role, by_seed in roles.items()})
        fig = figure_name("rows", name)
        drawn.add(fig, figures.image_rows, rows, title="E9: output-layer representations of the attention models")
        figs = [figure(drawn, fig, "Rows: input; the representation by each trained attention model. Look for a "
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
    return claims, metrics, drawn
