"""Shared set-up for the entry points: the rule's params and inputs, threads, determinism, device, logging.

Every entry point is called by a rule with `--rule <name> --params <json>` (the params the rule declares,
see `aecopy.params`) and, where it reads files, `--inputs <json>` (what they are, see `aecopy.plan`).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from ..io import write_json
from ..params import Params, UndeclaredParam, from_rule


def parser(description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--rule", required=True, help="the name of the calling rule (labels the params trace)")
    p.add_argument("--params", required=True, help="JSON of the params the rule declares")
    return p


def setup(args: argparse.Namespace, torch_threads: bool = True) -> Params:
    """The declared params; for jobs that compute with torch, fixed threads and deterministic kernels so
    CPU runs repeat bit for bit."""
    params = from_rule(args.params, args.rule, getattr(args, "out", None) or getattr(args, "out_dir", None))
    if torch_threads:
        import torch

        torch.set_num_threads(params["threads"])
        torch.use_deterministic_algorithms(True, warn_only=True)
    return params


def device(params):
    import torch

    if params["device"] == "cuda" or (params["device"] == "auto" and torch.cuda.is_available()):
        return torch.device("cuda")
    return torch.device("cpu")


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def guarded(main):
    """Run an entry point; a key the rule did not declare ends it with one line naming the key."""
    def wrapper(argv=None):
        try:
            return main(argv)
        except UndeclaredParam as err:
            sys.exit(f"error: {err}")
    return wrapper


def write_results(out: str | Path, claims: list[dict], metrics: dict, figures=None,
                  declared: list[str] | None = None) -> None:
    """Draw the experiment's figures, log every claim with its verdict, then write its metrics.json and
    claims.json into `out`. The figures must be exactly those the rule declares as outputs."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if figures is not None:
        if declared is not None and sorted(figures.names()) != sorted(Path(f).name for f in declared):
            raise SystemExit(f"error: {out}: the experiment drew {sorted(figures.names())}, its rule declares "
                             f"{sorted(Path(f).name for f in declared)}")
        figures.write(out)
    for c in claims:
        converged = f", converged {c['converged_fraction']:.2f}" if "converged_fraction" in c else ""
        log(f"{c['id']}: {c['metric']} = {c['value']:.4g} [{c['ci_low']:.4g}, {c['ci_high']:.4g}]{converged} "
            f"→ {c['verdict']}")
    write_json(out / "metrics.json", metrics)
    write_json(out / "claims.json", claims)
