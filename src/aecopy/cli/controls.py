"""Rule `controls`: every claim's positive and negative controls (aecopy.controls) → results/controls/controls.json."""
from __future__ import annotations

from ..claim_ids import claim_ids
from ..controls import plain, run_all
from ..io import write_json
from .common import guarded, log, parser, setup


SECTIONS = ("threads", "device", "seed", "scale", "seeds", "premise", "experiments", "claims", "variants", "datasets",
            "beyond")


@guarded
def main(argv=None) -> None:
    p = parser(__doc__)
    p.add_argument("--out", required=True)
    args = p.parse_args(argv)
    declared = setup(args)
    # the scenarios run the experiments with plain dicts: every section the rule declares, read whole
    params = {k: plain(declared[k]) for k in SECTIONS}
    ids = sorted({i for ids in claim_ids(params).values() for i in ids}) + ["premise"]
    result = run_all(params, ids, log)
    failed = sorted(i for i, s in result["summary"].items() if not s["ok"])
    log(f"controls: {len(ids) - len(failed)} of {len(ids)} claims pass both controls"
        + (f"; failing: {', '.join(failed)}" if failed else ""))
    write_json(args.out, result)


if __name__ == "__main__":
    main()
