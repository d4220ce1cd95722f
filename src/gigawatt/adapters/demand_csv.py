"""Hourly demand files a user gives for a ``load: {shape: csv, path: ...}`` profile.

Format: one number per line (requests, tokens or any unit: only the shape counts), hour after
hour, optionally after one header line; a second column is allowed when the first is a time
stamp or hour index (the last column is read). At least 24 values, all finite and >= 0, not all
zero. Errors name the file and line.
"""

from __future__ import annotations

import csv
import math
from functools import cache
from pathlib import Path

import numpy as np

from gigawatt.errors import InputError

MIN_HOURS = 24


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


@cache
def read_hourly_demand(path: str) -> tuple[float, ...]:
    """Hourly demand values of ``path`` (module docstring); cached per path."""
    file = Path(path)
    try:
        with file.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
    except OSError as exc:
        raise InputError(f"cannot read demand file: {exc.strerror}", where=path) from None
    except UnicodeDecodeError:
        raise InputError("demand file is not UTF-8 text", where=path) from None
    values: list[float] = []
    for line, row in enumerate(rows, start=1):
        cells = [c.strip() for c in row if c.strip()]
        if not cells:
            continue
        value = _number(cells[-1])
        if value is None:
            if line == 1 and not values:
                continue  # header
            raise InputError(f"value {cells[-1]!r} is not a number", where=f"{path}:{line}")
        if not math.isfinite(value) or value < 0:
            raise InputError(f"value {value:g} must be finite and >= 0", where=f"{path}:{line}")
        values.append(value)
    if len(values) < MIN_HOURS:
        raise InputError(
            f"{len(values)} hourly values; a profile needs at least {MIN_HOURS}", where=path
        )
    if not np.any(np.asarray(values) > 0):
        raise InputError("all demand values are zero", where=path)
    return tuple(values)
