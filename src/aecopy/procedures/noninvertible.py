"""The numeric check of the post's non-invertibility argument (SPEC T).

The post argues that when a layer maps n → m < n numbers, the inputs that share one output form an
(n − m)-dimensional set, and that a point of that set found from a start near the origin ("perhaps
uniform values") carries near-Gaussian noise when the layers are random and independent, i.e. untrained;
more so as n − m and depth grow. Here: random maps f (a linear map n → m, or an MLP whose widths fall
geometrically from n to m), an input x₀, inversions from random starts with the author's procedure, and
the distance of the coordinates of the sampled point a itself to a Gaussian (the Kolmogorov–Smirnov
statistic against the normal with a's own mean and sd), beside that of exact Gaussian vectors of the
same length (the floor).

For a linear map every gradient step lies in the row space of A, so a converged a = P_row x₀ + P_null a₀.
Whether a is Gaussian then depends on the map mixing coordinates: a dense random A spreads x₀'s and the
start's values over all coordinates (near-Gaussian sums), while a map that copies coordinates (`sample`)
leaves the unselected ones at their start values. With the author's Gaussian start a would inherit
Gaussianity from the start whatever the map, so the start's distribution is a setting (`draw_start`).

The representation noise δ = a − x₀ = P_null(a₀ − x₀) is dominated by the image term P_null(x₀), which
tends to x₀ itself as n − m → n: its distance to a Gaussian must rise with n − m by construction, so it
is reported beside a, not judged.
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


START_KINDS = ("gaussian", "uniform", "constant")
MAP_KINDS = ("dense", "sample")


def draw_start(x: torch.Tensor, generator: torch.Generator, kind: str, mean: float, sd: float) -> torch.Tensor:
    """A start like x (B, n): the author's mean + sd·randn ("gaussian"), uniform values of the same mean
    and sd ("uniform", the post's "perhaps uniform values"), or the mean alone ("constant")."""
    if kind == "gaussian":
        return start_like(x, generator, mean, sd)
    if kind == "uniform":
        return mean + sd * math.sqrt(3) * (2 * torch.rand(x.shape, generator=generator) - 1)
    if kind == "constant":
        return torch.full(x.shape, float(mean))
    raise ValueError(f"start kind must be one of {START_KINDS}, got {kind!r}")


def gaussian_ks_null(d: int, generator: torch.Generator, samples: int = 256) -> float:
    """Mean `gaussian_ks` of `samples` exact Gaussian vectors of length d: the floor of the statistic."""
    return float(gaussian_ks(torch.randn(samples, d, generator=generator)).mean())


def geometric_widths(n: int, m: int, depth: int) -> list[int]:
    """depth + 1 widths from n down to m, each layer shrinking by the same factor."""
    return [round(n * (m / n) ** (i / depth)) for i in range(depth + 1)]


def random_map(widths: list[int], generator: torch.Generator, activation: str = "gelu",
               kind: str = "dense") -> nn.Sequential:
    """Linear(w₀→w₁) [→ act → Linear(w₁→w₂) …], no biases, weights drawn from `generator`.

    dense: uniform weights (PyTorch's default kind of initialisation), U(±√(3/fan_in)) for the first layer
    (variance 1/fan_in), U(±√(3·gain/fan_in)) after an activation. sample: every output copies one input
    coordinate drawn at random with replacement (one-hot rows): non-invertible without mixing anything,
    and deeper chains reach fewer input coordinates. One layer is a plain linear map."""
    if kind not in MAP_KINDS:
        raise ValueError(f"map kind must be one of {MAP_KINDS}, got {kind!r}")
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
        if i:
            layers.append(ACTIVATIONS[activation]())
        gain = 1.0 if i == 0 else GAINS[activation]
        bound = math.sqrt(3 * gain / a)
        lin = nn.Linear(a, b, bias=False)
        with torch.no_grad():
            if kind == "dense":
                lin.weight.copy_((2 * torch.rand(b, a, generator=generator) - 1) * bound)
            else:
                lin.weight.zero_()[torch.arange(b), torch.randint(a, (b,), generator=generator)] = 1.0
        lin.weight.requires_grad_(False)
        layers.append(lin)
    return nn.Sequential(*layers)


def invert_map(f: nn.Module, x0: torch.Tensor, starts: int, generator: torch.Generator, steps: int,
               c: float, lr: float, start_mean: float, start_sd: float, start: str = "gaussian",
               reference_sd: float = REFERENCE_SD) -> dict[str, torch.Tensor]:
    """Representations of each input x₀ (K, n) through f from `starts` random starts each (`draw_start`
    of kind `start`), as one batch of K·starts rows (image-major). Returns a, x0 repeated, the starts, and
    per row: the KS distance of a, of δ = a − x₀ and of the start's own deviation a₀ − x₀; the fit
    ‖f(a) − f(x₀)‖/‖f(x₀)‖, the gap Σ|f(a) − f(x₀)| / Σ|f(a₀) − f(x₀)|, fit_ref = ‖f(a) − f(x₀)‖/‖f(x₀ + ε)
    − f(x₀)‖ (ε ~ N(0,1)·reference_sd), and the convergence measures fit_start and control_start of
    `inversion.representation_stats` (start noise N(0, start_sd²), whatever the start's kind)."""
    x = x0.repeat_interleave(starts, dim=0)  # (K·S, n)
    a0 = draw_start(x, generator, start, start_mean, start_sd)
    with torch.no_grad():
        target = f(x)
    out = invert(f, target, a0, steps=steps, c=c, lr=lr, record_every=max(steps, 1))
    a = out["a"]
    with torch.no_grad():
        miss = f(a) - target
        eps = reference_sd * torch.randn(x.shape, generator=generator)
        reference = (f(x + eps) - target).norm(dim=1)
        eta = [start_sd * torch.randn(x.shape, generator=generator) for _ in range(2)]
        start_ref = (f(x + eta[0]) - target).abs().sum(1).clamp_min(1e-12)
        control = (f(x + eta[1]) - target).abs().sum(1) / start_ref
    return {"a": a, "x0": x, "start": a0, "ks": gaussian_ks(a), "ks_delta": gaussian_ks(a - x),
            "ks_start": gaussian_ks(a0 - x), "fit": miss.norm(dim=1) / target.norm(dim=1).clamp_min(1e-12),
            "gap": out["loss"][-1] / out["loss"][0].clamp_min(1e-12),
            "fit_ref": miss.norm(dim=1) / reference.clamp_min(1e-12),
            "fit_start": miss.abs().sum(1) / start_ref, "control_start": control}


ROW_KEYS = ("ks", "ks_delta", "ks_start", "fit", "gap", "fit_ref", "fit_start", "control_start")


def sweep(x0: torch.Tensor, configs: list[tuple[int, int]], maps: int, starts: int, generator: torch.Generator,
          steps: int, c: float, lr: float, start_mean: float, start_sd: float, activation: str = "gelu",
          reference_sd: float = REFERENCE_SD, start: str = "gaussian", kind: str = "dense") -> list[dict]:
    """One row per (config, map, image, start): configs are (depth, m) for inputs x₀ (K, n).

    Rows: depth, m, n_minus_m, map, image, start and the per-row measures of `invert_map` (ROW_KEYS).
    All randomness (maps, starts) comes from `generator`, consumed in the order of `configs`."""
    n = x0.shape[1]
    rows = []
    for depth, m in configs:
        for k in range(maps):
            f = random_map(geometric_widths(n, m, depth), generator, activation, kind)
            res = invert_map(f, x0, starts, generator, steps, c, lr, start_mean, start_sd, start, reference_sd)
            for r in range(res["ks"].shape[0]):
                rows.append({"depth": depth, "m": m, "n_minus_m": n - m, "map": k, "image": r // starts,
                             "start": r % starts, **{key: float(res[key][r]) for key in ROW_KEYS}})
    return rows
