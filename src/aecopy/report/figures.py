"""Figures written as PNG files (deterministic bytes: no timestamps in the metadata)."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from torchvision.utils import make_grid  # noqa: E402

from ..io import atomic_path  # noqa: E402

PNG_META = {"Software": None}


def _save(fig, path: str | Path) -> None:
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=110, bbox_inches="tight", metadata=PNG_META)
    plt.close(fig)


def minmax(x: torch.Tensor) -> torch.Tensor:
    """Scale each image to [0, 1] (how the post displays generated frames)."""
    flat = x.flatten(1)
    lo, hi = flat.min(1).values, flat.max(1).values
    return ((flat - lo[:, None]) / (hi - lo).clamp_min(1e-8)[:, None]).view_as(x)


def image_rows(rows: dict[str, torch.Tensor], path: str | Path, title: str = "", scale: str = "clamp") -> None:
    """One labelled row per entry of `rows` (each (B, 3, H, W)); scale "clamp" to [0,1] or "minmax"."""
    fig, axes = plt.subplots(len(rows), 1, figsize=(1.1 * next(iter(rows.values())).shape[0], 1.25 * len(rows)),
                             squeeze=False)
    for ax, (label, imgs) in zip(axes[:, 0], rows.items()):
        imgs = imgs.detach().float().cpu()
        imgs = minmax(imgs) if scale == "minmax" else imgs.clamp(0, 1)
        grid = make_grid(imgs, nrow=imgs.shape[0], padding=2, pad_value=1.0)
        ax.imshow(grid.permute(1, 2, 0).numpy(), interpolation="nearest")
        ax.set_ylabel(label, rotation=0, ha="right", va="center", fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    if title:
        fig.suptitle(title, fontsize=10)
    _save(fig, path)


def histogram(values: dict[str, np.ndarray], path: str | Path, xlabel: str, vline: float | None = None,
              title: str = "") -> None:
    fig, ax = plt.subplots(figsize=(5, 3))
    for label, v in values.items():
        ax.hist(np.asarray(v), bins=40, alpha=0.6, label=label)
    if vline is not None:
        ax.axvline(vline, color="k", linestyle="--", linewidth=1)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("images")
    if len(values) > 1:
        ax.legend(fontsize=8)
    if title:
        ax.set_title(title, fontsize=10)
    _save(fig, path)


def curves(series: dict[str, tuple[np.ndarray, np.ndarray]], path: str | Path, xlabel: str, ylabel: str,
           title: str = "", logy: bool = False) -> None:
    """Line plot of named (x, y) series (loss curves, proportions over epochs, ...)."""
    fig, ax = plt.subplots(figsize=(5, 3))
    for label, (x, y) in series.items():
        ax.plot(x, y, label=label, linewidth=1)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if logy:
        ax.set_yscale("log")
    if len(series) > 1:
        ax.legend(fontsize=8)
    if title:
        ax.set_title(title, fontsize=10)
    _save(fig, path)


def panels(series: dict[str, dict[str, tuple[np.ndarray, np.ndarray]]], path: str | Path, xlabel: str,
           ylabel: str, logy: bool = False, cols: int = 4, hlines: dict[str, float] | None = None) -> None:
    """A grid of small line plots, one panel per key of `series` (e.g. one loss curve panel per variant).
    `hlines` = {name: y}: a dashed line at y in every panel whose values lie in the same range (a bar)."""
    rows = -(-len(series) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.4 * rows), squeeze=False)
    for ax in axes.flat[len(series):]:
        ax.axis("off")
    for ax, (title, lines) in zip(axes.flat, series.items()):
        for label, (x, y) in lines.items():
            ax.plot(x, y, label=label, linewidth=0.8)
        ax.set_title(title, fontsize=9)
        ax.set_xlabel(xlabel, fontsize=8)
        ax.set_ylabel(ylabel, fontsize=8)
        ax.tick_params(labelsize=7)
        if logy:
            ax.set_yscale("log")
        top = max((float(np.nanmax(y)) for _, y in lines.values()), default=0.0)
        for y in (hlines or {}).values():
            if y <= top * 1.5 and top > 1.5:  # a dB bar, not drawn on accuracy panels in [0, 1]
                ax.axhline(y, color="k", linestyle="--", linewidth=0.8)
    fig.tight_layout()
    _save(fig, path)


def interval_plot(series: dict[str, tuple[list, list[dict]]], path: str | Path, xlabel: str, ylabel: str,
                  title: str = "", hline: float | None = None) -> None:
    """Points with 95% error bars: {label: (x categories, [{value, ci_low, ci_high} per category])}.

    Series are offset slightly along x so that their bars do not hide each other."""
    fig, ax = plt.subplots(figsize=(6, 3.4))
    n = len(series)
    for k, (label, (xs, stats)) in enumerate(series.items()):
        v, lo, hi = (np.array([s[key] for s in stats], dtype=float) for key in ("value", "ci_low", "ci_high"))
        pos = np.arange(len(xs)) + 0.5 * (k - (n - 1) / 2) / max(n, 1)
        ax.errorbar(pos, v, yerr=[np.maximum(v - lo, 0), np.maximum(hi - v, 0)], fmt="o-", markersize=3,
                    linewidth=0.8, capsize=2, label=label)
        ax.set_xticks(np.arange(len(xs)), [str(x) for x in xs])
    if hline is not None:
        ax.axhline(hline, color="k", linestyle="--", linewidth=1)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if n > 1:
        ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    if title:
        ax.set_title(title, fontsize=10)
    _save(fig, path)


def write_gif(frames: list[torch.Tensor], path: str | Path, scale: str = "minmax", upscale: int = 2,
              duration_ms: int = 100) -> None:
    """An animated GIF, one frame per (B, 3, H, W) tensor shown as a row of images (deterministic bytes)."""
    from PIL import Image

    images = []
    for imgs in frames:
        imgs = imgs.detach().float().cpu()
        imgs = minmax(imgs) if scale == "minmax" else imgs.clamp(0, 1)
        grid = make_grid(imgs, nrow=imgs.shape[0], padding=2, pad_value=1.0)  # (3, H', W')
        arr = (grid.permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)
        img = Image.fromarray(arr)
        images.append(img.resize((img.width * upscale, img.height * upscale), Image.NEAREST))
    with atomic_path(path) as tmp:
        images[0].save(tmp, format="GIF", save_all=True, append_images=images[1:], duration=duration_ms, loop=0)


class Figures:
    """An experiment's figures by file name, drawn when the entry point writes them into the
    experiment's folder: the experiment itself knows no paths. Every drawing function of this module
    takes (data, path, ...); `add(name, fn, data, ...)` defers `fn(data, folder / name, ...)` (any
    writer of that form will do, e.g. a table)."""

    def __init__(self, prefix: str = ""):
        self.prefix = prefix  # the experiment's folder under results/, for claims.json's figure paths
        self._draw: dict[str, tuple] = {}

    def add(self, name: str, fn, data, *args, **kwargs) -> str:
        if name in self._draw:
            raise ValueError(f"figure {name!r} drawn twice")
        self._draw[name] = (fn, data, args, kwargs)
        return name

    def names(self) -> list[str]:
        return list(self._draw)

    def write(self, folder: str | Path) -> None:
        for name, (fn, data, args, kwargs) in self._draw.items():
            fn(data, Path(folder) / name, *args, **kwargs)
