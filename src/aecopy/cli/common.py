"""Shared set-up for the entry points: params, threads, determinism, device, logging."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

from .. import config
from ..io import write_json


def parser(description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--params", default="params.yaml", help="the params file (default: params.yaml)")
    return p


def setup(args: argparse.Namespace) -> dict:
    """Load and validate params; fix threads and deterministic kernels so CPU runs repeat bit for bit."""
    try:
        params = config.load(args.params)
    except config.ConfigError as err:
        sys.exit(f"error: {err}")
    torch.set_num_threads(params["threads"])
    torch.use_deterministic_algorithms(True, warn_only=True)
    return params


def device(params: dict) -> torch.device:
    if params["device"] == "cuda" or (params["device"] == "auto" and torch.cuda.is_available()):
        return torch.device("cuda")
    return torch.device("cpu")


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def out_dir(args: argparse.Namespace) -> Path:
    """The rule's output folder (`--out-dir`), created."""
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    return out


def write_results(out: Path, claims: list[dict], metrics: dict) -> None:
    """Log every claim with its verdict, then write the experiment's metrics.json and claims.json."""
    for c in claims:
        converged = f", converged {c['converged_fraction']:.2f}" if "converged_fraction" in c else ""
        log(f"{c['id']}: {c['metric']} = {c['value']:.4g} [{c['ci_low']:.4g}, {c['ci_high']:.4g}]{converged} "
            f"→ {c['verdict']}")
    write_json(out / "metrics.json", metrics)
    write_json(out / "claims.json", claims)
