"""Request-trace adapter: LLM request logs -> a table of arrival time, input and output tokens.

Formats, detected from the header (CSV) or the keys of the first object (JSONL):

- **Azure LLM inference 2023** (Splitwise, ISCA'24): CSV ``TIMESTAMP,ContextTokens,GeneratedTokens``
  with timestamps like ``2023-11-16 18:17:03.9799600``.
- **Mooncake** (FAST'25): JSONL ``{"timestamp": <ms>, "input_length": N, "output_length": N,
  "hash_ids": [...]}``.
- **gigawatt** (for your own logs): CSV with header ``arrival_s,input_tokens,output_tokens`` or
  JSONL objects with those keys. ``arrival_s`` is seconds from any origin (shifted to start at
  0); token counts are integers >= 0 (input >= 1). Extra columns/keys are ignored. Example::

      arrival_s,input_tokens,output_tokens
      0.0,812,164
      0.35,2048,90

Rows are sorted by arrival. Errors name the file, the line and the field.

Job-level traces (scheduler logs, cluster traces) have their own modules:
:mod:`gigawatt.adapters.traces_jobs` (the job-trace CSV), :mod:`~gigawatt.adapters.traces_alibaba`,
:mod:`~gigawatt.adapters.traces_helios` and :mod:`~gigawatt.adapters.traces_fit` (fitted
generators); see ``docs/traces.md``.
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gigawatt.errors import InputError

F64 = NDArray[np.float64]
FORMATS = ("azure-2023", "mooncake", "gigawatt")
_AZURE = ("TIMESTAMP", "ContextTokens", "GeneratedTokens")
_OWN = ("arrival_s", "input_tokens", "output_tokens")
_MOONCAKE = ("timestamp", "input_length", "output_length")


@dataclass(frozen=True)
class RequestTrace:
    """Requests of a trace: arrival times (s from the first request) and token counts."""

    arrival_s: F64
    input_tokens: F64
    output_tokens: F64
    source: str
    format: str

    @property
    def requests(self) -> int:
        """Number of requests."""
        return int(self.arrival_s.size)

    @property
    def duration_s(self) -> float:
        """Time from the first to the last arrival, s."""
        return float(self.arrival_s[-1] - self.arrival_s[0]) if self.requests else 0.0

    @property
    def rate_per_s(self) -> float | None:
        """Mean arrival rate (requests/s); None when all requests arrive at once."""
        if self.requests < 2 or self.duration_s <= 0:
            return None
        return (self.requests - 1) / self.duration_s

    def summary(self) -> dict[str, Any]:
        """Counts, rate and token statistics (means and medians)."""
        return {
            "file": self.source,
            "format": self.format,
            "requests": self.requests,
            "duration_s": self.duration_s,
            "rate_per_s": self.rate_per_s,
            "input_tokens_mean": float(np.mean(self.input_tokens)),
            "input_tokens_median": float(np.median(self.input_tokens)),
            "output_tokens_mean": float(np.mean(self.output_tokens)),
            "output_tokens_median": float(np.median(self.output_tokens)),
        }


def read_trace(path: str | Path) -> RequestTrace:
    """Read a trace file in any supported format (see module docstring)."""
    p = Path(path)
    where = str(p)
    if not p.is_file():
        raise InputError(f"trace file {where!r} does not exist", where="trace")
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read trace file: {exc}", where=where) from exc
    stripped = text.lstrip()
    if not stripped:
        raise InputError("trace file is empty", where=where)
    if stripped.startswith("{"):
        return _read_jsonl(text, where)
    return _read_csv(text, where)


def _number(
    value: Any, where: str, line: int, field: str, *, integer: bool, minimum: float
) -> float:
    bad = InputError(
        f"line {line}, field {field!r}: expected {'an integer' if integer else 'a number'} "
        f">= {minimum:g}, got {str(value)[:40]!r}",
        where=where,
    )
    if isinstance(value, bool):
        raise bad
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise bad from None
    if not math.isfinite(x) or x < minimum or (integer and not x.is_integer()):
        raise bad
    return x


def _azure_time(value: str, where: str, line: int) -> float:
    """Seconds since the epoch of an Azure timestamp (fraction digits beyond 6 are dropped)."""
    head, _, frac = value.strip().partition(".")
    try:
        base = datetime.fromisoformat(head)
    except ValueError:
        raise InputError(
            f"line {line}, field 'TIMESTAMP': expected 'YYYY-MM-DD HH:MM:SS[.f]', "
            f"got {value[:40]!r}",
            where=where,
        ) from None
    if frac and not frac.isdigit():
        raise InputError(
            f"line {line}, field 'TIMESTAMP': bad fraction in {value[:40]!r}", where=where
        )
    return base.timestamp() + (float("0." + frac) if frac else 0.0)


def _read_csv(text: str, where: str) -> RequestTrace:
    reader = csv.reader(text.splitlines())
    header = [h.strip() for h in next(reader)]
    if all(h in header for h in _AZURE):
        cols, fmt = _AZURE, "azure-2023"
    elif all(h in header for h in _OWN):
        cols, fmt = _OWN, "gigawatt"
    else:
        raise InputError(
            f"line 1: unknown CSV header {','.join(header)[:80]!r}; expected "
            f"{','.join(_AZURE)!r} (Azure 2023) or {','.join(_OWN)!r}",
            where=where,
        )
    idx = [header.index(c) for c in cols]
    arr, inp, out = [], [], []
    for line, row in enumerate(reader, start=2):
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) < len(header):
            raise InputError(
                f"line {line}: expected {len(header)} fields, got {len(row)}", where=where
            )
        t, i, o = (row[k] for k in idx)
        if fmt == "azure-2023":
            arr.append(_azure_time(t, where, line))
        else:
            arr.append(_number(t, where, line, cols[0], integer=False, minimum=-math.inf))
        inp.append(_number(i, where, line, cols[1], integer=True, minimum=1))
        out.append(_number(o, where, line, cols[2], integer=True, minimum=0))
    return _build(arr, inp, out, where, fmt)


def _read_jsonl(text: str, where: str) -> RequestTrace:
    arr, inp, out = [], [], []
    fmt = ""
    for line, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise InputError(f"line {line}: invalid JSON: {exc.msg}", where=where) from None
        if not isinstance(obj, dict):
            raise InputError(f"line {line}: expected a JSON object", where=where)
        if not fmt:
            if all(k in obj for k in _MOONCAKE):
                fmt = "mooncake"
            elif all(k in obj for k in _OWN):
                fmt = "gigawatt"
            else:
                raise InputError(
                    f"line {line}: unknown JSONL keys {sorted(obj)[:6]}; expected "
                    f"{list(_MOONCAKE)} (Mooncake) or {list(_OWN)}",
                    where=where,
                )
        cols = _MOONCAKE if fmt == "mooncake" else _OWN
        for key in cols:
            if key not in obj:
                raise InputError(f"line {line}: missing field {key!r}", where=where)
        t = _number(obj[cols[0]], where, line, cols[0], integer=False, minimum=-math.inf)
        arr.append(t / 1000.0 if fmt == "mooncake" else t)
        inp.append(_number(obj[cols[1]], where, line, cols[1], integer=True, minimum=1))
        out.append(_number(obj[cols[2]], where, line, cols[2], integer=True, minimum=0))
    return _build(arr, inp, out, where, fmt)


def _build(
    arr: list[float], inp: list[float], out: list[float], where: str, fmt: str
) -> RequestTrace:
    if not arr:
        raise InputError("trace has no requests", where=where)
    a = np.array(arr)
    order = np.argsort(a, kind="stable")
    a = a[order] - a[order][0]
    return RequestTrace(a, np.array(inp)[order], np.array(out)[order], where, fmt)
