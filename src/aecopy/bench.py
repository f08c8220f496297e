"""Measurement helpers for the benchmarks: interleaved rounds, FLOP counts, this machine's peak."""
from __future__ import annotations

import statistics
import time
from typing import Callable

import torch
import torch.nn.functional as F
from torch.utils.flop_counter import FlopCounterMode


def interleaved(contestants: dict[str, Callable[[], float]], rounds: int) -> dict[str, dict]:
    """Run each contestant once per round, in turn, so that drifts of the machine hit all alike.

    Each callable returns a throughput; the result per contestant is its median and spread (min, max).
    """
    samples: dict[str, list[float]] = {name: [] for name in contestants}
    for _ in range(rounds):
        for name, fn in contestants.items():
            samples[name].append(fn())
    return {name: {"median": statistics.median(v), "min": min(v), "max": max(v), "samples": v}
            for name, v in samples.items()}


def ratio(a: dict, b: dict) -> dict:
    """Median ratio a/b, with the pessimistic and optimistic ratios of the spreads."""
    return {"median": a["median"] / b["median"], "low": a["min"] / b["max"], "high": a["max"] / b["min"]}


def timed(fn: Callable[[], object], repeat: int = 1) -> float:
    """Seconds per call of fn."""
    t0 = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - t0) / repeat


def step_flops(model: torch.nn.Module, x: torch.Tensor, loss_fn: Callable) -> int:
    """FLOPs of one training step (forward + backward) as counted by torch's FlopCounterMode."""
    counter = FlopCounterMode(display=False)
    with counter:
        loss_fn(model, x).backward()
    model.zero_grad(set_to_none=True)
    return counter.get_total_flops()


def peak_flops(seconds: float = 1.0) -> dict[str, float]:
    """This machine's fp32 FLOP/s on a large matmul and on a 3×3 convolution, measured now."""
    a, b = torch.randn(1024, 1024), torch.randn(1024, 1024)
    x, w = torch.randn(32, 64, 32, 32), torch.randn(64, 64, 3, 3)

    def rate(fn, flops):
        fn()
        n, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            fn()
            n += 1
        return flops * n / (time.perf_counter() - t0)

    return {"matmul": rate(lambda: a @ b, 2 * 1024 ** 3),
            "conv3x3": rate(lambda: F.conv2d(x, w, padding=1), 2 * 32 * 64 * 64 * 9 * 32 * 32)}
