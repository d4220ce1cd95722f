"""Small seams between the simulator and the shared models.

- :class:`ServingSpeed`: prefill time and decode step time of one replica, tabulated once from
  :mod:`gigawatt.models.inference` (vectorised) and looked up per event, or given explicitly.
- :func:`load_trace`: request arrays (arrival s, input tokens, output tokens) of a trace file,
  read by the shared adapter :mod:`gigawatt.adapters.traces`.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from gigawatt.adapters.traces import read_trace
from gigawatt.errors import InputError
from gigawatt.evaluate.resolve import model_architecture
from gigawatt.models import inference as inf

_CONTEXT_GRID = (128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072)


@dataclass(frozen=True)
class ServingSpeed:
    """Replica speed tables: decode step (s) by batch and context, prefill (s) by tokens."""

    decode_table: tuple[tuple[float, ...], ...]  # [context index][batch - 1]
    prefill_tokens: tuple[float, ...]
    prefill_s: tuple[float, ...]
    contexts: tuple[int, ...] = _CONTEXT_GRID

    def decode_step_s(self, batch: int, mean_context: float) -> float:
        """One decode step of ``batch`` sequences at ``mean_context`` tokens each (s)."""
        ci = min(bisect.bisect_left(self.contexts, mean_context), len(self.contexts) - 1)
        row = self.decode_table[ci]
        return row[min(max(batch, 1), len(row)) - 1]

    def prefill_time_s(self, tokens: float) -> float:
        """Prefill of ``tokens`` prompt tokens (s), piecewise-linear in the tabulated grid."""
        xs = self.prefill_tokens
        i = bisect.bisect_left(xs, tokens)
        if i <= 0:
            return self.prefill_s[0] * max(tokens, 1.0) / xs[0]
        if i >= len(xs):
            return self.prefill_s[-1] * tokens / xs[-1]
        x0, x1 = xs[i - 1], xs[i]
        y0, y1 = self.prefill_s[i - 1], self.prefill_s[i]
        return y0 + (y1 - y0) * (tokens - x0) / (x1 - x0)


def explicit_speed(
    prefill_tokens_per_s: float, decode_step_s: float, per_seq_s: float, max_batch: int
) -> ServingSpeed:
    """Speed tables from explicit figures (prefill throughput, step time + per-sequence time)."""
    row = tuple(decode_step_s + per_seq_s * b for b in range(1, max_batch + 1))
    grid = (1.0, 1e7)
    return ServingSpeed(
        tuple(row for _ in _CONTEXT_GRID), grid, tuple(t / prefill_tokens_per_s for t in grid)
    )


def model_speed(
    model: str,
    accelerator_row: dict[str, Any],
    precision: str,
    gpus: int,
    max_batch: int,
    catalog: Any,
    engine: str = "vllm",
) -> ServingSpeed:
    """Speed tables from the shared inference model (tensor parallel over ``gpus``)."""

    arch = model_architecture(model, catalog, field="inference.model")
    m = inf.model_shape(arch)
    h = inf.hardware_shape(accelerator_row)
    wb, code = inf.precision_codes([precision])
    eng = inf.engine_constants(engine)
    kv = inf.default_kv_bytes(engine, precision)
    batch = np.arange(1, max_batch + 1, dtype=float)[None, :]
    ctx = np.array(_CONTEXT_GRID, dtype=float)[:, None]
    dec = inf.decode_step_time_s(m, h, wb[0], code[0], kv, gpus, 1, 1, batch, ctx, eng)
    dec = np.broadcast_to(np.asarray(dec, dtype=float), (len(_CONTEXT_GRID), max_batch))
    toks = np.geomspace(16, 262_144, 48)
    pre = np.asarray(inf.prefill_time_s(m, h, wb[0], code[0], gpus, 1, 1, toks, eng), dtype=float)
    if not (np.all(np.isfinite(dec)) and np.all(np.isfinite(pre))):
        raise InputError(f"no {precision} peak for this accelerator", where="inference.precision")
    return ServingSpeed(
        tuple(tuple(r) for r in dec.tolist()),
        tuple(toks.tolist()),
        tuple(np.broadcast_to(pre, toks.shape).tolist()),
    )


Trace = tuple[np.ndarray, np.ndarray, np.ndarray]

#: scenario format name -> format name of :mod:`gigawatt.adapters.traces`
_FORMATS = {"azure-llm-2023": "azure-2023", "mooncake": "mooncake", "gigawatt": "gigawatt"}


def load_trace(path: Path, fmt: str = "auto") -> Trace:
    """(arrival s from the first request, input tokens, output tokens), sorted by arrival.

    Reads through the shared adapter :func:`gigawatt.adapters.traces.read_trace` (format detected
    from the file); ``fmt`` other than ``auto`` must match the detected format.
    """

    if not path.is_file():
        raise InputError(f"trace file {str(path)!r} does not exist", where="inference.trace.path")
    trace = read_trace(path)
    if fmt != "auto" and _FORMATS[fmt] != trace.format:
        raise InputError(
            f"file {str(path)!r} is in format {trace.format!r}, not {fmt!r}",
            where="inference.trace.format",
        )
    if trace.requests == 0:
        raise InputError(f"trace {str(path)!r} has no requests", where="inference.trace.path")
    return (
        np.asarray(trace.arrival_s, dtype=float),
        np.asarray(trace.input_tokens, dtype=float),
        np.asarray(trace.output_tokens, dtype=float),
    )
