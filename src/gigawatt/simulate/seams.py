"""Small seams between the simulator and the shared models.

- :class:`ServingSpeed`: decode step and chunked-prefill step times of one replica, tabulated
  once from the serving model of ``gigawatt infer`` (:mod:`gigawatt.models.serving`,
  vectorised) and looked up per event, or given explicitly.
- :func:`load_trace`: request arrays (arrival s, input tokens, output tokens) of a trace file,
  read by the shared adapter :mod:`gigawatt.adapters.traces`.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from gigawatt.adapters.traces import read_trace
from gigawatt.errors import InputError
from gigawatt.evaluate.resolve import model_architecture
from gigawatt.models import inference as inf
from gigawatt.models import serving as srv
from gigawatt.models import sizing

_CONTEXT_GRID = (128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072)


@dataclass(frozen=True)
class ServingSpeed:
    """Replica speed tables of the serving model :class:`gigawatt.models.serving.Replica`.

    ``decode_table[c][b - 1]`` is one decode step of ``b`` sequences at context ``contexts[c]``
    (s). On the prompt grid ``prefill_tokens``: ``marginal_s`` is a prompt's cost inside shared
    forward steps (``Replica.prefill(batched=True)``) and ``fixed_s`` the per-step cost a step of
    that many prompt tokens pays anyway (weight read beyond the matmuls, per-layer overhead:
    ``prefill - prefill(batched=True)``), s. ``chunk_tokens`` is the engine's prompt-token
    budget per step (chunked prefill).
    """

    decode_table: tuple[tuple[float, ...], ...]  # [context index][batch - 1]
    prefill_tokens: tuple[float, ...]
    marginal_s: tuple[float, ...]
    fixed_s: tuple[float, ...]
    chunk_tokens: float = math.inf
    contexts: tuple[int, ...] = _CONTEXT_GRID

    def decode_step_s(self, batch: int, mean_context: float) -> float:
        """One decode step of ``batch`` sequences at ``mean_context`` tokens each (s): linear
        between the two grid contexts around it (a step's KV read grows linearly with the
        context), the grid's ends outside it. Taking the next grid context up instead made
        steps at 1,350 tokens cost those at 2,048 (11 % slower on Llama 3.1 70B, GB200 tp=2,
        batch 100), and the twin's TPOT ran 20 % above the static model's at the planned load."""
        contexts = self.contexts
        b = min(max(batch, 1), len(self.decode_table[0])) - 1
        ci = bisect.bisect_left(contexts, mean_context)
        if ci <= 0:
            return self.decode_table[0][b]
        if ci >= len(contexts):
            return self.decode_table[-1][b]
        lo, hi = contexts[ci - 1], contexts[ci]
        y0, y1 = self.decode_table[ci - 1][b], self.decode_table[ci][b]
        return y0 + (y1 - y0) * (mean_context - lo) / (hi - lo)

    def mixed_steps(self, prompts: list[int], batch: int, mean_context: float) -> tuple[float, int]:
        """(duration s, forward steps) of the steps that prefill ``prompts`` (token counts)
        while ``batch`` running sequences decode one token per step.

        The rule of :func:`gigawatt.models.serving.prefill_wave` (chunked prefill, as the static
        model ``gigawatt infer`` uses): ``x = ceil(sum / chunk)`` steps, each costing the larger
        of its fixed part and the running decode step, plus every prompt's marginal cost.
        """
        total = float(sum(prompts))
        steps = max(1, math.ceil(total / self.chunk_tokens - 1e-9))
        chunk = min(total, self.chunk_tokens)
        base = _interp(self.prefill_tokens, self.fixed_s, chunk)
        if batch > 0:
            base = max(base, self.decode_step_s(batch, mean_context))
        marginal = sum(_interp(self.prefill_tokens, self.marginal_s, float(t)) for t in prompts)
        return steps * base + marginal, steps


def _interp(xs: tuple[float, ...], ys: tuple[float, ...], x: float) -> float:
    """Piecewise-linear ``y(x)`` on the grid ``xs``; proportional to ``x`` outside it."""
    i = bisect.bisect_left(xs, x)
    if i <= 0:
        return ys[0] * max(x, 1.0) / xs[0]
    if i >= len(xs):
        return ys[-1] * x / xs[-1]
    x0, x1 = xs[i - 1], xs[i]
    return ys[i - 1] + (ys[i] - ys[i - 1]) * (x - x0) / (x1 - x0)


def explicit_speed(
    prefill_tokens_per_s: float, decode_step_s: float, per_seq_s: float, max_batch: int
) -> ServingSpeed:
    """Speed tables from explicit figures (prefill throughput, step time + per-sequence time);
    no per-step prefill cost and no chunking (a prompt takes ``tokens / prefill_tokens_per_s``
    on top of the running decode step)."""
    row = tuple(decode_step_s + per_seq_s * b for b in range(1, max_batch + 1))
    grid = (1.0, 1e7)
    return ServingSpeed(
        tuple(row for _ in _CONTEXT_GRID),
        grid,
        tuple(t / prefill_tokens_per_s for t in grid),
        (0.0, 0.0),
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
    """Speed tables of the replica ``gigawatt infer`` evaluates on ``gpus`` accelerators: the
    same layout (:func:`gigawatt.models.sizing.layout_for`), engine constants, KV dtype and step
    times (:class:`gigawatt.models.serving.Replica`)."""

    arch = model_architecture(model, catalog, field="inference.model")
    m = inf.model_shape(arch)
    h = inf.hardware_shape(accelerator_row)
    layout = sizing.layout_for(m, h, gpus)
    if layout is None:
        raise InputError(
            f"{model} cannot be laid out on {gpus} accelerators", where="inference.gpus_per_replica"
        )
    rep = sizing.replica(m, h, precision, engine, srv.ServingOptions(), layout)
    batch = np.arange(1, max_batch + 1, dtype=float)[None, :]
    ctx = np.array(_CONTEXT_GRID, dtype=float)[:, None]
    dec = np.broadcast_to(
        np.asarray(rep.decode_step(batch, ctx), dtype=float), (len(_CONTEXT_GRID), max_batch)
    )
    toks = np.geomspace(16, 262_144, 48)
    whole = np.broadcast_to(np.asarray(rep.prefill(toks), dtype=float), toks.shape)
    marginal = np.broadcast_to(np.asarray(rep.prefill(toks, batched=True), dtype=float), toks.shape)
    if not (np.all(np.isfinite(dec)) and np.all(np.isfinite(whole))):
        raise InputError(f"no {precision} peak for this accelerator", where="inference.precision")
    return ServingSpeed(
        tuple(tuple(r) for r in dec.tolist()),
        tuple(toks.tolist()),
        tuple(marginal.tolist()),
        tuple(np.maximum(whole - marginal, 0.0).tolist()),
        float(rep.engine.prefill_chunk_tokens),
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
