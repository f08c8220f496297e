"""What each job reads, from the resolved params: its input files (with what they are) and the names of
its figures. The rules declare these as their inputs and outputs and pass the same description to the
entry point, so a path or a seed list is derived here and nowhere else. No torch: the Snakefile imports it.
"""
from __future__ import annotations

import json

import numpy as np

from . import paths
from .config import variant_seeds

VIT_B_32 = "vit_b_32"  # torchvision's ViT-B/32 from a user-supplied state dict (E10), not a params variant


def spread_indices(n: int, k: int) -> np.ndarray:
    """k indices spread evenly over range(n) (all of them when k >= n): covers every source photo."""
    if k >= n:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, k).round().astype(np.int64))


def last_epoch(P: dict, variant: str) -> int:
    return max(P["variants"][variant]["train"]["save_epochs"])


def curve_epochs(saved: list[int], count: int | None) -> list[int]:
    """`count` of the saved epochs spread from the first to the last (all of them when None)."""
    saved = sorted(set(saved))
    if count is None or count >= len(saved):
        return saved
    return [saved[i] for i in spread_indices(len(saved), count)]


# ---- pieces of an input description -------------------------------------------------------------

def checkpoints(P: dict, variant: str, seeds: list[int], epochs: list[int] | None = None) -> list[dict]:
    epochs = epochs or [last_epoch(P, variant)]
    return [{"variant": variant, "seed": s, "epoch": e, "path": paths.checkpoint(variant, s, e),
             "run": paths.run_dir(variant, s)} for s in seeds for e in epochs]


def splits(P: dict, variants, names=("train", "val")) -> list[dict]:
    datasets = dict.fromkeys(P["variants"][v]["dataset"] for v in variants)
    return [{"dataset": d, "split": n, "path": paths.split(d, n)} for d in datasets for n in names]


def eval_sets(P: dict, variants) -> list[dict]:
    """The extra evaluation folders (params' eval_sets) at the resolution of each variant's data set."""
    datasets = dict.fromkeys(P["variants"][v]["dataset"] for v in variants)
    return [{"name": name, "dataset": d, "path": paths.eval_set(name, P["datasets"][d]["size"])}
            for d in datasets for name in P["eval_sets"]]


def files(description: dict) -> list[str]:
    """The files a description names, as Snakemake inputs (training runs by their output folder)."""
    out = []
    for kind, entries in description.items():
        for entry in entries:
            out.append(entry if isinstance(entry, str) else entry.get("run", entry["path"]))
    return list(dict.fromkeys(out))


def as_json(description: dict) -> str:
    return json.dumps(description, sort_keys=True)


# ---- per experiment ------------------------------------------------------------------------------

def e3_variants(P: dict) -> list[str]:
    e3 = P["experiments"]["e3"]
    return list(dict.fromkeys([e3["reference"], *e3["bn_pair"], e3["batch1"], *e3["attention"],
                               e3["attention_reference"]]))


def e3_references(P: dict) -> list[str]:
    """The models E3's contrasts are measured against: every saved epoch of theirs is an input, so that a
    contrast can use the one trained on as many images as the other model (E8a, E8b, E9)."""
    e3 = P["experiments"]["e3"]
    return list(dict.fromkeys([e3["bn_pair"][0], e3["reference"], e3["attention_reference"]]))


def e6_seeds(P: dict) -> list[int]:
    e6 = P["experiments"]["e6"]
    return variant_seeds(P, e6["variant"])[: e6["max_seeds"]]


def e6_epochs(P: dict) -> list[int]:
    e6 = P["experiments"]["e6"]
    return curve_epochs(P["variants"][e6["variant"]]["train"]["save_epochs"], e6["curve_epochs"])


def e7_seeds(P: dict, variant: str) -> list[int]:
    return variant_seeds(P, variant)[: P["experiments"]["e7"]["max_seeds"]]


def e7_steps(P: dict, variant: str) -> list[int]:
    """The generation lengths N a variant runs: all of them for E7's reference (its first variant, which the
    E7-N claims are about), the judged one for the others (the width and depth contrasts)."""
    e7 = P["experiments"]["e7"]
    return list(e7["steps"]) if variant == e7["variants"][0] else [e7["judge_steps"]]


