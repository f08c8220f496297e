#!/usr/bin/env bash
# Snakemake holding the project folder's lock (dvc.yaml's stage runs this), then a one-line warning
# for every data set or evaluation folder whose bad files `on_bad_data: skip` left out.
# A second run while one is going fails at once: "error: another run holds this project folder (...)".
set -euo pipefail
cd "$(dirname "$0")/../.."
source workflow/scripts/lock.sh
take_project_lock
SNAKEMAKE=${SNAKEMAKE:-snakemake}
status=0
"$SNAKEMAKE" "$@" || status=$?
"$(dirname "$(command -v "$SNAKEMAKE")")/python" -m aecopy.data.skipped || true
exit "$status"
