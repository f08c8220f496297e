"""`snakemake bench` (cli.bench_limit): how close every variant's training step comes to this machine's fp32
peak, and what the options around the loop buy.

For every variant of params, in interleaved rounds, each round measuring the peak (`bench.peak`) beside
the contestants. On one thread, timed by the thread's CPU time (what a one-thread job takes on an idle
core, however busy the machine is; see `bench`):
- default: the loop as train.py runs it (Adam's default for-loop, channels-last where params set it);
- foreach, fused: the same with Adam(foreach=True) / Adam(fused=True);
- batch_x2: the default loop at twice the variant's batch size (images/s; the training dynamics differ);
- pre_resized (variants trained below the data's resolution): the default loop on images downsampled
  once beforehand instead of per batch (`to_input`).
At params' threads, by wall time (as the pipeline runs now, whatever else shares the cores): default, and
the peak at those threads.
Achieved FLOP/s = the step's FLOPs (FlopCounterMode) × steps/s; its share of the round's peak, per round.
A torch.profiler run of the one-thread default loop says where the time goes: compute-bound kernels
(matmul, convolution, attention), normalisation, the optimizer step, and other (elementwise, copies,
indexing, autograd bookkeeping).
"""
from __future__ import annotations

import statistics

import torch
import torch.nn.functional as F

from ..bench import CPU_CLOCK, interleaved, peak, peak_flops, ratio, summary, time_shares
from ..cli.common import log
from .loop import Loop, job_steps, threads, training_data

# Targets: share of the fp32 peak by model family (the U-Nets, the FC autoencoder, attention models).
TARGETS = {"unet": 0.7, "fc": 0.6, "attention": 0.5}


def family(model: str) -> str:
    return "unet" if model.startswith("unet") else "fc" if model == "fc" else "attention"


def resized(images: torch.Tensor, size: int) -> torch.Tensor:
    """uint8 images area-downsampled to `size` once (rounded back to uint8: the speed of a loop that
    skips the per-batch resize, not its numbers)."""
    return F.interpolate(images.float(), size=(size, size), mode="area").round().clamp(0, 255).to(torch.uint8)


def bench_variant(name: str, cfg: dict, n_images: int, rounds: int, seconds: float, n_threads: int) -> dict:
    images, labels = training_data(cfg)
    steps = job_steps(cfg, images.shape[0])
    images, labels = images[:n_images], None if labels is None else labels[:n_images]
    bs = cfg["train"]["batch_size"]
    one = {"default": Loop(cfg, images, labels, n_threads=1),
           "foreach": Loop(cfg, images, labels, adam="foreach", n_threads=1),
           "fused": Loop(cfg, images, labels, adam="fused", n_threads=1),
           "batch_x2": Loop(cfg, images, labels, batch_size=2 * bs, n_threads=1)}
    if images.shape[-1] != cfg["image_size"]:  # the variant trains on area-downsampled images
        one["pre_resized"] = Loop(cfg, resized(images, cfg["image_size"]), labels, n_threads=1)
    configured = Loop(cfg, images, labels, n_threads=n_threads)
    k = one["default"].steps_for(seconds, CPU_CLOCK)
    k_threads = configured.steps_for(seconds)
    for loop in one.values():
        loop.steps(1)  # warm-up (oneDNN primitives, optimizer state)
    flops = one["default"].step_flops()

    def peak_one():
        with threads(1):
            return peak(clock=CPU_CLOCK)

    def peak_configured():
        with threads(n_threads):
            return peak()

    contestants = {"peak_1": peak_one,
                   **{f"{c}_1": (lambda c=c: one[c].images_per_s(k if c != "batch_x2" else max(1, k // 2), CPU_CLOCK))
                      for c in one},
                   f"peak_{n_threads}": peak_configured, f"default_{n_threads}": lambda: configured.images_per_s(k_threads)}
    res = interleaved(contestants, rounds)

    def share(loop, peak_key):
        return summary([flops / bs * ips / p for ips, p in zip(res[loop]["samples"], res[peak_key]["samples"])])

    fraction, fraction_threads = share("default_1", "peak_1"), share(f"default_{n_threads}", f"peak_{n_threads}")
    target = TARGETS[family(cfg["model"])]
    with threads(1):
        shares = time_shares(lambda: one["default"].steps(max(2, k // 2)))
    out = {
        "model": cfg["model"], "batch_size": bs, "image_size": cfg["image_size"], "steps_per_round": k,
        "flops_per_step": flops, "images_per_s": res,
        "fraction_of_peak_1_thread": fraction, f"fraction_of_peak_{n_threads}_threads": fraction_threads,
        "target": target, "meets_target": fraction["median"] >= target,
        "fused_vs_default": ratio(res["fused_1"], res["default_1"]),
        "foreach_vs_default": ratio(res["foreach_1"], res["default_1"]),
        "batch_x2_vs_batch": ratio(res["batch_x2_1"], res["default_1"]),
        "time_shares_1_thread": shares, "job_steps": steps,
        "job_train_seconds_1_thread": steps * bs / res["default_1"]["median"],
    }
    if "pre_resized_1" in res:
        out["pre_resized_vs_default"] = ratio(res["pre_resized_1"], res["default_1"])
    log(f"{name}: {fraction['median']:.0%} of the one-thread peak ({fraction['min']:.0%}–{fraction['max']:.0%}; "
        f"target {target:.0%}), {fraction_threads['median']:.0%} at {n_threads} threads; fused/default "
        f"{out['fused_vs_default']['median']:.2f}, foreach/default {out['foreach_vs_default']['median']:.2f}, "
        f"batch x2 {out['batch_x2_vs_batch']['median']:.2f}"
        + (f", pre-resized {out['pre_resized_vs_default']['median']:.2f}" if "pre_resized_vs_default" in out else "")
        + "; time: "
        + ", ".join(f"{c} {v:.0%}" for c, v in shares.items()))
    return out


def run(params, variants: list[str], n_images: int, rounds: int, seconds: float) -> dict:
    """Every variant's share of the peak and the options' ratios; the peak's kernels on one thread, before
    and after (a matmul-bound model cannot pass the matmul kernel's rate)."""
    with threads(1):
        kernels = [peak_flops(0.5, CPU_CLOCK)]
    models = {v: bench_variant(v, params["variants"][v], n_images, rounds, seconds, params["threads"]) for v in variants}
    with threads(1):
        kernels.append(peak_flops(0.5, CPU_CLOCK))
    fused = [m["fused_vs_default"]["median"] for m in models.values()]
    return {"threads": params["threads"], "targets": TARGETS, "peak_kernels_1_thread": kernels, "models": models,
            "meets_targets": {v: m["meets_target"] for v, m in models.items()},
            "fused_vs_default_median_over_variants": statistics.median(fused)}
