"""Measurement helpers for the benchmarks: interleaved rounds, paired ratios, FLOP counts, this machine's
peak, and how busy the machine was with other work while we measured.

Clocks: wall time (`time.perf_counter`), or the calling thread's CPU time (`CPU_CLOCK`) for contestants
that run on one thread. Where other processes share the cores, a one-thread contestant's CPU time is what
it would take on an idle core (this machine has one hardware thread per core), while its wall time, and
above all a multi-thread contestant's (every OpenMP barrier waits for a preempted thread), measure the
other work as much as ours.
"""
from __future__ import annotations

import os
import statistics
import time
from typing import Callable

import torch
import torch.nn.functional as F
from torch.utils.flop_counter import FlopCounterMode

from .io import write_json


def summary(values: list[float]) -> dict:
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "samples": values}


def interleaved(contestants: dict[str, Callable[[], float]], rounds: int) -> dict[str, dict]:
    """Run each contestant once per round, in turn, so that drifts of the machine hit all alike.

    Each callable returns a throughput; the result per contestant is its median and spread (min, max)
    with every sample, in round order (so that `ratio` can pair them).
    """
    samples: dict[str, list[float]] = {name: [] for name in contestants}
    for _ in range(rounds):
        for name, fn in contestants.items():
            samples[name].append(fn())
    return {name: summary(v) for name, v in samples.items()}


def ratio(a: dict, b: dict) -> dict:
    """a/b round by round (the rounds of one `interleaved` run): the median of the per-round ratios and
    their spread. Pairing cancels what changed between rounds (another process starting, clock drift)."""
    per_round = [x / y for x, y in zip(a["samples"], b["samples"])]
    return {"median": statistics.median(per_round), "low": min(per_round), "high": max(per_round)}


CPU_CLOCK = time.thread_time


def timed(fn: Callable[[], object], repeat: int = 1, clock: Callable[[], float] = time.perf_counter) -> float:
    """Seconds per call of fn, on `clock`."""
    t0 = clock()
    for _ in range(repeat):
        fn()
    return (clock() - t0) / repeat


def flops_of(fn: Callable[[], object]) -> int:
    """FLOPs torch's FlopCounterMode counts while fn runs (matmuls, convolutions, attention: the work a
    peak refers to; elementwise ops count zero)."""
    counter = FlopCounterMode(display=False)
    with counter:
        fn()
    return counter.get_total_flops()


def rate(fn: Callable[[], object], flops: float, seconds: float,
         clock: Callable[[], float] = time.perf_counter) -> float:
    """FLOP/s of fn, called repeatedly for at least `seconds` (on `clock`) after two warm-up calls (oneDNN
    builds its kernel on the first)."""
    fn()
    fn()
    n, t0 = 0, clock()
    while clock() - t0 < seconds:
        fn()
        n += 1
    return flops * n / (clock() - t0)


def peak_flops(seconds: float = 1.0, clock: Callable[[], float] = time.perf_counter) -> dict[str, float]:
    """This machine's fp32 FLOP/s, measured now at torch's current thread count, on a large matmul (torch's
    BLAS, MKL) and on a 3×3 convolution (oneDNN), NCHW and channels-last. On AMD CPUs MKL's sgemm may not
    use the AVX-512 units oneDNN uses, so the kernels can differ twofold: the peak is the fastest."""
    a, b = torch.randn(1024, 1024), torch.randn(1024, 1024)
    x, w = torch.randn(32, 64, 32, 32), torch.randn(64, 64, 3, 3)
    xc, wc = x.contiguous(memory_format=torch.channels_last), w.contiguous(memory_format=torch.channels_last)
    conv = 2 * 32 * 64 * 64 * 9 * 32 * 32
    return {"matmul": rate(lambda: a @ b, 2 * 1024 ** 3, seconds, clock),
            "conv3x3": rate(lambda: F.conv2d(x, w, padding=1), conv, seconds, clock),
            "conv3x3_channels_last": rate(lambda: F.conv2d(xc, wc, padding=1), conv, seconds, clock)}


def peak(seconds: float = 0.3, clock: Callable[[], float] = time.perf_counter) -> float:
    """The fp32 peak one round compares with: the fastest kernel of `peak_flops`."""
    return max(peak_flops(seconds / 3, clock).values())


# Substrings of op names in each kind of work (`time_shares`).
COMPUTE = ("mm", "conv", "scaled_dot_product", "flash_attention")
NORM = ("batch_norm", "group_norm", "layer_norm", "instance_norm")



def category(op: str) -> str:
    name = op.split("::")[-1]
    if any(s in name for s in NORM):
        return "normalisation"
    if any(s in name for s in COMPUTE):
        return "compute"
    return "other"


def time_shares(fn: Callable[[], object]) -> dict[str, float]:
    """Share of the wall time of fn per kind of op (torch.profiler: the self time of each aten op; every
    op called inside an optimizer's step counts as "optimizer"); "outside_ops" is the rest: Python, the
    autograd engine, the profiler's own cost."""
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU]) as prof:
        t0 = time.perf_counter()
        fn()
        wall = (time.perf_counter() - t0) * 1e6  # µs, as the profiler's times
    totals = {"compute": 0.0, "normalisation": 0.0, "optimizer": 0.0, "other": 0.0}
    for ev in prof.events():
        if not ev.name.startswith("aten::"):
            continue
        parent, in_optimizer = ev.cpu_parent, False
        while parent is not None and not in_optimizer:
            in_optimizer = parent.name.startswith("Optimizer.step")
            parent = parent.cpu_parent
        totals["optimizer" if in_optimizer else category(ev.name)] += ev.self_cpu_time_total
    shares = {c: v / wall for c, v in totals.items()}
    return {**shares, "outside_ops": max(0.0, 1 - sum(shares.values()))}


def _busy_seconds() -> float | None:
    """CPU seconds every process of the machine has spent working since boot (Linux /proc/stat)."""
    try:
        fields = open("/proc/stat").readline().split()[1:]
    except OSError:
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


class MachineLoad:
    """How much of the machine other work took while a benchmark ran: the CPU seconds all processes
    spent minus our own (and our children's), per second of wall time, i.e. cores busy with other work;
    and the load average before and after. A context manager; `result` is filled on exit."""

    def __enter__(self):
        self.busy0, self.own0, self.t0 = _busy_seconds(), self._own(), time.perf_counter()
        self.load0 = os.getloadavg()[0]
        return self

    @staticmethod
    def _own() -> float:
        t = os.times()
        return t.user + t.system + t.children_user + t.children_system

    def __exit__(self, *exc):
        wall = time.perf_counter() - self.t0
        busy = _busy_seconds()
        others = None if busy is None or self.busy0 is None else (busy - self.busy0 - (self._own() - self.own0)) / wall
        self.result = {"cpus": os.cpu_count(), "wall_s": wall, "loadavg_1min_before": self.load0,
                       "loadavg_1min_after": os.getloadavg()[0],
                       "other_work_cores": None if others is None else max(0.0, others)}
        return False


def write_measured(path, measure: Callable[[], dict], **fields) -> dict:
    """Run `measure()` under MachineLoad and write `fields`, its result and the machine's load to `path`
    (JSON, atomically); returns the result."""
    with MachineLoad() as load:
        result = measure()
    write_json(path, {**fields, **result, "machine": load.result})
    return result
