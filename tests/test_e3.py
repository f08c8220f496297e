"""E3's claims as the report reads them, from the experiment's own `run` on constructed models (the controls'
inputs): each claim states how its models were batched, records its value in the other batch compositions,
its models' copy quality, its sample size and, for a contrast, both models' training budgets; a model whose
output depends on its batch (train-mode BatchNorm) gives different values in different compositions."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch
from torch import nn

from aecopy import config, controls
from aecopy.controls.e3 import _inputs
from aecopy.experiments import e3

REPO = Path(__file__).resolve().parents[1]
PARAMS = config.load(REPO / "params.yaml")
SCENARIOS = {sc.name: sc for sc in controls.load_all()}


def _run(name: str, models=None):
    sc = SCENARIOS[name]
    p = controls.control_params(PARAMS, sc)
    return p, e3.run(p, sc.build(p) if models is None else _inputs(p, models))


@pytest.fixture(scope="module")
def oracle_mix():
    return _run("e3/oracle-mix")


def test_every_claim_states_its_batches_compositions_premise_and_budgets(oracle_mix):
    p, (claims, metrics, figs) = oracle_mix
    by_id = {c["id"]: c for c in claims}
    exp = p["experiments"]["e3"]
    assert set(by_id) == {"E3-a0.5", "E3-a0.3", "E3-a0.1", "E3-deblur", "E8a-stats", "E8a-deblur", "E8b",
                          "E9-attn_unet", "E9-linear_attn", "E9-attn_only"}
    for c in claims:
        assert set(c["sensitivity"]) == {"random", "photo", "single"}, c["id"]
        assert "premise unmet" in c["rule"] and c["premise"], c["id"]
        assert c["sample"] == {"images": 16, "seeds": 3} and c["n"] >= 3 * 16, c["id"]
        assert "too few images or seeds" in c["rule"], c["id"]
    assert f"{exp['batch1']} on single images" in by_id["E8b"]["batches"]
    ref_bs = p["variants"][exp["reference"]]["train"]["batch_size"]
    assert f"{exp['reference']} in random batches of {ref_bs}" in by_id["E8b"]["batches"]
    for cid in ("E8a-stats", "E8b", "E9-attn_unet", "E9-linear_attn"):
        assert "unequal budgets" in by_id[cid]["rule"] and len(by_id[cid]["budgets"]) == 2, cid
    assert "budgets" not in by_id["E9-attn_only"]
    deblur = by_id["E3-deblur"]["details"]
    assert deblur["sharpness_input"] < 1 and "author_measure_output_shift" in deblur
    assert "renormalised_input_ratio" in by_id["E3-a0.5"]["details"]
    assert set(metrics["val"]["quality"]["psnr"]) >= {exp["reference"], "renormalised input", "noisy input"}


def test_e8b_is_an_equivalence_with_the_ratio_kept(oracle_mix):
    _, (claims, _, _) = oracle_mix
    e8b = next(c for c in claims if c["id"] == "E8b")
    assert e8b["value"] == pytest.approx(0.0, abs=1e-6)  # identical models: |log 1|
    assert "within ±25%" in e8b["metric"]


class BatchRenorm(nn.Module):
    """A train-mode BatchNorm without parameters, then the synthetic images' typical mean and sd: its output on
    an image depends on the other images of its batch."""

    def __init__(self):
        super().__init__()
        self.bn = nn.BatchNorm2d(3, affine=False)

    def forward(self, x):
        return self.bn(x) * 0.2 + 0.45


def test_a_batch_dependent_model_gives_different_values_per_composition():
    threads = torch.get_num_threads()
    _, (claims, _, _) = _run("e3/oracle-mix", {"ref": lambda b, e: BatchRenorm()})
    assert torch.get_num_threads() == threads  # evaluate restores the count it lowers for single images
    c = next(c for c in claims if c["id"] == "E3-a0.5")
    values = {k: v["value"] for k, v in c["sensitivity"].items()}
    assert values["random"] == c["value"]
    assert abs(values["single"] - values["random"]) > 1e-3 * values["random"]
