"""Rules e1 … t: run one experiment (`aecopy.experiments.<id>`) on the inputs its rule names, then
write its claims, metrics and figures into its folder."""
from __future__ import annotations

import importlib

from ..inputs import Inputs
from .common import guarded, parser, setup, write_results

EXPERIMENTS = ("e1", "e2", "e3", "e4", "e5", "e6", "e7", "e8c", "e9_represent", "e10", "t", "beyond_baselines",
               "g_disjoint", "g_size", "m_attractor")


@guarded
def main(argv=None) -> None:
    p = parser(__doc__)
    p.add_argument("experiment", choices=EXPERIMENTS)
    p.add_argument("--inputs", required=True, help="JSON description of the input files (aecopy.plan)")
    p.add_argument("--out-dir", required=True)
    p.add_argument("--figures", nargs="*", default=[], help="the figure files the rule declares")
    args = p.parse_args(argv)
    params = setup(args)
    run = importlib.import_module(f"aecopy.experiments.{args.experiment}").run
    claims, metrics, figures = run(params, Inputs.from_json(args.inputs, params))
    write_results(args.out_dir, claims, metrics, figures, args.figures)


if __name__ == "__main__":
    main()
