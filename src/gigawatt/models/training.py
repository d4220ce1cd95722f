"""Training performance inputs: constants, model shape, FLOPs per token, hardware and layouts.

Everything is a small pure function of plain floats or numpy arrays, so that the layout search
(:mod:`gigawatt.models.layout`) evaluates thousands of parallel layouts in one vectorised call.
The time of one optimizer step is in :mod:`gigawatt.models.train_step`, memory per GPU in
:mod:`gigawatt.models.train_memory`.

FLOPs (per trained token, forward + backward):
    model FLOPs  = 6 * N_active + 12 * L * s * d_attn          (PaLM, arXiv:2204.02311, App. B;
                   Korthikanti et al. 2022, arXiv:2205.05198, eq. for model FLOPs)
    hardware FLOPs add the recomputed forward pass: full recompute -> 8 * N + 16 * L * s * d_attn
    (Narayanan et al. 2021, arXiv:2104.04473, eq. 3); selective recompute -> the attention term
    counted twice (24 * L * s * d_attn), the convention of Korthikanti et al. 2022 for HFU.
    LoRA/QLoRA skip weight gradients of the frozen base: 4 * N + 12 * L * s * d_attn.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gigawatt.models.architecture import ModelArchitecture
from gigawatt.models.params import ffn_params, parameter_counts

Arr = NDArray[np.float64]
RECOMPUTE_CODES: dict[str, int] = {"none": 0, "selective": 1, "full": 2}
FINETUNE_MODES: tuple[str, ...] = ("full", "lora", "qlora")


@dataclass(frozen=True)
class TrainingConstants:
    """Model constants of training performance; each with its source or stated assumption.

    Calibrated once (grid search minimising the mean absolute error over the 18 ``fit`` cases
    of ``validation/data/training_cases.csv``: Megatron-LM A100 tables of 2021-22 and MosaicML
    MPT-7B bf16 on A100/H100; see docs/models/training.md):
        matmul_efficiency: achievable fraction of dense peak for large GEMMs (dimensionless).
        elementwise_passes: effective memory traffic of everything that is not a matmul (norms,
            activation functions, residual adds, dropout, softmax, kernel launch gaps) per layer
            and token, in multiples of ``(hidden + ffn) * 2 bytes``, forward + backward.
    Assumptions (no calibration):
        scale_up_latency_s: per-step latency of an NVLink-class collective (~5 us, NCCL ring
            step on NVLink, order of magnitude from NCCL tests).
        scale_out_latency_s: per-step latency over InfiniBand/RoCE (~10 us incl. NCCL proxy).
        collective_efficiency: achieved bus bandwidth / link bandwidth (~0.8, NCCL busbw).
        oversubscription: scale-out fabric oversubscription (1.0 = non-blocking rail fat tree).
        dp_overlap: share of the last micro-batch's backward under which the gradient
            reduce-scatter/all-reduce hides (bucketed overlap in DDP/Megatron; 0.8).
        tp_overlap: share of tensor-parallel collectives hidden behind GEMMs (0: Megatron 2021-22
            did not overlap them; newer stacks with userbuffers reach ~0.5).
        cp_overlap: share of ring-attention KV exchange hidden behind attention (0.8).
        memory_usable_fraction: HBM usable for tensors after CUDA context, NCCL buffers and
            allocator fragmentation (0.9).
        grad_reduce_bytes: bytes per gradient element in the data-parallel reduction (2: bf16;
            Megatron-LM 2021-22 reduced fp32 main gradients, 4).
    """

    matmul_efficiency: float = 0.70
    elementwise_passes: float = 80.0
    scale_up_latency_s: float = 5e-6
    scale_out_latency_s: float = 10e-6
    collective_efficiency: float = 0.8
    oversubscription: float = 1.0
    dp_overlap: float = 0.8
    tp_overlap: float = 0.0
    cp_overlap: float = 0.8
    memory_usable_fraction: float = 0.9
    grad_reduce_bytes: float = 2.0

    def replaced(self, **overrides: float | None) -> TrainingConstants:
        """Copy with the non-None ``overrides`` applied (unknown names raise TypeError)."""
        known = {f.name for f in fields(self)}
        bad = set(overrides) - known
        if bad:
            raise TypeError(f"unknown constants: {sorted(bad)}")
        values: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self)}
        values.update({k: v for k, v in overrides.items() if v is not None})
        return TrainingConstants(**values)


DEFAULT_CONSTANTS = TrainingConstants()


@dataclass(frozen=True)
class TrainShape:
    """What the training model needs from an architecture (counts; ``seq_len`` in tokens)."""

    hidden: float
    layers: float
    heads: float
    kv_heads: float
    attn_width: float  # query width n_q * d_head
    kv_width: float  # key + value width per token
    ffn_dense: float  # dense intermediate size (0 when every layer is MoE)
    ffn_expert: float
    gated: bool
    vocab: float
    seq_len: float
    moe_layers: float
    experts: float
    top_k: float
    shared_ffn: float
    params_total: float
    params_active: float
    params_embedding: float
    params_lm_head: float  # weights of the output-head matmul (tied or not): vocab x width
    params_matmul: float  # weights one token multiplies with (embedding lookup excluded)
    params_experts: float  # all routed-expert weights
    params_layer_dense: float  # weights of one dense decoder layer (attention + MLP + norms)
    lora_params_per_rank: float  # LoRA adapter weights per unit rank (all attention + MLP mats)

    @property
    def is_moe(self) -> bool:
        """True when some layers route tokens to experts."""
        return self.moe_layers > 0


def train_shape(arch: ModelArchitecture, seq_len: int) -> TrainShape:
    """Reduce ``arch`` to the figures the training model uses, for sequences of ``seq_len``."""
    counts = parameter_counts(arch)
    h = arch.hidden_size
    q = arch.num_attention_heads * arch.head_dim
    kv = arch.num_kv_heads * (arch.head_dim + (arch.v_head_dim or arch.head_dim))
    up = 2 if arch.gated_mlp else 1
    lora_attn = (h + q) * 2 + (h + kv // 2) * 2
    lora_mlp = (up + 1) * (h + arch.intermediate_size) if arch.num_dense_layers else 0
    dense_layer = counts.attention / max(arch.num_layers, 1) + ffn_params(
        arch, arch.intermediate_size
    )
    return TrainShape(
        hidden=float(h),
        layers=float(arch.num_layers),
        heads=float(arch.num_attention_heads),
        kv_heads=float(arch.num_kv_heads),
        attn_width=float(q),
        kv_width=float(kv),
        ffn_dense=float(arch.intermediate_size if arch.num_dense_layers else 0),
        ffn_expert=float(arch.moe_intermediate_size),
        gated=arch.gated_mlp,
        vocab=float(arch.vocab_size),
        seq_len=float(seq_len),
        moe_layers=float(arch.num_moe_layers),
        experts=float(arch.num_experts),
        top_k=float(arch.experts_per_token),
        shared_ffn=float(arch.shared_expert_intermediate_size),
        params_total=float(counts.total),
        params_active=float(counts.active),
        params_embedding=float(counts.embedding),
        params_lm_head=float(arch.vocab_size * h),
        params_matmul=float(
            counts.active - counts.embedding - counts.lm_head + arch.vocab_size * h
        ),
        params_experts=float(counts.experts),
        params_layer_dense=float(dense_layer),
        lora_params_per_rank=float(arch.num_layers * lora_attn + arch.num_dense_layers * lora_mlp),
    )


# ------------------------------------------------------------------------------------------
# FLOPs
# ------------------------------------------------------------------------------------------


def matmul_params_per_token(shape: TrainShape) -> float:
    """Weights one token multiplies with (active; embedding lookup excluded; head included)."""
    return shape.params_matmul


def attention_flops_per_token(shape: TrainShape) -> float:
    """Forward FLOPs of the attention core (QK^T and AV) per token: ``4 * L * s * d_attn``.

    Counted non-causal, as in the PaLM/Megatron MFU convention.
    """
    return 4.0 * shape.layers * shape.seq_len * shape.attn_width


def model_flops_per_token(shape: TrainShape, finetune: str = "full") -> float:
    """Model FLOPs per trained token (forward + backward), the numerator of MFU."""
    n = matmul_params_per_token(shape)
    weight_passes = 4.0 if finetune in ("lora", "qlora") else 6.0
    return weight_passes * n + 3.0 * attention_flops_per_token(shape)


def hardware_flops_per_token(shape: TrainShape, recompute: Any, finetune: str = "full") -> Any:
    """Hardware FLOPs per token including recomputation (numerator of HFU).

    ``recompute`` is a code of :data:`RECOMPUTE_CODES` (0 none, 1 selective, 2 full) or an
    array of codes.
    """
    rc = np.asarray(recompute, dtype=np.float64)
    n = matmul_params_per_token(shape)
    attn = attention_flops_per_token(shape)
    extra = np.where(rc >= 2, 2.0 * n + attn, np.where(rc >= 1, 3.0 * attn, 0.0))
    return model_flops_per_token(shape, finetune) + extra


# ------------------------------------------------------------------------------------------
# hardware and layouts
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrainHardware:
    """One accelerator type in its system (units in the names)."""

    peak_tflops: float
    memory_gib: float
    memory_bandwidth_gb_per_s: float
    scale_up_bandwidth_gb_per_s: float
    scale_up_domain_size: int
    scale_out_bandwidth_gb_per_s: float  # per accelerator, one direction
    accelerators_per_node: int
    bytes_per_element: float = 2.0  # matmul input width (2 bf16, 1 fp8)


@dataclass(frozen=True)
class LayoutArrays:
    """Parallel layouts as equal-length arrays (one element per candidate layout).

    tp/pp/dp/cp/ep: tensor, pipeline, data, context, expert parallel sizes; mb: micro-batch
    (sequences); recompute: 0 none, 1 selective, 2 full; zero: 1 (optimizer sharded, Megatron
    distributed optimizer), 2 (plus gradients) or 3 (plus weights, FSDP); vpp: interleaved
    pipeline stages per GPU.
    """

    tp: Arr
    pp: Arr
    dp: Arr
    cp: Arr
    ep: Arr
    mb: Arr
    recompute: Arr
    zero: Arr
    vpp: Arr

    @staticmethod
    def of(**values: Any) -> LayoutArrays:
        """Build from scalars or arrays (broadcast to one length)."""
        names = [f.name for f in fields(LayoutArrays)]
        arrs = np.broadcast_arrays(
            *[np.atleast_1d(np.asarray(values[n], dtype=np.float64)) for n in names]
        )
        return LayoutArrays(
            **{n: np.array(a, dtype=np.float64) for n, a in zip(names, arrs, strict=True)}
        )

    def __len__(self) -> int:
        return int(self.tp.shape[0])


def trainable_params_per_gpu(
    shape: TrainShape, lay: LayoutArrays, finetune: str, lora_rank: int
) -> tuple[Any, Any]:
    """(non-expert, expert) parameters one GPU holds before ZeRO sharding (counts)."""
    if finetune in ("lora", "qlora"):
        lora = shape.lora_params_per_rank * lora_rank / (lay.tp * lay.pp)
        return lora, np.zeros_like(lay.tp)
    dense = (shape.params_total - shape.params_experts) / (lay.tp * lay.pp)
    return dense, shape.params_experts / (lay.ep * lay.tp * lay.pp)
