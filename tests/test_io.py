"""Atomic writes: complete or absent, never a leftover temporary, and as readable as a plain file."""
from __future__ import annotations

import os
import stat

import pytest

from aecopy.io import atomic_path, read_json, write_json, write_text


def test_written_file_has_the_mode_of_a_plain_file(tmp_path):
    plain = tmp_path / "plain.txt"
    plain.write_text("x")
    write_text(tmp_path / "a" / "report.html", "<html></html>")
    assert stat.S_IMODE(os.stat(tmp_path / "a" / "report.html").st_mode) == stat.S_IMODE(os.stat(plain).st_mode)
    write_json(tmp_path / "m.json", {"v": 1.5})
    assert read_json(tmp_path / "m.json") == {"v": 1.5}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "m.json", "plain.txt"]


def test_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "claims.json"
    write_json(target, [1])
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("[2, ")
            raise RuntimeError("killed mid-write")
    assert read_json(target) == [1]
    assert [p.name for p in tmp_path.iterdir()] == ["claims.json"]