def sample_inputs(P: dict, experiment: str) -> dict:
    """Inputs of e1, e3, e6 and e7: checkpoints and images."""
    exps = P["experiments"]
    if experiment == "e1":
        v = exps["e1"]["variant"]
        return {"checkpoints": checkpoints(P, v, variant_seeds(P, v)), "splits": splits(P, [v], ["val"]),
                "eval_sets": eval_sets(P, [v])}
    if experiment == "e3":
        vs = e3_variants(P)
        every = {v: sorted(P["variants"][v]["train"]["save_epochs"]) for v in e3_references(P)}  # else the last
        return {"checkpoints": [c for v in vs for c in checkpoints(P, v, variant_seeds(P, v), every.get(v))],
                "splits": splits(P, vs), "eval_sets": eval_sets(P, vs)}
    if experiment == "e6":
        v = exps["e6"]["variant"]
        return {"checkpoints": checkpoints(P, v, e6_seeds(P), e6_epochs(P)), "splits": splits(P, [v])}
    if experiment == "e7":
        vs = exps["e7"]["variants"]
        return {"checkpoints": [c for v in vs for c in checkpoints(P, v, e7_seeds(P, v))], "splits": splits(P, vs)}
    raise KeyError(experiment)


def baseline_seeds(P: dict, variant: str) -> list[int]:
    """The training seeds of a variant the baselines beyond the post use (the first max_seeds)."""
    return variant_seeds(P, variant)[: P["experiments"]["beyond_baselines"]["max_seeds"]]


def baselines_inputs(P: dict) -> dict:
    """Inputs of beyond_baselines: the last checkpoints of the post's U-Net and of the DDPM, the VAE and the
    trained denoiser, and their images (one data set: config checks they share the U-Net's)."""
    b = P["experiments"]["beyond_baselines"]
    vs = [b["reference"], b["ddpm"], b["vae"], b["dae"]]
    return {"checkpoints": [c for v in vs for c in checkpoints(P, v, baseline_seeds(P, v))], "splits": splits(P, vs)}


def generalisation_variants(P: dict, experiment: str) -> list[str]:
    """The variants g_disjoint, g_size or m_attractor (beyond the post) measures."""
    exp = P["experiments"][experiment]
    if experiment == "g_disjoint":
        return list(exp["pair"])
    if experiment == "g_size":
        return list(dict.fromkeys(v for pair in exp["pairs"] for v in pair))
    return list(exp["variants"])


def generalisation_inputs(P: dict, experiment: str) -> dict:
    """Inputs of g_disjoint, g_size and m_attractor: every seed's last checkpoint, the images, and the manifest
    the training photographs are split by (a variant's `train.subset`)."""
    vs = generalisation_variants(P, experiment)
    return {"checkpoints": [c for v in vs for c in checkpoints(P, v, variant_seeds(P, v))], "splits": splits(P, vs),
            "manifests": [{"dataset": d, "path": paths.manifest(d)}
                          for d in dict.fromkeys(P["variants"][v]["dataset"] for v in vs)]}


def invert_inputs(P: dict, variant: str, seed: int, state: str) -> dict:
    """Inputs of one inversion job: the checkpoint (trained) and the images it inverts."""
    data_variant = P["experiments"]["e10"]["variant"] if variant == VIT_B_32 else variant
    out = {"splits": splits(P, [data_variant], ["val"]), "eval_sets": eval_sets(P, [data_variant])}
    if state == "trained" and variant != VIT_B_32:
        out["checkpoints"] = checkpoints(P, variant, [int(seed)])
    return out


def inversion_file(variant, seed, state, bn="train", kind="clean") -> str:
    return paths.vit_b_32_inversion(state) if variant == VIT_B_32 else paths.inversion(variant, seed, state, bn, kind)


def _conditions(variants, seeds_of, states, bn="train", kind="clean") -> list[tuple]:
    return [(v, s, st, bn, k) for v in variants for s in seeds_of(v) for st in states
            for k in ([kind] if isinstance(kind, str) else kind)]


def represent_conditions(P: dict, experiment: str) -> list[tuple]:
    """The inversions e2, e4, e5, e8c, e9_represent, e10 and t compare: (variant, seed, state, bn, kind) each."""
    exps = P["experiments"]

    def seeds(v):
        return variant_seeds(P, v)

    both = ["trained", "untrained"]
    if experiment == "e2":
        e2 = exps["e2"]
        v = e2["variant"]
        return (_conditions([v], lambda _: e2.get("seeds", seeds(v)), both)
                + _conditions([v], lambda _: e2.get("eval_seeds", seeds(v)), both, bn="eval"))
    if experiment == "e4":
        e4 = exps["e4"]
        return _conditions([e4["variant"]], lambda v: e4.get("seeds", seeds(v)), ["trained"], kind=["noisy", "clean"])
    if experiment in ("e5", "e8c"):
        e = exps[experiment]
        shared = e.get("seeds", sorted(set(seeds(e["variant"])) & set(seeds(e["reference"]))))
        return _conditions([e["variant"], e["reference"]], lambda _: shared, ["trained"])
    if experiment == "e9_represent":
        e9 = exps["e9"]
        return (_conditions([e9["linear"], e9["dot"], e9["attention_only"]], seeds, ["trained"])
                + _conditions([e9["unet"]], lambda v: seeds(v)[:1], ["trained"]))  # shown beside, not judged
    if experiment == "e10":
        e10 = exps["e10"]
        return (_conditions([e10["variant"]], seeds, both)
                + (_conditions([VIT_B_32], lambda _: [0], both) if e10["vit_b_32_weights"] else []))
    if experiment == "t":
        return _conditions([exps["t"]["variant"]], seeds, both)
    raise KeyError(experiment)


