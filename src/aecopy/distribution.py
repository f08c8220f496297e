"""Distances between sets of images that need no downloaded network (SPEC E7), and intervals for
contrasts between two sets of per-image values.

- Multi-scale sliced Wasserstein distance (SWD) on Laplacian-pyramid patches, after Karras et al.
  (2018): at every pyramid level, random 7×7 patches become descriptors, normalised per channel with
  the *reference* set's statistics (so colour and contrast shifts count), projected on random unit
  directions; the SWD is the mean absolute difference of the sorted projections. The finest level
  measures detail, the low-pass level global layout (the coherence proxy).
- Nearest-training-image distance, the copying check: a sample that copies a training image has
  distance ≈ 0, while a new photograph (a validation image) sits at a typical distance.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
import torch.nn.functional as F

_BINOMIAL = torch.tensor([1.0, 4.0, 6.0, 4.0, 1.0]) / 16


def _smooth(x: torch.Tensor) -> torch.Tensor:
    """Separable 5-tap binomial low-pass of each channel of x (B, C, H, W), reflect padding."""
    c = x.shape[1]
    k = _BINOMIAL.to(x)
    x = F.pad(x, (2, 2, 2, 2), mode="reflect")
    x = F.conv2d(x, k.view(1, 1, 1, 5).repeat(c, 1, 1, 1), groups=c)
    return F.conv2d(x, k.view(1, 1, 5, 1).repeat(c, 1, 1, 1), groups=c)


def laplacian_pyramid(x: torch.Tensor, levels: int) -> list[torch.Tensor]:
    """[band-pass at H, band-pass at H/2, …, low-pass at H/2^(levels−1)]: `levels` tensors, the finest first."""
    out = []
    for _ in range(levels - 1):
        low = _smooth(x)[:, :, ::2, ::2]  # (B, C, H/2, W/2)
        up = F.interpolate(low, size=x.shape[-2:], mode="bilinear", align_corners=False)
        out.append(x - up)
        x = low
    out.append(x)
    return out


def patch_descriptors(level: torch.Tensor, patch: int, per_image: int, generator: torch.Generator) -> torch.Tensor:
    """`per_image` random patch×patch patches of each image of a pyramid level (B, C, h, w), as
    (B, P, C·patch²) descriptors (P = per_image, or every position when there are fewer)."""
    b = level.shape[0]
    cols = F.unfold(level, patch)  # (B, C·patch², L)
    n_pos = cols.shape[-1]
    if per_image >= n_pos:
        return cols.transpose(1, 2).contiguous()
    pos = torch.stack([torch.randperm(n_pos, generator=generator)[:per_image] for _ in range(b)])  # (B, P)
    return torch.gather(cols, 2, pos[:, None, :].expand(-1, cols.shape[1], -1)).transpose(1, 2).contiguous()


class SlicedWasserstein:
    """Descriptors and random projections fixed once, so that every image set is measured alike.

    levels: pyramid levels (the last is the low-pass); patch: patch side; per_image: patches per image
    and level; directions: random projections per level. `fit(reference)` fixes the per-channel
    normalisation from the reference set (the validation images).
    """

    def __init__(self, levels: int = 3, patch: int = 7, per_image: int = 32, directions: int = 128, seed: int = 0):
        self.levels, self.patch, self.per_image, self.n_dirs, self.seed = levels, patch, per_image, directions, seed
        self.norm: list[tuple[torch.Tensor, torch.Tensor]] | None = None
        self.dirs: list[torch.Tensor] | None = None

    def _descriptors(self, images: torch.Tensor) -> list[torch.Tensor]:
        gen = torch.Generator().manual_seed(self.seed + 1)
        pyr = laplacian_pyramid(images.float(), self.levels)
        return [patch_descriptors(lv, self.patch, self.per_image, gen) for lv in pyr]  # per level (B, P, D)

    def fit(self, reference: torch.Tensor) -> "SlicedWasserstein":
        """Fix the per-level, per-channel normalisation on `reference` (N, C, H, W) and draw directions."""
        c = reference.shape[1]
        self.norm = []
        for d in self._descriptors(reference):
            per_channel = d.reshape(-1, c, self.patch * self.patch)  # (B·P, C, patch²)
            mean = per_channel.mean((0, 2))
            std = per_channel.std((0, 2)).clamp_min(1e-8)
            self.norm.append((mean.repeat_interleave(self.patch ** 2), std.repeat_interleave(self.patch ** 2)))
        gen = torch.Generator().manual_seed(self.seed + 2)
        dim = c * self.patch * self.patch
        self.dirs = []
        for _ in range(self.levels):
            v = torch.randn(dim, self.n_dirs, generator=gen)
            self.dirs.append(v / v.norm(dim=0, keepdim=True))  # (D, K) unit columns
        return self

    def project(self, images: torch.Tensor) -> list[torch.Tensor]:
        """Per level, the normalised descriptors of each image projected on the directions: (B, P, K)."""
        if self.norm is None:
            raise RuntimeError("call fit(reference) first")
        return [((d - m) / s) @ v for d, (m, s), v in zip(self._descriptors(images), self.norm, self.dirs)]


def _sorted_columns(proj: torch.Tensor, idx: torch.Tensor | None) -> torch.Tensor:
    sel = proj if idx is None else proj[idx]
    return sel.reshape(-1, sel.shape[-1]).sort(dim=0).values  # (B·P, K)


def _swd_sorted(a: torch.Tensor, b: torch.Tensor) -> float:
    """SWD of two column-sorted projection sets; unequal sizes are matched at evenly spaced quantiles."""
    m = min(a.shape[0], b.shape[0])
    if a.shape[0] != m:
        a = a[torch.linspace(0, a.shape[0] - 1, m).round().long()]
    if b.shape[0] != m:
        b = b[torch.linspace(0, b.shape[0] - 1, m).round().long()]
    return float((a - b).abs().mean())


def swd(proj_a: Sequence[torch.Tensor], proj_b: Sequence[torch.Tensor]) -> np.ndarray:
    """SWD per pyramid level between two projected image sets (lists of (B, P, K))."""
    return np.array([_swd_sorted(_sorted_columns(a, None), _sorted_columns(b, None)) for a, b in zip(proj_a, proj_b)])


def swd_bootstrap(sets: dict[str, Sequence[torch.Tensor]], reference: Sequence[torch.Tensor], n_boot: int,
                  seed: int = 0) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """SWD of every set to the reference, per level: (point {name: (L,)}, bootstrap {name: (n_boot, L)}).

    Each replicate resamples the reference images once and every set's images independently, so
    replicates of different sets can be combined into intervals for ratios and differences.
    """
    rng = torch.Generator().manual_seed(seed)
    point = {k: swd(v, reference) for k, v in sets.items()}
    boot = {k: np.empty((n_boot, len(reference))) for k in sets}
    for r in range(n_boot):
        ridx = torch.randint(reference[0].shape[0], (reference[0].shape[0],), generator=rng)
        ref_sorted = [_sorted_columns(lv, ridx) for lv in reference]
        for k, proj in sets.items():
            idx = torch.randint(proj[0].shape[0], (proj[0].shape[0],), generator=rng)
            boot[k][r] = [_swd_sorted(_sorted_columns(lv, idx), rs) for lv, rs in zip(proj, ref_sorted)]
    return point, boot


def interval(point: float, replicates: np.ndarray, level: float = 0.95) -> dict:
    """{value, ci_low, ci_high, n} from a point estimate and its bootstrap replicates (percentile)."""
    lo, hi = np.nanquantile(replicates, [(1 - level) / 2, 1 - (1 - level) / 2])
    return {"value": float(point), "ci_low": float(lo), "ci_high": float(hi), "n": int(len(replicates))}


@torch.no_grad()
def nearest_distance(queries: torch.Tensor, reference: torch.Tensor, chunk: int = 512) -> tuple[torch.Tensor, torch.Tensor]:
    """RMS pixel distance of each query image (Q, C, H, W) to its nearest reference image (R, C, H, W),
    and that image's index: two (Q,) tensors."""
    q = queries.float().flatten(1)
    best_d = torch.full((q.shape[0],), float("inf"))
    best_i = torch.zeros(q.shape[0], dtype=torch.long)
    for start in range(0, reference.shape[0], chunk):
        r = reference[start:start + chunk].float().flatten(1)
        d, i = torch.cdist(q, r).min(dim=1)  # (Q,)
        better = d < best_d
        best_d[better], best_i[better] = d[better], i[better] + start
    return best_d / q.shape[1] ** 0.5, best_i


