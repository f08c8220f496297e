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


def _schema_keys(node, out: set) -> set:
    """Every property name the schema defines."""
    if isinstance(node, dict):
        for name, sub in node.get("properties", {}).items():
            out.add(name)
            _schema_keys(sub, out)
        for key, sub in node.items():
            if key != "properties":
                _schema_keys(sub, out)
    elif isinstance(node, list):
        for sub in node:
            _schema_keys(sub, out)
    return out


def test_every_schema_key_is_read_by_something():
    """A key the schema accepts but no code reads is a setting that silently does nothing. Read means:
    indexed by name ("key"), named in a rule's dotted params (.key), or a keyword parameter of a function
    a section is unpacked into (**section)."""
    import re

    # bench_gpu takes no params (its settings are its own command-line flags)
    sources = [p for p in (REPO / "src").rglob("*.py") if p.name != "bench_gpu.py"]
    code = "\n".join(p.read_text() for p in [*sources, *(REPO / "workflow").rglob("*.smk"), REPO / "Snakefile"])
    schema = config.load_schema()
    scale_names = set(schema["properties"]["scale"]["enum"])  # read through `scale`, which selects one
    unread = sorted(k for k in _schema_keys(schema, set()) - scale_names
                    if not any(f"{q}{k}{q}" in code for q in ('"', "'")) and not re.search(rf"\w\.{k}\b[\"',]", code)
                    and not re.search(rf"def \w+\([^)]*\b{k}\s*[:=]", code))
    assert not unread, unread


def test_paper_scale_holds_only_differences(params):
    """scales.paper restates no value of scales.default: every leaf it sets differs from the default."""
    def same(default, paper, path=""):
        for key, value in paper.items():
            if isinstance(value, dict) and isinstance(default.get(key), dict):
                yield from same(default[key], value, f"{path}.{key}")
            elif default.get(key, object()) == value:
                yield f"{path}.{key}"
    assert not list(same(params["scales"]["default"], params["scales"]["paper"]))


def test_paper_scale_is_the_default_merged_with_its_differences(params):
    paper = config.resolve({**params, "scale": "paper"})
    assert paper["variants"]["unet"]["kwargs"] == {"base": 64, "levels": 4}
    assert paper["experiments"]["inversion"]["steps"] == 1000
    assert paper["experiments"]["e3"]["alphas"] == params["scales"]["default"]["experiments"]["e3"]["alphas"]


XREF = [
    (["scales", "default", "experiments", "e3", "judge_alpha"], 0.7, "experiments.e3.judge_alpha: got 0.7"),
    (["scales", "default", "experiments", "e1", "variant"], "fcc", "experiments.e1.variant: got 'fcc', expected one of"),
    (FC + ["kwargs", "widht"], 10, "variants.fc.kwargs: unknown argument 'widht' of model 'fc'"),
    (["claims", "E1"], KeyError, "claims.E1: missing, expected the verdict rule of this claim"),
    (["claims", "E99"], "< 1.0", "claims.E99: no experiment of scales.default makes this claim"),
    (["claims", "E1"], "about 1", "claims.E1"),
    (["scales", "default", "experiments", "e7", "detail_pair"], ["unet", "unet_nobn"],
     "experiments.e7.detail_pair: got 'unet_nobn'"),
    (["eval_sets"], {"my set": "/tmp"}, "got 'my set', expected letters, digits"),
    (["scales", "paper", "experiments", "inversion", "stpes"], 3, "scales.paper.experiments.inversion: unknown key 'stpes'"),
    (["scales", "default", "variants", "unet", "train", "save_epochs"], [6],
     "variants.unet.train.save_epochs: got [6], expected two or more epochs"),
]


@pytest.mark.parametrize("path,value,message", XREF, ids=[".".join(map(str, c[0][-2:])) for c in XREF])
def test_bad_references_fail_at_load_naming_the_key(params, path, value, message):
    with pytest.raises(config.ConfigError) as err:
        config.resolve(_break(params, path, value))
    assert message in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize("path,value,message", [XREF[1], XREF[2], XREF[3]], ids=["variant", "kwarg", "rule"])
def test_bad_references_stop_snakemake_dry_run_in_one_line(tmp_path, params, path, value, message):
    """`snakemake -n` already refuses them: nothing is scheduled, no traceback, one line naming the key."""
    project = make_project(tmp_path / "p", _break(params, path, value))
    proc = run(["snakemake", "-n"], project, check=False)
    assert proc.returncode != 0
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and message in errors[0]
    assert "Traceback" not in proc.stderr + proc.stdout
