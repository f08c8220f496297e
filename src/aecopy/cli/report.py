"""Rule `report`: results/report.html from results/claims.json and the figures it names."""
from __future__ import annotations

from pathlib import Path

from ..io import read_json, write_text
from ..report.html import render
from ..report.sections import SECTIONS
from .common import parser, setup

INTRO = ("Each claim of B. L. Badger's post <i>Autoencoders: Learning by Copying</i> is measured by the pipeline "
         "and judged by a rule fixed in params.yaml before the run. Intervals are 95% bootstrap intervals over "
         "images and training seeds.")

def main(argv=None) -> None:
    p = parser(__doc__)
    p.add_argument("--claims", required=True)
    p.add_argument("--sections", nargs="*", default=[], help="extra section JSON files (e.g. training)")
    p.add_argument("--out", required=True)
    args = p.parse_args(argv)
    params = setup(args, torch_threads=False)
    claims = read_json(args.claims)
    title = f"Autoencoders: Learning by Copying — reproduction report ({params['scale']} scale)"
    write_text(args.out, render(claims, Path(args.claims).parent, title, INTRO, SECTIONS,
                                    [read_json(path) for path in args.sections]))
    print(Path(args.out).resolve())


if __name__ == "__main__":
    main()
