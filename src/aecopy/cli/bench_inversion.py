"""Rule `bench_inversion`: batched inversion's FLOP/s against this machine's fp32 peak, and batched against
one image at a time (aecopy.benchmarks.inversion)."""
from __future__ import annotations

from ..bench import write_measured
from ..benchmarks.inversion import run
from .common import guarded, parser, setup


@guarded
def main(argv=None) -> None:
    p = parser(__doc__)
    p.add_argument("--out", required=True)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--seconds", type=float, default=0.5, help="about this long per contestant and round")
    args = p.parse_args(argv)
    params = setup(args)
    write_measured(args.out, lambda: run(params, args.rounds, args.seconds))


if __name__ == "__main__":
    main()
