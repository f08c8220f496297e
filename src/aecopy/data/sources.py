"""Loaders for the user-supplied paper-scale data sets (SPEC "Data").

Every loader returns a `LoadResult`: `images` uint8 (N, 3, S, S), `skipped` [(file or key,
reason)], and `labels` (CIFAR-10 only). Bad inputs (undecodable, truncated, not convertible to
RGB, too small) are never dropped silently: with `on_bad="error"` a `DataError` lists every one
of them with its reason; with `on_bad="skip"` they are left out, listed in `skipped`, and a
`BadInputWarning` says how many and which.
"""
from __future__ import annotations

import io
import pickle
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageCms, ImageOps
from torchvision.transforms import v2 as T
from torchvision.transforms.v2 import functional as TF
from tqdm import tqdm

from .debian import DataError
from .files import IMAGE_SUFFIXES, list_image_files

ON_BAD = ("error", "skip")


class BadInputWarning(UserWarning):
    """Some inputs were skipped because they could not be used."""


@dataclass
class LoadResult:
    """What every loader returns."""

    images: np.ndarray  # (N, 3, S, S) uint8 RGB
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file or key, reason)
    labels: np.ndarray | None = None  # (N,) int64, for labelled sets


def _check_on_bad(on_bad: str) -> None:
    if on_bad not in ON_BAD:
        raise ValueError(f"on_bad must be one of {ON_BAD}, got {on_bad!r}")


def _report_bad(source, bad: list[tuple[str, str]], on_bad: str, stacklevel: int = 3) -> None:
    """Raise (on_bad="error") or warn (on_bad="skip") about every bad input at once."""
    if not bad:
        return
    listing = "\n".join(f"  {name}: {reason}" for name, reason in bad)
    if on_bad == "error":
        raise DataError(
            f"{len(bad)} unusable input(s) in {source}:\n{listing}\n"
            "Remove or replace them, or set `on_bad_data: skip` in params.yaml to leave them out."
        )
    message = f"skipped {len(bad)} unusable input(s) in {source} (on_bad_data: skip):\n{listing}"
    warnings.warn(message, BadInputWarning, stacklevel=stacklevel)


def _require_images(n_good: int, bad: list, source, what: str = "input") -> None:
    """An empty result is an error, never a data set of 0 images."""
    if n_good == 0 and bad:
        raise DataError(f"no usable images in {source}: all {len(bad)} {what}(s) are unusable "
                        f"(skipped under on_bad_data: skip), e.g. {bad[0][0]}: {bad[0][1]}")
    if n_good == 0:
        raise DataError(f"no images in {source}")


class UnsupportedImage(ValueError):
    """An image decoded fine but cannot be turned into 8-bit RGB faithfully (its mode or values)."""


BACKGROUND = (255, 255, 255)  # what transparent pixels become: a white page, as a browser shows them
_SIXTEEN_BIT = ("I;16", "I;16L", "I;16B", "I;16N")
_TRANSPARENT = ("RGBA", "RGBa", "LA", "La", "PA")
_DIRECT = ("1", "L", "P", "RGB", "RGBX", "YCbCr", "HSV")  # Pillow's own conversion to RGB is exact


