"""Distances between sets of images that need no downloaded network (SPEC E7), and intervals for
contrasts between two sets of per-image values.

- Multi-scale sliced Wasserstein distance (SWD) on Laplacian-pyramid patches, after Karras et al.
  (2018): at every pyramid level, random 7×7 patches become descriptors, normalised per channel with
  the *reference* set's statistics (so colour and contrast shifts count), projected on random unit
  directions; the SWD is the mean absolute difference of the sorted projections. The finest level
  measures detail, the low-pass level global layout.
- Nearest-training-image distance, the copying check: a sample that copies a training image has
  distance ≈ 0, while a new photograph (a validation image) sits at a typical distance.
- Nearest-layout distance, the coherence proxy: the same at the pyramid's low-pass level, against real
  images' layouts (`layout_distance`).
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from .metrics import INTERVAL_METHOD, widen

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


def _as_columns(proj: torch.Tensor) -> np.ndarray:
    """(B, P, K) projections → a (K, B, P) numpy array: numpy sorts rows many times faster than torch."""
    return proj.permute(2, 0, 1).contiguous().numpy()


def _sorted_rows(cols: np.ndarray, idx: np.ndarray | None) -> np.ndarray:
    """Projections of the images `idx` (all when None), pooled and sorted per direction: (K, B·P)."""
    sel = cols if idx is None else cols[:, idx]
    return np.sort(sel.reshape(sel.shape[0], -1), axis=1)


def _swd_sorted(a: np.ndarray, b: np.ndarray) -> float:
    """SWD of two row-sorted projection sets; unequal sizes are matched at evenly spaced quantiles."""
    m = min(a.shape[1], b.shape[1])
    if a.shape[1] != m:
        a = a[:, np.linspace(0, a.shape[1] - 1, m).round().astype(np.int64)]
    if b.shape[1] != m:
        b = b[:, np.linspace(0, b.shape[1] - 1, m).round().astype(np.int64)]
    return float(np.abs(a - b).mean())


def swd(proj_a: Sequence[torch.Tensor], proj_b: Sequence[torch.Tensor]) -> np.ndarray:
    """SWD per pyramid level between two projected image sets (lists of (B, P, K))."""
    return np.array([_swd_sorted(_sorted_rows(_as_columns(a), None), _sorted_rows(_as_columns(b), None))
                     for a, b in zip(proj_a, proj_b)])


def _by_seed(projections) -> list[list[torch.Tensor]]:
    """A set's projections as [seed][level] (B, P, K): a per-level list is one seed's set."""
    return [list(projections)] if isinstance(projections[0], torch.Tensor) else [list(p) for p in projections]


def swd_bootstrap(sets: dict[str, Sequence], reference: Sequence[torch.Tensor], n_boot: int, seed: int = 0,
                  ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], dict[str, np.ndarray]]:
    """SWD of every set to the reference, per level, for sets made by one or several training seeds.

    sets: {name: projections per level (one seed), or a list of them, one per seed (every seed's images
    measured on their own, so that seeds with as many images as the floor and the ceiling are compared
    at the same sample size: an SWD falls as a set grows)}.
    Returns (point {name: (L,)}, the mean over seeds of each seed's SWD; bootstrap {name: (n_boot, L)};
    per seed {name: (S, L)}). Each replicate resamples the reference images once and, for every set,
    its seeds and then the images within each drawn seed (a hierarchical bootstrap), so replicates of
    different sets can be combined into intervals for ratios and differences. Resampling with
    replacement duplicates images, which inflates an SWD, so each set's replicates are re-centred on
    its point estimate (a bias-corrected bootstrap).
    """
    rng = np.random.default_rng(seed)
    ref_cols = [_as_columns(lv) for lv in reference]
    set_cols = {k: [[_as_columns(lv) for lv in s] for s in _by_seed(v)] for k, v in sets.items()}
    ref_sorted = [_sorted_rows(c, None) for c in ref_cols]
    per_seed = {k: np.array([[_swd_sorted(_sorted_rows(c, None), r) for c, r in zip(cols, ref_sorted)]
                             for cols in seeds]) for k, seeds in set_cols.items()}
    point = {k: v.mean(0) for k, v in per_seed.items()}
    boot = {k: np.empty((n_boot, len(reference))) for k in sets}
    n_ref = ref_cols[0].shape[1]
    for r in range(n_boot):
        ridx = rng.integers(n_ref, size=n_ref)
        ref_r = [_sorted_rows(c, ridx) for c in ref_cols]
        for k, seeds in set_cols.items():
            drawn = []
            for j in rng.integers(len(seeds), size=len(seeds)):
                cols = seeds[j]
                idx = rng.integers(cols[0].shape[1], size=cols[0].shape[1])
                drawn.append([_swd_sorted(_sorted_rows(c, idx), rs) for c, rs in zip(cols, ref_r)])
            boot[k][r] = np.mean(drawn, axis=0)
    boot = {k: b - (b.mean(0) - point[k]) for k, b in boot.items()}
    return point, boot, per_seed


def interval(point: float, replicates: np.ndarray, level: float = 0.95) -> dict:
    """{value, ci_low, ci_high, n} from a point estimate and its bootstrap replicates (percentile)."""
    lo, hi = np.nanquantile(replicates, [(1 - level) / 2, 1 - (1 - level) / 2])
    return {"value": float(point), "ci_low": float(lo), "ci_high": float(hi), "n": int(len(replicates))}


def phase_randomised(images: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Each image of (B, C, H, W) with its Fourier phases shifted by one random field shared by the
    channels: the same power spectrum and colour statistics, none of the edges and objects. A Gaussian
    field that looks like clouds, the ceiling that "generates images" must beat. Clamped to [0, 1]."""
    b, _, h, w = images.shape
    white = torch.randn(b, 1, h, w, generator=generator)
    shift = torch.fft.fft2(white)
    shift = shift / shift.abs().clamp_min(1e-12)  # unit modulus, Hermitian: the result stays real
    shift[..., 0, 0] = 1.0  # keep each channel's mean
    return torch.fft.ifft2(torch.fft.fft2(images.float()) * shift).real.clamp(0, 1)


