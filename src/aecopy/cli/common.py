"""Shared set-up for the entry points: params, threads, determinism, device, logging."""
from __future__ import annotations

import argparse
import sys
import time

import torch

from .. import config


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
