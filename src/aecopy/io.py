"""Atomic writes: a file appears complete or not at all, even when the process is killed."""
from __future__ import annotations

import json
import os
import pickle
import re
import sys
import tempfile
from collections import OrderedDict
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import torch


def _file_mode() -> int:
    """The mode `open()` gives a new file: 0o666 less the umask (mkstemp's files are private, 0o600).
    Read once: reading the umask means setting it, which races with threads that create files."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


FILE_MODE = _file_mode()


class UserError(RuntimeError, SystemExit):
    """A problem the user fixes (a file to delete, a setting to change), said in one line.

    To code that catches it, an ordinary exception; uncaught at the top of an entry point it ends the
    process like `sys.exit(message)`: its one line on stderr, exit status 1, no traceback.
    """

    def __init__(self, message: str):
        RuntimeError.__init__(self, message)
        self.code = f"error: {message}"


class CheckpointError(UserError):
    """A checkpoint file is missing, truncated, corrupt or holds more than tensors and plain containers."""


TEMP_PATTERN = ".*.tmp"  # what `atomic_path` names its temporary files: .{name}.{random}.tmp


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside `path`; on success it replaces `path` in one rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, FILE_MODE)  # results and reports are shared: readable like any other file
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_text(path: str | Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def write_json(path: str | Path, obj: Any) -> None:
    """Deterministic JSON (sorted keys, fixed float formatting by json) written atomically."""
    write_text(path, json.dumps(obj, indent=2, sort_keys=True) + "\n")


def read_json(path: str | Path) -> Any:
    with open(path) as f:
        return json.load(f)


def remove_leftovers(folder: str | Path) -> list[Path]:
    """Delete the temporary files that interrupted atomic writes left in `folder` (not below it)."""
    removed = []
    for tmp in sorted(Path(folder).glob(TEMP_PATTERN)):
        if tmp.is_file():
            tmp.unlink(missing_ok=True)
            removed.append(tmp)
    return removed


def _canonical(obj: Any) -> Any:
    """`obj` with fresh containers and interned strings, so that its pickle depends on its values only.

    Pickle writes an object seen before as a back-reference: whether two equal strings are one object
    (a state loaded from a checkpoint vs one built in memory) would otherwise change the bytes.
    An OrderedDict stays one, with its attributes (a state_dict's `_metadata`); other objects are
    kept as they are.
    """
    if type(obj) is str:
        return sys.intern(obj)
    if type(obj) in (dict, OrderedDict):
        new = type(obj)((_canonical(k), _canonical(v)) for k, v in obj.items())
        for name, value in getattr(obj, "__dict__", {}).items():
            setattr(new, name, _canonical(value))
        return new
    if type(obj) in (list, tuple):
        return type(obj)(_canonical(v) for v in obj)
    return obj


def save_torch(path: str | Path, obj: Any) -> None:
    """`torch.save` atomically, and byte-reproducibly: the same values give the same bytes.

    Given a path, torch names the archive's inner folder after the file, so saving to the random
    temporary name would make identical states differ; through a file object it is always `archive/`.
    """
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            torch.save(_canonical(obj), f)


def _checkpoint_hint(path: Path) -> str:
    """What to do about an unusable checkpoint: training outputs are rebuilt by deleting their folder."""
    if re.fullmatch(r"seed\d+", path.parent.name) and path.parent.parent.parent.name == "train":
        return f"delete the folder {path.parent} and rerun to retrain it"
    return "delete it and rerun to rebuild it"


def load_torch(path: str | Path, map_location: str | torch.device = "cpu") -> Any:
    """Checkpoints hold only tensors and plain containers, so the safe loader suffices.

    A missing, truncated or corrupt file, or one holding other Python objects (which the safe loader
    refuses, and which this project never loads otherwise), raises `CheckpointError` naming the file.
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: checkpoint missing; {_checkpoint_hint(path)}")
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as e:
        found = re.search(r"GLOBAL ([\w.]+)", str(e))
        what = f" ({found.group(1)})" if found else ""
        raise CheckpointError(
            f"{path}: refused: it holds Python objects{what} besides tensors and plain containers, so it "
            f"was not written by this project or was altered; {_checkpoint_hint(path)}") from None
    except Exception as e:  # truncated: RuntimeError (zip), EOFError, KeyError, ... depending on where
        raise CheckpointError(
            f"{path}: truncated or corrupt checkpoint ({type(e).__name__}); {_checkpoint_hint(path)}") from None
