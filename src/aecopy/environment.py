"""The software and CPU a run used, recorded in results/metrics.json and the report."""
from __future__ import annotations

import os
import platform
from importlib import metadata

import torch

PACKAGES = ("torch", "torchvision", "numpy", "snakemake", "dvc", "snakemake-executor-plugin-slurm")


def environment() -> dict:
    """{python, each package's installed version (None if absent), torch's CPU threads, os.cpu_count(), CUDA}."""
    env: dict = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            env[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            env[name] = None
    env["torch_threads"] = torch.get_num_threads()
    env["cpu_count"] = os.cpu_count()
    env["cuda"] = torch.version.cuda if torch.cuda.is_available() else None
    return env
