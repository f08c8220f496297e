#!/usr/bin/env bash
# README command 2: run the test suite (setting up first if needed).
set -euo pipefail
cd "$(dirname "$0")/../.."
bash workflow/scripts/setup.sh
export DVC_NO_ANALYTICS=1
.venv/bin/python -m pytest "$@"
