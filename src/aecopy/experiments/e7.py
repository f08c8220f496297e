"""E7: diffusion-like generation (SPEC E7): samples of several U-Nets after N steps, measured
against held-out images (SWD on Laplacian-pyramid patches), for copying (nearest training image),
detail (high-frequency energy) and coherence (low-pass SWD)."""
from __future__ import annotations

import torch

from .. import datasets, plan
from ..claims import make_claim
from ..cli.common import device, log
from ..distribution import contrast_ci, interval, nearest_distance, phase_randomised, statistic_ci, swd_report
from ..image_stats import hf_energy
from ..procedures.generate import frame_steps, generate_batched
from ..procedures.noise import noise_like
from ..report import figures
from ..train import to_input

PAPER_FIGURE = "denoising autoencoder (diffusion-like generation, 30 and 200 steps)"
N_SHOW = 8


def data_for(source, exp, dataset: str, size: int, seed: int) -> dict:
    """Reference (validation), floor (training images, as many as samples), ceiling (the floor
    phase-randomised) and the starting noise of one data set at one resolution, all in [0, 1]; the
    whole training split as stored (uint8) with `to_image`, which converts a chunk of it."""
    val = source.split(dataset, "val")
    train = source.split(dataset, "train")
    n = exp["n_samples"]
    reference = to_input(val[datasets.spread_indices(val.shape[0], exp["max_reference"])], size, "cpu")
    floor = to_input(train[datasets.spread_indices(train.shape[0], n)], size, "cpu")
    noise = noise_like(torch.empty(n, 3, size, size), torch.Generator().manual_seed(seed)).clamp(0, 1)
    ceiling = phase_randomised(floor, torch.Generator().manual_seed(seed))
    return {"reference": reference, "floor": floor, "ceiling": ceiling, "noise": noise, "train": train,
            "to_image": lambda u8: to_input(u8, size, "cpu"),
            "val_probe": reference[datasets.spread_indices(reference.shape[0], n)]}


