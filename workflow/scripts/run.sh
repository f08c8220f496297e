#!/usr/bin/env bash
# README command 1: set everything up, then run the default pipeline end to end.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash workflow/scripts/setup.sh
.venv/bin/snakemake --profile workflow/profiles/default "$@"
echo "Report: $(pwd)/results/report.html"
