"""Build one data set of params' `datasets` (rule `prepare`): the embedded photographs' patches, or a
user-supplied data set, as uint8 arrays plus a manifest."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from . import debian, patches, sources


def embedded(params, size: int, log=print):
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
