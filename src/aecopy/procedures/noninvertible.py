"""The numeric check of the post's non-invertibility argument (SPEC T).

The post argues that when a layer maps n → m < n numbers, the inputs that share one output form an
(n − m)-dimensional set, and that a point of that set found from a start near the origin (an input
representation) carries near-Gaussian noise when the layers are random and independent, i.e. untrained;
more so as n − m and depth grow. Here: random maps f (a linear map n → m, or an MLP whose widths fall
geometrically from n to m), an input x₀, inversions from random starts with the author's procedure, and
the distance of the coordinates of the representation noise δ = a − x₀ to a Gaussian (the
Kolmogorov–Smirnov statistic against the normal with δ's own mean and sd). For a linear map every
gradient step lies in the row space of A, so δ = P_null(a₀ − x₀) + (unconverged row-space residual).
"""
from __future__ import annotations

import math

import torch
from torch import nn

from .inversion import REFERENCE_SD, invert, start_like

ACTIVATIONS = {"gelu": nn.GELU, "relu": nn.ReLU, "tanh": nn.Tanh}
# Variance gain of each activation (Kaiming): with U(±√(3·gain/fan_in)) weights the signal keeps its
# scale through depth, so deep random maps neither vanish nor explode (the argument allows any random
# initialisation "that does not vary too much between layers").
GAINS = {"gelu": 2.0, "relu": 2.0, "tanh": 1.0}


def gaussian_ks(v: torch.Tensor) -> torch.Tensor:
    """KS distance of each row's coordinates (B, D) to the normal with the row's mean and sd: (B,)."""
    v = v.flatten(1).double()
    z = (v - v.mean(1, keepdim=True)) / v.std(1, keepdim=True).clamp_min(1e-12)
    z, _ = z.sort(dim=1)
    d = z.shape[1]
    cdf = 0.5 * (1 + torch.erf(z / math.sqrt(2)))  # (B, D)
    i = torch.arange(1, d + 1, dtype=torch.float64)
    above = (i / d - cdf).max(dim=1).values
    below = (cdf - (i - 1) / d).max(dim=1).values
    return torch.maximum(above, below).float()


def gaussian_ks_null(d: int, generator: torch.Generator, samples: int = 256) -> float:
    """Mean `gaussian_ks` of `samples` exact Gaussian vectors of length d: the floor of the statistic."""
    return float(gaussian_ks(torch.randn(samples, d, generator=generator)).mean())


def geometric_widths(n: int, m: int, depth: int) -> list[int]:
    """depth + 1 widths from n down to m, each layer shrinking by the same factor."""
    return [round(n * (m / n) ** (i / depth)) for i in range(depth + 1)]


def random_map(widths: list[int], generator: torch.Generator, activation: str = "gelu") -> nn.Sequential:
    """Linear(w₀→w₁) [→ act → Linear(w₁→w₂) …], no biases, uniform weights drawn from `generator`:
    U(±√(3/fan_in)) for the first layer (variance 1/fan_in), U(±√(3·gain/fan_in)) after an activation.
    One layer is a plain linear map."""
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
        if i:
            layers.append(ACTIVATIONS[activation]())
        gain = 1.0 if i == 0 else GAINS[activation]
        bound = math.sqrt(3 * gain / a)
        lin = nn.Linear(a, b, bias=False)
        with torch.no_grad():
            lin.weight.copy_((2 * torch.rand(b, a, generator=generator) - 1) * bound)
        lin.weight.requires_grad_(False)
        layers.append(lin)
    return nn.Sequential(*layers)


def invert_map(f: nn.Module, x0: torch.Tensor, starts: int, generator: torch.Generator, steps: int,
               c: float, lr: float, start_mean: float, start_sd: float,
               reference_sd: float = REFERENCE_SD) -> dict[str, torch.Tensor]:
    """Representations of each input x₀ (K, n) through f from `starts` random starts each, as one batch
    of K·starts rows (image-major). Returns a, x0 repeated, the starts, and per row: the KS distance of
    δ = a − x₀ and of the start's own deviation a₀ − x₀, the fit ‖f(a) − f(x₀)‖/‖f(x₀)‖, the gap
    Σ|f(a) − f(x₀)| / Σ|f(a₀) − f(x₀)| and fit_ref = ‖f(a) − f(x₀)‖/‖f(x₀ + ε) − f(x₀)‖, ε ~ N(0,1)·reference_sd."""
    x = x0.repeat_interleave(starts, dim=0)  # (K·S, n)
    start = start_like(x, generator, start_mean, start_sd)
    with torch.no_grad():
        target = f(x)
    out = invert(f, target, start, steps=steps, c=c, lr=lr, record_every=max(steps, 1))
    a = out["a"]
    with torch.no_grad():
        miss = (f(a) - target).norm(dim=1)
        eps = reference_sd * torch.randn(x.shape, generator=generator)
        reference = (f(x + eps) - target).norm(dim=1)
    return {"a": a, "x0": x, "start": start, "ks": gaussian_ks(a - x), "ks_start": gaussian_ks(start - x),
            "fit": miss / target.norm(dim=1).clamp_min(1e-12), "gap": out["loss"][-1] / out["loss"][0].clamp_min(1e-12),
            "fit_ref": miss / reference.clamp_min(1e-12)}


def sweep(x0: torch.Tensor, configs: list[tuple[int, int]], maps: int, starts: int, generator: torch.Generator,
          steps: int, c: float, lr: float, start_mean: float, start_sd: float,
          activation: str = "gelu", reference_sd: float = REFERENCE_SD) -> list[dict]:
    """One row per (config, map, image, start): configs are (depth, m) for inputs x₀ (K, n).

    Rows: depth, m, n_minus_m, map, image, start, ks, ks_start, fit, gap, fit_ref. All randomness (maps, starts)
    comes from `generator`, consumed in the order of `configs`."""
    n = x0.shape[1]
    rows = []
    for depth, m in configs:
        for k in range(maps):
            f = random_map(geometric_widths(n, m, depth), generator, activation)
            res = invert_map(f, x0, starts, generator, steps, c, lr, start_mean, start_sd, reference_sd)
            for r in range(res["ks"].shape[0]):
                rows.append({"depth": depth, "m": m, "n_minus_m": n - m, "map": k, "image": r // starts,
                             "start": r % starts, "ks": float(res["ks"][r]), "ks_start": float(res["ks_start"][r]),
                             "fit": float(res["fit"][r]), "gap": float(res["gap"][r]),
                             "fit_ref": float(res["fit_ref"][r])})
    return rows
