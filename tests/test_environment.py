"""The environment block of results/metrics.json and the report."""
from __future__ import annotations

import json
import os
import platform
import re
from importlib import metadata

import numpy
import torch

from aecopy.cli import claims as claims_cli
from aecopy.cli.report import environment_section
from aecopy.environment import environment
from aecopy.params import declare

from .conftest import REPO

CLAIM = {"id": "X1", "claim": "c", "metric": "m", "value": 0.5, "ci_low": 0.4, "ci_high": 0.6, "rule": "r",
         "verdict": "reproduced", "scale": "default", "data": "photos32"}


def test_environment_names_the_versions_in_use():
    env = environment()
    assert env["python"] == platform.python_version()
    assert torch.__version__.startswith(env["torch"])
    assert env["numpy"] == numpy.__version__
    assert env["snakemake"] and env["dvc"]
    assert env["torch_threads"] == torch.get_num_threads() and env["cpu_count"] == os.cpu_count()


def _lock() -> dict[str, str]:
    """{name: version} of requirements/lock.txt, checking that every pin carries a hash."""
    text = (REPO / "requirements" / "lock.txt").read_text()
    pins = {}
    for block in re.split(r"\n(?=\S)", text):
        if block.startswith("#") or not block.strip():
            continue
        name, version = block.split(" ")[0].split("==")
        assert "--hash=sha256:" in block, name
        pins[re.sub(r"[-_.]+", "-", name).lower()] = version
    return pins


def test_the_environment_is_the_lock():
    """Every locked package is installed at its locked version; torch and torchvision are the pinned pair."""
    pins = _lock()
    assert pins["torch"] == "2.14.1" and pins["torchvision"] == "0.29.1"
    installed = {re.sub(r"[-_.]+", "-", d.metadata["Name"]).lower(): d.version for d in metadata.distributions()}
    assert {name: installed.get(name) for name in pins} == pins
    env = environment()
    for name in ("torch", "torchvision", "numpy", "snakemake", "dvc", "snakemake-executor-plugin-slurm"):
        assert env[name] == pins[name], name


def test_claims_step_writes_the_environment(tmp_path):
    (tmp_path / "e.json").write_text(json.dumps([CLAIM]))
    (tmp_path / "controls.json").write_text(json.dumps({"summary": {}}))
    claims_cli.main(["--rule", "claims", "--params", declare({}, []), "--inputs", str(tmp_path / "e.json"),
                     "--controls", str(tmp_path / "controls.json"), "--out", str(tmp_path / "claims.json"), "--metrics", str(tmp_path / "metrics.json")])
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["X1"]["reproduced"] == 1
    assert metrics["environment"]["torch"] == environment()["torch"]
    assert metrics["environment"]["torch_threads"] > 0
    section = environment_section()
    assert {"name": "torch", "value": environment()["torch"]} in section["table"]
