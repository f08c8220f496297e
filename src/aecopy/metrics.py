"""Summary statistics: means with 95% intervals over images and training seeds.

With several training seeds the interval is the envelope of two: a hierarchical percentile bootstrap
(seeds resampled, then images within each drawn seed), which covers the spread between images, and a
Student-t interval over the per-seed statistics (df = seeds − 1), which stays valid with as few as three
seeds, where a bootstrap over three groups is too narrow. With one seed it is the bootstrap over images.
Each claim names its method (`INTERVAL_METHOD`).
"""
from __future__ import annotations

import numpy as np
from scipy import stats as _stats

INTERVAL_METHOD = ("95% interval: envelope of a hierarchical bootstrap (seeds, then images within seeds) and a "
                   "Student-t interval over per-seed values (df = seeds − 1); bootstrap over images for one seed")


def seed_t_interval(per_seed, level: float = 0.95) -> tuple[float, float] | None:
    """Student-t interval of the mean of per-seed values; None with fewer than two seeds."""
    v = np.asarray(per_seed, dtype=np.float64)
    if v.size < 2:
        return None
    half = _stats.t.ppf(1 - (1 - level) / 2, v.size - 1) * v.std(ddof=1) / np.sqrt(v.size)
    return float(v.mean() - half), float(v.mean() + half)


def widen(out: dict, per_seed, level: float = 0.95, log: bool = False) -> dict:
    """`out` ({value, ci_low, ci_high}, a bootstrap interval) widened to include the seed-level t interval
    (on the log scale when `log`, for ratios); records the seeds and the method."""
    per_seed = np.asarray(per_seed, dtype=np.float64)
    t = seed_t_interval(np.log(per_seed) if log else per_seed, level) if np.all(np.isfinite(per_seed)) and (
        not log or np.all(per_seed > 0)) else None
    if t is not None:
        lo, hi = (np.exp(t[0]), np.exp(t[1])) if log else t
        out["ci_low"], out["ci_high"] = float(min(out["ci_low"], lo)), float(max(out["ci_high"], hi))
    out["n_seeds"] = int(per_seed.size)
    out["interval"] = INTERVAL_METHOD
    return out


def mean_ci(values, groups=None, n_boot: int = 2000, level: float = 0.95, seed: int = 0) -> dict:
    """Mean of `values` and a percentile-bootstrap interval.

    With `groups` (e.g. the training seed of each value) the bootstrap is hierarchical: groups are
    resampled with replacement, then values within each drawn group, so the interval covers both the
    spread between images and between seeds. Deterministic for a given `seed`.
    """
    values = np.asarray(values, dtype=np.float64).ravel()
    if values.size == 0:
        raise ValueError("mean_ci of an empty set")
    rng = np.random.default_rng(seed)
    if groups is None:
        groups = np.zeros(values.size, dtype=np.int64)
    groups = np.asarray(groups).ravel()
    members = [values[groups == g] for g in np.unique(groups)]
    boots = np.empty(n_boot)
    for b in range(n_boot):
        picked = rng.integers(len(members), size=len(members))
        sample = np.concatenate([rng.choice(members[g], size=members[g].size) for g in picked])
        boots[b] = sample.mean()
    lo, hi = np.quantile(boots, [(1 - level) / 2, 1 - (1 - level) / 2])
    out = {"value": float(values.mean()), "ci_low": float(lo), "ci_high": float(hi), "n": int(values.size),
           "n_groups": len(members)}
    return widen(out, [m.mean() for m in members], level)


def fraction_ci(flags, groups=None, **kw) -> dict:
    """Fraction of True with the same bootstrap interval."""
    return mean_ci(np.asarray(flags, dtype=np.float64), groups, **kw)
