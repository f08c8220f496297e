"""Positive and negative controls: every claim's metric and rule shown able to pass and to fail.

A *scenario* feeds an experiment's own `run(params, inputs)` with constructed inputs (`ControlInputs`:
models whose behaviour is known by construction, synthetic images, constructed inversion results), so
the claims it returns went through the same metric, guard and rule code as the real ones. It states the
verdict each claim must get: "reproduced" where the claim is true by construction (a positive control),
"not reproduced" where it is false (a negative control), "inconclusive" where a guard must catch it
(a model that does not copy, inversions that keep their start noise). Every claim id of params.yaml needs
at least one positive and one negative control (`coverage`); tests/test_controls.py and rule `controls`
run them all, and the report shows each claim's result.

Scenario modules (`controls/<experiment>.py`) register with `scenario(...)`; `SCENARIOS` is the registry.
"""
from __future__ import annotations

import copy
import importlib
import time
from dataclasses import dataclass
from typing import Callable

import torch

from ..claim_ids import base_id

POSITIVE, NEGATIVE, GUARDED = "reproduced", "not reproduced", "inconclusive"
MODULES = ("premise", "e1", "e3", "represent", "t", "e6", "e7", "baselines", "generalisation")


@dataclass(frozen=True)
class Scenario:
    """One constructed case for one experiment, with the verdict it must give each claim it names."""
    name: str
    experiment: str
    description: str
    build: Callable  # (control params) -> ControlInputs, or for experiment "premise" a callable
    expect: dict[str, str]
    adjust: Callable[[dict], None] | None = None  # edits the control params in place (e.g. which variants)


SCENARIOS: list[Scenario] = []


def scenario(name: str, experiment: str, description: str, expect: dict[str, str],
             adjust: Callable[[dict], None] | None = None):
    """Decorator: register the decorated builder as a scenario."""
    def register(build):
        SCENARIOS.append(Scenario(name, experiment, description, build, dict(expect), adjust))
        return build
    return register


def load_all() -> list[Scenario]:
    """Import every scenario module (each registers its scenarios once) and return the registry."""
    for name in MODULES:
        importlib.import_module(f"{__name__}.{name}")
    return SCENARIOS


def coverage(claim_ids, scenarios: list[Scenario] | None = None) -> dict[str, dict[str, list[str]]]:
    """{claim id: {"reproduced": [scenario names], "not reproduced": [...], "inconclusive": [...]}}."""
    scenarios = load_all() if scenarios is None else scenarios
    out = {i: {POSITIVE: [], NEGATIVE: [], GUARDED: []} for i in claim_ids}
    for sc in scenarios:
        for claim_id, verdict in sc.expect.items():
            if claim_id in out:
                out[claim_id][verdict].append(sc.name)
    return out


def missing(claim_ids, scenarios: list[Scenario] | None = None) -> list[str]:
    """Claim ids without both a positive and a negative control."""
    cov = coverage(claim_ids, scenarios)
    return sorted(i for i, c in cov.items() if not c[POSITIVE] or not c[NEGATIVE])


def control_params(params: dict, sc: Scenario) -> dict:
    """The params a scenario runs with: the real ones (rules, thresholds, guards), sizes made small by
    the scenario's experiment module (`shrink(params)` there), then the scenario's own adjustments."""
    p = copy.deepcopy(plain(params))
    module = importlib.import_module(f"{__name__}.{_module_of(sc.experiment)}")
    if hasattr(module, "shrink"):
        module.shrink(p)
    if sc.adjust is not None:
        sc.adjust(p)
    return p


def small(p: dict, variant: str, size: int, batch: int = 16, image_size: int | None = None) -> None:
    """Shrink a variant for a control: its dataset's synthetic images `size` px, its model's input
    `image_size` px (default: `size`), seeds 0, 1 and 2, batch size `batch`."""
    cfg = p["variants"][variant]
    p["datasets"][cfg["dataset"]]["size"] = size
    cfg.update(image_size=size if image_size is None else image_size, seeds=[0, 1, 2])
    cfg["train"]["batch_size"] = batch


def _module_of(experiment: str) -> str:
    if experiment in ("e2", "e4", "e5", "e8c", "e9_represent", "e10"):
        return "represent"
    if experiment == "beyond_baselines":
        return "baselines"
    if experiment in ("g_disjoint", "g_size", "m_attractor"):
        return "generalisation"
    return experiment


def plain(params):
    """A plain copy of params (a `Params` view, a dict, or a value)."""
    if isinstance(params, dict):
        return params
    if not hasattr(params, "keys"):
        return params
    return {k: plain(params[k]) for k in params}


def run_scenario(sc: Scenario, params: dict) -> list[dict]:
    """Run one scenario; one record per claim it names: the verdict expected and got, the value."""
    p = control_params(params, sc)
    t0 = time.perf_counter()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # constructed models on a few small images: a second thread only adds waiting
    try:
        if sc.experiment == "premise":
            claims = sc.build(p)
        else:
            run = importlib.import_module(f"aecopy.experiments.{sc.experiment}").run
            claims, _, _ = run(p, sc.build(p))
    finally:
        torch.set_num_threads(threads)
    seconds = time.perf_counter() - t0
    by_id = {base_id(c["id"]): c for c in claims}
    records = []
    for claim_id, want in sc.expect.items():
        c = by_id.get(claim_id)
        got = c["verdict"] if c else "absent"
        records.append({"id": claim_id, "scenario": sc.name, "description": sc.description, "expected": want,
                        "verdict": got, "ok": got == want,
                        **({k: c[k] for k in ("value", "ci_low", "ci_high", "metric")} if c else {}),
                        "reasons": c.get("reasons", []) if c else [], "seconds": round(seconds, 2)})
    return records


def run_all(params: dict, claim_ids, log: Callable[[str], None] = print) -> dict:
    """Every scenario that names one of `claim_ids`; {"records": [...], "summary": {claim id: {...}}}."""
    wanted = set(claim_ids)
    records = []
    for sc in load_all():
        if not wanted & set(sc.expect):
            continue
        recs = [r for r in run_scenario(sc, params) if r["id"] in wanted]
        for r in recs:
            log(f"{r['scenario']}: {r['id']} expected {r['expected']}, got {r['verdict']}"
                + ("" if r["ok"] else "  <-- FAILED"))
        records += recs
    summary = {}
    for i in sorted(wanted):
        mine = [r for r in records if r["id"] == i]
        summary[i] = {"positive": [r["scenario"] for r in mine if r["expected"] == POSITIVE],
                      "negative": [r["scenario"] for r in mine if r["expected"] == NEGATIVE],
                      "guards": [r["scenario"] for r in mine if r["expected"] == GUARDED],
                      "ok": bool(mine) and all(r["ok"] for r in mine)
                      and any(r["expected"] == POSITIVE for r in mine) and any(r["expected"] == NEGATIVE for r in mine)}
    return {"records": records, "summary": summary}
