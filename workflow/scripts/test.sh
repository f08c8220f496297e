#!/usr/bin/env bash
# README command 2: run the test suite (setting up first if needed).
set -euo pipefail
cd "$(dirname "$0")/../.."
bash workflow/scripts/setup.sh
export DVC_NO_ANALYTICS=1
# The report's browser test uses Debian's Chromium.
if ! command -v chromium >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "==> installing Debian's chromium for the report test"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
.venv/bin/python -m pytest "$@"
