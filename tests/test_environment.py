"""The environment block of results/metrics.json and the report."""
from __future__ import annotations

import json
import os
import platform

import numpy
import torch

from aecopy.cli import claims as claims_cli
from aecopy.cli.report import environment_section
from aecopy.environment import environment

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


def test_versions_in_use_are_those_of_the_lock():
    pins = {}
    for line in (REPO / "requirements" / "lock.txt").read_text().splitlines():
        if "==" in line and not line.startswith((" ", "#")):
            name, version = line.split(" ")[0].split("==")
            pins[name] = version
    env = environment()
    for name in ("torch", "torchvision", "numpy", "snakemake", "dvc", "snakemake-executor-plugin-slurm"):
        assert env[name] == pins[name], name


def test_claims_step_writes_the_environment(tmp_path):
    (tmp_path / "e.json").write_text(json.dumps([CLAIM]))
    claims_cli.main(["--params", str(REPO / "params.yaml"), "--inputs", str(tmp_path / "e.json"),
                     "--out", str(tmp_path / "claims.json"), "--metrics", str(tmp_path / "metrics.json")])
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["X1"]["reproduced"] == 1
    assert metrics["environment"]["torch"] == environment()["torch"]
    assert metrics["environment"]["torch_threads"] > 0
    section = environment_section()
    assert {"name": "torch", "value": environment()["torch"]} in section["table"]
