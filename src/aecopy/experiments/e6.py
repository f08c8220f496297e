"""E6: manifold walks (SPEC E6): noisy and noise-free walks from a batch of validation images, their
frames, and the share of images that walk at every measured training epoch.

A walk only says something about the model where its one-step reconstruction error lies below the walk
threshold (else every image "walks" by its reconstruction error alone, trained or not), and the post's
claims are about autoencoders that copy their inputs (`premise`). The epochs where both hold for every
seed are the *judged* epochs: E6-noisefree is judged at the first of them ("early in training"), E6-trend
over all of them, and only when they span a real share of training (`min_span`, `min_checkpoints`).
Walks start from random batches of validation images at the training batch size (train-mode BatchNorm
sees a batch as training drew them); the other compositions are measured beside (`compositions`).
"""
from __future__ import annotations

import numpy as np
import torch

from .. import datasets, plan, premise
from ..claims import add_sensitivity, make_claim, mark_confounded
from ..cli.common import device, log
from ..distribution import phase_randomised, statistic_ci, swd_report, trend_ci
from ..metrics import INTERVAL_METHOD
from ..procedures.noise import noise_like
from ..procedures.walk import walk_composed
from ..report import figures
from ..train import to_input

PAPER_FIGURE = "manifold walk videos (landscapes, 300 steps)"
PER_STEPS = 1000  # the trend's slope is per this many training steps' worth of images


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


class Walks:
    """Walks of one variant's checkpoints from the same start images x (N, C, H, W), cached by
    (composition, noisy, epoch, seed); the batches of a composition are the same at every epoch and seed.
    The walks of random batches at `shown` = (epoch, seed) keep their frames at the steps `keep`."""

    def __init__(self, params, inputs, x: torch.Tensor, keep: tuple[int, ...], shown: tuple[int, int]):
        self.exp = params["experiments"]["e6"]
        self.vname = self.exp["variant"]
        tcfg = params["variants"][self.vname]["train"]
        self.bs, self.channels_last = tcfg["batch_size"], tcfg.get("channels_last", False)
        self.inputs, self.x, self.keep, self.shown, self.seed0 = inputs, x, keep, shown, params["seed"]
        self.dev = device(params)
        self.cache: dict = {}
        self.ckpt: dict = {}

    def model(self, seed: int, epoch: int):
        model, ckpt = self.inputs.model(self.vname, seed, epoch, device=self.dev)
        self.ckpt[(epoch, seed)] = ckpt
        model.train()  # BatchNorm in train mode during walks, as in the post
        return model.to(memory_format=torch.channels_last) if self.channels_last else model

    def __call__(self, composition: str, noisy: bool, epoch: int, seed: int) -> dict:
        key = (composition, noisy, epoch, seed)
        if key not in self.cache:
            eps = self.exp["eps"] if noisy else 0.0
            frames = self.keep if (composition, (epoch, seed)) == ("random", self.shown) else ()
            self.cache[key] = walk_composed(
                self.model(seed, epoch), self.x, self.bs, composition, self.exp["steps"], eps,
                torch.Generator().manual_seed(self.seed0), torch.Generator().manual_seed(self.seed0 + 1),
                frames, self.exp["gif"]["images"], self.dev, self.channels_last)
        return self.cache[key]

    def images_seen(self, epoch: int, seed: int) -> float:
        """Training images the checkpoint has seen (the epoch number when the checkpoint does not say)."""
        seen = self.ckpt[(epoch, seed)].get("images_seen")
        return float(epoch if seen is None else seen)


def judged_epochs(epochs, recon, quality, threshold: float, bar: dict) -> tuple[list[int], dict, dict]:
    """(epochs where every seed's median one-step reconstruction RMS is below `threshold` and every seed
    copies to the premise bar, {epoch: informative}, {epoch: premise met})."""
    informative = {e: all(float(np.median(r)) < threshold for r in recon[e]) for e in epochs}
    copies = {e: all(q is None or premise.met(q, bar) for q in quality[e].values()) for e in epochs}
    return [e for e in epochs if informative[e] and copies[e]], informative, copies


