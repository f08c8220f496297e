"""Data: the embedded Debian photo set, deterministic patches, and loaders for paper-scale sets."""
from .debian import DataError, ensure_photos, read_manifest
from .patches import build_patch_set, cut_patches, load_patch_set, save_patch_set, split_photos
from .sources import (
    BadInputWarning,
    LoadResult,
    load_cifar10,
    load_image_folder,
    load_lsun_lmdb,
    load_lsun_npy,
)

__all__ = [
    "BadInputWarning",
    "DataError",
    "LoadResult",
    "build_patch_set",
    "cut_patches",
    "ensure_photos",
    "load_cifar10",
    "load_image_folder",
    "load_lsun_lmdb",
    "load_lsun_npy",
    "load_patch_set",
    "read_manifest",
    "save_patch_set",
    "split_photos",
]
