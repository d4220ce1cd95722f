"""Parallel-layout search: the fastest (TP, PP, DP, CP, EP, micro-batch, recompute, ZeRO)
that fits in memory, evaluated for all candidates at once with numpy.

Candidates: TP a power of two dividing the attention heads, at most the scale-up domain; PP a
power of two or a divisor of the layer count; CP a power of two up to 16 keeping >= 1,024 tokens
per rank; EP a power of two dividing the expert count and DP (MoE only); micro-batch 1..16;
recompute none/selective/full; ZeRO 1 (distributed optimizer), 2 or 3 (FSDP); interleaved
pipeline stages per GPU 1, 2 or 4 (when PP > 1). DP = count / (TP PP CP)
must be an integer and the global batch must split into whole micro-batches.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np

from gigawatt.models.train_memory import GIB, memory_per_gpu_bytes
from gigawatt.models.train_step import step_time_breakdown
from gigawatt.models.training import (
    DEFAULT_CONSTANTS,
    LayoutArrays,
    TrainHardware,
    TrainingConstants,
    TrainShape,
)

LAYOUT_FIELDS: tuple[str, ...] = ("tp", "pp", "dp", "cp", "ep", "mb", "recompute", "zero", "vpp")


@dataclass(frozen=True)
class LayoutFixed:
    """Layout values the user fixed (None = searched)."""

    tp: int | None = None
    pp: int | None = None
    dp: int | None = None
    cp: int | None = None
    ep: int | None = None
    mb: int | None = None
    recompute: int | None = None
    zero: int | None = None
    vpp: int | None = None


def _pow2_upto(n: int) -> list[int]:
    out, v = [], 1
    while v <= n:
        out.append(v)
        v *= 2
    return out


def candidate_values(shape: TrainShape, hw: TrainHardware, count: int) -> dict[str, list[int]]:
    """Values tried for each layout dimension (before the divisibility filters)."""
    layers = int(shape.layers)
    heads = int(shape.heads)
    tp = [t for t in _pow2_upto(min(hw.scale_up_domain_size, 64, count)) if heads % t == 0]
    pp = sorted(
        set(_pow2_upto(min(layers, count)))
        | {p for p in range(1, layers + 1) if layers % p == 0 and p <= count}
    )
    cp = [c for c in _pow2_upto(16) if shape.seq_len / c >= 1024] or [1]
    ep = [e for e in _pow2_upto(int(shape.experts)) if int(shape.experts) % e == 0] or [1]
    return {
        "tp": tp or [1],
        "pp": pp,
        "cp": cp,
        "ep": ep,
        "mb": [1, 2, 4, 8, 16],
        "recompute": [0, 1, 2],
        "zero": [1, 2, 3],
        "vpp": [1, 2, 4],
    }


def candidate_layouts(
    shape: TrainShape,
    hw: TrainHardware,
    count: int,
    global_batch_seqs: int,
    fixed: LayoutFixed | None = None,
) -> LayoutArrays:
    """All layouts satisfying the divisibility rules, as arrays (possibly empty)."""
    fixed = fixed or LayoutFixed()
    values = candidate_values(shape, hw, count)
    for name in values:
        v = getattr(fixed, name)
        if v is not None:
            values[name] = [v]
    grids = np.meshgrid(
        *[
            np.asarray(values[n], dtype=np.float64)
            for n in ("tp", "pp", "cp", "ep", "mb", "recompute", "zero", "vpp")
        ],
        indexing="ij",
    )
    tp, pp, cp, ep, mb, rc, zero, vpp = (g.ravel() for g in grids)
    dp = count / (tp * pp * cp)
    ok = (dp == np.floor(dp)) & (dp >= 1)
    if fixed.dp is not None:
        ok &= dp == fixed.dp
    per_step = np.where(ok, dp * mb, 1.0)
    ok &= (global_batch_seqs % per_step == 0) & (global_batch_seqs >= per_step)
    ok &= (dp * cp) % ep == 0
    ok &= (shape.layers / pp >= 1) & (vpp * pp <= shape.layers) & ((vpp == 1) | (pp > 1))
    idx = np.flatnonzero(ok)
    return LayoutArrays.of(
        tp=tp[idx],
        pp=pp[idx],
        dp=dp[idx],
        cp=cp[idx],
        ep=ep[idx],
        mb=mb[idx],
        recompute=rc[idx],
        zero=zero[idx],
        vpp=vpp[idx],
    )


def evaluate_layouts(
    shape: TrainShape,
    hw: TrainHardware,
    lay: LayoutArrays,
    global_batch_seqs: float,
    precision: str = "bf16",
    finetune: str = "full",
    lora_rank: int = 16,
    c: TrainingConstants = DEFAULT_CONSTANTS,
) -> dict[str, Any]:
    """Step time, memory and fit of every layout (arrays); memory in GiB."""
    times = step_time_breakdown(shape, hw, lay, global_batch_seqs, c, finetune, lora_rank)
    mem = memory_per_gpu_bytes(shape, lay, times["microbatches"], precision, finetune, lora_rank)
    mem_gib = mem["total"] / GIB
    fits = mem_gib <= hw.memory_gib * c.memory_usable_fraction
    return {
        **times,
        "memory_gib": mem_gib,
        "memory_parts_gib": {k: v / GIB for k, v in mem.items() if k != "total"},
        "fits": fits,
    }


@dataclass(frozen=True)
class SearchResult:
    """Best layout of a search: index into ``layouts``; ``best`` is None when nothing fits."""

    layouts: LayoutArrays
    evaluated: dict[str, Any]
    best: int | None
    smallest_memory: int | None

    def layout(self, i: int) -> dict[str, int]:
        """Layout ``i`` as a plain dict of ints."""
        return {f: int(getattr(self.layouts, f)[i]) for f in LAYOUT_FIELDS}


def search_layouts(
    shape: TrainShape,
    hw: TrainHardware,
    count: int,
    global_batch_seqs: int,
    precision: str = "bf16",
    finetune: str = "full",
    lora_rank: int = 16,
    c: TrainingConstants = DEFAULT_CONSTANTS,
    fixed: LayoutFixed | None = None,
) -> SearchResult:
    """Vectorised search: the fitting layout with the shortest step (ties: less memory)."""
    lay = candidate_layouts(shape, hw, count, global_batch_seqs, fixed)
    if len(lay) == 0:
        return SearchResult(lay, {}, None, None)
    ev = evaluate_layouts(shape, hw, lay, global_batch_seqs, precision, finetune, lora_rank, c)
    smallest = int(np.argmin(ev["memory_gib"]))
    if not ev["fits"].any():
        return SearchResult(lay, ev, None, smallest)
    score = np.where(ev["fits"], ev["step_time_s"] * (1.0 + 1e-9 * ev["memory_gib"]), np.inf)
    return SearchResult(lay, ev, int(np.argmin(score)), smallest)


def search_layouts_naive(
    shape: TrainShape,
    hw: TrainHardware,
    count: int,
    global_batch_seqs: int,
    precision: str = "bf16",
    c: TrainingConstants = DEFAULT_CONSTANTS,
) -> tuple[dict[str, int] | None, float]:
    """Reference search: one Python call per configuration (for the benchmark and tests)."""
    values = candidate_values(shape, hw, count)
    best: dict[str, int] | None = None
    best_t = float("inf")
    for tp, pp, cp, ep, mb, rc, zero, vpp in itertools.product(
        *[values[n] for n in ("tp", "pp", "cp", "ep", "mb", "recompute", "zero", "vpp")]
    ):
        if count % (tp * pp * cp):
            continue
        dp = count // (tp * pp * cp)
        if (
            global_batch_seqs % (dp * mb)
            or (dp * cp) % ep
            or vpp * pp > shape.layers
            or (vpp > 1 and pp == 1)
        ):
            continue
        lay = LayoutArrays.of(
            tp=tp, pp=pp, dp=dp, cp=cp, ep=ep, mb=mb, recompute=rc, zero=zero, vpp=vpp
        )
        ev = evaluate_layouts(shape, hw, lay, global_batch_seqs, precision, c=c)
        t = float(ev["step_time_s"][0])
        if bool(ev["fits"][0]) and t < best_t:
            best_t = t
            best = {
                "tp": tp,
                "pp": pp,
                "dp": dp,
                "cp": cp,
                "ep": ep,
                "mb": mb,
                "recompute": rc,
                "zero": zero,
                "vpp": vpp,
            }
    return best, best_t
