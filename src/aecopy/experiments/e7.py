"""E7: diffusion-like generation (SPEC E7): samples of several U-Nets after N steps, measured
against held-out images (SWD on Laplacian-pyramid patches), for copying (nearest training image),
detail (high-frequency energy) and coherence (nearest real layout: the pyramid's low-pass level).

Every model a claim is about must copy clean validation images (`premise`); models contrasted in one
claim must have seen as many training images (`budget_tolerance`), and their samples must be images at
all (closer to the data than phase-randomised images), else "more detail" or "more coherent" compares
noise. Samples are made in batches of each variant's training batch size (train-mode BatchNorm); the i-th
training seed of every variant starts from the same noise, and every training seed counts (intervals over
seeds and samples, `metrics.INTERVAL_METHOD`).
"""
from __future__ import annotations

import numpy as np
import torch

from .. import datasets, plan, premise
from ..claims import make_claim, mark_confounded
from ..cli.common import device, log
from ..distribution import (contrast_ci, interval, layout_distance, nearest_distance, phase_randomised,
                            statistic_ci, swd_report)
from ..image_stats import hf_energy
from ..metrics import INTERVAL_METHOD, widen
from ..procedures.generate import frame_steps, generate_batched
from ..procedures.noise import noise_like
from ..report import figures
from ..train import to_input

PAPER_FIGURE = "denoising autoencoder (diffusion-like generation, 30 and 200 steps)"
N_SHOW = 8


def data_for(source, exp, dataset: str, size: int, seed: int) -> dict:
    """Reference (validation), floor (training images, as many as one seed's samples), ceiling (the floor
    phase-randomised) and the starting noise of one data set at one resolution, all in [0, 1]; the
    whole training split as stored (uint8) with `to_image`, which converts a chunk of it."""
    val = source.split(dataset, "val")
    train = source.split(dataset, "train")
    n = exp["n_samples"]
    reference = to_input(val[datasets.spread_indices(val.shape[0], exp["max_reference"])], size, "cpu")
    floor = to_input(train[datasets.spread_indices(train.shape[0], n)], size, "cpu")
    noise = noise_like(torch.empty(n, 3, size, size), torch.Generator().manual_seed(seed)).clamp(0, 1)
    ceiling = phase_randomised(floor, torch.Generator().manual_seed(seed))
    return {"reference": reference, "floor": floor, "ceiling": ceiling, "noise": noise, "train": train, "val": val,
            "to_image": lambda u8: to_input(u8, size, "cpu"),
            "val_probe": reference[datasets.spread_indices(reference.shape[0], n)]}


def budgets_match(seen: dict[str, list], tolerance: float) -> bool:
    """Whether every checkpoint of the contrasted variants ({variant: [images_seen per seed]}) saw as many
    training images as every other, within `tolerance` (relative); an unrecorded budget never matches."""
    values = [s for v in seen.values() for s in v]
    if not values or any(s is None for s in values):
        return False
    return (max(values) - min(values)) <= tolerance * max(values)


def generate_all(params, inputs, exp: dict, variants: list[str], seeds: dict, steps_of: dict, dev) -> dict:
    """Samples {(variant, N): [per seed (n, 3, S, S) in [0, 1]]}, the first seed's frames {(variant, N):
    {n: frame}}, copy quality {variant: {label: quality}} and images seen {variant: [per seed]}."""
    out = {"samples": {}, "strips": {}, "quality": {v: {} for v in variants}, "seen": {v: [] for v in variants}}
    for v in variants:
        cfg = params["variants"][v]
        tcfg = cfg["train"]
        channels_last = tcfg.get("channels_last", False)
        for i, seed in enumerate(seeds[v]):
            model, ckpt = inputs.model(v, seed, device=dev)
            model.train()  # BatchNorm in train mode during generation, as in the post
            if channels_last:
                model = model.to(memory_format=torch.channels_last)
            out["quality"][v][f"{v} seed {seed}"] = inputs.premise(v, seed)
            out["seen"][v].append(ckpt.get("images_seen"))
            for n_steps in steps_of[v]:
                # the i-th seed of every variant starts from the same noise: contrasts pair seed i with seed i
                gen = torch.Generator().manual_seed(params["seed"] + n_steps + 1000 * i)
                s, frames = generate_batched(model, exp["n_samples"], tcfg["batch_size"],
                                             (3, cfg["image_size"], cfg["image_size"]), n_steps, gen,
                                             frame_steps(n_steps, exp["frames"]), N_SHOW, dev, channels_last)
                out["samples"].setdefault((v, n_steps), []).append(s.clamp(0, 1))
                if seed == seeds[v][0]:
                    out["strips"][(v, n_steps)] = frames
            log(f"{v} seed {seed} (epoch {ckpt['epoch']}, {ckpt.get('images_seen')} training images): "
                f"{exp['n_samples']} samples at N = {steps_of[v]}")
    return out


