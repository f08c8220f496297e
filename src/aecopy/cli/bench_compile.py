"""Rule `bench_compile`: does torch.compile pay for training, per default-run job (aecopy.benchmarks.compile)."""
from __future__ import annotations

from ..bench import write_measured
from ..benchmarks.compile import run
from .common import guarded, parser, setup


@guarded
def main(argv=None) -> None:
    p = parser(__doc__)
    p.add_argument("--out", required=True)
    p.add_argument("--variants", nargs="+", required=True)
    p.add_argument("--images", type=int, default=512)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--seconds", type=float, default=0.5, help="about this long per contestant and round")
    args = p.parse_args(argv)
    params = setup(args)
    write_measured(args.out, lambda: run(params, args.variants, args.rounds, args.seconds, args.images))


if __name__ == "__main__":
    main()
