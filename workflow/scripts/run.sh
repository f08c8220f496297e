#!/usr/bin/env bash
# README command 1: set everything up, then run the default pipeline end to end.
# One run at a time per project folder: a second one fails at once (workflow/scripts/lock.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
# OpenMP threads that wait for a busy core spin by default, which stalls two-thread work 5–50× on a shared
# machine; passive waiting yields the core instead.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
source workflow/scripts/lock.sh
take_project_lock
bash workflow/scripts/setup.sh
SNAKEMAKE=.venv/bin/snakemake bash workflow/scripts/snakemake.sh --profile workflow/profiles/default "$@"
if [ $# -eq 0 ]; then
    # Record what the run produced in dvc.lock (as `dvc repro` would), so that `dvc status` is clean
    # and `dvc push` can version it; a run with extra Snakemake arguments records nothing.
    DVC_NO_ANALYTICS=1 .venv/bin/dvc commit --force --quiet
fi
echo "Report: $(pwd)/results/report.html"