def run(params, inputs):
    """Claims E7-N<steps>, E7-novel, E7-width-detail and E7-depth-coherence."""
    exp = params["experiments"]["e7"]
    figs = figures.Figures()
    seed0 = params["seed"]
    variants = exp["variants"]
    judge = exp["judge_steps"]
    ref_v = variants[0]
    seeds = {v: plan.e7_seeds(params, v) for v in variants}
    steps_of = {v: plan.e7_steps(params, v) for v in variants}
    gen = generate_all(params, inputs, exp, variants, seeds, steps_of, device(params))
    samples, quality, seen = gen["samples"], gen["quality"], gen["seen"]

    # --- measures, per data set and resolution (every seed's samples measured on their own)
    key_of = {v: (params["variants"][v]["dataset"], params["variants"][v]["image_size"]) for v in variants}
    data = {k: data_for(inputs, exp, *k, seed0) for k in dict.fromkeys(key_of.values())}
    swd, detail, nn, val_nn, layout, layout_ref = {}, {}, {}, {}, {}, {}
    levels = exp["swd"]["levels"]
    for key, d in data.items():
        members = [(v, n) for v in variants if key_of[v] == key for n in steps_of[v]]
        rep = swd_report({name(v, n): samples[(v, n)] for v, n in members}, d["reference"], d["floor"],
                         d["ceiling"], **exp["swd"], seed=seed0, extra={"noise": d["noise"]})
        swd[key] = rep
        ref_hf = float(hf_energy(d["reference"]).mean())
        val_nn[key] = nearest_distance(d["val_probe"], d["train"], transform=d["to_image"])[0].numpy()
        layout_ref[key] = {k: layout_distance(d[k], d["val"], levels, transform=d["to_image"]).numpy()
                           for k in ("floor", "ceiling")}  # training images (real, new) and a Gaussian field
        for v, n in members:  # per-seed lists of per-sample values
            detail[name(v, n)] = [(hf_energy(t) / ref_hf).numpy() for t in samples[(v, n)]]
            layout[name(v, n)] = [layout_distance(t, d["val"], levels, transform=d["to_image"]).numpy()
                                  for t in samples[(v, n)]]
            nn[name(v, n)] = [nearest_distance(t, d["train"], transform=d["to_image"])[0].numpy()
                              for t in samples[(v, n)]]
        log(f"{key[0]} @ {key[1]}: SWD floor (train vs val) {rep['_floor']['mean']['value']:.4f}, "
            f"ceiling (phase-randomised) {rep['_ceiling']['mean']['value']:.4f}, "
            f"noise {rep['_noise']['mean']['value']:.4f}; "
            + ", ".join(f"{name(v, n)} {rep[name(v, n)]['mean']['value']:.4f}" for v, n in members))

    def swd_of(v, n):
        return swd[key_of[v]][name(v, n)]

    fig = _figures(figs, exp, variants, steps_of, samples, gen["strips"], data, key_of, swd, detail, layout, ref_v)
    common = dict(scale=params["scale"], experiment="E7", paper_figure=PAPER_FIGURE, interval=INTERVAL_METHOD)
    rules = params["claims"]

    def data_label(v):
        return f"{key_of[v][0]} (samples vs validation patches)"

    def batches(*vs):
        return "; ".join(f"{v}: samples made in batches of {params['variants'][v]['train']['batch_size']} (its "
                         "training batch size, BatchNorm in train mode)" for v in vs) + \
            " (batches by photograph do not apply to samples grown from noise)"

    def guarded(claim, *vs, contrast=False):
        """The premise for every model of the claim; for a contrast, equal budgets and image-like samples."""
        claim["batches"] = batches(*vs)
        mark_confounded(claim, f"fewer than {exp['min_images']} samples per training seed or {exp['min_seeds']} seeds "
                        "of a model", exp["n_samples"] < exp["min_images"]
                        or min(len(seeds[v]) for v in vs) < exp["min_seeds"], reason="too few images or seeds")
        claim["images_seen"] = {v: seen[v] for v in vs}
        claim["seeds_by_variant"] = {v: seeds[v] for v in vs}
        premise.guard(claim, {k: q for v in vs for k, q in quality[v].items()}, params["premise"])
        if contrast:
            mark_confounded(claim, f"the models' checkpoints saw numbers of training images that differ by more "
                            f"than {exp['budget_tolerance']:.0%} (or unrecorded)",
                            not budgets_match({v: seen[v] for v in vs}, exp["budget_tolerance"]),
                            reason="unequal budgets")
            noise_like_samples = [v for v in vs if swd_of(v, judge)["vs_ceiling"]["ci_low"] >= 1.0]
            claim["samples_vs_ceiling"] = {v: swd_of(v, judge)["vs_ceiling"] for v in vs}
            mark_confounded(claim, f"a model's samples (N = {judge}) are no closer to validation images than "
                            "phase-randomised images are (SWD ratio interval at or above 1)",
                            bool(noise_like_samples), reason="samples are not images")
        return claim

    claims = []
    for n in exp["steps"]:
        rule_id = f"E7-N{n}"
        s = swd_of(ref_v, n)
        floor_ceiling = swd[key_of[ref_v]]
        claims.append(guarded(make_claim(
            rule_id, f"Iterated denoising ({n} steps) generates images",
            f"mean SWD to validation images of {ref_v}'s samples / of phase-randomised training images (mean over "
            "seeds, each seed's samples on their own)",
            s["vs_ceiling"], rules[rule_id], **common, data=data_label(ref_v), seeds=seeds[ref_v],
            figures=fig["samples"][n] + [fig["strip"][(ref_v, n)], fig["swd"]],
            details={"swd_mean": s["mean"], "swd_levels": s["levels"], "swd_position": s["position"],
                     "swd_per_seed_vs_ceiling": s["per_seed_vs_ceiling"],
                     "swd_floor_train_vs_val": floor_ceiling["_floor"]["mean"],
                     "swd_ceiling_phase_randomised": floor_ceiling["_ceiling"]["mean"],
                     "swd_noise": floor_ceiling["_noise"]["mean"], "samples_per_seed": exp["n_samples"],
                     "all_models": {name(v, m): swd_of(v, m)["vs_ceiling"] for v in variants for m in steps_of[v]}}),
            ref_v))

    ref_name = name(ref_v, judge)
    novel = contrast_ci(nn[ref_name], [val_nn[key_of[ref_v]]], reduce="median", seed=seed0)
    val_median = float(np.median(val_nn[key_of[ref_v]]))
    widen(novel, [float(np.median(t)) / val_median for t in nn[ref_name]], log=True)  # seeds: a t interval too
    claims.append(guarded(make_claim(
        "E7-novel", "Generated images are new, not copies of training images",
        f"median nearest-training RMS distance of {ref_v}'s samples (N = {judge}) / of validation images",
        novel, rules["E7-novel"], **common, data=data_label(ref_v), seeds=seeds[ref_v], figures=[fig["nearest"]],
        details={"samples": statistic_ci(nn[ref_name], "median", seed=seed0),
                 "validation": statistic_ci([val_nn[key_of[ref_v]]], "median", seed=seed0)}), ref_v))

    narrow, wide = exp["detail_pair"]
    claims.append(guarded(make_claim(
        "E7-width-detail", "A wider U-Net generates images with more detail",
        f"mean high-frequency energy of samples (N = {judge}), {wide} / {narrow}",
        contrast_ci(detail[name(wide, judge)], detail[name(narrow, judge)], seed=seed0),
        rules["E7-width-detail"], **common, data=data_label(wide), seeds=seeds[wide],
        figures=[fig["detail_coherence"]] + fig["samples"][judge],
        details={v: statistic_ci(detail[name(v, judge)], seed=seed0) for v in (narrow, wide)}),
        narrow, wide, contrast=True))

    shallow, deep = exp["coherence_pair"]
    claims.append(guarded(make_claim(
        "E7-depth-coherence", "A deeper (wide) U-Net generates more globally coherent images",
        f"mean RMS distance of a sample's global layout (the low-pass level of a {levels}-level Laplacian pyramid) "
        f"to the nearest validation image's (N = {judge}), {deep} / {shallow}",
        contrast_ci(layout[name(deep, judge)], layout[name(shallow, judge)], seed=seed0),
        rules["E7-depth-coherence"], **common, data=data_label(deep), seeds=seeds[deep],
        figures=[fig["detail_coherence"]] + fig["samples"][judge],
        details={**{v: statistic_ci(layout[name(v, judge)], seed=seed0) for v in (shallow, deep)},
                 "training_images": statistic_ci([layout_ref[key_of[deep]]["floor"]], seed=seed0),
                 "phase_randomised": statistic_ci([layout_ref[key_of[deep]]["ceiling"]], seed=seed0),
                 "low_pass_swd": {"ratio": low_pass_ratio(swd[key_of[deep]], swd[key_of[shallow]], name(deep, judge),
                                                          name(shallow, judge)),
                                  **{v: swd_of(v, judge)["levels"][-1] for v in (shallow, deep)}}}),
        shallow, deep, contrast=True))

    metrics = {"swd": {f"{k[0]}@{k[1]}": {m: v for m, v in r.items() if not m.startswith(("_boot", "_point", "_per"))}
                       for k, r in swd.items()},
               "detail": {k: statistic_ci(v, seed=seed0) for k, v in detail.items()},
               "nearest_train": {k: statistic_ci(v, "median", seed=seed0) for k, v in nn.items()},
               "layout_distance": {k: statistic_ci(v, seed=seed0) for k, v in layout.items()},
               "nearest_train_validation": {f"{k[0]}@{k[1]}": statistic_ci([v], "median", seed=seed0)
                                            for k, v in val_nn.items()},
               "images_seen": seen}
    return claims, metrics, figs