def to_rgb8(im: Image.Image) -> Image.Image:
    """An image of any mode Pillow reads as 8-bit RGB, upright; ValueError naming a mode it refuses.

    - EXIF orientation is applied (`ImageOps.exif_transpose`).
    - 16-bit greyscale (I;16*, and I holding 0..65535) and float greyscale (F in [0, 1]) are scaled
      to 0..255, rounding (Pillow's own conversion clips them: nearly white).
    - Transparency (RGBA, LA, PA, a palette's or colour key's transparency) is composited on white.
    - CMYK goes through its embedded ICC profile to sRGB when it has one, else Pillow's conversion.
    RGB is taken as it is (embedded RGB profiles are ignored, as the author's loaders do).
    """
    im = ImageOps.exif_transpose(im)
    mode = im.mode
    if mode in _SIXTEEN_BIT or mode in ("I", "F"):
        arr = np.asarray(im)
        if mode == "F":
            if not (np.isfinite(arr).all() and arr.min() >= 0 and arr.max() <= 1):
                raise UnsupportedImage(f"image mode F (32-bit float) with values outside [0, 1] "
                                 f"({np.nanmin(arr):.4g} to {np.nanmax(arr):.4g}): convert it to 8-bit RGB")
            grey = np.round(arr * 255).astype(np.uint8)
        else:
            if arr.min() < 0 or arr.max() > 65535:
                raise UnsupportedImage(f"image mode {mode} with values outside 0..65535 ({arr.min()} to {arr.max()}): "
                                 "convert it to 8-bit RGB")
            grey = np.round(arr / 257).astype(np.uint8)  # 65535 → 255: exact, unlike skimage's img_as_ubyte,
            # which leaves 16-bit data unscaled when every value happens to fit in 8 bits (a dark image)
        return Image.fromarray(np.ascontiguousarray(grey)).convert("RGB")
    if mode == "CMYK":
        icc = im.info.get("icc_profile")
        if not icc:
            return im.convert("RGB")
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            return ImageCms.profileToProfile(im, source, ImageCms.createProfile("sRGB"), outputMode="RGB")
        except (ImageCms.PyCMSError, OSError, ValueError) as e:
            raise UnsupportedImage(f"CMYK image with an unusable ICC profile ({e})") from e
    if mode in _TRANSPARENT or "transparency" in im.info:
        rgba = im.convert("RGBA")
        page = Image.new("RGBA", rgba.size, BACKGROUND + (255,))
        return Image.alpha_composite(page, rgba).convert("RGB")
    if mode in _DIRECT:
        return im.convert("RGB")
    raise UnsupportedImage(f"image mode {mode} is not supported: convert it to 8-bit RGB")


def decode_rgb(fp, min_side: int) -> Image.Image:
    """Open, fully decode (so truncation is caught) and convert to 8-bit RGB (`to_rgb8`); raise
    ValueError if unusable."""
    try:
        with Image.open(fp) as im:
            im.load()
            rgb = to_rgb8(im)
    except UnsupportedImage:
        raise
    except Exception as e:  # PIL raises many types: UnidentifiedImageError, OSError, SyntaxError...
        raise ValueError(f"cannot decode as an RGB image ({type(e).__name__}: {e})") from e
    if min(rgb.size) < min_side:
        raise ValueError(f"too small: {rgb.width}x{rgb.height}, short side must be at least {min_side}")
    return rgb


def _collect(
    items: Iterable[tuple[str, Callable[[], Image.Image]]],
    transform: Callable[[Image.Image], Image.Image],
    size: int,
    source,
    on_bad: str,
    total: int | None = None,
) -> LoadResult:
    """Decode `(name, open_fn)` items, transform each to size×size, and stack the good ones.

    Bad items are reported (raise or warn, see `_report_bad`) once all have been tried.
    """
    images, bad = [], []
    for name, open_fn in tqdm(items, total=total, desc=f"loading {Path(str(source)).name}", leave=False):
        try:
            images.append(np.asarray(transform(open_fn())).transpose(2, 0, 1))  # (3, S, S)
        except ValueError as e:
            bad.append((name, str(e)))
    _report_bad(source, bad, on_bad, stacklevel=4)
    _require_images(len(images), bad, source)
    return LoadResult(np.stack(images), bad)


def load_image_folder(
    path: Path, size: int, center_crop: int | None, limit: int | None = None, start: int = 0,
    on_bad: str = "error",
) -> LoadResult:
    """The "landscapes" recipe: sorted files[start:start+limit], CenterCrop(center_crop), Resize(size).

    `center_crop=None` crops to the short side. Images smaller than `size` or `center_crop` are bad.
    """
    _check_on_bad(on_bad)
    files = list_image_files(path)
    if not files:
        raise DataError(f"image folder {path} has no image files ({' '.join(sorted(IMAGE_SUFFIXES))})")
    n_all = len(files)
    files = files[start:] if limit is None else files[start:start + limit]
    if not files:
        raise DataError(f"image folder {path}: start {start} leaves none of its {n_all} image files")
    min_side = max(size, center_crop or 0)

    def transform(im: Image.Image) -> Image.Image:
        im = TF.center_crop(im, center_crop or min(im.size))
        return TF.resize(im, [size, size], antialias=True)

    items = ((f.name, lambda f=f: decode_rgb(f, min_side)) for f in files)
    return _collect(items, transform, size, path, on_bad, total=len(files))


def _short_side_then_crop(size: int) -> Callable:
    """The LSUN recipe: resize the short side to `size`, then centre-crop size×size."""
    return T.Compose([T.Resize(size, antialias=True), T.CenterCrop(size)])


