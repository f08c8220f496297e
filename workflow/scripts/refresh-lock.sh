#!/usr/bin/env bash
# Refresh requirements/lock.txt: every Python package of the project, its tests and the Slurm executor,
# pinned to an exact version with hashes (pip-tools). Inputs: pyproject.toml (extras `test`, `slurm`)
# and requirements/lock.in. pip resolves here, so torch comes from wherever this machine's pip finds it.
set -euo pipefail
cd "$(dirname "$0")/../.."

PYTHON=${PYTHON:-python3}
tools=$(mktemp -d)
trap 'rm -rf "$tools"' EXIT
"$PYTHON" -m venv "$tools/venv"
"$tools/venv/bin/pip" install -q "pip-tools==7.6.2"
CUSTOM_COMPILE_COMMAND="bash workflow/scripts/refresh-lock.sh" "$tools/venv/bin/pip-compile" --quiet \
    --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links \
    --extra test --extra slurm --output-file requirements/lock.txt "$@" pyproject.toml requirements/lock.in
echo "wrote requirements/lock.txt ($(grep -c '^[a-z]' requirements/lock.txt) packages)"
