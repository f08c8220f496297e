"""Every claim's metric and rule can both pass and fail: for each claim id of params.yaml (and the premise),
at least one positive control (the claim true by construction) gives "reproduced" and at least one negative
control (false by construction) gives "not reproduced", through the experiment's own code. Guard scenarios
(a model that does not copy, inversions that keep their start noise) must give "inconclusive"."""
from __future__ import annotations

import functools
from pathlib import Path

import pytest

from aecopy import config, controls

REPO = Path(__file__).resolve().parents[1]
PARAMS = config.load(REPO / "params.yaml")
CLAIM_IDS = sorted(config.load_raw(REPO / "params.yaml")["claims"]) + ["premise"]
SCENARIOS = {sc.name: sc for sc in controls.load_all()}


@functools.cache
def outcome(name: str) -> tuple[dict, ...]:
    """The records of one scenario, run once per test session."""
    return tuple(controls.run_scenario(SCENARIOS[name], PARAMS))


def test_scenarios_have_unique_names_and_known_verdicts():
    assert len(SCENARIOS) == len(controls.SCENARIOS)
    for sc in SCENARIOS.values():
        assert set(sc.expect.values()) <= {controls.POSITIVE, controls.NEGATIVE, controls.GUARDED}, sc.name
        assert sc.description


@pytest.mark.parametrize("claim_id", CLAIM_IDS)
def test_claim_passes_its_positive_and_fails_its_negative_control(claim_id):
    cov = controls.coverage([claim_id])[claim_id]
    assert cov[controls.POSITIVE], f"{claim_id} has no positive control"
    assert cov[controls.NEGATIVE], f"{claim_id} has no negative control"
    for verdict, names in cov.items():
        for name in names:
            got = [r for r in outcome(name) if r["id"] == claim_id]
            assert got and got[0]["verdict"] == verdict, (name, got)


def test_every_scenario_claim_is_a_claim_of_params():
    named = {i for sc in SCENARIOS.values() for i in sc.expect}
    assert named <= set(CLAIM_IDS), sorted(named - set(CLAIM_IDS))
