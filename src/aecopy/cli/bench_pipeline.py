"""Benchmark `bench`: the cost of a no-op — `snakemake -n` and `dvc status` once everything is built."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from ..bench import summary
from ..io import write_json
from .common import log, parser, setup

TARGET_SECONDS = 5.0


def seconds(cmd: list[str], rounds: int) -> dict:
    """Wall time of a command over `rounds` runs (median, min, max) and the output of the last one."""
    env = {**os.environ, "DVC_NO_ANALYTICS": "1"}
    times, out = [], ""
    for _ in range(rounds):
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
        times.append(time.perf_counter() - t0)
        out = proc.stdout + proc.stderr
    return {**summary(times), "last_output": out[-500:]}


def main(argv=None) -> None:
    p = parser(__doc__)
    p.add_argument("--out", required=True)
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args(argv)
    setup(args, torch_threads=False)  # it reads no params: a no-op's cost depends on what is built
    bindir = Path(sys.executable).parent
    # --nolock: this job runs inside a Snakemake run that holds the lock.
    smk = seconds([str(bindir / "snakemake"), "-n", "--nolock", "--quiet"], args.rounds)
    dvc = seconds([str(bindir / "dvc"), "status"], args.rounds) if Path(".dvc").is_dir() else None
    result = {"snakemake_dry_run_s": smk, "dvc_status_s": dvc, "target_s": TARGET_SECONDS,
              "meets_target": smk["median"] <= TARGET_SECONDS and (dvc is None or dvc["median"] <= TARGET_SECONDS)}
    log(f"snakemake -n: {smk['median']:.2f} s; dvc status: {dvc['median'] if dvc else float('nan'):.2f} s")
    write_json(args.out, result)


if __name__ == "__main__":
    main()
