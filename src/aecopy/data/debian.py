"""The embedded default data set: 60 photographs shipped inside five Debian packages.

The photos are not committed (their licences travel with the packages); they are fetched at
set-up with `apt-get download` (never installed), unpacked with `dpkg-deb -x`, and checked
against the sha256 sums in the manifests under `data/manifests/`.
"""
from __future__ import annotations

import csv
import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

APT_HINT = (
    "run `apt-get update` (as root) and retry; the packages are from Debian bookworm main. "
    "Without apt, place the .deb files named in the .sha256 manifest into {debs_dir} by hand "
    "(e.g. from snapshot.debian.org); files with matching hashes are used as they are."
)


class DataError(RuntimeError):
    """A data set cannot be obtained or read; the message says what failed and what to do."""


@dataclass(frozen=True)
class PhotoEntry:
    """One row of the photo manifest: `package` is `name=version`, `path` is inside the .deb."""

    package: str
    path: str
    width: int
    height: int
    sha256: str

    @property
    def package_name(self) -> str:
        return self.package.split("=", 1)[0]

    def cached_path(self, cache_dir: Path) -> Path:
        return cache_dir / "photos" / self.package_name / self.path


def read_manifest(manifest_tsv: Path) -> list[PhotoEntry]:
    """Rows of the TSV (columns package, path, width, height, sha256), in file order."""
    with open(manifest_tsv, newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    return [
        PhotoEntry(r["package"], r["path"], int(r["width"]), int(r["height"]), r["sha256"].lower())
        for r in rows
    ]


def read_deb_hashes(debs_sha256: Path) -> dict[str, str]:
    """`sha256sum`-format file -> {deb file name as apt-get writes it: sha256}."""
    hashes = {}
    for line in Path(debs_sha256).read_text().splitlines():
        if line.strip():
            digest, name = line.split(maxsplit=1)
            hashes[name.lstrip("*").strip()] = digest.lower()
    return hashes


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def deb_file_name(package: str, deb_hashes: dict[str, str]) -> str:
    """The file name apt-get writes for `name=version` (epoch colon written as `%3a`)."""
    name, version = package.split("=", 1)
    prefix = f"{name}_{version.replace(':', '%3a')}_"
    matches = [f for f in deb_hashes if f.startswith(prefix) and f.endswith(".deb")]
    if len(matches) != 1:
        raise DataError(f"the .deb hash manifest has {len(matches)} entries for {package} (expected 1)")
    return matches[0]


def _check_hash(path: Path, expected: str, what: str) -> None:
    actual = sha256_file(path)
    if actual != expected:
        raise DataError(f"sha256 mismatch for {what} {path}: expected {expected}, got {actual}")


def _run(cmd: list[str], cwd: Path, hint: str) -> None:
    """Run a command; on failure raise a DataError naming the command, its stderr tail and `hint`."""
    shown = " ".join(cmd)
    try:
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    except FileNotFoundError as e:
        raise DataError(f"`{shown}` failed: {cmd[0]} is not installed ({e}). {hint}") from e
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout or "").strip().splitlines()[-10:])
        raise DataError(
            f"`{shown}` (in {cwd}) failed with exit status {proc.returncode}:\n{tail}\n{hint}"
        )


def _fetch_deb(package: str, deb_hashes: dict[str, str], debs_dir: Path, log: Callable) -> Path:
    """A verified .deb for `package` in `debs_dir`, downloaded with apt-get unless already there."""
    deb = debs_dir / deb_file_name(package, deb_hashes)
    expected = deb_hashes[deb.name]
    if deb.exists() and sha256_file(deb) == expected:
        return deb
    debs_dir.mkdir(parents=True, exist_ok=True)
    log(f"apt-get download {package}")
    _run(["apt-get", "download", package], debs_dir, APT_HINT.format(debs_dir=debs_dir))
    if not deb.exists():
        raise DataError(f"`apt-get download {package}` succeeded but {deb} is missing")
    actual = sha256_file(deb)
    if actual != expected:
        deb.unlink()  # so that a retry downloads it again
        raise DataError(
            f"sha256 mismatch for downloaded {deb.name}: expected {expected}, got {actual} "
            "(file removed; the archive may carry a different build of this version)"
        )
    return deb


def _extract(deb: Path, entries: list[PhotoEntry], cache_dir: Path) -> None:
    """Unpack `deb` to a temporary folder and copy out (atomically) the listed, verified photos."""
    with tempfile.TemporaryDirectory(prefix="aecopy-deb-") as tmp:
        hint = f"the .deb may be damaged: delete {deb} and retry"
        _run(["dpkg-deb", "-x", str(deb), tmp], Path(tmp), hint)
        for e in entries:
            src = Path(tmp) / e.path
            if not src.is_file():
                raise DataError(f"{e.path} is not in {deb.name}")
            _check_hash(src, e.sha256, "photo")
            dest = e.cached_path(cache_dir)
            dest.parent.mkdir(parents=True, exist_ok=True)
            part = dest.with_name(dest.name + ".part")
            shutil.copyfile(src, part)
            os.replace(part, dest)


def ensure_photos(
    manifest_tsv: Path, debs_sha256: Path, cache_dir: Path, log: Callable[[str], object] = print
) -> list[Path]:
    """Make sure every photo of the manifest is in `cache_dir/photos/<package>/<path>`, verified.

    Returns the photo paths in manifest order. Photos already present with the right sha256 are
    left alone (the usual, fast case); for the packages that miss any, the .deb is taken from
    `cache_dir/debs/` if it verifies, otherwise fetched with `apt-get download`.
    """
    given, cache_dir = Path(cache_dir), Path(cache_dir).resolve()  # subprocesses run elsewhere
    entries = read_manifest(manifest_tsv)
    missing: dict[str, list[PhotoEntry]] = {}
    for e in entries:
        path = e.cached_path(cache_dir)
        if not (path.is_file() and sha256_file(path) == e.sha256):
            missing.setdefault(e.package, []).append(e)
    if missing:
        deb_hashes = read_deb_hashes(debs_sha256)
        for i, (package, todo) in enumerate(missing.items(), 1):
            log(f"[{i}/{len(missing)}] {package}: {len(todo)} photo(s)")
            deb = _fetch_deb(package, deb_hashes, cache_dir / "debs", log)
            _extract(deb, todo, cache_dir)
    return [e.cached_path(given) for e in entries]