def contrast_ci(a: Sequence[np.ndarray], b: Sequence[np.ndarray], op: str = "ratio", reduce: str = "mean",
                paired_images: bool = False, paired_seeds: bool = False, n_boot: int = 2000, level: float = 0.95,
                seed: int = 0) -> dict:
    """Interval for reduce(a)/reduce(b) (op "ratio") or reduce(a) − reduce(b) ("diff").

    a, b: per-image values, one array per training seed. The bootstrap resamples seeds (the same ones
    on both sides when `paired_seeds`), then images within them (the same image indices on both
    sides when `paired_images`, for two models measured on the same inputs). reduce: mean or median.
    """
    red = {"mean": np.mean, "median": np.median}[reduce]
    a = [np.asarray(v, dtype=np.float64).ravel() for v in a]
    b = [np.asarray(v, dtype=np.float64).ravel() for v in b]

    def stat(av, bv):
        return red(av) / red(bv) if op == "ratio" else red(av) - red(bv)

    if paired_images and len({v.size for v in a + b}) != 1:
        raise ValueError("paired images need the same number of values in every array")
    rng = np.random.default_rng(seed)
    boots = np.empty(n_boot)
    for r in range(n_boot):
        sa = rng.integers(len(a), size=len(a))
        sb = sa if paired_seeds else rng.integers(len(b), size=len(b))
        if paired_images:
            idx = rng.integers(a[0].size, size=a[0].size)
            av = np.concatenate([a[s][idx] for s in sa])
            bv = np.concatenate([b[s][idx] for s in sb])
        else:
            av = np.concatenate([rng.choice(a[s], size=a[s].size) for s in sa])
            bv = np.concatenate([rng.choice(b[s], size=b[s].size) for s in sb])
        boots[r] = stat(av, bv)
    out = interval(stat(np.concatenate(a), np.concatenate(b)), boots, level)
    out["n"] = int(sum(v.size for v in a) + sum(v.size for v in b))
    return out