def represent_inputs(P: dict, experiment: str) -> dict:
    """Inputs of e2, e4, e5, e8c, e9_represent, e10 and t: the inversion files they compare (and T's images)."""
    out = {"inversions": [inversion_file(*c) for c in represent_conditions(P, experiment)]}
    if experiment == "t":
        out["splits"] = splits(P, [P["experiments"]["t"]["variant"]], ["val"])
    return out


def train_inputs(P: dict, variant: str) -> dict:
    """The training images of a variant (and, for the ViT, the manifest its labels come from)."""
    out = {"splits": splits(P, [variant], ["train", "val"])}  # val: the validation curve
    cfg = P["variants"][variant]
    if cfg["model"] == "vit" or cfg["train"].get("subset"):  # labels: classes, or photographs to split by
        ds = P["variants"][variant]["dataset"]
        out["manifests"] = [{"dataset": ds, "path": paths.manifest(ds)}]
    return out


def trained_variants(P: dict) -> list[str]:
    """The variants this run trains: all of the post's, and the baselines beyond the post (`group: beyond`)
    only when params switch them on (`beyond: true`)."""
    return [v for v, cfg in P["variants"].items() if cfg.get("group", "post") != "beyond" or P["beyond"]]


def training_inputs(P: dict) -> dict:
    """Every training run's loss and validation curves, and the validation images they were measured on
    (the training summary)."""
    vs = trained_variants(P)
    return {"runs": [{"variant": v, "seed": s, "path": paths.loss_steps(v, s), "validation": paths.validation(v, s),
                      "run": paths.run_dir(v, s)} for v in vs for s in variant_seeds(P, v)],
            "splits": splits(P, vs, ["val"])}


# ---- figure names --------------------------------------------------------------------------------

def figure_name(stem: str, set_name: str = "") -> str:
    """`stem.png` on a data set's validation images, `stem-<name>.png` on an extra evaluation set."""
    return f"{stem}-{set_name.split(':', 1)[1]}.png" if set_name.startswith("eval:") else f"{stem}.png"


def _per_set(P: dict, stems) -> list[str]:
    sets = [""] + [f"eval:{name}" for name in P["eval_sets"]]
    return [figure_name(stem, s) for stem in stems for s in sets]


def figures(P: dict, experiment: str) -> list[str]:
    """The figure files (and, for T, the sweep table) an experiment writes into its folder."""
    exps = P["experiments"]
    if experiment == "e1":
        return _per_set(P, ("noise_test", "ratio_hist")) + ["loss.png"]
    if experiment == "e2":
        return _per_set(P, ("rows", "rows_eval", "noise", "noise_eval")) + ["convergence.png"]
    if experiment == "e3":
        return _per_set(P, ("denoise", "ratio", "psnr", "ssim", "batchnorm", "batch1", "attention"))
    if experiment == "e4":
        return _per_set(P, ("rows", "ratio_hist")) + ["convergence.png"]
    if experiment == "e5":
        return _per_set(P, ("rows", "errors")) + ["convergence.png"]
    if experiment == "e6":
        return ["walk-noisefree.gif", "walk-noisy.gif", "strip-noisefree.png", "strip-noisy.png", "curve.png",
                "distances.png"]
    if experiment == "e7":
        e7 = exps["e7"]
        return ([f"strip-{v}-N{n}.png" for v in e7["variants"] for n in e7_steps(P, v)]
                + [f"samples-N{n}.png" for n in e7["steps"]] + ["nearest.png", "swd.png", "detail_coherence.png"])
    if experiment == "beyond_baselines":
        return ["samples.png", "swd.png", "reconstructions.png", "sharpness.png", "denoise.png"]
    if experiment == "g_disjoint":
        return ["samples.png", "similarity.png"]
    if experiment == "g_size":
        return ["curve.png", "samples.png", "similarity.png"]
    if experiment == "m_attractor":
        return ["shares.png", "rho.png", "endpoints.png"]
    if experiment in ("e8c", "e9_represent"):
        return _per_set(P, ("rows",)) + ["convergence.png"]
    if experiment == "e10":
        vits = [""] + (["-vit_b_32"] if exps["e10"]["vit_b_32_weights"] else [])
        return [name for tag in vits for name in _per_set(P, (f"rows{tag}",)) + [f"convergence{tag}.png"]]
    if experiment == "t":
        return ["ks_width.png", "ks_depth.png"] + _per_set(P, ("ks_trained", "rows")) + ["sweep.csv"]
    raise KeyError(experiment)