def swd_report(samples: dict[str, torch.Tensor | Sequence[torch.Tensor]], reference: torch.Tensor,
               floor: torch.Tensor, ceiling: torch.Tensor, levels: int, patch: int, per_image: int, directions: int,
               n_boot: int, seed: int = 0, extra: dict[str, torch.Tensor] | None = None) -> dict:
    """SWD of every image set in `samples` to `reference`, placed between a floor and a ceiling.

    samples: {name: images (N, C, H, W), or a list of them, one per training seed}; give the floor and
    the ceiling as many images as one seed's set. floor: real images from elsewhere (training images),
    the SWD real data reach; ceiling: a non-image baseline (e.g. `phase_randomised` training images).
    For each set: per-level and mean SWD, "vs_ceiling" = mean SWD / the ceiling's (< 1: closer to the
    data than the ceiling is) and its position (mean SWD − floor)/(ceiling − floor): 0 = as close as real
    images, 1 = no closer than the ceiling (unstable when floor and ceiling are close). Each value is the
    mean over seeds of one seed's SWD; its 95% interval the envelope of the hierarchical bootstrap and a
    Student-t interval over the seeds (`metrics.widen`; on the log scale for the ratio).
    "_floor", "_ceiling" and every `extra` set ("_<name>", e.g. the starting noise) hold their own
    SWDs; "_boot", "_point" and "_per_seed" the replicates {name: (n_boot, L)}, point values (L,) and
    per-seed values (S, L) for further contrasts (every set of one call shares the reference resampling
    of each replicate).
    """
    sw = SlicedWasserstein(levels, patch, per_image, directions, seed).fit(reference)
    proj = {k: [sw.project(t) for t in v] if isinstance(v, (list, tuple)) else sw.project(v)
            for k, v in samples.items()}
    proj["_floor"], proj["_ceiling"] = sw.project(floor), sw.project(ceiling)
    proj.update({f"_{k}": sw.project(v) for k, v in (extra or {}).items()})
    point, boot, per_seed = swd_bootstrap(proj, sw.project(reference), n_boot, seed)
    mean_p = {k: float(v.mean()) for k, v in point.items()}
    mean_b = {k: v.mean(1) for k, v in boot.items()}
    mean_s = {k: v.mean(1) for k, v in per_seed.items()}  # (S,)
    floor_p, ceil_p = np.float64(mean_p["_floor"]), np.float64(mean_p["_ceiling"])  # a zero span: nan, no error
    span_b = mean_b["_ceiling"] - mean_b["_floor"]
    out: dict = {"_boot": boot, "_point": point, "_per_seed": per_seed}
    for k in proj:
        out[k] = {"levels": [widen(interval(point[k][lv], boot[k][:, lv]), per_seed[k][:, lv])
                             for lv in range(levels)],
                  "mean": widen(interval(mean_p[k], mean_b[k]), mean_s[k])}
        if not k.startswith("_"):
            out[k]["vs_ceiling"] = widen(interval(mean_p[k] / ceil_p, mean_b[k] / mean_b["_ceiling"]),
                                         mean_s[k] / ceil_p, log=True)
            out[k]["position"] = widen(interval((mean_p[k] - floor_p) / (ceil_p - floor_p),
                                                (mean_b[k] - mean_b["_floor"]) / span_b),
                                       (mean_s[k] - floor_p) / (ceil_p - floor_p))
            out[k]["per_seed_vs_ceiling"] = [float(v) for v in mean_s[k] / ceil_p]
    return out


