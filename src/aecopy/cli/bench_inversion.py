"""Rule `bench_inversion`: batched inversion's FLOP/s against this machine's fp32 peak, and batched against
one image at a time (aecopy.benchmarks.inversion)."""
from __future__ import annotations

from ..bench import MachineLoad
from ..benchmarks.inversion import run
from ..io import write_json
from .common import guarded, parser, setup


@guarded
def main(argv=None) -> None:
    p = parser(__doc__)
    p.add_argument("--out", required=True)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--seconds", type=float, default=0.5, help="about this long per contestant and round")
    args = p.parse_args(argv)
    params = setup(args)
    with MachineLoad() as load:
        result = run(params, args.rounds, args.seconds)
    write_json(args.out, {**result, "machine": load.result})


if __name__ == "__main__":
    main()
