# Sourced by the scripts that run the pipeline (run.sh, snakemake.sh): one run at a time per project
# folder. Snakemake's own .snakemake/locks do not ensure it: any other invocation that ends, even one
# with nothing to do, deletes them while a run is still going. An flock is released by the kernel
# when its holder ends, however it ends, so it can never go stale. The lock is held on fd 9 by the
# script and by Snakemake (which inherits it); the jobs Snakemake starts do not inherit it.
PROJECT_LOCK=.snakemake/project.lock

take_project_lock() {
    # Already held by the script that called this one (run.sh → snakemake.sh): fd 9 is the lock.
    if [ -n "${AECOPY_PROJECT_LOCK_HELD:-}" ] && [ -e /proc/$$/fd/9 ] \
        && [ "$(readlink -f /proc/$$/fd/9)" = "$(readlink -f "$PROJECT_LOCK")" ]; then
        return 0
    fi
    if ! command -v flock >/dev/null; then
        echo "error: flock (util-linux) is not installed; it guards the project folder against two runs at once" >&2
        exit 1
    fi
    mkdir -p "$(dirname "$PROJECT_LOCK")"
    exec 9>>"$PROJECT_LOCK"
    if ! flock -n 9; then
        echo "error: another run holds this project folder ($(head -c 200 "$PROJECT_LOCK" 2>/dev/null || true); lock $PWD/$PROJECT_LOCK): wait for it to end, or stop it, then rerun" >&2
        exit 75
    fi
    echo "pid $$: $0, since $(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$PROJECT_LOCK"
    export AECOPY_PROJECT_LOCK_HELD=$$
}
