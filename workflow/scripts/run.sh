#!/usr/bin/env bash
# README command 1: set everything up, then run the default pipeline end to end.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash workflow/scripts/setup.sh
.venv/bin/snakemake --profile workflow/profiles/default "$@"
if [ $# -eq 0 ]; then
    # Record what the run produced in dvc.lock (as `dvc repro` would), so that `dvc status` is clean
    # and `dvc push` can version it; a run with extra Snakemake arguments records nothing.
    DVC_NO_ANALYTICS=1 .venv/bin/dvc commit --force --quiet
fi
echo "Report: $(pwd)/results/report.html"
