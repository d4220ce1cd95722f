"""Inputs of the inference model: precisions, engine constants, model and hardware shapes, and
memory (weights, KV cache) of a transformer replica.

Everything here is a pure, vectorised function of numpy arrays (or floats): a *model shape*
(:class:`ModelShape`, counts taken from a :class:`~gigawatt.models.architecture.ModelArchitecture`),
a *hardware shape* (:class:`HardwareShape`, catalog figures), a precision and a layout (tensor /
expert / data / pipeline parallel sizes). All arguments broadcast. Step times built on these are in
:mod:`gigawatt.models.inference`, which re-exports every public name of this module.

Formulas (documented with references in ``docs/models/inference.md``):

- Weights: ``params * bytes_per_weight``; embeddings and output head stay in 16-bit. NVFP4 adds
  one FP8 scale per 16 weights (0.5625 B/weight) and INT4/AWQ one FP16 scale and zero per group
  of 128 (0.53125 B/weight).
- KV cache per token: ``2 * layers * kv_heads * head_dim * bytes`` (MHA/GQA/MQA) or
  ``layers * (kv_lora_rank + rope_dim) * bytes`` (MLA); tensor parallelism splits it over
  ``min(tp, kv_heads)`` ranks (MLA latents are replicated); paged in blocks of 16 tokens.

Units: sizes in bytes unless a name says GiB, bandwidths in decimal GB/s, peaks in TFLOPS.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any, TypeVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gigawatt.errors import InputError
from gigawatt.models.architecture import ModelArchitecture, kv_cache_bytes_per_token
from gigawatt.models.params import ffn_params, parameter_counts

F64 = NDArray[np.float64]
GIB = float(2**30)

#: Stored bytes per weight, scales included (see module docstring).
WEIGHT_BYTES: dict[str, float] = {
    "fp32": 4.0,
    "bf16": 2.0,
    "fp16": 2.0,
    "fp8": 1.0,
    "int8": 1.0,
    "int4": 0.53125,
    "fp4": 0.5625,
}
#: Precision whose tensor-core peak applies to the matmuls (weight-only int4/int8 run in 16-bit).
COMPUTE_PRECISION: dict[str, str] = {
    "fp32": "bf16",
    "bf16": "bf16",
    "fp16": "bf16",
    "fp8": "fp8",
    "int8": "bf16",
    "int4": "bf16",
    "fp4": "fp4",
}
INFERENCE_PRECISIONS: tuple[str, ...] = ("bf16", "fp16", "fp8", "int8", "int4", "fp4")
PAGE_TOKENS = 16  #: paged-attention block size (vLLM / TRT-LLM default), tokens
MEMORY_UTILISATION = 0.90  #: share of device memory the engine may use (vLLM default 0.9)
ACTIVATION_RESERVE_GIB = 2.0  #: workspace kept for activations / CUDA graphs, GiB per device
SCALE_OUT_GB_PER_S = 50.0  #: per-accelerator bandwidth when a layout spans scale-up domains


@dataclass(frozen=True)
class EngineConstants:
    """Constants of one serving engine: efficiencies fitted on broad data (never per case) and
    one scheduler setting taken from the engine's defaults.

    Attributes:
        bw_eff: achieved / peak memory bandwidth in decode (dimensionless).
        decode_eff: achieved / peak tensor FLOPS in decode matmuls (dimensionless).
        prefill_eff: achieved / peak tensor FLOPS in prefill (dimensionless).
        layer_overhead_s: fixed time per decoder layer per forward step (kernel launches,
            scheduling), s.
        ttft_overhead_s: per-request time to first token outside the GPU that the calibration
            benchmark runs show (their client, HTTP front end, tokeniser and scheduler), s;
            applied to closed-loop benchmark runs only
            (:func:`gigawatt.models.serving.closed_loop`). It is a property of that
            measurement setup, not of the engine: fitted to 68 ms for vLLM, while NVIDIA NIM
            measures a whole TTFT of 9-10 ms for Llama-3.1-8B at concurrency 1. Open-loop and
            offline TTFTs are the engine's own; the planner adds each venue's request path
            (API front end and network, ``catalog/data/request_paths.csv``).
        burst_share: share of a closed-loop benchmark's requests that arrive in a synchronised
            wave of ``C`` requests and wait behind the wave's batched prefills, 0-1
            (the rest find the engine in a staggered steady state and prefill alone).
        collective_latency_s: latency per ring step of a collective (alpha), s.
        ttft_steps: running forward steps a staggered arrival sees before its first token
            (the step in flight, decode steps the scheduler runs before admitting it, the
            step that returns its token), steps.
        prefill_chunk_tokens: prompt tokens the scheduler batches into one forward step
            (vLLM ``max_num_batched_tokens``, SGLang ``chunked_prefill_size``, TensorRT-LLM
            ``max_num_tokens``), tokens; not fitted.
        kv_output_share: share of a request's output tokens its KV cache holds on average
            while it runs, for admission: 0.5 for engines that allocate KV blocks on demand
            (vLLM, SGLang: a running sequence holds its prompt and on average half its output
            when sequences are staggered), 1 for TensorRT-LLM's default
            ``GUARANTEED_NO_EVICT`` policy, which reserves the whole output up front;
            dimensionless, not fitted.
    """

    bw_eff: float
    decode_eff: float
    prefill_eff: float
    layer_overhead_s: float
    ttft_overhead_s: float
    burst_share: float
    collective_latency_s: float
    ttft_steps: float = 1.0
    prefill_chunk_tokens: float = 8192.0
    kv_output_share: float = 1.0

    def as_dict(self) -> dict[str, float]:
        """Field name -> value."""
        return {f.name: float(getattr(self, f.name)) for f in fields(self)}


#: Engine constants. Fitted by :func:`gigawatt.validation.inference.fit_engine_constants` on the
#: training split of the bundled measured serving runs (AIConfigurator silicon sample) and the
#: TensorRT-LLM / MLPerf throughput tables; see docs/models/inference.md for the fit.
ENGINES: dict[str, EngineConstants] = {
    # fields: bw_eff, decode_eff, prefill_eff, layer_overhead_s, ttft_overhead_s, burst_share,
    # collective_latency_s, ttft_steps (fit of 2026-11-22, docs/models/inference.md),
    # prefill_chunk_tokens (engine setting, not fitted; sources in docs), kv_output_share
    # (engine's KV admission policy, not fitted)
    "vllm": EngineConstants(
        0.9017, 0.2274, 0.6414, 74.28e-6, 0.06774, 0.1649, 25.02e-9, 1.247e-08, 8192.0, 0.5
    ),
    "sglang": EngineConstants(
        0.8071, 0.2274, 0.1085, 127.0e-6, 1.081e-09, 0.01934, 25.02e-9, 29.96, 32768.0, 0.5
    ),
    "trtllm": EngineConstants(
        0.6685, 0.2274, 0.765, 61.88e-6, 0.08793, 0.1241, 25.02e-9, 11.66, 8192.0, 1.0
    ),
}
ENGINE_NAMES: tuple[str, ...] = tuple(ENGINES)


def engine_constants(engine: str) -> EngineConstants:
    """Constants of ``engine`` (vllm, sglang, trtllm)."""
    if engine not in ENGINES:
        raise InputError(
            f"unknown engine {engine!r}; allowed: {', '.join(ENGINES)}", where="engine"
        )
    return ENGINES[engine]


# --------------------------------------------------------------------------------------------
# shapes (struct of arrays)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelShape:
    """Counts of one or many models (each field a float or an array, dimensionless).

    ``dense_params`` are weights every token reads (attention, dense MLPs, shared experts,
    router); ``expert_params`` one routed expert of one layer; ``head_params`` the output head
    (``vocab * hidden``, read every step even when tied); ``kv_elems_per_token`` KV-cache elements
    per token over all layers; ``kv_heads`` the tensor-parallel split limit of the KV cache (1 for
    MLA, whose latent is replicated); ``attn_width`` ``heads * (qk_dim + v_dim)`` of the attention
    core per layer in decode (MLA in absorbed form: ``qk_dim = kv_lora_rank + rope_dim``,
    ``v_dim = kv_lora_rank``) and ``prefill_attn_width`` in prefill (MLA expanded to per-head
    keys and values, ``qk_dim = nope + rope``, ``v_dim = v_head_dim``, as engines run it).
    """

    layers: Any
    hidden: Any
    heads: Any
    kv_heads: Any
    attn_width: Any
    prefill_attn_width: Any
    dense_params: Any
    expert_params: Any
    experts: Any
    experts_per_token: Any
    moe_layers: Any
    head_params: Any
    untied_head_params: Any
    embedding_params: Any
    total_params: Any
    kv_elems_per_token: Any

    def take(self, index: ArrayLike) -> ModelShape:
        """Rows ``index`` of a stacked shape (see :func:`stack_models`)."""
        return _take(self, index)


@dataclass(frozen=True)
class HardwareShape:
    """Accelerator figures (floats or arrays): peaks in TFLOPS by compute precision, memory in
    GiB, bandwidths in GB/s (scale-up one direction), scale-up domain size in accelerators."""

    peak_bf16_tflops: Any
    peak_fp8_tflops: Any
    peak_fp4_tflops: Any
    memory_gib: Any
    memory_bw_gb_per_s: Any
    scale_up_gb_per_s: Any
    domain_size: Any

    def take(self, index: ArrayLike) -> HardwareShape:
        """Rows ``index`` of a stacked shape (see :func:`stack_hardware`)."""
        return _take(self, index)

    def peak_tflops(self, compute_precision: ArrayLike) -> Any:
        """Peak for each compute precision code (0 bf16, 1 fp8, 2 fp4); NaN when absent."""
        code = np.asarray(compute_precision)
        return np.where(
            code == 2,
            self.peak_fp4_tflops,
            np.where(code == 1, self.peak_fp8_tflops, self.peak_bf16_tflops),
        )


def model_shape(arch: ModelArchitecture) -> ModelShape:
    """Counts the inference model needs, from an architecture."""
    counts = parameter_counts(arch)
    expert = float(ffn_params(arch, arch.moe_intermediate_size)) if arch.is_moe else 0.0
    head = float(arch.vocab_size * (arch.embed_proj_dim or arch.hidden_size))
    dense = float(counts.total - counts.experts - counts.embedding - counts.lm_head)
    if arch.attention_kind == "mla":
        r = float(arch.kv_lora_rank or 0)
        width = arch.num_attention_heads * (2.0 * r + float(arch.qk_rope_head_dim or 0))
        kv_heads = 1.0
    else:
        width = arch.num_attention_heads * float(arch.head_dim + (arch.v_head_dim or arch.head_dim))
        kv_heads = float(arch.num_kv_heads)
    prefill_width = arch.num_attention_heads * float(
        arch.head_dim + (arch.v_head_dim or arch.head_dim)
    )
    return ModelShape(
        layers=float(arch.num_layers),
        hidden=float(arch.hidden_size),
        heads=float(arch.num_attention_heads),
        kv_heads=kv_heads,
        attn_width=width,
        prefill_attn_width=prefill_width,
        dense_params=dense,
        expert_params=expert,
        experts=float(arch.num_experts),
        experts_per_token=float(arch.experts_per_token),
        moe_layers=float(arch.num_moe_layers),
        head_params=head,
        untied_head_params=float(counts.lm_head),
        embedding_params=float(counts.embedding),
        total_params=float(counts.total),
        kv_elems_per_token=kv_cache_bytes_per_token(arch, 1.0),
    )


def hardware_shape(row: Mapping[str, Any]) -> HardwareShape:
    """Hardware figures from a catalog ``accelerators`` row (missing peaks become NaN)."""

    def num(key: str) -> float:
        value = row.get(key)
        return float("nan") if value is None else float(value)

    return HardwareShape(
        peak_bf16_tflops=num("bf16_dense_tflops"),
        peak_fp8_tflops=num("fp8_dense_tflops"),
        peak_fp4_tflops=num("fp4_dense_tflops"),
        memory_gib=num("memory_gib"),
        memory_bw_gb_per_s=num("memory_bandwidth_gb_per_s"),
        scale_up_gb_per_s=num("scale_up_bandwidth_gb_per_s"),
        domain_size=num("scale_up_domain_size"),
    )


_Shape = TypeVar("_Shape", "ModelShape", "HardwareShape")


def _take(shape: _Shape, index: ArrayLike) -> _Shape:
    """Rows ``index`` of every field of a stacked shape."""
    idx = np.asarray(index)
    return replace(
        shape, **{f.name: np.asarray(getattr(shape, f.name))[idx] for f in fields(shape)}
    )


def _stack(cls: type[_Shape], shapes: Sequence[_Shape]) -> _Shape:
    """One shape of class ``cls`` whose fields are arrays over ``shapes``."""
    return cls(
        **{f.name: np.array([float(getattr(s, f.name)) for s in shapes]) for f in fields(cls)}
    )


def stack_models(shapes: Sequence[ModelShape]) -> ModelShape:
    """Stack many shapes into one with array fields (index with :meth:`ModelShape.take`)."""
    return _stack(ModelShape, shapes)


def stack_hardware(shapes: Sequence[HardwareShape]) -> HardwareShape:
    """Stack many hardware shapes into one with array fields."""
    return _stack(HardwareShape, shapes)


def precision_codes(precisions: Sequence[str]) -> tuple[F64, F64]:
    """(bytes per weight, compute precision code 0 bf16 / 1 fp8 / 2 fp4) for each precision."""
    wb, code = [], []
    for p in precisions:
        if p not in WEIGHT_BYTES:
            raise InputError(
                f"unknown precision {p!r}; allowed: {', '.join(INFERENCE_PRECISIONS)}",
                where="precision",
            )
        wb.append(WEIGHT_BYTES[p])
        code.append({"bf16": 0.0, "fp8": 1.0, "fp4": 2.0}[COMPUTE_PRECISION[p]])
    return np.array(wb), np.array(code)


# --------------------------------------------------------------------------------------------
# memory
# --------------------------------------------------------------------------------------------


def weight_bytes_total(m: ModelShape, weight_bytes: ArrayLike) -> Any:
    """Bytes of all weights: quantised body plus 16-bit embedding and output head."""
    sixteen = np.asarray(m.embedding_params) + m.untied_head_params
    return (np.asarray(m.total_params) - sixteen) * np.asarray(weight_bytes) + 2.0 * sixteen


def weight_bytes_per_device(
    m: ModelShape,
    weight_bytes: ArrayLike,
    tp: ArrayLike,
    ep: ArrayLike,
    n: ArrayLike,
    *,
    pp: ArrayLike = 1.0,
) -> Any:
    """Weight bytes held by one device of a pipeline stage of ``n`` devices.

    Dense weights and the head are split over ``tp`` (attention data-parallel groups hold a copy
    each); routed experts are split over all ``n`` devices of the stage (``ep`` groups x ``n/ep``
    tensor slices); embeddings over ``tp``; everything over ``pp`` pipeline stages.
    """
    wb = np.asarray(weight_bytes)
    experts = np.asarray(m.moe_layers) * m.experts * m.expert_params * wb
    dense = np.asarray(m.dense_params) * wb
    sixteen = 2.0 * (np.asarray(m.embedding_params) + m.untied_head_params)
    del ep
    return ((dense + sixteen) / np.asarray(tp) + experts / np.asarray(n)) / np.asarray(pp)


def kv_bytes_per_token_device(
    m: ModelShape, kv_bytes: ArrayLike, tp: ArrayLike, *, pp: ArrayLike = 1.0
) -> Any:
    """KV-cache bytes of one token on one device: split over ``min(tp, kv_heads)`` ranks and
    over ``pp`` pipeline stages (each holds its layers' cache)."""
    split = np.minimum(np.asarray(tp, dtype=float), m.kv_heads) * np.asarray(pp, dtype=float)
    return np.asarray(m.kv_elems_per_token) * np.asarray(kv_bytes) / split


def kv_budget_bytes(h: HardwareShape, weights_per_device: ArrayLike) -> Any:
    """Bytes left for the KV cache on one device (may be negative: does not fit)."""
    usable = np.asarray(h.memory_gib) * GIB * MEMORY_UTILISATION - ACTIVATION_RESERVE_GIB * GIB
    return usable - np.asarray(weights_per_device)


def paged_tokens(tokens: ArrayLike) -> Any:
    """Tokens a sequence occupies in the paged KV cache (rounded up to whole blocks)."""
    return np.ceil(np.asarray(tokens, dtype=float) / PAGE_TOKENS) * PAGE_TOKENS


def max_concurrent_sequences(
    kv_budget: ArrayLike, kv_per_token_device: ArrayLike, seq_tokens: ArrayLike, dp: ArrayLike = 1.0
) -> Any:
    """Sequences of ``seq_tokens`` (prompt + output) a replica can hold at once.

    Each attention data-parallel group (``dp``) holds its own sequences' KV cache.
    """
    per_seq = paged_tokens(seq_tokens) * np.asarray(kv_per_token_device)
    return np.maximum(0.0, np.floor(np.asarray(kv_budget) / per_seq)) * np.asarray(dp)


def default_kv_bytes(engine: str, precision: str) -> float:
    """Bytes per KV-cache element an engine uses by default.

    TensorRT-LLM builds FP8 checkpoints with an FP8 KV cache; vLLM and SGLang keep the KV cache
    in 16-bit unless told otherwise (``--kv-cache-dtype``). Assumption, see docs.
    """
    if engine == "trtllm" and precision in ("fp8", "fp4"):
        return 1.0
    return 2.0
