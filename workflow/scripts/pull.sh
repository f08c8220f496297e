#!/usr/bin/env bash
# Fetch a versioned run from the DVC remote into this clone, then let Snakemake adopt the files:
# DVC restores them with fresh timestamps in no particular order, and `snakemake --touch` puts their
# times back in pipeline order (dvc status has already checked they are exactly what dvc.lock says).
set -euo pipefail
cd "$(dirname "$0")/../.."
export DVC_NO_ANALYTICS=1
[ -x .venv/bin/python ] && export PATH="$(pwd)/.venv/bin:$PATH"
dvc pull "$@"
snakemake --profile workflow/profiles/default --touch --quiet