def run(params, inputs):
    """Claims E6-noisefree, E6-trend and E6-generates: walks from validation images with the checkpoints
    of the measured epochs and seeds (plan.e6_epochs, plan.e6_seeds)."""
    exp = params["experiments"]["e6"]
    vname = exp["variant"]
    cfg = params["variants"][vname]
    epochs = plan.e6_epochs(params)
    seeds = plan.e6_seeds(params)
    seed0 = params["seed"]
    thr = exp["threshold"]
    bar = params["premise"]
    figs = figures.Figures()

    val = inputs.split(cfg["dataset"], "val")
    start, ref_idx = split_images(val.shape[0], exp["max_images"], exp["max_reference"])
    x = to_input(val[start], cfg["image_size"], "cpu")  # (N, 3, S, S)
    reference = to_input(val[ref_idx], cfg["image_size"], "cpu")
    n_gif = exp["gif"]["images"]
    keep = tuple(sorted({*range(1, exp["steps"] + 1, exp["gif"]["every"]), exp["steps"]}))
    walks = Walks(params, inputs, x, keep, shown=(epochs[-1], seeds[0]))

    # --- noise-free walks at every measured epoch, random batches at the training batch size
    dist = {e: [] for e in epochs}
    recon = {e: [] for e in epochs}
    quality = {e: {} for e in epochs}
    for seed in seeds:
        for epoch in epochs:
            res = walks("random", False, epoch, seed)
            dist[epoch].append(res["distance"].numpy())
            recon[epoch].append(res["reconstruction"].numpy())
            quality[epoch][f"{vname} seed {seed} epoch {epoch}"] = inputs.premise(vname, seed, epoch)
            log(f"{vname} seed {seed} epoch {epoch}: noise-free walk median distance "
                f"{np.median(res['distance']):.4f}, share > {thr}: {(res['distance'] > thr).float().mean():.3f}, "
                f"one-step RMS median {res['reconstruction'].median():.4f}")
    judged, informative, copies = judged_epochs(epochs, recon, quality, thr, bar)
    seen = {e: float(np.mean([walks.images_seen(e, s) for s in seeds])) for e in epochs}
    log(f"judged epochs (one-step RMS < {thr} and the premise met for every seed): {judged}")

    med = {e: statistic_ci(dist[e], "median", seed=seed0) for e in epochs}
    share = {e: statistic_ci([d > thr for d in dist[e]], seed=seed0) for e in epochs}
    one_step = {e: statistic_ci(recon[e], "median", seed=seed0) for e in epochs}
    per_epoch = {str(e): {"images_seen": seen[e], "median_distance": med[e], "share_walking": share[e],
                          "one_step_rms": one_step[e], "informative": informative[e], "premise_met": copies[e]}
                 for e in epochs}

    # --- the noisy walks (latent noise ε) from the last checkpoint of every seed
    last = epochs[-1]
    noisy = [walks("random", True, last, s) for s in seeds]
    for s, res in zip(seeds, noisy):
        log(f"noisy walk (ε = {exp['eps']}), seed {s}: median distance {res['distance'].median():.4f}")

    # --- the noisy walks' last frames as a distribution: between real images (floor) and a Gaussian field
    # with the data's spectrum (ceiling, phase-randomised training images), each with as many images as a seed
    train = inputs.split(cfg["dataset"], "train")
    floor = to_input(train[datasets.spread_indices(train.shape[0], x.shape[0])], cfg["image_size"], "cpu")
    ceiling = phase_randomised(floor, torch.Generator().manual_seed(seed0))
    noise = noise_like(x, torch.Generator().manual_seed(seed0)).clamp(0, 1)

    def swd_of(results):
        return swd_report({"walk": [r["last"].clamp(0, 1) for r in results]}, reference, floor, ceiling,
                          **exp["swd"], seed=seed0, extra={"noise": noise})

    swd = swd_of(noisy)

    # --- claims
    common = dict(scale=params["scale"], data=f"{cfg['dataset']} (validation patches)", experiment="E6",
                  paper_figure=PAPER_FIGURE, seeds=seeds, interval=INTERVAL_METHOD)
    rules = params["claims"]
    one_step_reason = "one-step error above the walk threshold"
    one_step_condition = (f"a seed's median one-step reconstruction RMS is ≥ the walk threshold {thr} at the judged "
                          "epoch")
    batches = (f"walks start from random batches of {walks.bs} validation images across photographs, as training "
               "draws them; each batch walks together (BatchNorm in train mode)")
    walk_figs, curve_figs = _figures(figs, x, walks, seeds, epochs, judged, med, share, one_step, dist, exp, vname, thr)

    small = x.shape[0] < exp["min_images"] or len(seeds) < exp["min_seeds"]
    small_condition = f"fewer than {exp['min_images']} images walked per training seed or {exp['min_seeds']} seeds"

    # E6-noisefree: at the first judged epoch (or, with none, the first informative or the first measured one)
    e_nf = judged[0] if judged else next((e for e in epochs if informative[e]), epochs[0])
    noisefree = make_claim(
        "E6-noisefree", "Walks without latent noise also move (most images walk early in training)",
        f"share of images with RMS(g_T − g_1) > {thr} after {exp['steps']} noise-free steps, epoch {e_nf} "
        + ("(the first judged epoch: one-step error below the threshold, the model copies)" if judged else
           "(no epoch judged: one-step error below the threshold and the model copying)"),
        share[e_nf], rules["E6-noisefree"], **common, figures=walk_figs.get("noise-free", []) + curve_figs[:1],
        details={"epoch": e_nf, "images_seen": seen[e_nf], "median_distance": med[e_nf],
                 "one_step_rms": one_step[e_nf], "images": int(x.shape[0]), "per_epoch": per_epoch})
    mark_confounded(noisefree, small_condition, small, reason="too few images or seeds")
    mark_confounded(noisefree, one_step_condition, not informative[e_nf], reason=one_step_reason)
    premise.guard(noisefree, quality[e_nf], bar)
    comps = {"random": share[e_nf]}
    for comp in exp["compositions"]:
        comps[comp] = statistic_ci([walks(comp, False, e_nf, s)["distance"].numpy() > thr for s in seeds], seed=seed0)
    add_sensitivity(noisefree, rules["E6-noisefree"], comps, walks.bs)
    noisefree["batches"] = batches

    # E6-trend: the slope of the median walk distance over the judged epochs (all measured ones when fewer
    # than two are judged: a number to show, never a verdict)
    span = judged if len(judged) >= 2 else epochs
    x_k = [seen[e] / (walks.bs * PER_STEPS) for e in span]  # thousands of steps' worth of training images
    share_of_run = (seen[span[-1]] - seen[span[0]]) / seen[epochs[-1]]
    trend = make_claim(
        "E6-trend", "The share of images that walk falls with training",
        f"slope of the median noise-free walk distance against training, per {PER_STEPS} steps of "
        f"{walks.bs} images, over the " + (f"judged epochs {span}" if span == judged else
                                          f"measured epochs {span} (fewer than two judged)"),
        trend_ci([dist[e] for e in span], x_k, "median", seed=seed0), rules["E6-trend"], **common,
        figures=curve_figs,
        details={"epochs": span, "share_of_training": share_of_run, "share_walking_slope":
                 trend_ci([[d > thr for d in dist[e]] for e in span], x_k, "mean", seed=seed0),
                 "per_epoch": per_epoch})
    mark_confounded(trend, small_condition, small, reason="too few images or seeds")
    mark_confounded(trend, f"a seed's median one-step reconstruction RMS is ≥ {thr} at an epoch of the trend",
                    not all(informative[e] for e in span), reason=one_step_reason)
    premise.guard(trend, {k: q for e in span for k, q in quality[e].items()}, bar)
    mark_confounded(trend, f"the judged epochs are fewer than {exp['min_checkpoints']} or span less than "
                    f"{exp['min_span']:g} of training", len(judged) < max(2, exp["min_checkpoints"])
                    or share_of_run < exp["min_span"], reason="training span too short")
    ends = [span[0], span[-1]]  # the other compositions at the trend's two ends (a walk per epoch costs)
    x_ends = [x_k[0], x_k[-1]]
    comps = {comp: trend_ci([[walks(comp, False, e, s)["distance"].numpy() for s in seeds] for e in ends], x_ends,
                            "median", seed=seed0) for comp in ("random", *exp["compositions"])}
    add_sensitivity(trend, rules["E6-trend"], comps, walks.bs)
    trend["batches"] = batches + (f"; the sensitivity compares compositions by the slope between epochs {ends[0]} "
                                  f"and {ends[1]} alone")

    # E6-generates: the noisy walks' last frames against validation images
    generates = make_claim(
        "E6-generates", "Manifold walks (latent noise ε each step) generate images",
        f"mean SWD to validation images of the noisy walk's last frames (ε = {exp['eps']}, epoch {last}) / of "
        "phase-randomised training images", swd["walk"]["vs_ceiling"], rules["E6-generates"], **common,
        figures=walk_figs.get("noisy", []),
        details={"swd_mean": swd["walk"]["mean"], "swd_position": swd["walk"]["position"],
                 "swd_per_seed_vs_ceiling": swd["walk"]["per_seed_vs_ceiling"],
                 "swd_floor_train_vs_val": swd["_floor"]["mean"],
                 "swd_ceiling_phase_randomised": swd["_ceiling"]["mean"],
                 "swd_noise": swd["_noise"]["mean"],
                 "median_distance": statistic_ci([r["distance"].numpy() for r in noisy], "median", seed=seed0)})
    mark_confounded(generates, small_condition, small, reason="too few images or seeds")
    premise.guard(generates, quality[last], bar)
    comps = {"random": swd["walk"]["vs_ceiling"]}
    for comp in exp["compositions"]:
        comps[comp] = swd_of([walks(comp, True, last, s) for s in seeds])["walk"]["vs_ceiling"]
    add_sensitivity(generates, rules["E6-generates"], comps, walks.bs)
    generates["batches"] = batches

    metrics = {"epochs": epochs, "judged_epochs": judged, "per_epoch": per_epoch,
               "swd": {k: v for k, v in swd.items() if not k.startswith(("_boot", "_point", "_per_seed"))}}
    return [noisefree, trend, generates], metrics, figs


