"""Rule `bench_compile`: does torch.compile pay for training, per default-run job (aecopy.benchmarks.compile)."""
from __future__ import annotations

from ..bench import MachineLoad
from ..benchmarks.compile import run
from ..io import write_json
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
    with MachineLoad() as load:
        result = run(params, args.variants, args.rounds, args.seconds, args.images)
    write_json(args.out, {**result, "machine": load.result})


if __name__ == "__main__":
    main()
