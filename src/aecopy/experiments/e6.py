"""E6: manifold walks (SPEC E6): noisy and noise-free walks from a batch of validation images,
their frames, and the share of images that walk at every measured training epoch."""
from __future__ import annotations

import numpy as np
import torch

from .. import datasets, plan
from ..claims import make_claim
from ..cli.common import device, log
from ..distribution import contrast_ci, phase_randomised, statistic_ci, swd_report
from ..procedures.noise import noise_like
from ..procedures.walk import walk_batched
from ..report import figures
from ..train import to_input

PAPER_FIGURE = "manifold walk videos (landscapes, 300 steps)"


def split_images(n: int, walked: int, reference: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices of `walked` validation images to walk from and `reference` others to compare with."""
    start = datasets.spread_indices(n, walked)
    rest = np.setdiff1d(np.arange(n), start)
    return start, rest[datasets.spread_indices(rest.size, reference)]


def strip_rows(x: torch.Tensor, frames: dict[int, torch.Tensor], n: int, count: int = 6) -> dict[str, torch.Tensor]:
    """{"x": start images, "t=…": frames} at `count` steps spread over the walk, n images each."""
    steps = sorted(frames)
    picks = sorted({steps[round(i * (len(steps) - 1) / (count - 1))] for i in range(count)})
    return {"x (start)": x[:n], **{f"t = {t}": frames[t][:n] for t in picks}}


def run(params, inputs):
    """Claims E6-noisefree, E6-trend and E6-generates: walks from validation images with the checkpoints
    of the measured epochs and seeds (plan.e6_epochs, plan.e6_seeds)."""
    exp = params["experiments"]["e6"]
    vname = exp["variant"]
    cfg = params["variants"][vname]
    epochs = plan.e6_epochs(params)
    seeds = plan.e6_seeds(params)
    figs = figures.Figures()
    dev = device(params)
    seed0 = params["seed"]

    val = inputs.split(cfg["dataset"], "val")
    start, ref_idx = split_images(val.shape[0], exp["max_images"], exp["max_reference"])
    x = to_input(val[start], cfg["image_size"], "cpu")  # (N, 3, S, S)
    reference = to_input(val[ref_idx], cfg["image_size"], "cpu")
    n_gif = exp["gif"]["images"]
    keep = tuple(sorted({*range(1, exp["steps"] + 1, exp["gif"]["every"]), exp["steps"]}))

    curve = {"distance": {e: [] for e in epochs}, "reconstruction": {e: [] for e in epochs}}
    walks = {}
    for seed in seeds:
        for epoch in epochs:
            model, _ = inputs.model(vname, seed, epoch, device=dev)
            model.train()  # BatchNorm in train mode during walks, as in the post
            last = epoch == epochs[-1] and seed == seeds[0]
            res = walk_batched(model, x, exp["batch_size"], exp["steps"], 0.0, None, keep if last else (), n_gif, dev)
            curve["distance"][epoch].append(res["distance"].numpy())
            curve["reconstruction"][epoch].append(res["reconstruction"].numpy())
            log(f"{vname} seed {seed} epoch {epoch}: noise-free walk median distance "
                f"{np.median(res['distance']):.4f}, share > {exp['threshold']}: "
                f"{(res['distance'] > exp['threshold']).float().mean():.3f}, "
                f"one-step RMS {res['reconstruction'].median():.4f}")
            if last:
                walks["noise-free"] = res
                gen = torch.Generator().manual_seed(seed0)
                walks["noisy"] = walk_batched(model, x, exp["batch_size"], exp["steps"], exp["eps"], gen, keep,
                                              n_gif, dev)
                log(f"noisy walk (ε = {exp['eps']}): median distance {walks['noisy']['distance'].median():.4f}")

    # --- figures: GIF and strip per walk, the curve over epochs, distance histograms
    walk_figs = {}
    for kind, res in walks.items():
        slug = kind.replace("-", "")
        frames = [x[:n_gif]] + [res["frames"][t] for t in keep]
        figs.add(f"walk-{slug}.gif", figures.write_gif, frames, scale="minmax", upscale=2)
        title = f"{kind} walk, {vname} epoch {epochs[-1]}" + (f", ε = {exp['eps']}" if kind == "noisy" else "")
        figs.add(f"strip-{slug}.png", figures.image_rows, strip_rows(x, res["frames"], n_gif), scale="minmax",
                           title=title)
        walk_figs[kind] = [{"path": f"e6/walk-{slug}.gif", "caption": f"The {kind} walk, one frame every "
                       f"{exp['gif']['every']} of {exp['steps']} steps (min–max scaled per image)."},
                      {"path": f"e6/strip-{slug}.png", "caption": f"Frames of the {kind} walk: start images, then "
                       "g_t at steps spread over the walk (min–max scaled per image)."}]
    thr = exp["threshold"]
    med = {e: statistic_ci(curve["distance"][e], "median", seed=seed0) for e in epochs}
    share = {e: statistic_ci([d > thr for d in curve["distance"][e]], seed=seed0) for e in epochs}
    recon = {e: statistic_ci(curve["reconstruction"][e], "median", seed=seed0) for e in epochs}
    series = {"median walk distance RMS(g_T − g_1)": med, f"share of images walking (> {thr})": share,
              "median one-step reconstruction RMS": recon}
    figs.add("curve.png", figures.interval_plot, {k: (epochs, [v[e] for e in epochs]) for k, v in series.items()},
                          "training epoch", "RMS on the [0, 1] scale / share", hline=thr,
                          title=f"noise-free walks of {exp['steps']} steps, {x.shape[0]} images, seeds {seeds}")
    figs.add("distances.png", figures.histogram, {f"epoch {e}": np.concatenate(curve["distance"][e]) for e in (epochs[0], epochs[-1])}, "RMS(g_T − g_1)", vline=thr, title="noise-free walk distances")
    curve_figs = [{"path": "e6/curve.png", "caption": "Noise-free walks at each measured epoch: the median walk "
                   "distance, the share over the threshold (dashed) and the model's one-step reconstruction RMS; "
                   "a one-step error near the threshold makes every image 'walk', so the median carries the claim."},
                  {"path": "e6/distances.png",
                   "caption": "Per-image walk distances at the first and last measured epoch."}]

    # --- the walks' last frames as a distribution: between real images (floor) and a Gaussian field
    # with the data's spectrum (ceiling, phase-randomised training images); the noise for reference
    train = inputs.split(cfg["dataset"], "train")
    floor = to_input(train[datasets.spread_indices(train.shape[0], x.shape[0])], cfg["image_size"], "cpu")
    ceiling = phase_randomised(floor, torch.Generator().manual_seed(seed0))
    noise = noise_like(x, torch.Generator().manual_seed(seed0)).clamp(0, 1)
    swd = swd_report({k: r["last"].clamp(0, 1) for k, r in walks.items()}, reference, floor, ceiling,
                     **exp["swd"], seed=seed0, extra={"noise": noise})

    common = dict(scale=params["scale"], data=f"{cfg['dataset']} (validation patches)", experiment="E6",
                  paper_figure=PAPER_FIGURE)
    claims = [
        make_claim("E6-noisefree", "Walks without latent noise also move (most images walk early in training)",
                   f"share of images with RMS(g_T − g_1) > {thr}, noise-free, epoch {epochs[0]}", share[epochs[0]],
                   params["claims"]["E6-noisefree"], **common, seeds=seeds,
                   figures=walk_figs.get("noise-free", []) + curve_figs[:1],
                   details={"median_distance": med[epochs[0]], "one_step_rms": recon[epochs[0]]}),
        make_claim("E6-trend", "The share of images that walk falls with training",
                   f"median walk distance, epoch {epochs[-1]} minus epoch {epochs[0]} (noise-free)",
                   contrast_ci(curve["distance"][epochs[-1]], curve["distance"][epochs[0]], op="diff", reduce="median",
                               paired_images=True, paired_seeds=True, seed=seed0),
                   params["claims"]["E6-trend"], **common, seeds=seeds, figures=curve_figs,
                   details={"epochs": epochs, "median_distance": {str(e): med[e] for e in epochs},
                            "share_walking": {str(e): share[e] for e in epochs},
                            "one_step_rms": {str(e): recon[e] for e in epochs}}),
        make_claim("E6-generates", "Manifold walks (latent noise ε each step) generate images",
                   "mean SWD to validation images of the noisy walk's last frames / of phase-randomised images",
                   swd["noisy"]["vs_ceiling"], params["claims"]["E6-generates"], **common,
                   seeds=seeds[:1],  # the noisy walk runs on the first seed's last checkpoint
                   figures=walk_figs.get("noisy", []),
                   details={"swd_mean": swd["noisy"]["mean"], "swd_position": swd["noisy"]["position"],
                            "swd_floor_train_vs_val": swd["_floor"]["mean"],
                            "swd_ceiling_phase_randomised": swd["_ceiling"]["mean"], "swd_noise": swd["_noise"]["mean"],
                            "median_distance": statistic_ci([walks["noisy"]["distance"].numpy()], "median",
                                                            seed=seed0)}),
    ]
    metrics = {"epochs": epochs, "median_distance": med, "share_walking": share, "one_step_rms": recon,
               "swd": {k: v for k, v in swd.items() if not k.startswith("_b") and not k.startswith("_p")}}
    return claims, metrics, figs
