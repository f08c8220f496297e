"""Claims: a measured statistic, the verdict rule fixed in params.yaml, and the verdict.

`results/claims.json` is a list of
{id, claim, metric, value, ci_low, ci_high, rule, verdict, scale, data, ...}.
"""
from __future__ import annotations

import operator

OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
VERDICTS = ("reproduced", "not reproduced", "inconclusive")


def describe_rule(rule: dict) -> str:
    r, n = rule["reproduced"], rule["not_reproduced"]
    return (f"reproduced if {r['stat']} {r['op']} {r['value']:g}; "
            f"not reproduced if {n['stat']} {n['op']} {n['value']:g}; otherwise inconclusive")


def _holds(cond: dict, stats: dict) -> bool:
    return OPS[cond["op"]](stats[cond["stat"]], cond["value"])


def verdict(rule: dict, stats: dict) -> str:
    """Apply a rule to {value, ci_low, ci_high}."""
    if _holds(rule["reproduced"], stats):
        return "reproduced"
    if _holds(rule["not_reproduced"], stats):
        return "not reproduced"
    return "inconclusive"


def mark_confounded(claim: dict, condition: str, confounded: bool, reason: str = "confounded") -> dict:
    """Add a confound check to the claim's rule. A confounded claim is inconclusive whatever its
    interval says: the measurement cannot bear on the claim (inversions that did not converge, a model
    that does not copy). `reason` names the check in the verdict's explanation ("premise unmet", …)."""
    claim["rule"] += f"; inconclusive ({reason}) if {condition}"
    if confounded:
        claim["verdict"] = "inconclusive"
        claim["confounded"] = True
        claim.setdefault("reasons", []).append(reason)
    return claim


def make_claim(claim_id: str, claim: str, metric: str, stats: dict, rule: dict, scale: str, data: str,
               **extra) -> dict:
    """A claims.json entry; `extra` carries figures, seeds, the paper's figure name, details."""
    entry = {
        "id": claim_id,
        "claim": claim,
        "metric": metric,
        "value": stats["value"],
        "ci_low": stats["ci_low"],
        "ci_high": stats["ci_high"],
        "n": stats.get("n"),
        "rule": describe_rule(rule),
        "verdict": verdict(rule, stats),
        "scale": scale,
        "data": data,
    }
    entry.update(extra)
    return entry


def add_sensitivity(claim: dict, rule: dict, by_composition: dict[str, dict], batch_size: int) -> dict:
    """Record how the claim's value and verdict depend on how evaluation images were batched (train-mode
    BatchNorm mixes a batch's statistics): `by_composition` = {composition: stats} (procedures.batches);
    the claim itself is judged on "random"."""
    claim["batches"] = (f"evaluated in random batches of {batch_size} across photographs, as training draws "
                        "them (BatchNorm in train mode)")
    claim["sensitivity"] = {k: {**{s: v[s] for s in ("value", "ci_low", "ci_high")}, "verdict": verdict(rule, v)}
                            for k, v in by_composition.items()}
    return claim
