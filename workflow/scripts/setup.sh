#!/usr/bin/env bash
# Set up a new machine: virtual environment, Python packages, the embedded photographs.
# Idempotent: a second run only checks what is there.
set -euo pipefail
cd "$(dirname "$0")/../.."
export DVC_NO_ANALYTICS=1

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    echo "==> creating .venv"
    "$PYTHON" -m venv .venv
fi
if ! .venv/bin/python -c "import aecopy, torch, torchvision, snakemake, dvc, skimage, pytest" 2>/dev/null; then
    echo "==> installing Python packages (torch is large: a few minutes)"
    .venv/bin/pip install -q --upgrade pip
    # torch and torchvision pinned together: they must come from the same release.
    .venv/bin/pip install -q "torch==2.14.1" "torchvision==0.29.1"
    .venv/bin/pip install -q -e ".[test]"
fi

echo "==> fetching and verifying the embedded photographs (pinned Debian packages)"
if ! .venv/bin/python -m aecopy.cli.fetch; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "==> refreshing the apt package lists and retrying"
        apt-get update -qq
        .venv/bin/python -m aecopy.cli.fetch
    else
        exit 1
    fi
fi