@torch.no_grad()
def nearest_distance(queries: torch.Tensor, reference: torch.Tensor, chunk: int = 512,
                     transform: Callable[[torch.Tensor], torch.Tensor] | None = None,
                     ) -> tuple[torch.Tensor, torch.Tensor]:
    """RMS pixel distance of each query image (Q, C, H, W) to its nearest reference image (R, C, H, W),
    and that image's index: two (Q,) tensors. `transform` turns a chunk of the reference into images
    like the queries (e.g. uint8 → [0, 1] floats), so a large reference never sits in memory as floats."""
    q = queries.float().flatten(1)
    best_d = torch.full((q.shape[0],), float("inf"))
    best_i = torch.zeros(q.shape[0], dtype=torch.long)
    for start in range(0, reference.shape[0], chunk):
        r = reference[start:start + chunk]
        r = (transform(r) if transform else r).float().flatten(1)
        d, i = torch.cdist(q, r).min(dim=1)  # (Q,)
        better = d < best_d
        best_d[better], best_i[better] = d[better], i[better] + start
    return best_d / q.shape[1] ** 0.5, best_i


@torch.no_grad()
def layout_distance(queries: torch.Tensor, reference: torch.Tensor, levels: int, chunk: int = 512,
                    transform: Callable[[torch.Tensor], torch.Tensor] | None = None) -> torch.Tensor:
    """RMS distance of each query image's global layout, the low-pass level of its Laplacian pyramid
    ((H, W) / 2^(levels − 1)), to the nearest layout among the reference images (R, C, H, W): (Q,). The
    coherence proxy: an image assembled from parts of different images has a layout no real image has,
    while a new but coherent one lies about as near the real layouts as a held-out photograph does."""
    def layout(x: torch.Tensor) -> torch.Tensor:
        return laplacian_pyramid(x.float(), levels)[-1]

    return nearest_distance(layout(queries), reference, chunk,
                            transform=lambda r: layout(transform(r) if transform else r))[0]


def _per_seed(values: Sequence[np.ndarray]) -> np.ndarray:
    """Per-seed arrays of per-image values as one (S, N) array (every seed measured on N images)."""
    arrs = [np.asarray(v, dtype=np.float64).ravel() for v in values]
    if len({a.size for a in arrs}) != 1 or arrs[0].size == 0:
        raise ValueError("every seed needs the same, non-zero number of per-image values")
    return np.stack(arrs)


def _resample(values: np.ndarray, seeds: np.ndarray, images: np.ndarray) -> np.ndarray:
    """values (S, N) at drawn seeds (R, S) and images (R, S or 1, N) → (R, S·N)."""
    return values[seeds[:, :, None], images].reshape(seeds.shape[0], -1)


_REDUCE = {"mean": np.mean, "median": np.median}


def statistic_ci(values: Sequence[np.ndarray], reduce: str = "mean", n_boot: int = 2000, level: float = 0.95,
                 seed: int = 0) -> dict:
    """reduce (mean or median) of per-image values pooled over seeds, with a hierarchical percentile
    bootstrap interval: seeds are resampled, then images within each drawn seed (as `metrics.mean_ci`)."""
    v = _per_seed(values)
    rng = np.random.default_rng(seed)
    s, n = v.shape
    drawn = _resample(v, rng.integers(s, size=(n_boot, s)), rng.integers(n, size=(n_boot, s, n)))  # (R, S·N)
    boots = _REDUCE[reduce](drawn, axis=1)
    out = interval(_REDUCE[reduce](v), boots, level)
    out.update(n=int(v.size), n_groups=int(s))
    return widen(out, _REDUCE[reduce](v, axis=1), level)


