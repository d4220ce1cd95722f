"""The answer of a training plan (:class:`TrainResult`) and how one searched layout fills it.

Time-to-train with failures follows :func:`gigawatt.models.reliability.goodput`; MFU and HFU
follow :func:`gigawatt.models.training.model_flops_per_token` and
:func:`~gigawatt.models.training.hardware_flops_per_token`.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from gigawatt.models.layout import SearchResult
from gigawatt.models.reliability import ReliabilityConstants, goodput
from gigawatt.models.training import (
    RECOMPUTE_CODES,
    TrainHardware,
    TrainShape,
    hardware_flops_per_token,
    model_flops_per_token,
)

STEP_PARTS: tuple[str, ...] = (
    "compute_s",
    "bubble_s",
    "tp_s",
    "cp_s",
    "ep_s",
    "pp_p2p_s",
    "dp_exposed_s",
    "optimizer_s",
)
_RECOMPUTE_NAMES = {v: k for k, v in RECOMPUTE_CODES.items()}


@dataclass
class TrainResult:
    """Answer of :func:`gigawatt.evaluate.training.plan_training` (units in the names; None
    where nothing fits)."""

    model: str
    accelerator: str
    count: int
    tokens: float
    precision: str
    finetune: str
    seq_len: int
    global_batch_tokens: int
    fits: bool
    smallest_count_that_fits: int | None
    time_to_train_days: float | None = None
    time_to_train_days_ideal: float | None = None
    gpu_hours: float | None = None
    gpu_hours_ideal: float | None = None
    tokens_per_s: float | None = None
    tokens_per_s_per_gpu: float | None = None
    step_time_s: float | None = None
    steps: float | None = None
    mfu: float | None = None
    hfu: float | None = None
    achieved_tflops_per_gpu: float | None = None
    peak_tflops_per_gpu: float | None = None
    model_flops_per_token: float | None = None
    total_model_flops: float | None = None
    memory_per_gpu_gib: float | None = None
    memory_capacity_gib: float | None = None
    memory_breakdown_gib: dict[str, float] = field(default_factory=dict)
    layout: dict[str, Any] = field(default_factory=dict)
    step_breakdown_s: dict[str, float] = field(default_factory=dict)
    checkpoint_interval_s: float | None = None
    checkpoint_write_s: float | None = None
    mtbi_h: float | None = None
    expected_interruptions: float | None = None
    goodput: float | None = None
    assumptions: list[str] = field(default_factory=list)
    # energy, carbon, water and cost of the run when asked for (keys of job_footprint)
    footprint: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (infinite values become None); footprint keys follow the plan's."""
        plan = {
            k: (None if isinstance(v, float) and not math.isfinite(v) else v)
            for k, v in asdict(self).items()
            if k != "footprint"
        }
        return plan | self.footprint


def layout_dict(res: SearchResult, i: int) -> dict[str, Any]:
    """Layout ``i`` with the recompute mode by name and the micro-batches per step."""
    lay: dict[str, Any] = res.layout(i)
    lay["recompute"] = _RECOMPUTE_NAMES[int(lay["recompute"])]
    lay["microbatches_per_step"] = int(res.evaluated["microbatches"][i])
    return lay


def fill_fitting(
    r: TrainResult,
    shape: TrainShape,
    hw: TrainHardware,
    res: SearchResult,
    i: int,
    *,
    finetune: str,
    lora_rank: int,
    reliability: ReliabilityConstants,
) -> TrainResult:
    """Throughput, FLOPs, memory and time-to-train (with failures) of layout ``i`` into ``r``."""
    r.layout = layout_dict(res, i)
    tokens_per_s = _fill_throughput(r, shape, hw, res, i, finetune)
    fill_memory(r, res, i)
    r.memory_capacity_gib = hw.memory_gib
    _fill_time_to_train(r, r.tokens / tokens_per_s, shape, hw, finetune, lora_rank, reliability)
    return r


def _fill_throughput(
    r: TrainResult, shape: TrainShape, hw: TrainHardware, res: SearchResult, i: int, finetune: str
) -> float:
    """Step time and its parts, tokens/s, FLOPs, MFU and HFU of layout ``i``; returns tokens/s."""
    ev = res.evaluated
    step = float(ev["step_time_s"][i])
    r.step_time_s = step
    r.tokens_per_s = r.global_batch_tokens / step
    r.tokens_per_s_per_gpu = r.tokens_per_s / r.count
    r.steps = r.tokens / r.global_batch_tokens
    mf = model_flops_per_token(shape, finetune)
    hf = float(hardware_flops_per_token(shape, res.layouts.recompute[i], finetune))
    r.model_flops_per_token = mf
    r.total_model_flops = mf * r.tokens
    r.peak_tflops_per_gpu = hw.peak_tflops
    r.achieved_tflops_per_gpu = mf * r.tokens_per_s_per_gpu / 1e12
    r.mfu = r.achieved_tflops_per_gpu / hw.peak_tflops
    r.hfu = hf * r.tokens_per_s_per_gpu / 1e12 / hw.peak_tflops
    r.step_breakdown_s = {k: float(ev[k][i]) for k in STEP_PARTS}
    return r.tokens_per_s


def fill_memory(r: TrainResult, res: SearchResult, i: int) -> None:
    """Memory per GPU (GiB) of layout ``i`` and its parts."""
    ev = res.evaluated
    r.memory_per_gpu_gib = float(ev["memory_gib"][i])
    r.memory_breakdown_gib = {k: float(v[i]) for k, v in ev["memory_parts_gib"].items()}


def checkpoint_bytes(
    shape: TrainShape, finetune: str, lora_rank: int, reliability: ReliabilityConstants
) -> float:
    """Bytes of one checkpoint: the trained weights (all, or the adapters) x bytes per weight."""
    trainable = (
        shape.params_total if finetune == "full" else (shape.lora_params_per_rank * lora_rank)
    )
    return float(trainable * reliability.checkpoint_bytes_per_param)


def _fill_time_to_train(
    r: TrainResult,
    ideal_s: float,
    shape: TrainShape,
    hw: TrainHardware,
    finetune: str,
    lora_rank: int,
    reliability: ReliabilityConstants,
) -> None:
    """Ideal (``ideal_s``, s) and expected (failures, restarts, checkpoints) time and
    accelerator-hours."""
    state_bytes = checkpoint_bytes(shape, finetune, lora_rank, reliability)
    g = goodput(ideal_s, r.count, hw.accelerators_per_node, state_bytes, reliability)
    r.time_to_train_days_ideal = ideal_s / 86400.0
    r.time_to_train_days = g.wall_clock_s / 86400.0
    r.gpu_hours_ideal = ideal_s / 3600.0 * r.count
    r.gpu_hours = g.wall_clock_s / 3600.0 * r.count
    r.checkpoint_interval_s = g.checkpoint_interval_s
    r.checkpoint_write_s = g.checkpoint_write_s
    r.mtbi_h = g.mtbi_s / 3600.0
    r.expected_interruptions = g.expected_interruptions
    r.goodput = g.goodput
