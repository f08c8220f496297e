"""Rule `prepare`: build one data set of params' `datasets` as uint8 arrays plus a manifest."""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from ..data import debian, patches, sources
from ..data import skipped as skipped_inputs
from .common import guarded, log, parser, setup


def embedded(params: dict, size: int):
    """The patches of the photographs shipped in five pinned Debian packages (SPEC, Data)."""
    emb = params["embedded"]
    photos = debian.ensure_photos(Path(emb["manifest"]), Path(emb["debs_sha256"]), Path(params["cache_dir"]), log=log)
    if emb["max_photos"]:
        photos = photos[:emb["max_photos"]]
    return patches.build_patch_set(photos, size, tuple(emb["scales"]), emb["val_fraction"], params["seed"])


def user_supplied(ds: dict, on_bad: str):
    """A user-supplied data set; validation = its last `val_fraction` (CIFAR-10: the test batch)."""
    path, size = Path(ds["path"]), ds["size"]
    if not path.exists():
        raise SystemExit(f"error: data set file or folder {path} does not exist (params.yaml datasets.*.path)")
    if ds["source"] == "cifar10":
        train, val = sources.load_cifar10(path, "train", on_bad), sources.load_cifar10(path, "test", on_bad)
        results = [train, val]
        train_imgs, val_imgs = train.images, val.images
    else:
        if ds["source"] == "image_folder":
            res = sources.load_image_folder(path, size, ds.get("center_crop"), ds.get("limit"), ds.get("start", 0), on_bad)
        elif ds["source"] == "lsun_npy":
            res = sources.load_lsun_npy(path, size, ds.get("limit"), on_bad)
        else:
            res = sources.load_lsun_lmdb(path, size, ds.get("limit"), on_bad)
        results = [res]
        n_val = max(1, round(len(res.images) * ds.get("val_fraction", 0.1)))
        if len(res.images) <= n_val:
            raise debian.DataError(f"{path}: {len(res.images)} usable image(s), too few for a training and a "
                                   "validation split")
        train_imgs, val_imgs = res.images[:-n_val], res.images[-n_val:]
    skipped = [s for r in results for s in r.skipped]
    manifest = pd.DataFrame({"index": list(range(len(train_imgs))) + list(range(len(val_imgs))),
                             "split": ["train"] * len(train_imgs) + ["val"] * len(val_imgs),
                             "photo": [""] * (len(train_imgs) + len(val_imgs))})
    return np.ascontiguousarray(train_imgs), np.ascontiguousarray(val_imgs), manifest, skipped


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
                (train, val, manifest), skipped = embedded(params, ds["size"]), []
            else:
                train, val, manifest, skipped = user_supplied(ds, params["on_bad_data"])
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
