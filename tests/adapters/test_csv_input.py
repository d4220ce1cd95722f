"""One rule for reading trace CSVs: missing file, bad encoding, missing columns."""

from __future__ import annotations

from pathlib import Path

import pytest

from gigawatt.adapters.csv_input import csv_rows
from gigawatt.adapters.traces_fit import read_runtimes
from gigawatt.errors import InputError


def test_rows_are_numbered_from_the_header(tmp_path: Path) -> None:
    p = tmp_path / "t.csv"
    p.write_text("a,b\n1,2\n3,4\n", encoding="utf-8")
    assert csv_rows(p, ("a",)) == [(2, {"a": "1", "b": "2"}), (3, {"a": "3", "b": "4"})]


def test_missing_column_names_what_is_expected(tmp_path: Path) -> None:
    p = tmp_path / "t.csv"
    p.write_text("a\n1\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"t\.csv:1: missing column 'b'; expected a, b"):
        csv_rows(p, ("a", "b"))


def test_non_utf8_is_a_one_line_error_not_a_traceback(tmp_path: Path) -> None:
    p = tmp_path / "rt.csv"
    p.write_bytes(b"runtime\n\xff\xfe12\n")
    with pytest.raises(InputError, match=r"rt\.csv: not UTF-8 text"):
        read_runtimes(p)
