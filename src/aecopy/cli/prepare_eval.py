"""Rule `prepare_eval`: an extra evaluation image folder (params' eval_sets) as a uint8 array."""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from ..data import debian, sources
from ..data import skipped as skipped_inputs
from ..io import atomic_path
from .common import guarded, log, parser, setup


@guarded
def main(argv=None) -> None:
    p = parser(__doc__)
    p.add_argument("--name", required=True)
    p.add_argument("--size", type=int, required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--skipped", default=None, help="the record of files left out (default: beside --out)")
    args = p.parse_args(argv)
    params = setup(args, torch_threads=False)
    key = f"eval_sets.{args.name}"
    folder = Path(params["eval_sets"][args.name])
    if not folder.is_dir():
        raise SystemExit(f"error: {key}: {folder} is not a folder of images")
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        try:
            res = sources.load_image_folder(folder, args.size, None, None, 0, params["on_bad_data"])
        except debian.DataError as err:  # bad files under on_bad_data: error, or no usable image at all
            raise SystemExit(f"error: {key}: {err}") from None
    out = Path(args.out)
    for tmp in out.parent.glob(f".{out.name}.*.tmp"):  # this output's leftovers of an interrupted write
        tmp.unlink(missing_ok=True)
    rec = skipped_inputs.record(key, folder, len(res.images), res.skipped)
    if res.skipped:
        log(skipped_inputs.warning_line(rec))
    with atomic_path(args.out) as tmp:
        with open(tmp, "wb") as f:
            np.save(f, np.ascontiguousarray(res.images))
    skipped_inputs.write(args.skipped or skipped_inputs.eval_record(args.out), rec)
    log(f"eval set {args.name}: {len(res.images)} images of {args.size} px → {args.out}")


if __name__ == "__main__":
    main()
