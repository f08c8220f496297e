"""Rule `bench_train`: training throughput of our loop against the author's way of training
(aecopy.benchmarks.train)."""
from __future__ import annotations

from ..bench import write_measured
from ..benchmarks.train import run
from .common import guarded, parser, setup


@guarded
def main(argv=None) -> None:
    p = parser(__doc__)
    p.add_argument("--out", required=True)
    p.add_argument("--variants", nargs="+", required=True)
    p.add_argument("--images", type=int, default=512)
    p.add_argument("--steps", type=int, default=12)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--photo-steps", type=int, default=2, help="batches per round on the photograph path")
    args = p.parse_args(argv)
    params = setup(args)
    write_measured(args.out, lambda: run(params, args.variants, args.images, args.steps, args.rounds, args.photo_steps))


if __name__ == "__main__":
    main()
