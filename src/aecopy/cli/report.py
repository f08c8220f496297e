"""Rule `report`: results/report.html from results/claims.json and the figures it names."""
from __future__ import annotations

from pathlib import Path

from ..environment import environment
from ..io import read_json, write_text
from ..report.html import controls_section, render
from ..report.sections import SECTIONS
from .common import parser, setup

INTRO = ("Each claim of B. L. Badger's post <i>Autoencoders: Learning by Copying</i> is measured by the pipeline "
         "and judged by a rule fixed in params.yaml before the run. Intervals are 95% bootstrap intervals over "
         "images and training seeds.")

def environment_section() -> dict:
    """The report's Environment section: what the report step ran with (the same venv as every other step)."""
    env = environment()
    return {"id": "environment", "title": "Environment",
            "text": "Python, the packages that ran the pipeline, and the CPU threads torch used (params' threads) "
                    "out of the machine's CPUs. The same record is in results/metrics.json under environment.",
            "table": [{"name": k, "value": "—" if v is None else str(v)} for k, v in env.items()]}


def main(argv=None) -> None:
    p = parser(__doc__)
    p.add_argument("--claims", required=True)
    p.add_argument("--sections", nargs="*", default=[], help="extra section JSON files (e.g. training)")
    p.add_argument("--controls", required=True, help="results/controls/controls.json (rule controls)")
    p.add_argument("--out", required=True)
    args = p.parse_args(argv)
    params = setup(args, torch_threads=False)
    claims = read_json(args.claims)
    title = f"Autoencoders: Learning by Copying — reproduction report ({params['scale']} scale)"
    given = [read_json(path) for path in args.sections]
    appendix = [sec for sec in given if sec["id"] == "profile"]  # where the run's time went: last, before the environment
    sections = ([sec for sec in given if sec["id"] != "profile"] + [controls_section(read_json(args.controls))]
                + appendix + [environment_section()])
    write_text(args.out, render(claims, Path(args.claims).parent, title, INTRO, SECTIONS, sections))
    print(Path(args.out).resolve())


if __name__ == "__main__":
    main()
