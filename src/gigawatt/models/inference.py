"""Inference performance model: prefill time and decode step time of a transformer replica.

Everything here is a pure, vectorised function of numpy arrays (or floats) over the shapes,
precisions, engine constants and memory of :mod:`gigawatt.models.inference_shapes` (whose public
names this module re-exports, so ``from gigawatt.models import inference as inf`` reaches the
whole inference model). All arguments broadcast, so 100,000 configurations are one call.

Formulas (documented with references in ``docs/models/inference.md``):

- Decode step (one token for each of ``B`` sequences): roofline ``max(bytes / (BW * e_bw),
  flops / (peak * e_dec))`` + per-layer engine overhead + TP all-reduce and EP all-to-all time
  (:mod:`gigawatt.models.network`). MoE expert weights are read for the experts the batch
  touches: ``E * (1 - (1 - k/E)^B)`` of ``E`` experts per layer.
- Prefill of ``S`` tokens: GEMM flops at the precision's peak plus causal attention (``~S^2/2``,
  MLA in its expanded per-head form) at the 16-bit peak, divided by ``e_pre``; at least the
  weight read time (all routed experts), plus overhead and TP/EP communication.

Units: times in seconds, sizes in bytes, bandwidths in decimal GB/s, peaks in TFLOPS.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from gigawatt.models import network
from gigawatt.models.inference_shapes import (
    ACTIVATION_RESERVE_GIB,
    COMPUTE_PRECISION,
    ENGINE_NAMES,
    ENGINES,
    GIB,
    INFERENCE_PRECISIONS,
    MEMORY_UTILISATION,
    PAGE_TOKENS,
    SCALE_OUT_GB_PER_S,
    WEIGHT_BYTES,
    EngineConstants,
    HardwareShape,
    ModelShape,
    default_kv_bytes,
    engine_constants,
    hardware_shape,
    kv_budget_bytes,
    kv_bytes_per_token_device,
    max_concurrent_sequences,
    model_shape,
    paged_tokens,
    precision_codes,
    stack_hardware,
    stack_models,
    weight_bytes_per_device,
    weight_bytes_total,
)

__all__ = [
    "ACTIVATION_RESERVE_GIB",
    "COMPUTE_PRECISION",
    "ENGINES",
    "ENGINE_NAMES",
    "GIB",
    "INFERENCE_PRECISIONS",
    "MEMORY_UTILISATION",
    "PAGE_TOKENS",
    "SCALE_OUT_GB_PER_S",
    "WEIGHT_BYTES",
    "EngineConstants",
    "HardwareShape",
    "ModelShape",
    "communication_time_s",
    "decode_step_time_s",
    "default_kv_bytes",
    "engine_constants",
    "hardware_shape",
    "kv_budget_bytes",
    "kv_bytes_per_token_device",
    "max_concurrent_sequences",
    "model_shape",
    "paged_tokens",
    "pipeline_time_s",
    "precision_codes",
    "prefill_time_s",
    "stack_hardware",
    "stack_models",
    "weight_bytes_per_device",
    "weight_bytes_total",
]


def _link_bw(h: HardwareShape, n: Any) -> Any:
    """Per-rank bandwidth (GB/s) for a collective over ``n`` ranks of one replica."""
    inside = np.asarray(n) <= np.asarray(h.domain_size)
    bw = np.where(inside, h.scale_up_gb_per_s, SCALE_OUT_GB_PER_S)
    return np.where(bw > 0, bw, np.nan)


def communication_time_s(
    m: ModelShape,
    h: HardwareShape,
    tokens: ArrayLike,
    tp: ArrayLike,
    ep: ArrayLike,
    n: ArrayLike,
    alpha_s: float,
) -> Any:
    """TP all-reduces (two per layer) and EP all-to-alls (dispatch + combine per MoE layer).

    ``tokens`` are the tokens of one attention group in this forward pass; activations are
    16-bit (2 bytes per element).
    """
    tp_a = np.asarray(tp, dtype=float)
    ep_a = np.asarray(ep, dtype=float)
    bw = _link_bw(h, n)
    act = np.asarray(tokens, dtype=float) * m.hidden * 2.0
    ar = network.allreduce_time_s(act, tp_a, np.where(tp_a > 1, bw, 1.0), alpha_s)
    t_tp = np.where(tp_a > 1, 2.0 * np.asarray(m.layers) * ar, 0.0)
    # tokens are spread over the tp ranks for dispatch: each rank sends its share, k copies
    a2a = network.alltoall_time_s(
        act * m.experts_per_token / tp_a, ep_a, np.where(ep_a > 1, bw, 1.0), alpha_s
    )
    t_ep = np.where(ep_a > 1, 2.0 * np.asarray(m.moe_layers) * a2a, 0.0)
    return t_tp + t_ep


def decode_step_time_s(
    m: ModelShape,
    h: HardwareShape,
    weight_bytes: ArrayLike,
    compute_code: ArrayLike,
    kv_bytes: ArrayLike,
    tp: ArrayLike,
    ep: ArrayLike,
    dp: ArrayLike,
    batch: ArrayLike,
    context: ArrayLike,
    eng: EngineConstants,
    *,
    pp: ArrayLike = 1.0,
) -> Any:
    """Time (s) of one decode step of ``batch`` sequences (whole replica) at mean ``context``.

    A pipeline stage has ``n = tp * dp`` devices: attention is ``tp``-way tensor parallel in
    ``dp`` data-parallel groups; experts are spread over ``ep`` groups of ``n / ep`` tensor
    slices. With ``pp`` stages the batch runs as ``pp`` micro-batches of ``batch / pp``: every
    stage reads its weights once per micro-batch, so a step costs what a single stage holding all
    layers would spend on ``batch / pp`` sequences, plus ``pp - 1`` activation transfers.
    """
    tp_a, dp_a = np.asarray(tp, dtype=float), np.asarray(dp, dtype=float)
    pp_a = np.asarray(pp, dtype=float)
    n = tp_a * dp_a
    b = np.maximum(np.asarray(batch, dtype=float), 1.0) / pp_a
    wb = np.asarray(weight_bytes)
    # bytes one device reads per step
    dense = (np.asarray(m.dense_params) * wb + 2.0 * np.asarray(m.head_params)) / tp_a
    experts = np.asarray(m.experts)
    safe_e = np.maximum(experts, 1.0)
    touched = 1.0 - (1.0 - np.asarray(m.experts_per_token) / safe_e) ** b
    expert_bytes = np.asarray(m.moe_layers) * experts * touched * m.expert_params * wb / n
    kv = (b / dp_a) * np.asarray(context) * kv_bytes_per_token_device(m, kv_bytes, tp_a)
    t_mem = (dense + expert_bytes + kv) / (np.asarray(h.memory_bw_gb_per_s) * 1e9 * eng.bw_eff)
    # flops one device does per step
    group_tokens = b / dp_a
    flops = (
        2.0 * group_tokens * (np.asarray(m.dense_params) + m.head_params) / tp_a
        + 2.0 * b * m.experts_per_token * m.moe_layers * m.expert_params / n
        + 2.0 * group_tokens * m.layers * m.attn_width * np.asarray(context) / tp_a
    )
    peak = h.peak_tflops(compute_code) * 1e12
    t_flop = flops / (peak * eng.decode_eff)
    comm = communication_time_s(m, h, group_tokens, tp_a, ep, n, eng.collective_latency_s)
    comm = comm + pipeline_time_s(m, h, group_tokens, n, pp_a, eng.collective_latency_s)
    return np.maximum(t_mem, t_flop) + comm + np.asarray(m.layers) * eng.layer_overhead_s


def pipeline_time_s(
    m: ModelShape,
    h: HardwareShape,
    tokens: ArrayLike,
    n: ArrayLike,
    pp: ArrayLike,
    alpha_s: float,
) -> Any:
    """Point-to-point activation transfers (16-bit) across the ``pp - 1`` stage boundaries."""
    pp_a = np.asarray(pp, dtype=float)
    bw = _link_bw(h, np.asarray(n, dtype=float) * pp_a)
    size = np.asarray(tokens, dtype=float) * m.hidden * 2.0
    t = network.p2p_time_s(size, np.where(pp_a > 1, bw, 1.0), alpha_s)
    return np.where(pp_a > 1, (pp_a - 1.0) * t, 0.0)


def prefill_time_s(
    m: ModelShape,
    h: HardwareShape,
    weight_bytes: ArrayLike,
    compute_code: ArrayLike,
    tp: ArrayLike,
    ep: ArrayLike,
    dp: ArrayLike,
    tokens: ArrayLike,
    eng: EngineConstants,
    *,
    batched: bool = False,
    pp: ArrayLike = 1.0,
) -> Any:
    """Time (s) to prefill one prompt of ``tokens`` tokens on a replica (causal attention).

    The prompt runs in one attention group (``tp`` devices); its MoE layers use all ``n``.
    ``batched=True`` gives the marginal cost of the prompt when it shares forward steps with
    other work (continuous batching): compute and communication only, since the weight read and
    the per-step overhead are paid by the step anyway. A prompt crosses the ``pp`` stages one
    after the other (same compute time, plus transfers); batched prompts keep all stages busy,
    so their marginal cost is divided by ``pp``.
    """
    pp_a = np.asarray(pp, dtype=float)
    tp_a, dp_a = np.asarray(tp, dtype=float), np.asarray(dp, dtype=float)
    n = tp_a * dp_a
    s = np.maximum(np.asarray(tokens, dtype=float), 1.0)
    gemm = (
        2.0 * s * np.asarray(m.dense_params) / tp_a
        + 2.0 * s * m.experts_per_token * m.moe_layers * m.expert_params / n
        + 2.0 * m.head_params / tp_a
    )
    # causal attention core (QK^T and PV, half the S x S scores): in 16-bit (FlashAttention-
    # style kernels run it at the bf16 peak even when the weights are fp8/fp4)
    attention = s * s * np.asarray(m.layers) * m.prefill_attn_width / tp_a
    peak = h.peak_tflops(compute_code) * 1e12
    t_flop = (gemm / peak + attention / (np.asarray(h.peak_bf16_tflops) * 1e12)) / eng.prefill_eff
    wb = np.asarray(weight_bytes)
    read = (
        np.asarray(m.dense_params) * wb / tp_a
        + np.asarray(m.moe_layers) * m.experts * m.expert_params * wb / n
    )
    t_mem = read / (np.asarray(h.memory_bw_gb_per_s) * 1e9 * eng.bw_eff)
    comm = communication_time_s(m, h, s, tp_a, ep, n, eng.collective_latency_s)
    if batched:
        return (t_flop + comm) / pp_a
    comm = comm + pipeline_time_s(m, h, s, n, pp_a, eng.collective_latency_s)
    return np.maximum(t_flop, t_mem) + comm + np.asarray(m.layers) * eng.layer_overhead_s
