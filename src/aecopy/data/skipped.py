"""Inputs left out under `on_bad_data: skip`, recorded beside the prepared arrays so that they show on
the terminal (`python -m aecopy.data.skipped`, run at the end of README command 1 and `dvc repro`)
and in the report, not only in a job's log file. Imports nothing heavy."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from .. import paths

PREPARED = Path(paths.PREPARED)


def dataset_record(dataset: str, root: str | Path = PREPARED) -> Path:
    return Path(root).joinpath(*Path(paths.dataset_dir(dataset)).relative_to(paths.PREPARED).parts, "skipped.json")


def eval_record(out: str | Path) -> Path:
    """The record beside an evaluation set's array `eval/{name}-{size}.npy`."""
    out = Path(out)
    return out.with_name(out.name.removesuffix(".npy") + ".skipped.json")


def record(key: str, path: str | Path, kept: int, skipped: list[tuple[str, str]]) -> dict:
    return {"key": key, "path": str(path), "kept": kept,
            "skipped": [{"file": name, "reason": reason} for name, reason in skipped]}


def write(target: str | Path, rec: dict) -> None:
    from ..io import write_json  # io imports torch: only when writing

    write_json(target, rec)


def warning_line(rec: dict) -> str:
    """One line: how many of which source were left out, naming the params key and the files."""
    names = ", ".join(s["file"] for s in rec["skipped"][:10]) + (", …" if len(rec["skipped"]) > 10 else "")
    n = len(rec["skipped"])
    return (f"warning: on_bad_data: skip left out {n} unusable file(s) of {rec['key']} ({rec['path']}; "
            f"{rec['kept']} kept): {names}")


def read_all(root: str | Path = PREPARED) -> list[dict]:
    """Every record under `root` (data sets' skipped.json, evaluation sets' *.skipped.json), by path."""
    root = Path(root)
    paths = sorted([*root.glob("*/skipped.json"), *root.glob("eval/*.skipped.json")])
    out = []
    for p in paths:
        try:
            out.append(json.loads(p.read_text()))
        except (OSError, ValueError):
            continue
    return out


def main(argv: list[str] | None = None) -> int:
    """Print one warning line per source that had files left out (stderr); always exits 0."""
    root = (argv if argv is not None else sys.argv[1:]) or [str(PREPARED)]
    for rec in read_all(root[0]):
        if rec.get("skipped"):
            print(warning_line(rec), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