def load_lsun_lmdb(path: Path, size: int, limit: int | None = None, on_bad: str = "error") -> LoadResult:
    """The official LSUN lmdb (key -> encoded JPEG/WebP), in key order; short side -> size, centre crop."""
    import lmdb

    _check_on_bad(on_bad)
    if not Path(path).exists():
        raise DataError(f"LSUN lmdb {path} does not exist")
    env = lmdb.open(str(path), readonly=True, lock=False, readahead=False, subdir=Path(path).is_dir())
    try:
        with env.begin() as txn:
            total = txn.stat()["entries"] if limit is None else min(limit, txn.stat()["entries"])
            cursor = txn.cursor()

            def items():
                for i, (key, value) in enumerate(cursor):
                    if i == total:
                        return
                    yield key.decode(errors="replace"), lambda v=bytes(value): decode_rgb(io.BytesIO(v), size)

            return _collect(items(), _short_side_then_crop(size), size, path, on_bad, total=total)
    finally:
        env.close()


def load_lsun_npy(path: Path, size: int, limit: int | None = None, on_bad: str = "error") -> LoadResult:
    """The (N, H, W, 3) uint8 `.npy` export, memory-mapped; resized (short side, centre crop) if H != size.

    The array is one file, so a wrong dtype, rank, channel count or a side below `size` always
    raises `DataError`; `on_bad` is accepted for a uniform interface.
    """
    _check_on_bad(on_bad)
    try:
        arr = np.load(path, mmap_mode="r")
    except Exception as e:
        raise DataError(f"cannot read {path} as a .npy array ({type(e).__name__}: {e})") from e
    if arr.dtype != np.uint8 or arr.ndim != 4 or arr.shape[3] != 3:
        raise DataError(f"{path}: expected a uint8 (N, H, W, 3) array, got {arr.dtype} {arr.shape}")
    if min(arr.shape[1:3]) < size:
        raise DataError(f"{path}: images are {arr.shape[1]}x{arr.shape[2]}, smaller than size {size}")
    arr = arr[:limit]  # (N, H, W, 3), still memory-mapped
    if arr.shape[1:3] == (size, size):
        return LoadResult(np.ascontiguousarray(arr.transpose(0, 3, 1, 2)))
    transform = _short_side_then_crop(size)
    out = np.empty((len(arr), 3, size, size), np.uint8)
    for i in tqdm(range(0, len(arr), 4096), desc=f"resizing {Path(path).name}", leave=False):
        chunk = torch.from_numpy(np.ascontiguousarray(arr[i:i + 4096].transpose(0, 3, 1, 2)))
        out[i:i + 4096] = transform(chunk).numpy()
    return LoadResult(out)


def _unpickle(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """One CIFAR-10 batch -> (images (n, 3, 32, 32) uint8, labels (n,) int64); ValueError if unusable."""
    try:
        with open(path, "rb") as f:
            batch = pickle.load(f, encoding="bytes")
        data = np.asarray(batch[b"data"], dtype=np.uint8)  # (n, 3072)
        labels = np.asarray(batch[b"labels"], dtype=np.int64)  # (n,)
    except Exception as e:
        raise ValueError(f"cannot read as a CIFAR-10 batch ({type(e).__name__}: {e})") from e
    if data.ndim != 2 or data.shape[1] != 3072 or len(labels) != len(data):
        raise ValueError(f"unexpected shapes: data {data.shape}, labels {labels.shape}")
    return data.reshape(-1, 3, 32, 32), labels


def load_cifar10(path: Path, split: str = "train", on_bad: str = "error") -> LoadResult:
    """The CIFAR-10 python batches folder: `data_batch_1..5` (train) or `test_batch` (test), with labels.

    A missing or unreadable batch file is a bad input.
    """
    _check_on_bad(on_bad)
    names = {"train": [f"data_batch_{i}" for i in range(1, 6)], "test": ["test_batch"]}
    if split not in names:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    images, labels, bad = [], [], []
    for name in names[split]:
        try:
            if not (Path(path) / name).is_file():
                raise ValueError("missing")
            x, y = _unpickle(Path(path) / name)
        except ValueError as e:
            bad.append((name, str(e)))
            continue
        images.append(x)
        labels.append(y)
    _report_bad(path, bad, on_bad)
    _require_images(len(images), bad, path, "batch file")
    return LoadResult(np.concatenate(images), bad, np.concatenate(labels))
