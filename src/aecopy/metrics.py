"""Summary statistics: means with 95% bootstrap intervals over images and training seeds."""
from __future__ import annotations

import numpy as np


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
    return {"value": float(values.mean()), "ci_low": float(lo), "ci_high": float(hi), "n": int(values.size),
            "n_groups": len(members)}


def fraction_ci(flags, groups=None, **kw) -> dict:
    """Fraction of True with the same bootstrap interval."""
    return mean_ci(np.asarray(flags, dtype=np.float64), groups, **kw)
