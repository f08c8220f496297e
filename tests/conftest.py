"""Shared fixtures: a tiny copy of the project that runs the whole pipeline in well under a minute."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from aecopy.params import TRACE_ENV

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ENV = {**os.environ, "DVC_NO_ANALYTICS": "1", "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}


def run(cmd: list[str], cwd: Path, check: bool = True, timeout: float = 2400,
        env: dict | None = None) -> subprocess.CompletedProcess:
    """Run a command of the project's environment (plus `env`); on failure show its output."""
    proc = subprocess.run(cmd, cwd=cwd, env={**ENV, **(env or {})}, capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} exited {proc.returncode}\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
    return proc


def project_files() -> list[str]:
    """What a clone has: tracked files plus new files git does not ignore."""
    out = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                         capture_output=True, text=True, check=True).stdout
    return [f for f in out.splitlines() if (REPO / f).is_file()]


def tiny_params() -> dict:
    """params.yaml shrunk to seconds: few photos, small models, one seed, two epochs of a few steps."""
    with open(REPO / "params.yaml") as f:
        params = yaml.safe_load(f)
    params["cache_dir"] = str(REPO / "data" / "cache")  # the photographs fetched once by the set-up
    params["embedded"].update(scales=[1, 2], max_photos=6, val_fraction=0.34)
    block = params["scales"]["default"]
    block["seeds"] = [0]
    for cfg in block["variants"].values():
        cfg["train"].update(epochs=2, save_epochs=[1, 2], max_steps_per_epoch=3,
                            batch_size=min(cfg["train"]["batch_size"], 8))
    block["variants"]["fc"].update(image_size=8, kwargs={"width": 256, "depth": 2, "freeze_hidden": False})
    block["experiments"]["e1"].update(max_images=32)
    block["premise"]["images"] = 16
    _shrink_experiments(block["experiments"])
    return params


def _shrink_experiments(exps: dict) -> None:
    """The experiments of later stages at a few images and steps each (the keys they have)."""
    small = {"max_images": 8, "batch_size": 8, "n_samples": 8, "max_reference": 8, "steps": 3, "images": 2,
             "starts": 2, "maps": 1, "train_images": 4}
    for name, exp in exps.items():
        if name == "e1":
            continue
        for key, value in small.items():
            if key in exp and isinstance(exp[key], int):
                exp[key] = value
    # E7 keeps the post's 30 and 200 steps (one claim each): on 8 samples, and the other variants at 30 only
    if "e6" in exps:
        exps["e6"]["gif"] = {"images": 2, "every": 1}
    for name in ("e6", "e7"):
        if name in exps:
            exps[name]["swd"].update(per_image=4, directions=8, n_boot=10)
    if "e3" in exps:
        exps["e3"]["baselines"].update(alphas=[0.5], max_images=4, train_images=4)
        exps["e3"]["baselines"]["grids"] = {k: v[:2] for k, v in exps["e3"]["baselines"]["grids"].items()}
    if "inversion" in exps:
        exps["inversion"].update(steps=5, record_every=1, max_images=2, batch_size=2,
                                 bench={"images": 2, "steps": 2})
        for override in exps["inversion"]["overrides"].values():
            override.update({k: v for k, v in (("steps", 5), ("max_images", 2), ("batch_size", 2)) if k in override})
    if "t" in exps:
        exps["t"].update(n_minus_m=exps["t"]["n_minus_m"][:2], depths=exps["t"]["depths"][:2], steps=5)


def make_project(dest: Path, params: dict | None = None) -> Path:
    """Copy the project into `dest` as a fresh git repository with `params` as its params.yaml."""
    for rel in project_files():
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / rel, dest / rel)
    with open(dest / "params.yaml", "w") as f:
        yaml.safe_dump(params or tiny_params(), f, sort_keys=False)
    run(["git", "init", "-q"], dest)
    run(["git", "-c", "user.email=t@t", "-c", "user.name=t", "add", "-A"], dest)
    run(["git", "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "tiny project"], dest)
    return dest


@pytest.fixture(scope="session")
def photos_available() -> None:
    """The embedded photographs, fetched by the set-up script (README command 1 or 2)."""
    proc = run([sys.executable, "-m", "aecopy.cli.fetch"], REPO, check=False)
    if proc.returncode != 0:
        pytest.fail(f"the embedded photographs are not available; run workflow/scripts/setup.sh\n{proc.stderr}")


@pytest.fixture(scope="session")
def params_trace(tmp_path_factory) -> Path:
    """Where the jobs of the `built` project wrote the params keys they read (aecopy.params)."""
    return tmp_path_factory.mktemp("params-trace")


@pytest.fixture(scope="session")
def built(tmp_path_factory, photos_available, params_trace) -> Path:
    """A tiny project built by `dvc repro` (which runs snakemake), every job tracing its params reads."""
    project = make_project(tmp_path_factory.mktemp("built"))
    run(["dvc", "repro"], project, env={TRACE_ENV: str(params_trace)})
    return project
