"""`snakemake bench` (cli.bench_inversion): inversion near the limit.

For every model the pipeline inverts (E2's, E5's and E8c's U-Nets, E9's attention models), the hot loop of
`procedures.inversion.invert` on its validation images, batched as params invert them, in interleaved
rounds with this machine's fp32 peak: on one thread timed by the thread's CPU time (what a one-thread
job takes on an idle core; see `bench`) and at params' threads by wall time. Achieved FLOP/s
(FlopCounterMode: the forward and the input gradient of one step) and its share of the round's peak,
and where the one-thread time goes (`bench.time_shares`).
Beside the batch as the jobs invert it (NCHW), the same in channels-last (NHWC) memory, as the U-Nets
train; for E2's model also one image at a time: the speed-up of batching. The models are untrained
(seeded): the weights change no kernel or shape, so the work is the inversion jobs' own, and the
benchmark needs no training.
"""
from __future__ import annotations

import copy

import torch

from .. import datasets
from ..bench import CPU_CLOCK, flops_of, interleaved, peak, peak_flops, ratio, summary, time_shares, timed
from ..experiments.invert import settings_for
from ..models import build_model
from ..procedures.inversion import invert, inversion_mode, layer_fn, start_like
from ..train import to_input
from .loop import threads

TARGET = 0.6  # share of the fp32 peak, conv models
SINGLE_IMAGES = 4  # images inverted one at a time per round (image-steps per second compare with the batch's)
CONV_EXPERIMENTS = ("e2", "e5", "e8c")  # their `variant`s are the U-Nets whose representations are compared


def inverted_variants(params) -> list[str]:
    """E2's, E5's and E8c's variants (the conv models), then E9's attention models."""
    exps = params["experiments"]
    conv = [exps[e]["variant"] for e in CONV_EXPERIMENTS]
    return list(dict.fromkeys(conv + list(exps["e9"].values())))