def contrast_ci(a: Sequence[np.ndarray], b: Sequence[np.ndarray], op: str = "ratio", reduce: str = "mean",
                paired_images: bool = False, paired_seeds: bool = False, n_boot: int = 2000, level: float = 0.95,
                seed: int = 0) -> dict:
    """Interval for reduce(a)/reduce(b) (op "ratio") or reduce(a) − reduce(b) ("diff").

    a, b: per-image values, one array per training seed. The bootstrap resamples seeds (the same ones
    on both sides when `paired_seeds`), then images within them (the same image indices on both
    sides and in every seed when `paired_images`, for two models measured on the same inputs).
    """
    red = _REDUCE[reduce]
    va, vb = _per_seed(a), _per_seed(b)
    if paired_images and va.shape[1] != vb.shape[1]:
        raise ValueError("paired images need the same images on both sides")
    if paired_seeds and va.shape[0] != vb.shape[0]:
        raise ValueError("paired seeds need the same seeds on both sides")
    rng = np.random.default_rng(seed)
    (sa, na), (sb, nb) = va.shape, vb.shape
    seeds_a = rng.integers(sa, size=(n_boot, sa))
    seeds_b = seeds_a if paired_seeds else rng.integers(sb, size=(n_boot, sb))
    if paired_images:
        img_a = img_b = rng.integers(na, size=(n_boot, 1, na))
    else:
        img_a, img_b = rng.integers(na, size=(n_boot, sa, na)), rng.integers(nb, size=(n_boot, sb, nb))
    ra, rb = red(_resample(va, seeds_a, img_a), axis=1), red(_resample(vb, seeds_b, img_b), axis=1)
    boots = ra / rb if op == "ratio" else ra - rb
    point = red(va) / red(vb) if op == "ratio" else red(va) - red(vb)
    out = interval(point, boots, level)
    out["n"] = int(va.size + vb.size)
    if sa != sb:  # seeds cannot be paired: the bootstrap alone
        out.update(n_seeds=int(min(sa, sb)), interval=INTERVAL_METHOD)
        return out
    pa, pb = red(va, axis=1), red(vb, axis=1)  # per-seed statistics, seed i with seed i
    per_seed = pa / pb if op == "ratio" else pa - pb
    return widen(out, per_seed, level, log=op == "ratio")


def trend_ci(values: Sequence[Sequence[np.ndarray]], x: Sequence[float], reduce: str = "median", n_boot: int = 2000,
             level: float = 0.95, seed: int = 0) -> dict:
    """Least-squares slope of reduce(values at x_e) against x_e, for the same images measured at every x.

    values: one entry per x (e.g. a training step), each per-image values for every training seed (the
    same seeds and images at every x, so both are paired across x). The statistic pools the seeds'
    images at each x. The interval is the envelope of a hierarchical bootstrap (seeds, then images within
    each drawn seed, the same draws at every x) and a Student-t interval over the per-seed slopes.
    """
    red = _REDUCE[reduce]
    v = np.stack([_per_seed(per_x) for per_x in values])  # (X, S, N)
    xs = np.asarray(x, dtype=np.float64)
    if xs.size < 2 or xs.size != v.shape[0]:
        raise ValueError("a trend needs two or more positions, one per entry of values")
    xc = xs - xs.mean()

    def slope(y: np.ndarray) -> np.ndarray:  # y (X, ...) → slope (...)
        return np.tensordot(xc, y - y.mean(0), axes=(0, 0)) / (xc ** 2).sum()

    rng = np.random.default_rng(seed)
    _, s, n = v.shape
    seeds = rng.integers(s, size=(n_boot, s))
    images = rng.integers(n, size=(n_boot, s, n))
    drawn = v[:, seeds[:, :, None], images].reshape(v.shape[0], n_boot, -1)  # (X, R, S·N)
    out = interval(float(slope(red(v.reshape(v.shape[0], -1), axis=1))), slope(red(drawn, axis=2)), level)
    out.update(n=int(v[0].size), n_groups=int(s))
    return widen(out, slope(red(v, axis=2)), level)
