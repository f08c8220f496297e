"""Deterministic patch cutting and the by-photo train/val split."""
from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from aecopy.data import build_patch_set, cut_patches, load_patch_set, save_patch_set, split_photos


def noise(w: int, h: int, seed: int = 0) -> Image.Image:
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8))


def expected_count(w: int, h: int, size: int, k: int) -> int:
    """Patches along each axis: (length - size) // stride + 1 after resizing the short side to k·size."""
    short, long_ = k * size, round(max(w, h) * k * size / min(w, h))
    stride = size // 2
    return ((short - size) // stride + 1) * ((long_ - size) // stride + 1)


@pytest.mark.parametrize("w,h", [(100, 70), (70, 100), (64, 64)])
def test_counts_per_scale_and_boxes_inside(w, h):
    size, scales = 16, (1, 2, 4)
    patches = cut_patches(noise(w, h), size, scales)
    assert len(patches) == sum(expected_count(w, h, size, k) for k in scales)
    for patch, (left, top, right, bottom) in patches:
        assert patch.shape == (3, size, size) and patch.dtype == np.uint8
        assert -1e-9 <= left < right <= w + 1e-9 and -1e-9 <= top < bottom <= h + 1e-9


def test_scale_one_is_an_exact_centred_grid():
    # short side == size, so k=1 does not resample: 44 px wide -> 4 patches, margin 4 split 2/2
    im = noise(44, 16)
    arr = np.asarray(im).transpose(2, 0, 1)  # (3, 16, 44)
    patches = cut_patches(im, 16, scales=(1,))
    assert len(patches) == 4
    for j, (patch, box) in enumerate(patches):
        left = 2 + 8 * j
        np.testing.assert_array_equal(patch, arr[:, :, left:left + 16])
        assert box == (left, 0, left + 16, 16)


def test_grid_is_symmetric_in_the_resized_photo():
    patches = cut_patches(noise(100, 70), 16, scales=(2,))
    lefts = [b[0] for _, b in patches]
    rights = [b[2] for _, b in patches]
    assert min(lefts) == pytest.approx(100 - max(rights), abs=100 / 46)  # within one resized pixel


@pytest.mark.parametrize("mode", ["L", "P", "RGBA"])
def test_non_rgb_images_become_rgb(mode):
    im = noise(40, 32).convert(mode)
    patches = cut_patches(im, 16, scales=(1,))
    assert all(p.shape == (3, 16, 16) for p, _ in patches)
    if mode == "L":
        p = patches[0][0]
        assert (p[0] == p[1]).all() and (p[1] == p[2]).all()


@pytest.fixture
def photos(tmp_path):
    paths = []
    for i, (w, h) in enumerate([(90, 60), (60, 80), (120, 70), (64, 64), (100, 50), (75, 90)]):
        p = tmp_path / f"photo_{i}.png"
        noise(w, h, seed=i).save(p)
        paths.append(p)
    return paths


def as_bytes(*arrays) -> bytes:
    buf = io.BytesIO()
    for a in arrays:
        np.save(buf, a)
    return buf.getvalue()


def test_build_is_deterministic(photos):
    first = build_patch_set(photos, 16, (1, 2), val_fraction=0.34, seed=3)
    second = build_patch_set(list(reversed(photos)), 16, (1, 2), val_fraction=0.34, seed=3)
    assert as_bytes(first[0], first[1]) == as_bytes(second[0], second[1])
    pd.testing.assert_frame_equal(first[2], second[2])


def test_split_is_by_photo(photos):
    train, val, manifest = build_patch_set(photos, 16, (1, 2), val_fraction=0.34, seed=0)
    train_photos = set(manifest[manifest.split == "train"].photo)
    val_photos = set(manifest[manifest.split == "val"].photo)
    assert not train_photos & val_photos
    assert train_photos | val_photos == {p.name for p in photos} and len(val_photos) == 2
    for split, arr in (("train", train), ("val", val)):
        rows = manifest[manifest.split == split]
        assert list(rows["index"]) == list(range(len(arr)))
    assert list(manifest.columns) == ["index", "split", "photo", "scale", "left", "top", "right", "bottom"]
    assert train.dtype == val.dtype == np.uint8 and train.shape[1:] == (3, 16, 16)


def test_split_changes_with_the_seed(photos):
    splits = {tuple(p.name for p in split_photos(photos, 0.5, seed)[1]) for seed in range(5)}
    assert len(splits) > 1
    train, val = split_photos(photos, 0.0, 0)
    assert val == [] and sorted(train) == sorted(photos)


def test_save_and_load_round_trip(photos, tmp_path):
    train, val, manifest = build_patch_set(photos, 16, (1,), val_fraction=0.2, seed=0)
    save_patch_set(tmp_path / "out", train, val, manifest)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["manifest.csv", "train.npy", "val.npy"]
    train2, val2, manifest2 = load_patch_set(tmp_path / "out")
    np.testing.assert_array_equal(train, train2)
    np.testing.assert_array_equal(val, val2)
    pd.testing.assert_frame_equal(manifest, manifest2)