def bench_variant(cfg: dict, settings: dict, images: int, steps: int, rounds: int, seed: int,
                  single: bool, seconds: float = 0.5, n_threads: int = 2) -> dict:
    """Image-steps per second batched (and one at a time, on the first SINGLE_IMAGES images), FLOP/s and
    share of the peak, per round; at most `steps` steps per round, fewer when they take over `seconds`."""
    bs = min(settings["batch_size"], settings["max_images"], images)  # as the job batches them
    val = datasets.load_split(cfg["dataset"], "val")
    x = to_input(val[datasets.spread_indices(val.shape[0], images)], cfg["image_size"], "cpu")[:bs]
    torch.manual_seed(seed)
    model = build_model(cfg["model"], cfg["image_size"], **cfg["kwargs"])
    start = start_like(x, torch.Generator().manual_seed(seed), settings["start_mean"], settings["start_sd"])
    kw = {"c": settings["c"], "lr": settings["lr"], "record_every": settings["record_every"]}
    nhwc = copy.deepcopy(model).to(memory_format=torch.channels_last)  # as the U-Nets train (params channels_last)
    x_nhwc, start_nhwc = (t.contiguous(memory_format=torch.channels_last) for t in (x, start))
    with inversion_mode(model, noise_seed=seed), inversion_mode(nhwc, noise_seed=seed):
        f, f_nhwc = layer_fn(model, "output"), layer_fn(nhwc, "output")
        with torch.no_grad():
            target, target_nhwc = f(x), f_nhwc(x_nhwc)

        def run(lo, hi, k):
            return invert(f, target[lo:hi], start[lo:hi], steps=k, **kw)

        def run_nhwc(k):
            return invert(f_nhwc, target_nhwc, start_nhwc, steps=k, **kw)

        # one step: the forward and the input gradient of the L1 loss (FlopCounterMode's module tracking
        # does not work under autograd.grad, which `invert` calls, so .backward() on a copy of the start)
        a = start.clone().requires_grad_(True)
        per_step = flops_of(lambda: (f(a) - target).abs().sum().backward())
        run(0, bs, 1)  # warm-up
        with threads(1):
            k = max(2, min(steps, round(seconds / timed(lambda: run(0, bs, 1), clock=CPU_CLOCK))))  # steps per round
        ones = min(bs, SINGLE_IMAGES)

        def one_thread(fn):
            def contestant():
                with threads(1):
                    return fn()
            return contestant

        run_nhwc(1)  # warm-up
        contestants = {"peak_1": one_thread(lambda: peak(clock=CPU_CLOCK)),
                       "batched_1": one_thread(lambda: bs * k / timed(lambda: run(0, bs, k), clock=CPU_CLOCK)),
                       "channels_last_1": one_thread(lambda: bs * k / timed(lambda: run_nhwc(k), clock=CPU_CLOCK))}
        if single and bs > 1:
            contestants["one_at_a_time_1"] = one_thread(
                lambda: ones * k / timed(lambda: [run(i, i + 1, k) for i in range(ones)], clock=CPU_CLOCK))
        def configured(fn):
            def contestant():
                with threads(n_threads):
                    return fn()
            return contestant

        contestants |= {f"peak_{n_threads}": configured(peak),
                        f"batched_{n_threads}": configured(lambda: bs * k / timed(lambda: run(0, bs, k)))}
        res = interleaved(contestants, rounds)
        with threads(1):
            shares = time_shares(lambda: run(0, bs, k))

    def share(key, peak_key):
        return summary([per_step / bs * r / p for r, p in zip(res[key]["samples"], res[peak_key]["samples"])])

    out = {"model": cfg["model"], "batch_size": bs, "image_size": cfg["image_size"], "steps_per_round": k,
           "flops_per_step": per_step, "image_steps_per_s": res,
           "fraction_of_peak_1_thread": share("batched_1", "peak_1"),
           f"fraction_of_peak_{n_threads}_threads": share(f"batched_{n_threads}", f"peak_{n_threads}"),
           "time_shares_1_thread": shares}
    out["channels_last_vs_batched"] = ratio(res["channels_last_1"], res["batched_1"])
    if "one_at_a_time_1" in res:
        out["batched_vs_one_at_a_time"] = ratio(res["batched_1"], res["one_at_a_time_1"])
    return out


def spread(r: dict) -> str:
    return f"{r['median']:.2f} ({r['low']:.2f}–{r['high']:.2f})"


def run(params, rounds: int, seconds: float) -> dict:
    from ..cli.common import log

    inv = params["experiments"]["inversion"]
    bench = inv["bench"]
    first = params["experiments"]["e2"]["variant"]
    with threads(1):
        kernels = peak_flops(0.5, CPU_CLOCK)  # the peak's kernels on one thread (bench.peak_flops)
    out = {}
    for v in inverted_variants(params):
        cfg = params["variants"][v]
        r = out[v] = bench_variant(cfg, settings_for(inv, v), bench["images"], bench["steps"], rounds,
                                   params["seed"], single=v == first, seconds=seconds, n_threads=params["threads"])
        conv = v in [params["experiments"][e]["variant"] for e in CONV_EXPERIMENTS]
        if conv:
            r["target"], r["meets_target"] = TARGET, r["fraction_of_peak_1_thread"]["median"] >= TARGET
        f1, ft = r["fraction_of_peak_1_thread"], r[f"fraction_of_peak_{params['threads']}_threads"]
        speed = r.get("batched_vs_one_at_a_time")
        log(f"inversion {v} (batch {r['batch_size']}): {f1['median']:.0%} of the one-thread peak "
            f"({f1['min']:.0%}–{f1['max']:.0%}), {ft['median']:.0%} at {params['threads']} threads; "
            f"channels-last / NCHW {spread(r['channels_last_vs_batched'])}"
            + (f"; batched / one at a time {spread(speed)}" if speed else "")
            + "; time: " + ", ".join(f"{c} {s:.0%}" for c, s in r["time_shares_1_thread"].items()))
    return {"threads": params["threads"], "images": bench["images"], "steps": bench["steps"],
            "peak_kernels_1_thread": kernels, "models": out}