def run(params, inputs):
    """Claims E7-N<steps>, E7-novel, E7-width-detail and E7-depth-coherence."""
    exp = params["experiments"]["e7"]
    figs = figures.Figures()
    dev = device(params)
    seed0 = params["seed"]
    variants = exp["variants"]
    judge = exp["judge_steps"]

    # --- generate: the same starting noise for every variant (one generator per N)
    samples: dict = {}  # (variant, N) -> (n, 3, S, S) clamped to [0, 1]
    strips: dict = {}
    seeds = {}
    for v in variants:
        cfg = params["variants"][v]
        seeds[v] = plan.e7_seeds(params, v)
        for seed in seeds[v]:
            model, ckpt = inputs.model(v, seed, device=dev)
            model.train()  # BatchNorm in train mode during generation, as in the post
            for n_steps in exp["steps"]:
                gen = torch.Generator().manual_seed(seed0 + n_steps)
                keep = frame_steps(n_steps, exp["frames"])
                s, frames = generate_batched(model, exp["n_samples"], exp["batch_size"],
                                             (3, cfg["image_size"], cfg["image_size"]), n_steps, gen, keep, N_SHOW, dev)
                samples.setdefault((v, n_steps), []).append(s.clamp(0, 1))
                if seed == seeds[v][0]:
                    strips[(v, n_steps)] = frames
            log(f"{v} seed {seed} (epoch {ckpt['epoch']}): generated {exp['n_samples']} samples at N = {exp['steps']}")
    pooled = {k: torch.cat(v) for k, v in samples.items()}

    # --- measures, per data set and resolution
    key_of = {v: (params["variants"][v]["dataset"], params["variants"][v]["image_size"]) for v in variants}
    data = {k: data_for(inputs, exp, *k, seed0) for k in dict.fromkeys(key_of.values())}
    swd, detail, nn, val_nn = {}, {}, {}, {}
    for key, d in data.items():
        members = [(v, n) for v in variants if key_of[v] == key for n in exp["steps"]]
        rep = swd_report({name(v, n): pooled[(v, n)] for v, n in members}, d["reference"], d["floor"],
                         d["ceiling"], **exp["swd"], seed=seed0, extra={"noise": d["noise"]})
        swd[key] = rep
        ref_hf = float(hf_energy(d["reference"]).mean())
        val_nn[key] = nearest_distance(d["val_probe"], d["train"], transform=d["to_image"])[0].numpy()
        for v, n in members:  # per-seed lists of per-sample values
            detail[name(v, n)] = [(hf_energy(t) / ref_hf).numpy() for t in samples[(v, n)]]
            nn[name(v, n)] = [nearest_distance(t, d["train"], transform=d["to_image"])[0].numpy()
                              for t in samples[(v, n)]]
        log(f"{key[0]} @ {key[1]}: SWD floor (train vs val) {rep['_floor']['mean']['value']:.4f}, "
            f"ceiling (phase-randomised) {rep['_ceiling']['mean']['value']:.4f}, "
            f"noise {rep['_noise']['mean']['value']:.4f}; "
            + ", ".join(f"{name(v, n)} {rep[name(v, n)]['mean']['value']:.4f}" for v, n in members))

    def swd_of(v, n):
        return swd[key_of[v]][name(v, n)]

    # --- figures
    strip_names = {}
    for (v, n), frames in strips.items():
        strip_names[(v, n)] = f"strip-{v}-N{n}.png"
        figs.add(strip_names[(v, n)], figures.image_rows, {f"t = {t}": f for t, f in sorted(frames.items())}, scale="minmax",
                           title=f"{v}: frames g_t of {n}-step generation")
    for n in exp["steps"]:
        rows = {v: pooled[(v, n)][:N_SHOW] for v in variants}
        ref_imgs = data[key_of[variants[0]]]["reference"]
        rows["validation"] = ref_imgs[datasets.spread_indices(ref_imgs.shape[0], N_SHOW)]
        figs.add(f"samples-N{n}.png", figures.image_rows, rows, scale="minmax", title=f"final samples after {n} steps")
    ref_v = variants[0]
    d0 = data[key_of[ref_v]]
    _, nn_i = nearest_distance(pooled[(ref_v, judge)][:N_SHOW], d0["train"], transform=d0["to_image"])
    nn_rows = {f"{ref_v} samples": pooled[(ref_v, judge)][:N_SHOW],
               "nearest training image": d0["to_image"](d0["train"][nn_i])}
    figs.add("nearest.png", figures.image_rows, nn_rows,
                       title="copying check: each sample above its nearest training patch")
    series = {}
    for n in exp["steps"]:
        series[f"samples, N = {n}"] = [swd_of(v, n)["mean"] for v in variants]
    series["train vs validation (floor)"] = [swd[key_of[v]]["_floor"]["mean"] for v in variants]
    series["phase-randomised training images (ceiling)"] = [swd[key_of[v]]["_ceiling"]["mean"] for v in variants]
    series["starting noise"] = [swd[key_of[v]]["_noise"]["mean"] for v in variants]
    figs.add("swd.png", figures.interval_plot, {k: (variants, vals) for k, vals in series.items()}, "model",
                          "mean SWD to validation images", title="multi-scale SWD on Laplacian-pyramid patches")
    dc = {}
    for n in exp["steps"]:
        dc[f"detail, N = {n}"] = [statistic_ci(detail[name(v, n)], seed=seed0) for v in variants]
        dc[f"coarse SWD, N = {n}"] = [swd_of(v, n)["levels"][-1] for v in variants]
    figs.add("detail_coherence.png", figures.interval_plot, {k: (variants, vals) for k, vals in dc.items()}, "model",
                          "detail: HF energy / data's; coherence: low-pass SWD", hline=1.0,
                          title="width should raise detail, depth should lower the coarse SWD")

    floor_txt = "; ".join(f"{k[0]}: floor {r['_floor']['mean']['value']:.4f}, ceiling "
                          f"{r['_ceiling']['mean']['value']:.4f}, noise {r['_noise']['mean']['value']:.4f}"
                          for k, r in swd.items())
    swd_fig = {"path": "e7/swd.png", "caption": "Mean SWD (over pyramid levels) of each model's samples to "
               "validation images, beside the train-vs-validation floor, phase-randomised training images (same "
               f"spectrum and colours, no edges or objects) and the starting noise ({floor_txt})."}
    sample_figs = [{"path": f"e7/samples-N{n}.png", "caption": f"Final samples after {n} steps, one row per model "
                    "(min–max scaled per image), and validation images."} for n in exp["steps"]]
    common = dict(scale=params["scale"], experiment="E7", paper_figure=PAPER_FIGURE)

    def data_label(v):
        return f"{key_of[v][0]} (samples vs validation patches)"

    claims = []
    for n in exp["steps"]:
        rule_id = f"E7-N{n}"
        s = swd_of(ref_v, n)
        claims.append(make_claim(
            rule_id, f"Iterated denoising ({n} steps) generates images",
            f"mean SWD to validation images of {ref_v}'s samples / of phase-randomised training images",
            s["vs_ceiling"], params["claims"][rule_id], **common, data=data_label(ref_v), seeds=seeds[ref_v],
            figures=[f for f in sample_figs if f"N{n}" in f["path"]] + [
                {"path": f"e7/{strip_names[(ref_v, n)]}", "caption": f"{ref_v}: frames g_t of one {n}-step run "
                 "(min–max scaled per image)."}, swd_fig],
            details={"swd_mean": s["mean"], "swd_levels": s["levels"], "swd_position": s["position"],
                     "swd_floor_train_vs_val": swd[key_of[ref_v]]["_floor"]["mean"],
                     "swd_ceiling_phase_randomised": swd[key_of[ref_v]]["_ceiling"]["mean"],
                     "swd_noise": swd[key_of[ref_v]]["_noise"]["mean"],
                     "all_models": {name(v, m): swd_of(v, m)["vs_ceiling"] for v in variants for m in exp["steps"]}}))
    ref_name = name(ref_v, judge)
    claims.append(make_claim(
        "E7-novel", "Generated images are new, not copies of training images",
        f"median nearest-training RMS distance of {ref_v}'s samples (N = {judge}) / of validation images",
        contrast_ci(nn[ref_name], [val_nn[key_of[ref_v]]], reduce="median", seed=seed0),
        params["claims"]["E7-novel"], **common, data=data_label(ref_v), seeds=seeds[ref_v],
        figures=[{"path": "e7/nearest.png", "caption": "Samples and their nearest training patches (RMS in pixels): "
                  "a copy would match its neighbour exactly."}],
        details={"samples": statistic_ci(nn[ref_name], "median", seed=seed0),
                 "validation": statistic_ci([val_nn[key_of[ref_v]]], "median", seed=seed0)}))
    narrow, wide = exp["detail_pair"]
    claims.append(make_claim(
        "E7-width-detail", "A wider U-Net generates images with more detail",
        f"mean high-frequency energy of samples (N = {judge}), {wide} / {narrow}",
        contrast_ci(detail[name(wide, judge)], detail[name(narrow, judge)], seed=seed0),
        params["claims"]["E7-width-detail"], **common, data=data_label(wide), seeds=seeds[wide],
        figures=[{"path": "e7/detail_coherence.png", "caption": "Detail: high-frequency energy of samples relative "
                  "to validation images (1 = as rough as the data); coherence proxy: SWD at the low-pass pyramid level "
                  "(lower = global layout closer to the data)."}] + sample_figs[:1],
        details={v: statistic_ci(detail[name(v, judge)], seed=seed0) for v in variants}))
    shallow, deep = exp["coherence_pair"]
    bs, bd = swd[key_of[shallow]], swd[key_of[deep]]
    ratio_boot = bd["_boot"][name(deep, judge)][:, -1] / bs["_boot"][name(shallow, judge)][:, -1]
    ratio_point = bd["_point"][name(deep, judge)][-1] / bs["_point"][name(shallow, judge)][-1]
    claims.append(make_claim(
        "E7-depth-coherence", "A deeper (wide) U-Net generates more globally coherent images",
        f"low-pass-level SWD to validation images (N = {judge}), {deep} / {shallow}",
        interval(ratio_point, ratio_boot), params["claims"]["E7-depth-coherence"], **common,
        data=data_label(deep), seeds=seeds[deep],
        figures=[{"path": "e7/detail_coherence.png", "caption": "Detail and coherence proxies per model (see above)."}]
        + sample_figs[:1],
        details={v: swd_of(v, judge)["levels"][-1] for v in variants}))

    metrics = {"swd": {f"{k[0]}@{k[1]}": {m: v for m, v in r.items() if not m.startswith(("_boot", "_point"))}
                       for k, r in swd.items()},
               "detail": {k: statistic_ci(v, seed=seed0) for k, v in detail.items()},
               "nearest_train": {k: statistic_ci(v, "median", seed=seed0) for k, v in nn.items()},
               "nearest_train_validation": {f"{k[0]}@{k[1]}": statistic_ci([v], "median", seed=seed0)
                                            for k, v in val_nn.items()}}
    return claims, metrics, figs


def name(variant: str, steps: int) -> str:
    """The key of a variant's samples after `steps` steps in the measures and metrics.json."""
    return f"{variant}|N{steps}"