def _figures(figs, x, walks, seeds, epochs, judged, med, share, one_step, dist, exp, vname, thr):
    """The GIF and strip of each walk (first seed, last epoch), the curve over epochs and the distance
    histograms; returns the figure entries of the claims."""
    n_gif, last = exp["gif"]["images"], epochs[-1]
    walk_figs = {}
    for kind, noisy in (("noise-free", False), ("noisy", True)):
        res = walks("random", noisy, last, seeds[0])
        slug = kind.replace("-", "")
        figs.add(f"walk-{slug}.gif", figures.write_gif, [x[:n_gif]] + [res["frames"][t] for t in walks.keep],
                 scale="minmax", upscale=2)
        title = f"{kind} walk, {vname} seed {seeds[0]} epoch {last}" + (f", ε = {exp['eps']}" if noisy else "")
        figs.add(f"strip-{slug}.png", figures.image_rows, strip_rows(x, res["frames"], n_gif), scale="minmax",
                 title=title)
        walk_figs[kind] = [{"path": f"e6/walk-{slug}.gif", "caption": f"The {kind} walk, one frame every "
                            f"{exp['gif']['every']} of {exp['steps']} steps (min–max scaled per image)."},
                           {"path": f"e6/strip-{slug}.png", "caption": f"Frames of the {kind} walk: start images, "
                            "then g_t at steps spread over the walk (min–max scaled per image)."}]
    series = {"median walk distance RMS(g_T − g_1)": med, f"share of images walking (> {thr})": share,
              "median one-step reconstruction RMS": one_step}
    figs.add("curve.png", figures.interval_plot, {k: (epochs, [v[e] for e in epochs]) for k, v in series.items()},
             "training epoch", "RMS on the [0, 1] scale / share", hline=thr,
             title=f"noise-free walks of {exp['steps']} steps, {x.shape[0]} images, seeds {seeds}; judged: {judged}")
    figs.add("distances.png", figures.histogram, {f"epoch {e}": np.concatenate(dist[e]) for e in (epochs[0], last)},
             "RMS(g_T − g_1)", vline=thr, title="noise-free walk distances")
    curve_figs = [{"path": "e6/curve.png", "caption": "Noise-free walks at each measured epoch: the median walk "
                   "distance, the share over the threshold (dashed) and the model's one-step reconstruction RMS. "
                   "Only epochs where the one-step error is below the threshold and the model copies (the title's "
                   "judged epochs) count: elsewhere every image 'walks' by its reconstruction error alone."},
                  {"path": "e6/distances.png",
                   "caption": "Per-image walk distances at the first and last measured epoch."}]
    return walk_figs, curve_figs
