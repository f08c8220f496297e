"""Deterministic square patches cut from whole photographs, split into train/val by photo.

For each scale k the photo is resized (aspect kept) so its short side is k·size, and a grid of
size×size patches with stride size//2 is cut from the centre: the largest grid that fits, with
the left-over margin split equally. Splitting by source photo keeps near-duplicate neighbouring
patches out of the validation set.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

Box = tuple[float, float, float, float]  # (left, top, right, bottom) in original-photo pixels
MANIFEST_COLUMNS = ["index", "split", "photo", "scale", "left", "top", "right", "bottom"]


def _grid(length: int, size: int, stride: int) -> tuple[int, int]:
    """(number of patches, offset of the first) along one axis of `length` pixels."""
    if length < size:
        return 0, 0
    n = (length - size) // stride + 1
    return n, (length - ((n - 1) * stride + size)) // 2


def cut_patches(image: Image.Image, size: int, scales=(1, 2, 4)) -> list[tuple[np.ndarray, Box]]:
    """Patches of `image` at every scale, each a uint8 (3, size, size) array with its box.

    Boxes are in the original photo's pixel coordinates. Order: scale, then row, then column.
    """
    return [(patch, box) for _, patch, box in _cut(image, size, scales)]


def _cut(image: Image.Image, size: int, scales) -> list[tuple[int, np.ndarray, Box]]:
    """(scale, patch, box) for every patch of `image`; see `cut_patches`."""
    image = image.convert("RGB")
    w, h = image.size
    stride = max(size // 2, 1)
    out = []
    for k in scales:
        short = k * size
        new_w, new_h = (short, round(h * short / w)) if w <= h else (round(w * short / h), short)
        arr = np.asarray(image.resize((new_w, new_h), Image.Resampling.BICUBIC))  # (H, W, 3)
        fx, fy = w / new_w, h / new_h
        nx, x0 = _grid(new_w, size, stride)
        ny, y0 = _grid(new_h, size, stride)
        # (H-size+1, W-size+1, 3, size, size): every size×size window, already channels-first
        windows = np.lib.stride_tricks.sliding_window_view(arr, (size, size), axis=(0, 1))
        for row in range(ny):
            for col in range(nx):
                top, left = y0 + row * stride, x0 + col * stride
                patch = np.ascontiguousarray(windows[top, left])  # (3, size, size)
                box = (left * fx, top * fy, (left + size) * fx, (top + size) * fy)
                out.append((k, patch, box))
    return out


def split_photos(photos: list[Path], val_fraction: float, seed: int) -> tuple[list[Path], list[Path]]:
    """(train, val) photos: order by sha256(seed, file name), the first round(f·n) are validation."""
    def key(p: Path):
        return hashlib.sha256(f"{seed}:{Path(p).name}".encode()).hexdigest(), str(p)

    ordered = sorted(photos, key=key)
    n_val = round(val_fraction * len(ordered))
    return ordered[n_val:], ordered[:n_val]


def _stack(photos: list[Path], size: int, scales, split: str) -> tuple[np.ndarray, list[dict]]:
    """All patches of `photos` stacked (N, 3, S, S), with one manifest record per patch."""
    patches, rows = [], []
    for p in photos:
        with Image.open(p) as im:
            for k, patch, (left, top, right, bottom) in _cut(im, size, scales):
                rows.append(dict(index=len(patches), split=split, photo=Path(p).name, scale=k,
                                 left=left, top=top, right=right, bottom=bottom))
                patches.append(patch)
    arr = np.stack(patches) if patches else np.zeros((0, 3, size, size), np.uint8)
    return arr, rows


def build_patch_set(
    photos: list[Path], size: int, scales=(1, 2, 4), val_fraction: float = 0.2, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """Cut every photo into patches; returns (train (N,3,S,S), val (M,3,S,S), manifest).

    The manifest has one row per patch: its index in its split's array, the split, the photo's
    file name, the scale k and the box in original pixels. Same inputs give identical bytes.
    """
    train_photos, val_photos = split_photos(photos, val_fraction, seed)
    train, train_rows = _stack(train_photos, size, scales, "train")
    val, val_rows = _stack(val_photos, size, scales, "val")
    manifest = pd.DataFrame.from_records(train_rows + val_rows, columns=MANIFEST_COLUMNS)
    return train, val, manifest


def _write_atomic(path: Path, write) -> None:
    """Call `write(file)` on a temporary file beside `path`, then rename it into place."""
    part = path.with_name(path.name + ".part")
    try:
        with open(part, "wb") as f:
            write(f)
        os.replace(part, path)
    finally:
        part.unlink(missing_ok=True)


def save_patch_set(out_dir: Path, train: np.ndarray, val: np.ndarray, manifest: pd.DataFrame) -> None:
    """Write `train.npy`, `val.npy` and `manifest.csv` into `out_dir`, each atomically."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in ("train.npy", "val.npy", "manifest.csv"):  # left by a killed run: never versioned
        (out_dir / f"{name}.part").unlink(missing_ok=True)
    _write_atomic(out_dir / "train.npy", lambda f: np.save(f, train))
    _write_atomic(out_dir / "val.npy", lambda f: np.save(f, val))
    _write_atomic(out_dir / "manifest.csv", lambda f: manifest.to_csv(f, index=False))


def load_patch_set(out_dir: Path) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """Read back what `save_patch_set` wrote: (train (N,3,S,S), val (M,3,S,S), manifest)."""
    out_dir = Path(out_dir)
    return np.load(out_dir / "train.npy"), np.load(out_dir / "val.npy"), pd.read_csv(out_dir / "manifest.csv")
