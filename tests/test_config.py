"""params.yaml validation: a bad key stops everything with one line naming it."""
from __future__ import annotations

import copy

import pytest
import yaml

from aecopy import config

from .conftest import REPO, make_project, run


@pytest.fixture()
def params() -> dict:
    with open(REPO / "params.yaml") as f:
        return yaml.safe_load(f)


def test_shipped_params_are_valid(params):
    resolved = config.resolve(params)
    assert resolved["scale"] == "default"
    assert set(resolved["variants"]) >= {"fc"}


def _break(params, path, value):
    bad = copy.deepcopy(params)
    node = bad
    for key in path[:-1]:
        node = node[key]
    if value is KeyError:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return bad


FC = ["scales", "default", "variants", "fc"]
CASES = [
    (["colour"], "blue", "unknown key 'colour'"),
    (FC + ["train", "lr"], -0.001, "scales.default.variants.fc.train.lr: got -0.001, expected a number > 0"),
    (FC + ["train", "epochs"], 0, "scales.default.variants.fc.train.epochs: got 0, expected a number >= 1"),
    (FC + ["train", "batch_size"], "64", "scales.default.variants.fc.train.batch_size: got '64', expected a value of type integer"),
    (FC + ["model"], "fcx", "scales.default.variants.fc.model: got 'fcx', expected one of"),
    (FC + ["dataset"], "nope", "scales.default.variants.fc.dataset: got 'nope'"),
    (["scale"], "huge", "scale: got 'huge', expected one of 'default', 'paper'"),
    (["threads"], KeyError, "'threads' is a required property"),
    (FC + ["train", "save_epochs"], [99], "save_epochs: got [99]"),
]


@pytest.mark.parametrize("path,value,message", CASES, ids=[".".join(map(str, c[0][-2:])) for c in CASES])
def test_bad_params_name_the_key(params, path, value, message):
    with pytest.raises(config.ConfigError) as err:
        config.resolve(_break(params, path, value))
    text = str(err.value)
    assert message in text
    assert "\n" not in text


def test_bad_params_stop_snakemake_before_any_work(tmp_path, params):
    project = make_project(tmp_path / "p", _break(params, FC + ["train", "lr"], -1.0))
    sentinel = project / "results" / "claims.json"
    sentinel.parent.mkdir()
    sentinel.write_text("[]\n")
    before = {p: p.stat().st_mtime_ns for p in (project / "results").rglob("*")}
    proc = run(["snakemake", "--cores", "1"], project, check=False)
    assert proc.returncode != 0
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert errors == ["error: params.yaml: scales.default.variants.fc.train.lr: got -1.0, expected a number > 0"]
    assert {p: p.stat().st_mtime_ns for p in (project / "results").rglob("*")} == before
    assert not (project / "data" / "prepared").exists()
