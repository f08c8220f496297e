"""Rule `profile`: every job's benchmark → results/bench/rules.tsv and the report's profile appendix.

It runs after `claims` and `training_summary`, whose inputs are every other job of the run, and reads the
benchmark files those jobs left (the report's own is left out: it runs later)."""
from __future__ import annotations

from ..io import atomic_path, write_json
from ..report.profile import benchmark_files, read_benchmarks, section, summary
from .common import guarded, log, parser, setup


@guarded
def main(argv=None) -> None:
    p = parser(__doc__)
    p.add_argument("--jobs", required=True, help="the folder of the jobs' Snakemake benchmark files (paths.BENCH_JOBS)")
    p.add_argument("--out", required=True, help="results/bench/rules.tsv")
    p.add_argument("--section", required=True, help="the report section (JSON)")
    args = p.parse_args(argv)
    setup(args, torch_threads=False)
    jobs = read_benchmarks(benchmark_files(args.jobs), args.jobs)
    prof = summary(jobs)
    with atomic_path(args.out) as tmp:
        jobs.drop(columns=["start", "end"]).to_csv(tmp, sep="\t", index=False)
    write_json(args.section, {**section(prof), "profile": prof})
    log(f"{prof['jobs']} jobs, span {prof['span_s']:.0f} s, critical path {prof['critical_path_s']:.0f} s")


if __name__ == "__main__":
    main()
