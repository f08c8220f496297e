"""Rule `prepare_eval`: an extra evaluation image folder (params' eval_sets) as a uint8 array."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..data import debian, sources
from ..io import atomic_path
from .common import guarded, log, parser, setup


@guarded
def main(argv=None) -> None:
    p = parser(__doc__)
    p.add_argument("--name", required=True)
    p.add_argument("--size", type=int, required=True)
    p.add_argument("--out", required=True)
    args = p.parse_args(argv)
    params = setup(args, torch_threads=False)
    folder = Path(params["eval_sets"][args.name])
    if not folder.is_dir():
        raise SystemExit(f"error: eval_sets.{args.name}: {folder} is not a folder of images")
    try:
        res = sources.load_image_folder(folder, args.size, None, None, 0, params["on_bad_data"])
    except debian.DataError as err:
        raise SystemExit(f"error: eval_sets.{args.name}: {err}") from None
    if res.skipped:
        log(f"warning: skipped {len(res.skipped)} unusable file(s): " + "; ".join(f"{n} ({w})" for n, w in res.skipped))
    with atomic_path(args.out) as tmp:
        with open(tmp, "wb") as f:
            np.save(f, np.ascontiguousarray(res.images))
    log(f"eval set {args.name}: {len(res.images)} images of {args.size} px → {args.out}")


if __name__ == "__main__":
    main()
