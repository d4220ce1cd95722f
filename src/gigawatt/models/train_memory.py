"""Memory per accelerator during training: model states and activations (bytes, GiB).

Model states (mixed precision with Adam, Rajbhandari et al. 2020, ZeRO, arXiv:1910.02054):
    weights 2 B/param (bf16; fp8 training keeps bf16 weights plus a 1 B fp8 copy: 3 B),
    gradients 2 B/param (bf16 reduction), optimizer 12 B/param (fp32 master + two moments).
    ZeRO-1 shards the optimizer over the data-parallel group, ZeRO-2 also gradients, ZeRO-3/FSDP
    also weights. LoRA keeps the frozen base at 2 B/param (QLoRA: NF4 with double quantisation,
    4.127 bit/param = 0.516 B, Dettmers et al. 2023, arXiv:2305.14314) and trains only adapters.
Activations per layer and token (Korthikanti et al. 2022, arXiv:2205.05198, generalised to GQA
and gated MLPs; flash attention assumed, so no ``s^2`` terms), divided by TP (sequence parallel)
and CP; full recomputation keeps only the layer input (2 bytes x hidden). The first pipeline
stage holds ``min(pp, m)`` micro-batches in flight (1F1B), times ``1 + (pp-1)/(pp*v)`` when
interleaved.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gigawatt.models.training import LayoutArrays, TrainShape, trainable_params_per_gpu

GIB = 2.0**30
QLORA_BYTES_PER_PARAM = 4.127 / 8.0


def activation_bytes_per_token_layer(shape: TrainShape, moe: bool) -> float:
    """Stored activation bytes of one layer and token without recomputation (16-bit).

    Attention: norm input 2h, QKV input 2h, Q/K/V outputs 2(q + kv), context 2q, dropout mask
    h. MLP: input 2h, up (and gate) outputs, activation output, gated product, dropout mask h.
    """
    h = shape.hidden
    attn = 2 * h + 2 * h + 2 * (shape.attn_width + shape.kv_width) + 2 * shape.attn_width + h
    f = shape.ffn_expert * shape.top_k + shape.shared_ffn if moe else shape.ffn_dense
    mlp = 2 * h + 2 * h + (2 * f * 2 + 2 * f + 2 * f if shape.gated else 2 * f + 2 * f) + h
    return attn + mlp


def activation_bytes(shape: TrainShape, lay: LayoutArrays, microbatches: Any) -> Any:
    """Activation memory (bytes) on the first pipeline stage, the fullest one."""
    tokens = lay.mb * shape.seq_len / lay.cp
    moe_share = shape.moe_layers / shape.layers
    per_layer = (1.0 - moe_share) * activation_bytes_per_token_layer(
        shape, False
    ) + moe_share * activation_bytes_per_token_layer(shape, True)
    stored = np.where(lay.recompute >= 2, 2.0 * shape.hidden, per_layer)
    layers_stage = np.ceil(shape.layers / lay.pp)
    in_flight = np.minimum(lay.pp, np.maximum(microbatches, 1.0))
    interleave = 1.0 + np.where(lay.vpp > 1, (lay.pp - 1.0) / (lay.pp * lay.vpp), 0.0)
    body = stored * tokens / lay.tp * layers_stage * in_flight * interleave
    # full recompute re-materialises one layer at a time on top of the stored inputs
    body = body + np.where(lay.recompute >= 2, per_layer * tokens / lay.tp, 0.0)
    logits = tokens * shape.vocab * 6.0 / lay.tp  # bf16 logits + fp32 loss copy
    return body + logits


def model_state_bytes(
    shape: TrainShape, lay: LayoutArrays, precision: str, finetune: str, lora_rank: int
) -> dict[str, Any]:
    """Weights, gradients and optimizer bytes per GPU after ZeRO/FSDP sharding."""
    dense = (shape.params_total - shape.params_experts) / (lay.tp * lay.pp)
    expert = shape.params_experts / (lay.ep * lay.tp * lay.pp)
    shard_d = lay.dp * lay.cp
    shard_e = np.maximum(shard_d / lay.ep, 1.0)
    w_bytes = 3.0 if precision == "fp8" else 2.0
    if finetune in ("lora", "qlora"):
        base = QLORA_BYTES_PER_PARAM if finetune == "qlora" else 2.0
        lora, _ = trainable_params_per_gpu(shape, lay, finetune, lora_rank)
        weights = (dense + expert) * base + lora * 2.0
        return {"weights": weights, "gradients": lora * 2.0, "optimizer": lora * 12.0}
    w = np.where(
        lay.zero >= 3,
        dense * w_bytes / shard_d + expert * w_bytes / shard_e,
        (dense + expert) * w_bytes,
    )
    g = np.where(
        lay.zero >= 2, dense * 2.0 / shard_d + expert * 2.0 / shard_e, (dense + expert) * 2.0
    )
    o = dense * 12.0 / shard_d + expert * 12.0 / shard_e
    o = np.where(lay.zero >= 1, o, (dense + expert) * 12.0)
    return {"weights": w, "gradients": g, "optimizer": o}


def memory_per_gpu_bytes(
    shape: TrainShape,
    lay: LayoutArrays,
    microbatches: Any,
    precision: str = "bf16",
    finetune: str = "full",
    lora_rank: int = 16,
) -> dict[str, Any]:
    """Memory (bytes) per GPU by part plus ``total``; ZeRO-3 adds one gathered layer buffer."""
    states = model_state_bytes(shape, lay, precision, finetune, lora_rank)
    act = activation_bytes(shape, lay, microbatches)
    gather = np.where(lay.zero >= 3, 2.0 * 2.0 * shape.params_layer_dense / lay.tp, 0.0)
    total = states["weights"] + states["gradients"] + states["optimizer"] + act + gather
    return {**states, "activations": act, "total": total}
