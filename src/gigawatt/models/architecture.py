"""The normalised shape of an LLM (dense or MoE), whatever its Hugging Face family.

:class:`ModelArchitecture` is one normalised, frozen description of a decoder-only transformer
(dense or mixture-of-experts) whatever the family spells its fields as: ``hidden_size`` /
``n_embd`` / ``n_embed``, ``num_hidden_layers`` / ``n_layer``, MLA ranks of DeepSeek, routed and
shared experts, learned vs rotary vs ALiBi positions. Every size is a count (dimensionless) unless
its name carries a unit. Reading ``config.json`` files lives in :mod:`gigawatt.adapters.hf_config`,
parameter counts in :mod:`gigawatt.models.params`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from gigawatt.errors import InputError

AttentionKind = Literal["mha", "gqa", "mqa", "mla"]
NormKind = Literal["rmsnorm", "layernorm"]
PositionKind = Literal["rope", "learned", "alibi"]


@dataclass(frozen=True)
class ModelArchitecture:
    """Shape of a decoder-only transformer, normalised from a Hugging Face config.

    Attributes (all counts, dimensionless):
        model_type: ``model_type`` as written in the config (e.g. ``"llama"``).
        family: normalised family name (e.g. ``"qwen3-moe"``, ``"deepseek-v3"``).
        hidden_size: width of the residual stream (d_model).
        num_layers: decoder layers of the main model (MTP modules excluded).
        num_attention_heads / num_kv_heads / head_dim: query heads, key/value heads, width of one
            query/key head (for MLA: ``qk_nope_head_dim + qk_rope_head_dim``).
        intermediate_size: hidden width of the dense feed-forward block.
        vocab_size: rows of the token embedding (padded size as stored in the checkpoint).
        max_position_embeddings: context length the config declares, ``None`` if it has none.
        tie_word_embeddings: output head shares the token-embedding matrix.
        gated_mlp: feed-forward has three matrices (SwiGLU/GeGLU) instead of two.
        attention_kind: ``mha``, ``gqa``, ``mqa`` or ``mla`` (multi-head latent attention).
        norm_kind: ``rmsnorm`` (weight only) or ``layernorm`` (weight and bias).
        qkv_bias / attention_out_bias / mlp_bias: linear layers carry a bias vector.
        norms_per_layer: normalisation layers inside one decoder layer.
        final_norm / embedding_norm: a norm after the last layer / right after the embedding.
        qk_norm: per-head RMSNorm on queries and keys (Qwen3).
        position_embedding: ``rope``, ``learned`` or ``alibi``; rotary_pct: share of a head that
            is rotated; position_offset: extra learned position rows (OPT keeps 2).
        parallel_attention: attention and MLP read the same input (GPT-J / NeoX / Falcon style).
        embed_proj_dim: OPT's word-embedding width when it differs from ``hidden_size``.
        q_lora_rank, kv_lora_rank, qk_nope_head_dim, qk_rope_head_dim, v_head_dim: MLA ranks.
        num_experts / experts_per_token: routed experts per MoE layer / chosen per token.
        num_shared_experts / shared_expert_intermediate_size: always-on experts and their total
            hidden width (DeepSeek: ``n_shared_experts * moe_intermediate_size``).
        moe_intermediate_size: hidden width of one routed expert.
        shared_expert_gate: a sigmoid gate (``hidden_size`` weights) scales the shared expert.
        router_bias: the router carries one bias per expert (DeepSeek-V3 ``noaux_tc``).
        first_dense_layers / moe_layer_frequency / moe_layer_offset / dense_layer_indices: which
            layers are MoE, see :meth:`is_moe_layer`.
        num_mtp_layers: DeepSeek-V3 multi-token-prediction modules, counted apart from the model.
    """

    model_type: str
    family: str
    hidden_size: int
    num_layers: int
    num_attention_heads: int
    num_kv_heads: int
    head_dim: int
    intermediate_size: int
    vocab_size: int
    max_position_embeddings: int | None
    tie_word_embeddings: bool
    gated_mlp: bool
    attention_kind: AttentionKind
    norm_kind: NormKind
    qkv_bias: bool = False
    attention_out_bias: bool = False
    mlp_bias: bool = False
    norms_per_layer: int = 2
    final_norm: bool = True
    embedding_norm: bool = False
    qk_norm: bool = False
    position_embedding: PositionKind = "rope"
    rotary_pct: float = 1.0
    position_offset: int = 0
    parallel_attention: bool = False
    embed_proj_dim: int | None = None
    q_lora_rank: int | None = None
    kv_lora_rank: int | None = None
    qk_nope_head_dim: int | None = None
    qk_rope_head_dim: int | None = None
    v_head_dim: int | None = None
    num_experts: int = 0
    experts_per_token: int = 0
    num_shared_experts: int = 0
    moe_intermediate_size: int = 0
    shared_expert_intermediate_size: int = 0
    shared_expert_gate: bool = False
    router_bias: bool = False
    first_dense_layers: int = 0
    moe_layer_frequency: int = 1
    moe_layer_offset: int = 0
    dense_layer_indices: tuple[int, ...] = ()
    num_mtp_layers: int = 0

    @property
    def is_moe(self) -> bool:
        """True when at least one layer routes tokens to experts."""
        return self.num_moe_layers > 0

    def is_moe_layer(self, index: int) -> bool:
        """Whether decoder layer ``index`` (0-based) is a mixture-of-experts layer.

        A layer is MoE when the model has experts, ``index >= first_dense_layers``,
        ``(index - moe_layer_offset) % moe_layer_frequency == 0`` and ``index`` is not listed in
        ``dense_layer_indices`` (DeepSeek ``first_k_dense_replace``/``moe_layer_freq``; Qwen MoE
        ``decoder_sparse_step``/``mlp_only_layers``).
        """
        if self.num_experts <= 0 or index < self.first_dense_layers:
            return False
        if index in self.dense_layer_indices:
            return False
        return (index - self.moe_layer_offset) % self.moe_layer_frequency == 0

    @property
    def num_moe_layers(self) -> int:
        """Number of MoE layers in the main model."""
        return sum(1 for i in range(self.num_layers) if self.is_moe_layer(i))

    @property
    def num_dense_layers(self) -> int:
        """Number of layers with a dense feed-forward block."""
        return self.num_layers - self.num_moe_layers


def kv_cache_bytes_per_token(arch: ModelArchitecture, bytes_per_element: float) -> float:
    """KV-cache size of one token across all layers of the main model, in bytes.

    Standard attention stores a key and a value per KV head:
    ``2 * num_layers * num_kv_heads * head_dim * bytes_per_element``. MLA (DeepSeek-V2/V3) stores
    the compressed latent and the shared rotary key:
    ``num_layers * (kv_lora_rank + qk_rope_head_dim) * bytes_per_element``
    (DeepSeek-V2 paper, arXiv:2405.04434, section 2.1). ``bytes_per_element`` is e.g. 2 for BF16.
    """
    if bytes_per_element <= 0:
        raise InputError(
            f"bytes_per_element must be > 0, got {bytes_per_element!r}", where="bytes_per_element"
        )
    if arch.attention_kind == "mla":
        latent = (arch.kv_lora_rank or 0) + (arch.qk_rope_head_dim or 0)
        return float(arch.num_layers * latent) * bytes_per_element
    v_dim = arch.v_head_dim or arch.head_dim
    per_layer = arch.num_kv_heads * (arch.head_dim + v_dim)
    return float(arch.num_layers * per_layer) * bytes_per_element
