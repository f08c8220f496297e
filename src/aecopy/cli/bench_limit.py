"""Rule `bench_limit`: every variant's training step against this machine's fp32 peak, and what fused or
foreach Adam, threads and batch size change (aecopy.benchmarks.limit)."""
from __future__ import annotations

from ..bench import write_measured
from ..benchmarks.limit import run
from .common import guarded, parser, setup


@guarded
def main(argv=None) -> None:
    p = parser(__doc__)
    p.add_argument("--out", required=True)
    p.add_argument("--variants", nargs="+", required=True)
    p.add_argument("--images", type=int, default=512, help="training images the batches are drawn from")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--seconds", type=float, default=0.3, help="about this long per contestant and round")
    args = p.parse_args(argv)
    params = setup(args)
    write_measured(args.out, lambda: run(params, args.variants, args.images, args.rounds, args.seconds))


if __name__ == "__main__":
    main()