def low_pass_ratio(rep_a: dict, rep_b: dict, a: str, b: str) -> dict:
    """SWD at the low-pass pyramid level of set a / of set b (swd_report results): the ratio of the means
    over seeds, with the envelope of the bootstrap (shared reference draws when both come from one report)
    and a t interval over seed i of a with seed i of b (independent training runs)."""
    point = rep_a["_point"][a][-1] / rep_b["_point"][b][-1]
    out = interval(point, rep_a["_boot"][a][:, -1] / rep_b["_boot"][b][:, -1])
    sa, sb = rep_a["_per_seed"][a][:, -1], rep_b["_per_seed"][b][:, -1]
    if sa.size == sb.size:
        return widen(out, sa / sb, log=True)
    out.update(n_seeds=int(min(sa.size, sb.size)), interval=INTERVAL_METHOD)
    return out


def _figures(figs, exp, variants, steps_of, samples, strips, data, key_of, swd, detail, layout, ref_v) -> dict:
    """Strips, sample grids, the copying check, SWD and detail/coherence plots; their claims' entries."""
    judge = exp["judge_steps"]
    out = {"strip": {}, "samples": {}}
    for (v, n), frames in strips.items():
        path = figs.add(f"strip-{v}-N{n}.png", figures.image_rows, {f"t = {t}": f for t, f in sorted(frames.items())},
                        scale="minmax", title=f"{v}: frames g_t of {n}-step generation")
        out["strip"][(v, n)] = {"path": f"e7/{path}", "caption": f"{v}: frames g_t of one {n}-step run, first seed "
                                "(min–max scaled per image)."}
    ref_imgs = data[key_of[ref_v]]["reference"]
    for n in exp["steps"]:
        rows = {v: samples[(v, n)][0][:N_SHOW] for v in variants if n in steps_of[v]}
        rows["validation"] = ref_imgs[datasets.spread_indices(ref_imgs.shape[0], N_SHOW)]
        path = figs.add(f"samples-N{n}.png", figures.image_rows, rows, scale="minmax",
                        title=f"final samples after {n} steps, first seed")
        out["samples"][n] = [{"path": f"e7/{path}", "caption": f"Final samples after {n} steps, one row per model "
                              "(first seed, min–max scaled per image), and validation images."}]
    d0 = data[key_of[ref_v]]
    first = samples[(ref_v, judge)][0][:N_SHOW]
    _, nn_i = nearest_distance(first, d0["train"], transform=d0["to_image"])
    figs.add("nearest.png", figures.image_rows, {f"{ref_v} samples": first,
                                                 "nearest training image": d0["to_image"](d0["train"][nn_i])},
             title="copying check: each sample above its nearest training patch")
    out["nearest"] = {"path": "e7/nearest.png", "caption": "Samples and their nearest training patches (RMS in "
                      "pixels): a copy would match its neighbour exactly."}
    names = [(v, n) for v in variants for n in steps_of[v]]
    labels = [name(v, n) for v, n in names]
    series = {"samples": [swd[key_of[v]][name(v, n)]["mean"] for v, n in names],
              "train vs validation (floor)": [swd[key_of[v]]["_floor"]["mean"] for v, _ in names],
              "phase-randomised training images (ceiling)": [swd[key_of[v]]["_ceiling"]["mean"] for v, _ in names],
              "starting noise": [swd[key_of[v]]["_noise"]["mean"] for v, _ in names]}
    figs.add("swd.png", figures.interval_plot, {k: (labels, vals) for k, vals in series.items()}, "model | steps",
             "mean SWD to validation images", title="multi-scale SWD on Laplacian-pyramid patches")
    floor_txt = "; ".join(f"{k[0]}: floor {r['_floor']['mean']['value']:.4f}, ceiling "
                          f"{r['_ceiling']['mean']['value']:.4f}, noise {r['_noise']['mean']['value']:.4f}"
                          for k, r in swd.items())
    out["swd"] = {"path": "e7/swd.png", "caption": "Mean SWD (over pyramid levels) of each model's samples to "
                  "validation images, beside the train-vs-validation floor, phase-randomised training images (same "
                  f"spectrum and colours, no edges or objects) and the starting noise ({floor_txt})."}
    dc = {f"detail, N = {judge}": [statistic_ci(detail[name(v, judge)]) for v in variants],
          f"layout distance ×10, N = {judge}": [statistic_ci([10 * t for t in layout[name(v, judge)]])
                                                 for v in variants]}
    figs.add("detail_coherence.png", figures.interval_plot, {k: (variants, vals) for k, vals in dc.items()}, "model",
             "detail: HF energy / data's; layout distance", hline=1.0,
             title="width should raise detail, depth should lower the layout distance")
    out["detail_coherence"] = {"path": "e7/detail_coherence.png", "caption": "Detail: high-frequency energy of "
                               "samples relative to validation images (1 = as rough as the data); coherence proxy: RMS "
                               "distance (×10) of a sample's low-pass layout to the nearest validation image's "
                               "(lower = a global layout closer to a real one)."}
    return out


def name(variant: str, steps: int) -> str:
    """The key of a variant's samples after `steps` steps in the measures and metrics.json."""
    return f"{variant}|N{steps}"
