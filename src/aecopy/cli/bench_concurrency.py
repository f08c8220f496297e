"""Rule `bench_concurrency`: two one-thread jobs at once against one two-thread job after the other, per
kind of rule (aecopy.benchmarks.concurrency)."""
from __future__ import annotations

from ..bench import write_measured
from ..benchmarks.concurrency import run
from .common import guarded, parser, setup


@guarded
def main(argv=None) -> None:
    p = parser(__doc__)
    p.add_argument("--out", required=True)
    p.add_argument("--train-variants", nargs="+", required=True, help="a small and a large variant")
    p.add_argument("--images", type=int, default=512)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--seconds", type=float, default=1.0, help="about this long per job on one thread")
    args = p.parse_args(argv)
    params = setup(args)
    exps = params["experiments"]
    write_measured(args.out, lambda: run(params, args.train_variants, exps["e2"]["variant"], exps["e7"]["variants"][0],
                                         args.images, args.rounds, args.seconds))


if __name__ == "__main__":
    main()
