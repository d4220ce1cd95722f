"""Reading a user's or a published CSV file: one rule for a missing file, bad encoding and
missing columns, each a one-line :class:`~gigawatt.errors.InputError` naming the file."""

from __future__ import annotations

import csv
from pathlib import Path

from gigawatt.errors import InputError


def csv_rows(path: Path, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    """(line number, row by column) of every data row of the CSV ``path`` (UTF-8, a header
    naming at least ``columns``); line numbers count the header as line 1."""
    where = str(path)
    if not path.is_file():
        raise InputError(f"trace file {where!r} does not exist", where="trace")
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in columns if c not in (reader.fieldnames or [])]
            if missing:
                raise InputError(
                    f"missing column {missing[0]!r}; expected {', '.join(columns)}",
                    where=f"{where}:1",
                )
            return list(enumerate(reader, start=2))
    except UnicodeDecodeError as exc:
        raise InputError(
            f"not UTF-8 text ({exc.reason} at byte {exc.start})", where=where
        ) from None
