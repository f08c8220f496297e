"""Rule `claims`: gather every experiment's claims into results/claims.json and results/metrics.json."""
from __future__ import annotations

from ..claim_ids import base_id
from ..environment import environment
from ..io import read_json, write_json
from .common import log, parser, setup


def main(argv=None) -> None:
    p = parser(__doc__)
    p.add_argument("--inputs", nargs="+", required=True, help="results/<experiment>/claims.json files")
    p.add_argument("--controls", required=True, help="results/controls/controls.json (rule controls)")
    p.add_argument("--out", required=True)
    p.add_argument("--metrics", required=True, help="flat {id: {value, ci_low, ci_high}} for `dvc metrics`")
    args = p.parse_args(argv)
    setup(args, torch_threads=False)
    claims = [c for path in args.inputs for c in read_json(path)]
    ids = [c["id"] for c in claims]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise SystemExit(f"error: duplicate claim ids {dupes}")
    controls = read_json(args.controls)["summary"]
    for c in claims:  # each claim carries whether its metric and rule passed a positive and a negative control
        c["controls"] = controls.get(base_id(c["id"]), {"positive": [], "negative": [], "guards": [], "ok": False})
    write_json(args.out, claims)
    metrics = {c["id"]: {"value": c["value"], "ci_low": c["ci_low"], "ci_high": c["ci_high"],
                         "reproduced": int(c["verdict"] == "reproduced"), "controls_ok": int(c["controls"]["ok"])}
               for c in claims}
    metrics["environment"] = environment()
    write_json(args.metrics, metrics)
    for c in claims:
        log(f"{c['id']}: {c['verdict']} ({c['metric']} = {c['value']:.4g} [{c['ci_low']:.4g}, {c['ci_high']:.4g}])")


if __name__ == "__main__":
    main()
