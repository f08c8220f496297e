"""The params a job may read: the sections its rule declares, and a record of what it reads.

A rule declares dotted keys of the resolved params (`declare(P, ["seed", "experiments.e1"])`); the JSON
it passes to its entry point holds those keys' values and the list of keys. The entry point reads them
through `Params`, which refuses any key outside the declaration (so a job can never depend on a value
whose change would not rerun it) and, when `AECOPY_PARAMS_TRACE` names a folder, writes every key it read
there at exit (tests/test_params_dag.py compares the reads with the declarations).
"""
from __future__ import annotations

import atexit
import json
import os
from collections.abc import Mapping
from pathlib import Path

TRACE_ENV = "AECOPY_PARAMS_TRACE"


def _parts(key) -> tuple:
    """A key as its parts: "a.b.c", or a tuple for keys whose names hold dots (claim ids: E3-a0.5)."""
    return tuple(key) if isinstance(key, (tuple, list)) else tuple(key.split("."))


def declare(resolved: dict, keys) -> str:
    """JSON of {"declared": keys, "values": the resolved params restricted to them}; a key absent from
    the params (an optional one) is declared with no value, so adding it later changes the JSON."""
    values: dict = {}
    for key in keys:
        parts = _parts(key)
        node = resolved
        try:
            for part in parts:
                node = node[part]
        except (KeyError, TypeError):
            continue
        target = values
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        target[parts[-1]] = node
    declared = sorted({".".join(_parts(k)) for k in keys})
    return json.dumps({"declared": declared, "values": values}, sort_keys=True)


def _leaves(values: dict, path: str = "") -> list[str]:
    """The dotted keys of every value in a declared section (lists are values)."""
    out = []
    for key, value in values.items():
        full = f"{path}.{key}" if path else key
        out += _leaves(value, full) if isinstance(value, dict) and value else [full]
    return out


def _covers(declared: str, key: str) -> bool:
    return key == declared or key.startswith(declared + ".")


class UndeclaredParam(KeyError):
    """A job read a key its rule did not declare."""

    def __str__(self) -> str:
        return (f"params key {self.args[0]!r} is read by this job but not declared by its rule "
                "(add it to the rule's params)")


class Params(Mapping):
    """Read-only view of the declared params; every read is checked and recorded."""

    def __init__(self, values: dict, declared: list[str], path: str = "", reads: set | None = None):
        self._values, self._declared, self._path = values, declared, path
        self._reads = set() if reads is None else reads

    def _full(self, key) -> str:
        return f"{self._path}.{key}" if self._path else str(key)

    def _require(self, full: str, deeper_ok: bool) -> None:
        if any(_covers(d, full) for d in self._declared):
            return
        if deeper_ok and any(_covers(full, d) for d in self._declared):
            return
        raise UndeclaredParam(full)

    def __getitem__(self, key):
        full = self._full(key)
        self._require(full, deeper_ok=True)
        if key not in self._values:
            if any(d.startswith(full + ".") for d in self._declared):
                # on the way to a declared key that is absent (an optional one): an empty section
                return Params({}, self._declared, full, self._reads)
            self._reads.add(full)
            raise KeyError(key)
        value = self._values[key]
        if isinstance(value, dict):
            return Params(value, self._declared, full, self._reads)
        self._reads.add(full)
        return value

    def __contains__(self, key) -> bool:
        full = self._full(key)
        self._require(full, deeper_ok=True)
        if key not in self._values:
            self._reads.add(full)
            return False
        return True

    def get(self, key, default=None):
        return self[key] if key in self else default

    def __iter__(self):
        self._require(self._path, deeper_ok=False)
        self._reads.add(self._path or "(top level)")
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    @property
    def reads(self) -> set[str]:
        return self._reads


def from_rule(text: str, label: str, output: str | None = None) -> Params:
    """The Params of a rule's JSON (see `declare`); with AECOPY_PARAMS_TRACE set, the keys read are
    written to that folder when the process exits, with `label` (the rule's name) and the job's
    `output` (its output file or folder)."""
    job = json.loads(text)
    params = Params(job["values"], job["declared"])
    trace = os.environ.get(TRACE_ENV)
    if trace:
        def write() -> None:
            folder = Path(trace)
            folder.mkdir(parents=True, exist_ok=True)
            record = {"rule": label, "output": output, "declared": job["declared"], "leaves": _leaves(job["values"]),
                      "read": sorted(params.reads)}
            (folder / f"{label}-{os.getpid()}.json").write_text(json.dumps(record, indent=1))
        atexit.register(write)
    return params
