"""Rule `training_summary`: the report's Training section (aecopy.report.training)."""
from __future__ import annotations

from pathlib import Path

from ..inputs import Inputs
from ..io import write_json
from ..plan import trained_variants
from ..report.training import section
from .common import guarded, parser, setup


@guarded
def main(argv=None) -> None:
    p = parser(__doc__)
    p.add_argument("--inputs", required=True, help="JSON description of the input files (aecopy.plan)")
    p.add_argument("--out-dir", required=True)
    args = p.parse_args(argv)
    params = setup(args)
    inputs = Inputs.from_json(args.inputs, params)
    splits = {d: inputs.split(d, "val") for d in dict.fromkeys(params["variants"][v]["dataset"]
                                                                 for v in trained_variants(params))}
    sec, figs = section(params, inputs.loss_steps(), inputs.validation_curves(), splits)
    figs.write(Path(args.out_dir))
    write_json(Path(args.out_dir) / "section.json", sec)


if __name__ == "__main__":
    main()
