"""Training step time: the time of one optimizer step for every candidate parallel layout.

Step time of one pipeline (Megatron-style 1F1B schedule, Narayanan et al. 2021,
arXiv:2104.04473):
    t_step = (m + (pp - 1) / v) * t_microbatch_stage + exposed DP + optimizer
    t_microbatch_stage = matmul (roofline per GEMM shape) + element-wise (memory bound)
                         + exposed TP, CP, EP and pipeline point-to-point communication.
Matmul time of a GEMM ``M x K x N`` is ``max(2MKN / (peak * eta), bytes / bandwidth)`` (a
roofline whose efficiency falls for small GEMMs); ``eta`` and the element-wise traffic are the
calibrated constants of :class:`~gigawatt.models.training.TrainingConstants`. Inputs (shape,
hardware, layouts) are in :mod:`gigawatt.models.training`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gigawatt.models.network import allgather_time_s, allreduce_time_s, alltoall_time_s, p2p_time_s
from gigawatt.models.training import (
    DEFAULT_CONSTANTS,
    LayoutArrays,
    TrainHardware,
    TrainingConstants,
    TrainShape,
    trainable_params_per_gpu,
)

# ------------------------------------------------------------------------------------------
# compute
# ------------------------------------------------------------------------------------------


def gemm_time_s(
    m: Any, k: float, n: Any, flops_per_s: float, bytes_per_s: float, bytes_per_element: float
) -> Any:
    """Roofline time (s) of one ``m x k`` by ``k x n`` GEMM: max(compute, memory traffic)."""
    compute = 2.0 * m * k * n / flops_per_s
    memory = bytes_per_element * (m * k + k * n + m * n) / bytes_per_s
    return np.maximum(compute, memory)


def matmul_time_per_layer_s(
    shape: TrainShape,
    hw: TrainHardware,
    tokens: Any,
    tp: Any,
    ep: Any,
    moe: bool,
    c: TrainingConstants,
) -> Any:
    """Forward matmul time (s) of one decoder layer for ``tokens`` tokens on one GPU."""
    fps = hw.peak_tflops * 1e12 * c.matmul_efficiency
    bps = hw.memory_bandwidth_gb_per_s * 1e9
    b = hw.bytes_per_element
    h = shape.hidden
    up = 2.0 if shape.gated else 1.0
    t = gemm_time_s(tokens, h, (shape.attn_width + shape.kv_width) / tp, fps, bps, b)
    t = t + gemm_time_s(tokens, shape.attn_width / tp, h, fps, bps, b)
    # attention core: QK^T and AV; s x d per head, counted like GEMMs at full efficiency
    t = t + 4.0 * tokens * shape.seq_len * shape.attn_width / tp / fps
    if not moe:
        f = shape.ffn_dense
        return (
            t
            + gemm_time_s(tokens, h, up * f / tp, fps, bps, b)
            + gemm_time_s(tokens, f / tp, h, fps, bps, b)
        )
    if shape.shared_ffn:
        f = shape.shared_ffn
        t = (
            t
            + gemm_time_s(tokens, h, up * f / tp, fps, bps, b)
            + gemm_time_s(tokens, f / tp, h, fps, bps, b)
        )
    local_experts = shape.experts / ep
    per_expert = tokens * shape.top_k / shape.experts * ep
    f = shape.ffn_expert
    t_e = gemm_time_s(per_expert, h, up * f / tp, fps, bps, b) + gemm_time_s(
        per_expert, f / tp, h, fps, bps, b
    )
    return t + local_experts * t_e


def elementwise_time_per_layer_s(
    shape: TrainShape, hw: TrainHardware, tokens: Any, tp: Any, c: TrainingConstants
) -> Any:
    """Forward+backward time (s) of memory-bound ops of one layer (norms, activations, ...)."""
    width = shape.hidden + (shape.ffn_dense or shape.ffn_expert * shape.top_k)
    return c.elementwise_passes * tokens * width * 2.0 / tp / (hw.memory_bandwidth_gb_per_s * 1e9)


# ------------------------------------------------------------------------------------------
# communication
# ------------------------------------------------------------------------------------------


def _link(hw: TrainHardware, group_span: Any, c: TrainingConstants) -> tuple[Any, Any]:
    """(bandwidth GB/s, latency s) of a collective whose ranks span ``group_span`` GPUs.

    Inside the scale-up domain (NVLink, NVL72, ICI ...) it runs at the scale-up bandwidth,
    otherwise at the per-accelerator scale-out bandwidth divided by the oversubscription.
    """
    inside = np.asarray(group_span) <= hw.scale_up_domain_size
    bw = (
        np.where(
            inside,
            hw.scale_up_bandwidth_gb_per_s,
            hw.scale_out_bandwidth_gb_per_s / c.oversubscription,
        )
        * c.collective_efficiency
    )
    lat = np.where(inside, c.scale_up_latency_s, c.scale_out_latency_s)
    return bw, lat


def tp_comm_per_layer_s(
    shape: TrainShape, hw: TrainHardware, tokens: Any, lay: LayoutArrays, c: TrainingConstants
) -> Any:
    """Exposed tensor-parallel collective time (s) of one layer, forward+backward(+recompute).

    Sequence parallel: 2 all-gathers + 2 reduce-scatters forward and backward, the volume of
    4 all-reduces of ``tokens * h * 2`` bytes (Korthikanti et al. 2022); full recompute adds
    the forward ones again.
    """
    bw, lat = _link(hw, lay.tp, c)
    calls = np.where(lay.recompute >= 2, 6.0, 4.0)
    size = tokens * shape.hidden * 2.0
    return (1.0 - c.tp_overlap) * calls * allreduce_time_s(size, lay.tp, bw, lat)


def cp_comm_per_layer_s(
    shape: TrainShape, hw: TrainHardware, tokens: Any, lay: LayoutArrays, c: TrainingConstants
) -> Any:
    """Exposed context-parallel (ring attention) KV exchange of one layer (s)."""
    bw, lat = _link(hw, lay.tp * lay.cp, c)
    size = tokens * lay.cp * shape.kv_width * 2.0 / lay.tp
    return (1.0 - c.cp_overlap) * 3.0 * allgather_time_s(size, lay.cp, bw, lat)


def ep_comm_per_layer_s(
    shape: TrainShape, hw: TrainHardware, tokens: Any, lay: LayoutArrays, c: TrainingConstants
) -> Any:
    """Expert-parallel all-to-all time of one MoE layer: dispatch + combine, fwd + bwd (s)."""
    bw, lat = _link(hw, lay.tp * lay.ep, c)
    size = tokens * shape.top_k * shape.hidden * 2.0 / lay.tp
    return 4.0 * alltoall_time_s(size, lay.ep, bw, lat)


def pp_p2p_per_microbatch_s(
    shape: TrainShape, hw: TrainHardware, tokens: Any, lay: LayoutArrays, c: TrainingConstants
) -> Any:
    """Pipeline point-to-point time per micro-batch and stage: activations out, grads back (s)."""
    bw, lat = _link(hw, lay.tp * lay.cp * lay.pp, c)
    size = tokens * shape.hidden * 2.0 / lay.tp
    return np.where(lay.pp > 1, 2.0 * lay.vpp * p2p_time_s(size, bw, lat), 0.0)


def dp_comm_s(
    shape: TrainShape,
    hw: TrainHardware,
    lay: LayoutArrays,
    microbatches: Any,
    finetune: str,
    lora_rank: int,
    c: TrainingConstants,
) -> Any:
    """Gradient synchronisation time (s) per step over the data-parallel group (not overlapped).

    ZeRO-1/2: reduce-scatter gradients + all-gather weights (all-reduce volume, bf16);
    ZeRO-3/FSDP: weights are all-gathered again for forward and backward of every micro-batch.
    """
    dense, expert = trainable_params_per_gpu(shape, lay, finetune, lora_rank)
    n_dense = lay.dp * lay.cp
    n_exp = np.maximum(n_dense / lay.ep, 1.0)
    world = lay.tp * lay.pp * lay.dp * lay.cp
    bw, lat = _link(hw, world, c)
    g = c.grad_reduce_bytes
    t = allreduce_time_s(dense * g, n_dense, bw, lat) + allreduce_time_s(expert * g, n_exp, bw, lat)
    gather = (
        2.0
        * microbatches
        * (
            allgather_time_s(dense * 2.0, n_dense, bw, lat)
            + allgather_time_s(expert * 2.0, n_exp, bw, lat)
        )
    )
    return np.where(lay.zero >= 3, t * 0.5 + gather, t)


def optimizer_step_s(
    shape: TrainShape, hw: TrainHardware, lay: LayoutArrays, finetune: str, lora_rank: int
) -> Any:
    """Adam update time (s): ~32 bytes of state traffic per local trainable parameter."""
    dense, expert = trainable_params_per_gpu(shape, lay, finetune, lora_rank)
    shard = lay.dp * lay.cp
    local = dense / shard + expert / np.maximum(shard / lay.ep, 1.0)
    local = np.where(lay.zero >= 1, local, dense + expert)
    return local * 32.0 / (hw.memory_bandwidth_gb_per_s * 1e9)


# ------------------------------------------------------------------------------------------
# step time
# ------------------------------------------------------------------------------------------


def microbatch_compute_s(
    shape: TrainShape, hw: TrainHardware, lay: LayoutArrays, finetune: str, c: TrainingConstants
) -> Any:
    """Compute time (s) of one micro-batch on the slowest pipeline stage, fwd + bwd + recompute."""
    tokens = lay.mb * shape.seq_len / lay.cp
    per_stage = np.ceil(shape.layers / (lay.pp * lay.vpp)) * lay.vpp
    moe_share = shape.moe_layers / shape.layers
    fwd = (
        per_stage
        * (1.0 - moe_share)
        * matmul_time_per_layer_s(shape, hw, tokens, lay.tp, lay.ep, False, c)
    )
    if shape.is_moe:
        fwd = fwd + per_stage * moe_share * matmul_time_per_layer_s(
            shape, hw, tokens, lay.tp, lay.ep, True, c
        )
    passes = 2.0 if finetune in ("lora", "qlora") else 3.0
    attn_core = (
        per_stage
        * 4.0
        * tokens
        * shape.seq_len
        * shape.attn_width
        / lay.tp
        / (hw.peak_tflops * 1e12 * c.matmul_efficiency)
    )
    recompute = np.where(lay.recompute >= 2, fwd, np.where(lay.recompute >= 1, attn_core, 0.0))
    fps = hw.peak_tflops * 1e12 * c.matmul_efficiency
    head = 3.0 * gemm_time_s(
        tokens,
        shape.hidden,
        shape.vocab / lay.tp,
        fps,
        hw.memory_bandwidth_gb_per_s * 1e9,
        hw.bytes_per_element,
    )
    elem = per_stage * elementwise_time_per_layer_s(shape, hw, tokens, lay.tp, c)
    elem = elem * np.where(lay.recompute >= 2, 4.0 / 3.0, 1.0)
    dequant: Any = 0.0
    if finetune == "qlora":
        local = shape.params_total / (lay.tp * lay.pp)
        dequant = 3.0 * local * 2.5 / (hw.memory_bandwidth_gb_per_s * 1e9)
    return passes * fwd + recompute + head + elem + dequant


def step_time_breakdown(
    shape: TrainShape,
    hw: TrainHardware,
    lay: LayoutArrays,
    global_batch_seqs: float,
    c: TrainingConstants = DEFAULT_CONSTANTS,
    finetune: str = "full",
    lora_rank: int = 16,
) -> dict[str, Any]:
    """Time (s) of one optimizer step and its parts, for every layout in ``lay``.

    Keys: ``step_time_s``, ``compute_s`` (pipeline busy time on compute), ``bubble_s``,
    ``tp_s``, ``cp_s``, ``ep_s``, ``pp_p2p_s``, ``dp_exposed_s``, ``optimizer_s`` and
    ``microbatches`` (per pipeline per step).
    """
    tokens = lay.mb * shape.seq_len / lay.cp
    m = global_batch_seqs / (lay.dp * lay.mb)
    per_stage = np.ceil(shape.layers / (lay.pp * lay.vpp)) * lay.vpp
    moe_stage = per_stage * shape.moe_layers / shape.layers
    compute = microbatch_compute_s(shape, hw, lay, finetune, c)
    tp = per_stage * tp_comm_per_layer_s(shape, hw, tokens, lay, c)
    cp = per_stage * cp_comm_per_layer_s(shape, hw, tokens, lay, c)
    ep = moe_stage * ep_comm_per_layer_s(shape, hw, tokens, lay, c) if shape.is_moe else 0.0 * tp
    p2p = pp_p2p_per_microbatch_s(shape, hw, tokens, lay, c)
    t_mb = compute + tp + cp + ep + p2p
    slots = m + (lay.pp - 1.0) / lay.vpp
    dp = dp_comm_s(shape, hw, lay, m, finetune, lora_rank, c)
    window = np.where(lay.zero >= 3, m * compute, compute * 2.0 / 3.0)
    dp_exposed = np.maximum(0.0, dp - c.dp_overlap * window)
    opt = optimizer_step_s(shape, hw, lay, finetune, lora_rank)
    step = slots * t_mb + dp_exposed + opt
    return {
        "step_time_s": step,
        "compute_s": m * compute,
        "bubble_s": (lay.pp - 1.0) / lay.vpp * t_mb,
        "tp_s": m * tp,
        "cp_s": m * cp,
        "ep_s": m * ep,
        "pp_p2p_s": m * p2p,
        "dp_exposed_s": dp_exposed,
        "optimizer_s": opt,
        "microbatches": m,
    }
