"""A profile of the pipeline run anyone can read: every job's wall time, CPU time and peak memory (from
Snakemake's `benchmark:` files), totals per rule, and the critical path.

The critical path is read off the schedule that actually ran: starting from the job that finished last, each
step goes back to the job that finished latest before it started (its last dependency or the job whose
cores it waited for). Its length is the run's wall time up to the last job; shortening a job off the path
does not shorten the run.
"""
from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

SLACK = 2.0  # seconds between one job's end and the next one's start that still count as back to back


def benchmark_files(root: str | Path, leave_out: tuple[str, ...] = ("report",)) -> list[Path]:
    """The benchmark files under `root` (paths.BENCH_JOBS: <rule>[/<job>].tsv), but those of the rules in
    `leave_out` (the report runs after the profile is drawn)."""
    root = Path(root)
    return sorted(f for f in root.rglob("*.tsv") if f.relative_to(root).parts[0].removesuffix(".tsv") not in leave_out)


def read_benchmarks(files: list[str | Path], root: str | Path) -> pd.DataFrame:
    """One row per job: rule, job (the benchmark file's path below `root`), wall s, CPU s, max RSS (MB), start,
    end (end = the file's modification time, written when the job finished; start = end − wall)."""
    rows = []
    for f in files:
        f = Path(f)
        rel = f.relative_to(root).with_suffix("")
        rule, job = rel.parts[0], "/".join(rel.parts[1:]) or rel.parts[0]
        t = pd.read_csv(f, sep="\t")
        wall = float(t["s"].iloc[0])
        end = os.path.getmtime(f)
        cpu = pd.to_numeric(t["cpu_time"], errors="coerce").iloc[0] if "cpu_time" in t else float("nan")
        rss = pd.to_numeric(t["max_rss"], errors="coerce").iloc[0] if "max_rss" in t else float("nan")
        rows.append({"rule": rule, "job": job, "wall_s": round(wall, 2), "cpu_s": round(float(cpu), 2),
                     "max_rss_mb": round(float(rss), 1), "start": end - wall, "end": end})
    return pd.DataFrame(rows).sort_values("end").reset_index(drop=True)


def per_rule(jobs: pd.DataFrame) -> pd.DataFrame:
    """rule, jobs, wall s (sum and largest job), CPU s (sum), max RSS (MB, largest job), sorted by wall time."""
    g = jobs.groupby("rule")
    out = pd.DataFrame({"jobs": g.size(), "wall_s": g["wall_s"].sum().round(1), "max_job_wall_s": g["wall_s"].max(),
                        "cpu_s": g["cpu_s"].sum().round(1), "max_rss_mb": g["max_rss_mb"].max()})
    return out.sort_values("wall_s", ascending=False).reset_index()


def critical_path(jobs: pd.DataFrame, slack: float = SLACK) -> list[dict]:
    """The chain of back-to-back jobs that ends with the last job to finish, first job first."""
    if jobs.empty:
        return []
    path = [jobs.loc[jobs["end"].idxmax()]]
    while True:  # each step goes to a job that ended earlier, so the walk ends
        last = path[-1]
        before = jobs[(jobs["end"] <= last["start"] + slack) & (jobs["end"] < last["end"])]
        if before.empty:
            break
        path.append(before.loc[before["end"].idxmax()])
    return [{"rule": j["rule"], "job": j["job"], "wall_s": j["wall_s"]} for j in reversed(path)]


def summary(jobs: pd.DataFrame) -> dict:
    """The whole profile: per rule, the critical path, the span from first start to last end, CPU use."""
    path = critical_path(jobs)
    span = float(jobs["end"].max() - jobs["start"].min()) if len(jobs) else 0.0
    return {"rules": per_rule(jobs).to_dict(orient="records"), "critical_path": path,
            "critical_path_s": round(sum(j["wall_s"] for j in path), 1), "span_s": round(span, 1),
            "cpu_s": round(float(jobs["cpu_s"].sum()), 1), "jobs": int(len(jobs)),
            "max_rss_mb": float(jobs["max_rss_mb"].max()) if len(jobs) else 0.0}


def section(prof: dict) -> dict:
    """The report's appendix on where the run's time went."""
    path = " → ".join(f"{j['rule']} ({j['job']}, {j['wall_s']:.0f} s)" for j in prof["critical_path"])
    text = (f"{prof['jobs']} jobs from the first start to the last end took {prof['span_s'] / 60:.1f} min of wall time "
            f"and {prof['cpu_s'] / 60:.1f} min of CPU time (Snakemake's benchmark of each job; the largest job peaked "
            f"at {prof['max_rss_mb']:.0f} MB resident). Critical path ({prof['critical_path_s'] / 60:.1f} min): {path}. "
            "Per rule: jobs, summed and largest wall time, CPU time, largest peak memory.")
    return {"id": "profile", "title": "Appendix: profile of this run", "text": text, "table": prof["rules"]}
