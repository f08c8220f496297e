"""Rule `prepare`: build one data set of params' `datasets` as uint8 arrays plus a manifest."""
from __future__ import annotations

import warnings
from pathlib import Path

from ..data import build, debian, patches
from ..data import skipped as skipped_inputs
from .common import guarded, log, parser, setup


@guarded
def main(argv=None) -> None:
    p = parser(__doc__)
    p.add_argument("--dataset", required=True, help="a key of params' datasets")
    p.add_argument("--out-dir", required=True)
    args = p.parse_args(argv)
    params = setup(args, torch_threads=False)
    ds = params["datasets"][args.dataset]
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        try:
            if ds["source"] == "embedded":
                (train, val, manifest), skipped = build.embedded(params, ds["size"], log), []
            else:
                train, val, manifest, skipped = build.user_supplied(ds, params["on_bad_data"])
        except debian.DataError as err:
            where = "" if ds["source"] == "embedded" else f"datasets.{args.dataset}: "
            raise SystemExit(f"error: {where}{err}") from None
    patches.save_patch_set(Path(args.out_dir), train, val, manifest)
    record = Path(args.out_dir) / "skipped.json"
    if skipped:  # kept beside the arrays for the report and the end-of-run summary; absent when none
        rec = skipped_inputs.record(f"datasets.{args.dataset}", ds["path"], len(train) + len(val), skipped)
        skipped_inputs.write(record, rec)
        log(skipped_inputs.warning_line(rec))
    else:
        record.unlink(missing_ok=True)
    log(f"{args.dataset}: {len(train)} training and {len(val)} validation images of {ds['size']} px "
        f"→ {args.out_dir}")


if __name__ == "__main__":
    main()
