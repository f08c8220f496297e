"""Data: the embedded Debian photo set, deterministic patches, and loaders for paper-scale sets.

The names below load their module on first use, so that `aecopy.data.files` (which the workflow
imports while it parses) does not pull in torch.
"""
from importlib import import_module

_WHERE = {
    "DataError": "debian", "ensure_photos": "debian", "read_manifest": "debian",
    "build_patch_set": "patches", "cut_patches": "patches", "load_patch_set": "patches",
    "save_patch_set": "patches", "split_photos": "patches",
    "BadInputWarning": "sources", "LoadResult": "sources", "load_cifar10": "sources",
    "load_image_folder": "sources", "load_lsun_lmdb": "sources", "load_lsun_npy": "sources",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(import_module(f".{_WHERE[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
