"""End to end on a tiny configuration: snakemake, dvc repro, push/clone/pull, determinism."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from .conftest import make_project, run

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def built(tmp_path_factory, photos_available) -> Path:
    """A tiny project built by `dvc repro` (which runs snakemake)."""
    project = make_project(tmp_path_factory.mktemp("built"))
    run(["dvc", "repro"], project)
    return project


def test_default_run_produces_claims_and_report(built):
    claims = json.loads((built / "results" / "claims.json").read_text())
    e1 = next(c for c in claims if c["id"] == "E1")
    keys = {"id", "claim", "metric", "value", "ci_low", "ci_high", "rule", "verdict", "scale", "data"}
    assert keys <= set(e1)
    assert e1["verdict"] in ("reproduced", "not reproduced", "inconclusive")
    assert e1["ci_low"] <= e1["value"] <= e1["ci_high"]
    report = (built / "results" / "report.html").read_text()
    assert "data:image/png;base64," in report and ">E1<" in report


def test_second_run_has_nothing_to_do(built):
    assert "Nothing to be done" in run(["snakemake", "-n"], built).stdout
    assert "up to date" in run(["dvc", "status"], built).stdout


def test_every_rule_has_a_log_and_lint_passes(built):
    run(["snakemake", "--lint"], built)


def _snakemake_outputs(project: Path) -> set[str]:
    """Every file the DAG of `rule all` produces (directory outputs expanded to their files)."""
    table = run(["snakemake", "--summary"], project).stdout.splitlines()
    files = set()
    for line in table[1:]:
        path = project / line.split("\t")[0]
        if path.is_dir():
            files |= {str(p.relative_to(project)) for p in path.rglob("*") if p.is_file()}
        else:
            files.add(line.split("\t")[0])
    return files


def _dvc_tracked(project: Path) -> set[str]:
    out = run(["dvc", "ls", "-R", "--dvc-only", "."], project).stdout
    return {line.strip() for line in out.splitlines() if line.strip()}


def test_dvc_tracks_exactly_what_rule_all_produces(built):
    produced = _snakemake_outputs(built)
    assert "results/claims.json" in produced and any(p.endswith(".pt") for p in produced)
    assert _dvc_tracked(built) == produced


def test_push_clone_pull_is_up_to_date(built, tmp_path):
    remote = tmp_path / "remote"
    run(["dvc", "remote", "add", "-d", "-f", "local", str(remote)], built)
    run(["dvc", "push"], built)
    run(["git", "-c", "user.email=t@t", "-c", "user.name=t", "add", "-A"], built)
    run(["git", "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "run"], built)
    clone = tmp_path / "clone"
    run(["git", "clone", "-q", str(built), str(clone)], tmp_path)
    run(["bash", "workflow/scripts/pull.sh"], clone)
    assert "up to date" in run(["dvc", "status"], clone).stdout
    assert "Nothing to be done" in run(["snakemake", "-n"], clone).stdout
    assert (clone / "results" / "claims.json").read_bytes() == (built / "results" / "claims.json").read_bytes()


def test_same_seed_gives_identical_claims(built, tmp_path):
    again = make_project(tmp_path / "again")
    run(["snakemake", "--profile", "workflow/profiles/default"], again)
    assert (again / "results" / "claims.json").read_bytes() == (built / "results" / "claims.json").read_bytes()
