"""E10: a ViT's block-1 representation is noisy trained or untrained; deep blocks only untrained.

The post's mechanism is the per-patch embedding: vit_b_32 maps each 3·32·32 = 3,072-number patch to 768
numbers, so block 1 cannot see most of a patch and its representation keeps the start's noise there. The
default `vit` keeps that ratio of patch size to embedding (see params.yaml), and a block-1 claim is only
judged where the inversions converged."""
from __future__ import annotations

from ..inputs import claim_suffix
from ..plan import VIT_B_32, figure_name
from ..report import figures
from .represent import (brief, common_seeds, convergence_figure, converged, fields, figure, find, first, groups_of,
                        judged, opening, per_image, set_names)


def run(params, inputs):
    runs, drawn, exp, tol = opening(params, inputs, "e10")
    dataset = params["variants"][exp["variant"]]["dataset"]
    claims, metrics = [], {}
    for v in (exp["variant"], VIT_B_32):
        tr, un = find(runs, v), find(runs, v, "untrained")
        if not tr:
            continue
        seeds = common_seeds(tr, un)
        layers = next(iter(tr.values()))["layers"]
        block1, deep = layers[0], layers[-1]
        tag = "" if v == exp["variant"] else f"-{v}"
        for name in set_names(tr):
            groups = groups_of(tr, name, seeds)
            rows = figure_name(f"rows{tag}", name)
            drawn.add(rows, figures.image_rows, {"input x": first(tr, name, "x"),
                                f"{block1} untrained": first(un, name, "a", block1),
                                f"{block1} trained": first(tr, name, "a", block1),
                                f"{deep} untrained": first(un, name, "a", deep),
                                f"{deep} trained": first(tr, name, "a", deep)},
                               title=f"E10 {v}: representations of block 1 and of a deep block")
            figs = [figure(drawn, rows, "Rows: input; representations of block 1 and of the deep block, untrained and "
                           "trained. Look for grain in both block-1 rows and in the untrained deep row only.")]
            if not name.startswith("eval:"):
                curves = {f"{layer} {state}": (by_seed, layer) for layer in (block1, deep)
                          for state, by_seed in (("untrained", un), ("trained", tr))}
                figs.append(convergence_figure(drawn, curves, name, tol, f"E10 {v}: inversion convergence",
                                               f"convergence{tag}.png"))
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
    return claims, metrics, drawn
