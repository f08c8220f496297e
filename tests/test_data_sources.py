"""Loaders for user-supplied data, and fetching the embedded Debian photo set."""
from __future__ import annotations

import hashlib
import io
import os
import pickle
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from aecopy.data import (
    BadInputWarning,
    DataError,
    ensure_photos,
    load_cifar10,
    load_image_folder,
    load_lsun_lmdb,
    load_lsun_npy,
)
from aecopy.data import debian

MANIFESTS = Path(__file__).resolve().parents[1] / "data" / "manifests"
RED, GREEN, BLUE = (255, 0, 0), (0, 255, 0), (0, 0, 255)


def solid(color, size=(80, 60), mode="RGB") -> Image.Image:
    return Image.new(mode, size, color)


def noise(size=(80, 60), seed=0) -> Image.Image:
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8))


def encode(im: Image.Image, fmt: str) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt)
    return buf.getvalue()


def truncated_jpeg() -> bytes:
    data = encode(noise((120, 90)), "JPEG")
    return data[: len(data) // 2]


@pytest.fixture
def folder(tmp_path):
    """Three good images (one grayscale, one upper-case suffix), three bad ones, one non-image."""
    d = tmp_path / "photos"
    d.mkdir()
    solid(RED).save(d / "a_red.png")
    solid(128, (60, 90), mode="L").save(d / "b_gray.png")
    solid(BLUE).save(d / "c_blue.PNG")
    (d / "d_corrupt.jpg").write_bytes(b"not an image at all")
    (d / "e_truncated.jpg").write_bytes(truncated_jpeg())
    solid(GREEN, (20, 20)).save(d / "f_small.png")
    (d / "notes.txt").write_text("ignored")
    return d


BAD = ["d_corrupt.jpg", "e_truncated.jpg", "f_small.png"]


def test_image_folder_error_lists_every_bad_file(folder):
    with pytest.raises(DataError) as info:
        load_image_folder(folder, 32, center_crop=None)
    message = str(info.value)
    for name in BAD:
        assert name in message
    assert "too small" in message and "on_bad_data: skip" in message


def test_image_folder_skip_warns_counts_and_keeps_sorted_order(folder):
    with pytest.warns(BadInputWarning, match="skipped 3"):
        result = load_image_folder(folder, 32, center_crop=None, on_bad="skip")
    assert [name for name, _ in result.skipped] == BAD
    assert result.images.shape == (3, 3, 32, 32) and result.images.dtype == np.uint8
    colours = [tuple(int(c) for c in im[:, 16, 16]) for im in result.images]
    assert colours == [RED, (128, 128, 128), BLUE]


def test_image_folder_center_crop_then_resize(tmp_path):
    im = solid(RED, (100, 100))
    im.paste(solid(BLUE, (50, 50)), (25, 25))
    im.save(tmp_path / "x.png")
    solid(GREEN, (45, 45)).save(tmp_path / "y.png")  # smaller than the crop
    with pytest.warns(BadInputWarning, match="y.png"):
        result = load_image_folder(tmp_path, 10, center_crop=50, on_bad="skip")
    assert result.skipped == [("y.png", result.skipped[0][1])] and "too small" in result.skipped[0][1]
    assert result.images.shape == (1, 3, 10, 10)
    assert (result.images[0].transpose(1, 2, 0) == BLUE).all()


def test_image_folder_start_and_limit(folder):
    result = load_image_folder(folder, 16, center_crop=None, start=1, limit=2)
    assert result.images.shape == (2, 3, 16, 16)
    assert tuple(result.images[0][:, 8, 8]) == (128, 128, 128)
    assert tuple(result.images[1][:, 8, 8]) == BLUE


def test_on_bad_must_be_known(folder):
    with pytest.raises(ValueError):
        load_image_folder(folder, 16, None, on_bad="ignore")


def make_lmdb(path: Path, values: dict[bytes, bytes]) -> Path:
    import lmdb

    env = lmdb.open(str(path), map_size=1 << 24)
    with env.begin(write=True) as txn:
        for key, value in values.items():
            txn.put(key, value)
    env.close()
    return path


def stripes(size=(96, 64)) -> Image.Image:
    """Left third red, middle green, right blue: a centre crop of the short side keeps green."""
    w, h = size
    im = solid(RED, size)
    im.paste(solid(GREEN, (w // 3, h)), (w // 3, 0))
    im.paste(solid(BLUE, (w - 2 * (w // 3), h)), (2 * (w // 3), 0))
    return im


def test_lsun_lmdb_key_order_resize_and_crop(tmp_path):
    db = make_lmdb(tmp_path / "db", {
        b"c": encode(stripes(), "WEBP"),
        b"a": encode(solid(RED, (64, 96)), "JPEG"),
        b"b": encode(solid(BLUE), "PNG"),
    })
    result = load_lsun_lmdb(db, 32)
    assert result.images.shape == (3, 3, 32, 32) and result.skipped == []
    centres = result.images[:, :, 16, 16].astype(int)  # (3, 3)
    assert np.abs(centres - [RED, BLUE, GREEN]).max() <= 10  # keys a, b, c
    # 96x64 -> 48x32, centre crop keeps x in [8, 40): red, then green, then blue
    rows = result.images[2, :, 16, :].T.astype(int)  # (32, 3)
    assert np.abs(rows[[0, 16, 31]] - [RED, GREEN, BLUE]).max() <= 10


def test_lsun_lmdb_bad_values_and_limit(tmp_path):
    db = make_lmdb(tmp_path / "db", {
        b"0": encode(solid(RED), "PNG"),
        b"1": b"garbage",
        b"2": truncated_jpeg(),
        b"3": encode(solid(RED, (16, 16)), "PNG"),
    })
    with pytest.raises(DataError) as info:
        load_lsun_lmdb(db, 32)
    assert all(f"  {k}: " in str(info.value) for k in "123")
    with pytest.warns(BadInputWarning, match="skipped 3"):
        result = load_lsun_lmdb(db, 32, on_bad="skip")
    assert result.images.shape == (1, 3, 32, 32) and len(result.skipped) == 3
    assert load_lsun_lmdb(db, 32, limit=1).images.shape == (1, 3, 32, 32)


def test_lsun_npy(tmp_path):
    rng = np.random.default_rng(0)
    arr = rng.integers(0, 256, (5, 64, 64, 3), dtype=np.uint8)  # (N, H, W, 3)
    np.save(tmp_path / "lsun.npy", arr)
    same = load_lsun_npy(tmp_path / "lsun.npy", 64)
    np.testing.assert_array_equal(same.images, arr.transpose(0, 3, 1, 2))
    small = load_lsun_npy(tmp_path / "lsun.npy", 32, limit=3)
    assert small.images.shape == (3, 3, 32, 32) and small.images.dtype == np.uint8
    with pytest.raises(DataError, match="smaller than size"):
        load_lsun_npy(tmp_path / "lsun.npy", 128)


@pytest.mark.parametrize("bad", [np.zeros((2, 8, 8, 3), np.float32), np.zeros((2, 8, 8), np.uint8),
                                 np.zeros((2, 8, 8, 4), np.uint8)])
def test_lsun_npy_rejects_wrong_layout(tmp_path, bad):
    np.save(tmp_path / "bad.npy", bad)
    with pytest.raises(DataError, match="expected a uint8"):
        load_lsun_npy(tmp_path / "bad.npy", 8)


def write_cifar(path: Path, n=4) -> dict[str, np.ndarray]:
    path.mkdir()
    rng = np.random.default_rng(1)
    batches = {}
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        data = rng.integers(0, 256, (n, 3072), dtype=np.uint8)
        with open(path / name, "wb") as f:
            pickle.dump({b"data": data, b"labels": list(rng.integers(0, 10, n))}, f)
        batches[name] = data
    return batches


def test_cifar10(tmp_path):
    batches = write_cifar(tmp_path / "cifar")
    train = load_cifar10(tmp_path / "cifar")
    assert train.images.shape == (20, 3, 32, 32) and train.labels.shape == (20,)
    assert train.labels.dtype == np.int64 and train.images.dtype == np.uint8
    np.testing.assert_array_equal(train.images[4], batches["data_batch_2"][0].reshape(3, 32, 32))
    assert load_cifar10(tmp_path / "cifar", "test").images.shape == (4, 3, 32, 32)


def test_cifar10_bad_batches(tmp_path):
    write_cifar(tmp_path / "cifar")
    (tmp_path / "cifar" / "data_batch_2").write_bytes(b"\x80junk")
    (tmp_path / "cifar" / "data_batch_5").unlink()
    with pytest.raises(DataError) as info:
        load_cifar10(tmp_path / "cifar")
    assert "data_batch_2" in str(info.value) and "data_batch_5: missing" in str(info.value)
    with pytest.warns(BadInputWarning, match="skipped 2"):
        result = load_cifar10(tmp_path / "cifar", on_bad="skip")
    assert result.images.shape == (12, 3, 32, 32) and len(result.skipped) == 2


# --- the embedded Debian photo set -------------------------------------------------------------


def fake_apt_failure(monkeypatch):
    def run(cmd, **kwargs):
        assert cmd[0] == "apt-get", "only apt-get should run"
        return subprocess.CompletedProcess(cmd, 100, "", "E: Unable to locate package fake\n")

    monkeypatch.setattr(debian.subprocess, "run", run)


def write_manifests(tmp_path: Path, photo_sha: str, deb_sha: str) -> tuple[Path, Path]:
    tsv = tmp_path / "photos.tsv"
    tsv.write_text("package\tpath\twidth\theight\tsha256\n"
                   f"fake-photos=1:1.0-1\tusr/share/fake/x.png\t8\t8\t{photo_sha}\n")
    sums = tmp_path / "debs.sha256"
    sums.write_text(f"{deb_sha}  fake-photos_1%3a1.0-1_all.deb\n")
    return tsv, sums


def test_apt_failure_names_the_command_and_the_fix(tmp_path, monkeypatch):
    fake_apt_failure(monkeypatch)
    tsv, sums = write_manifests(tmp_path, "0" * 64, "1" * 64)
    with pytest.raises(DataError) as info:
        ensure_photos(tsv, sums, tmp_path / "cache", log=lambda s: None)
    message = str(info.value)
    assert "`apt-get download fake-photos=1:1.0-1`" in message
    assert "Unable to locate package" in message and "apt-get update" in message


@pytest.fixture
def fake_deb(tmp_path):
    """A real .deb holding one PNG, built with dpkg-deb; returns (deb path, png bytes)."""
    if shutil.which("dpkg-deb") is None:
        pytest.skip("dpkg-deb not available")
    root = tmp_path / "pkg"
    (root / "DEBIAN").mkdir(parents=True)
    (root / "DEBIAN" / "control").write_text(
        "Package: fake-photos\nVersion: 1:1.0-1\nArchitecture: all\nMaintainer: t <t@t>\nDescription: t\n")
    png = encode(noise((8, 8)), "PNG")
    (root / "usr/share/fake").mkdir(parents=True)
    (root / "usr/share/fake/x.png").write_bytes(png)
    deb = tmp_path / "built.deb"
    subprocess.run(["dpkg-deb", "--root-owner-group", "-Zgzip", "-b", str(root), str(deb)],
                   check=True, capture_output=True)
    return deb, png


def fake_apt(monkeypatch, deb: Path) -> list:
    """apt-get download copies `deb` into the working folder; other commands run for real."""
    calls, real_run = [], subprocess.run

    def run(cmd, **kwargs):
        if cmd[0] != "apt-get":
            return real_run(cmd, **kwargs)
        calls.append(cmd)
        shutil.copy(deb, Path(kwargs["cwd"]) / "fake-photos_1%3a1.0-1_all.deb")
        return subprocess.CompletedProcess(cmd, 0, "", "")

    monkeypatch.setattr(debian.subprocess, "run", run)
    return calls


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_ensure_photos_downloads_unpacks_and_then_reuses(tmp_path, monkeypatch, fake_deb):
    deb, png = fake_deb
    tsv, sums = write_manifests(tmp_path, sha(png), sha(deb.read_bytes()))
    calls = fake_apt(monkeypatch, deb)
    cache = tmp_path / "cache"
    paths = ensure_photos(tsv, sums, cache, log=lambda s: None)
    assert paths == [cache / "photos" / "fake-photos" / "usr/share/fake/x.png"]
    assert paths[0].read_bytes() == png and len(calls) == 1
    assert ensure_photos(tsv, sums, cache, log=lambda s: None) == paths and len(calls) == 1  # fast path
    paths[0].unlink()
    ensure_photos(tsv, sums, cache, log=lambda s: None)  # re-extracted from the cached .deb
    assert paths[0].read_bytes() == png and len(calls) == 1


def test_ensure_photos_hash_mismatches(tmp_path, monkeypatch, fake_deb):
    deb, png = fake_deb
    fake_apt(monkeypatch, deb)
    tsv, sums = write_manifests(tmp_path, "f" * 64, sha(deb.read_bytes()))
    with pytest.raises(DataError) as info:
        ensure_photos(tsv, sums, tmp_path / "cache", log=lambda s: None)
    assert "x.png" in str(info.value) and "f" * 64 in str(info.value) and sha(png) in str(info.value)
    tsv, sums = write_manifests(tmp_path, sha(png), "e" * 64)
    with pytest.raises(DataError, match="fake-photos_1%3a1.0-1_all.deb: expected e{64}, got"):
        ensure_photos(tsv, sums, tmp_path / "cache2", log=lambda s: None)


@pytest.mark.network
@pytest.mark.skipif(os.environ.get("AECOPY_NETWORK_TESTS") != "1", reason="set AECOPY_NETWORK_TESTS=1")
def test_ensure_photos_real_download(tmp_path):
    paths = ensure_photos(MANIFESTS / "debian-photos-60.tsv", MANIFESTS / "debian-photos-60.debs.sha256",
                          tmp_path, log=lambda s: None)
    assert len(paths) == 60 and all(p.is_file() for p in paths)
    assert len(list((tmp_path / "debs").glob("*.deb"))) == 5
