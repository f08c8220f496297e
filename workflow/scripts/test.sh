#!/usr/bin/env bash
# README command 2: run the test suite (setting up first if needed).
set -euo pipefail
cd "$(dirname "$0")/../.."
# OpenMP threads that wait for a busy core spin by default, which stalls two-thread work 5–50× on a shared
# machine; passive waiting yields the core instead.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
bash workflow/scripts/setup.sh
export DVC_NO_ANALYTICS=1
# The report's browser test uses Debian's Chromium.
if ! command -v chromium >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "==> installing Debian's chromium for the report test"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
# The Slurm tests run a one-node cluster on this machine from Debian's slurm-wlm and munge; without them
# (not root, no apt) those tests skip.
if ! { command -v slurmctld && command -v slurmd && command -v munged; } >/dev/null \
        && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "==> installing Debian's slurm-wlm and munge for the Slurm tests"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null; } \
        || echo "warning: could not install slurm-wlm and munge; the Slurm tests will skip" >&2
fi
.venv/bin/python -m pytest "$@"
