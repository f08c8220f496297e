"""Which files of a folder are images. Imports nothing heavy: the workflow lists an evaluation
folder's images with it while it parses (so that adding a photo makes `prepare_eval` out of date)."""
from __future__ import annotations

from pathlib import Path

from .debian import DataError

# torchvision's ImageFolder extensions less the rare netpbm ones, plus WebP
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff"})


def image_files(path: str | Path) -> list[Path]:
    """Image files directly inside `path`, sorted by name; [] when `path` is not a folder."""
    path = Path(path)
    if not path.is_dir():
        return []
    return sorted((p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()),
                  key=lambda p: p.name)


def list_image_files(path: str | Path) -> list[Path]:
    """`image_files`, but a missing folder is a DataError naming it."""
    if not Path(path).is_dir():
        raise DataError(f"image folder {path} does not exist or is not a folder")
    return image_files(path)
