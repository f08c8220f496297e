"""Params follow the DAG: every key a job reads is declared by its rule, every declared key is read, and a
changed key reruns exactly the rules that read it (and what depends on their outputs).

The first test is derived from what the jobs of the tiny pipeline actually read (aecopy.params records every
key at exit), not from a hand-written list; the second perturbs one leaf per block of params.yaml and asks
`snakemake -n` what it would run.
"""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from aecopy import config

from .conftest import run

pytestmark = pytest.mark.slow


def _records(trace: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(trace.glob("*.json"))]


def _covered(key: str, declared) -> bool:
    return any(key == d or key.startswith(d + ".") for d in declared)


def rules_by_key(trace: Path) -> dict[str, set[str]]:
    """{declared key: rules that declare it}, over every job of the tiny pipeline."""
    out: dict[str, set[str]] = {}
    for rec in _records(trace):
        for key in rec["declared"]:
            out.setdefault(key, set()).add(rec["rule"])
    return out


def test_every_key_read_is_declared_and_every_declared_key_is_read(built, params_trace):
    records = _records(params_trace)
    rules = {r["rule"] for r in records}
    # every rule of the default run that runs an entry point left a record
    assert rules >= {"prepare", "train", "invert_trained", "invert_untrained", "e1", "e2", "e3", "e4", "e5", "e6",
                     "e7", "e8c", "e9_represent", "e10", "t", "training_summary", "claims", "report"}
    undeclared = {(r["rule"], k) for r in records for k in r["read"] if not _covered(k, r["declared"])}
    assert not undeclared, sorted(undeclared)
    # a declared value no job of the rule reads would rerun the rule for nothing (a read of a whole
    # section, e.g. iterating its keys, reads every value in it)
    reads_by_rule: dict[str, set[str]] = {}
    leaves_by_rule: dict[str, set[str]] = {}
    for r in records:
        reads_by_rule.setdefault(r["rule"], set()).update(r["read"])
        leaves_by_rule.setdefault(r["rule"], set()).update(r["leaves"])
    unread = {(rule, leaf) for rule, leaves in leaves_by_rule.items() for leaf in leaves
              if not any(leaf == k or leaf.startswith(k + ".") or k.startswith(leaf + ".")
                         for k in reads_by_rule[rule])}
    assert not unread, sorted(unread)


def _jobs(project: Path, *flags: str) -> list[dict]:
    """The jobs `snakemake -n` would run: [{rule, input, output}] (lists of paths)."""
    out = run(["snakemake", "-n", *flags], project).stdout
    jobs = []
    for block in re.split(r"\n(?=rule \w+:)", out):
        head = re.match(r"rule (\w+):", block)
        if not head:
            continue
        files = {k: [f.strip() for f in v.split(",") if f.strip()]
                 for k, v in re.findall(r"^\s+(input|output): (.*)$", block, re.M)}
        jobs.append({"rule": head.group(1), "input": files.get("input", []), "output": files.get("output", [])})
    return jobs


def _produces(job: dict, path: str) -> bool:
    return any(path == o or path.startswith(o.rstrip("/") + "/") for o in job["output"])


def _owns(job: dict, record: dict) -> bool:
    """A traced job is the DAG job whose output is the record's output or lies in it."""
    out = record["output"].rstrip("/")
    return job["rule"] == record["rule"] and any(o == out or o.startswith(out + "/") for o in job["output"])


def _downstream(start: list[dict], jobs: list[dict]) -> list[dict]:
    seen, todo = [], list(start)
    while todo:
        job = todo.pop()
        if job in seen:
            continue
        seen.append(job)
        todo.extend(j for j in jobs if any(_produces(job, i) for i in j["input"]))
    return seen


def _key(job: dict) -> tuple:
    return job["rule"], tuple(sorted(job["output"]))


# One leaf per block, as dotted keys of the resolved params, with a new value. Leaves of the paper scale
# (scales.paper.…) do not touch the default run: nothing may be scheduled.
PERTURB = [
    ("experiments.inversion.steps", 6),
    ("experiments.inversion.fit_tolerance", 0.4),
    ("experiments.e1.alpha", 0.3),
    ("experiments.e3.budget_tolerance", 0.1),
    ("experiments.e4.alpha", 0.2),
    ("experiments.e6.eps", 0.3),
    ("experiments.e7.frames", 4),
    ("experiments.t.c", 0.03),
    ("variants.unet.train.lr", 2.0e-3),
    ("claims.E1", "< 1.1"),
    ("embedded.val_fraction", 0.4),
    ("scales.paper.experiments.inversion.steps", 999),
    ("scales.paper.variants.unet.train.lr", 3.0e-4),
]


def _raw_path(key: str) -> list[str]:
    parts = key.split(".")
    if parts[0] in ("datasets", "variants", "experiments", "seeds"):
        return ["scales", "default", *parts]
    return parts


@pytest.fixture(scope="module")
def perturbable(built, tmp_path_factory) -> Path:
    """A copy of the built project (outputs and Snakemake's records included) to edit params.yaml in."""
    copy = tmp_path_factory.mktemp("perturb") / "p"
    shutil.copytree(built, copy, symlinks=True)
    return copy


@pytest.fixture(scope="module")
def every_job(perturbable) -> list[dict]:
    """Every job of the DAG with its inputs and outputs (a dry run of all of them)."""
    return _jobs(perturbable, "--forceall")


@pytest.mark.parametrize("key,value", PERTURB, ids=[k for k, _ in PERTURB])
def test_a_changed_key_reruns_exactly_the_rules_that_read_it(perturbable, every_job, params_trace, key, value):
    params_file = perturbable / "params.yaml"
    original = params_file.read_text()
    params = yaml.safe_load(original)
    node = params
    path = _raw_path(key)
    for part in path[:-1]:
        node = node.setdefault(part, {})
    assert node.get(path[-1]) != value
    node[path[-1]] = value
    config.resolve(params)  # the perturbation itself is valid
    try:
        params_file.write_text(yaml.safe_dump(params, sort_keys=False))
        scheduled = {_key(j) for j in _jobs(perturbable) if j["rule"] != "all"}
    finally:
        params_file.write_text(original)
    if key.startswith("scales.paper."):
        assert scheduled == set()
        return
    readers = {(r["rule"], r["output"]): r for r in _records(params_trace)
               if any(_covered(key, [d]) or d.startswith(key + ".") for d in r["declared"])}
    assert readers, f"no rule declares {key}"
    start = [j for j in every_job if any(_owns(j, r) for r in readers.values())]
    assert len(start) == len(readers), (key, sorted(readers))
    expected = {_key(j) for j in _downstream(start, every_job) if j["rule"] != "all"}
    assert scheduled == expected


def _mtimes(project: Path, pattern: str) -> dict[str, int]:
    return {str(p.relative_to(project)): p.stat().st_mtime_ns for p in project.glob(pattern) if p.is_file()}


def test_dvc_exp_run_reruns_what_the_key_changes_and_compares_runs(built, tmp_path):
    """`dvc exp run -S key=value` reruns only what reads the key; exp show, params diff and metrics diff
    compare the experiment with the committed run."""
    project = tmp_path / "exp"
    shutil.copytree(built, project, symlinks=True)
    git = ["git", "-c", "user.email=t@t", "-c", "user.name=t"]
    run([*git, "add", "-A"], project)
    run([*git, "commit", "-qm", "built"], project)
    checkpoints = _mtimes(project, "results/train/**/*.pt")
    inversions = _mtimes(project, "results/represent/**/*.pt")
    e1_before = json.loads((project / "results/e1/claims.json").read_text())
    run(["dvc", "exp", "run", "-S", "scales.default.experiments.e1.alpha=0.3"], project)
    assert _mtimes(project, "results/train/**/*.pt") == checkpoints
    assert _mtimes(project, "results/represent/**/*.pt") == inversions
    e1_after = json.loads((project / "results/e1/claims.json").read_text())
    assert e1_after[0]["details"]["alpha"] == 0.3 and e1_before[0]["value"] != e1_after[0]["value"]

    shown = json.loads(run(["dvc", "exp", "show", "--json"], project).stdout)
    assert "0.3" in json.dumps(shown) and '"E1"' in json.dumps(shown)
    params_diff = run(["dvc", "params", "diff", "--json"], project).stdout
    assert "scales.default.experiments.e1.alpha" in params_diff
    metrics_diff = json.loads(run(["dvc", "metrics", "diff", "--json"], project).stdout)
    changed = metrics_diff["results/metrics.json"]
    assert "E1.value" in changed and "E3-a0.5.value" not in changed
