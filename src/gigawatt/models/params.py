"""Parameter counts derived from the shapes of a :class:`ModelArchitecture`.

Every function returns a count of scalar weights (dimensionless). The counts follow the module
layout of the Hugging Face ``transformers`` implementation of each family (which matrices exist,
which carry a bias, which norms have a bias), so they match the checkpoint up to padding
conventions. Catalog tests compare them with the totals the model authors published.
"""

from __future__ import annotations

from dataclasses import dataclass

from gigawatt.models.architecture import ModelArchitecture


@dataclass(frozen=True)
class ParameterCounts:
    """Parameters of one model, split by part (all counts, dimensionless).

    ``total`` is the main model as published (MTP modules excluded, tied matrices once).
    ``active`` is what one token touches: ``total`` minus the routed experts the router did
    not pick (embeddings and output head included). ``non_embedding`` excludes the token and
    position embeddings and an untied output head. The parts add up to ``total``:
    ``embedding + attention + mlp + experts + shared_experts + router + norms + lm_head``.
    ``mtp`` counts DeepSeek-V3 multi-token-prediction modules apart (their embedding and output
    head are shared with the main model and not counted again).
    """

    total: int
    active: int
    embedding: int
    non_embedding: int
    attention: int
    mlp: int
    experts: int
    active_experts: int
    shared_experts: int
    router: int
    norms: int
    lm_head: int
    mtp: int

    @property
    def total_with_mtp(self) -> int:
        """Main model plus multi-token-prediction modules (what the checkpoint stores)."""
        return self.total + self.mtp

    @property
    def active_non_embedding(self) -> int:
        """Active parameters per token without embeddings and untied output head."""
        return self.active - self.embedding - self.lm_head


def norm_params(arch: ModelArchitecture) -> int:
    """Weights of one normalisation layer: ``hidden`` (RMSNorm) or ``2 * hidden`` (LayerNorm)."""
    return arch.hidden_size * (2 if arch.norm_kind == "layernorm" else 1)


def standard_attention_params(arch: ModelArchitecture) -> int:
    """Q, K, V and output projections of one layer (MHA, GQA or MQA), with optional biases.

    ``q: h x (n_q * d)``, ``k, v: h x (n_kv * d)``, ``o: (n_q * d) x h``; plus per-head query/key
    RMSNorm weights (``2 * d``) when ``qk_norm`` is set.
    """
    h, d = arch.hidden_size, arch.head_dim
    q_out = arch.num_attention_heads * d
    kv_out = arch.num_kv_heads * (arch.v_head_dim or d) + arch.num_kv_heads * d
    weights = h * (q_out + kv_out) + q_out * h
    biases = (q_out + kv_out if arch.qkv_bias else 0) + (h if arch.attention_out_bias else 0)
    qk_norm = 2 * d if arch.qk_norm else 0
    return weights + biases + qk_norm


def mla_attention_params(arch: ModelArchitecture) -> int:
    """Multi-head latent attention of one layer (DeepSeek-V2/V3).

    Query path: ``h x r_q`` down-projection, RMSNorm(``r_q``), ``r_q x n*(d_nope+d_rope)``
    up-projection (or a direct ``h x n*(d_nope+d_rope)`` when ``q_lora_rank`` is null).
    Key/value path: ``h x (r_kv + d_rope)``, RMSNorm(``r_kv``), ``r_kv x n*(d_nope+d_v)``.
    Output: ``n*d_v x h``.
    """
    h, n = arch.hidden_size, arch.num_attention_heads
    nope, rope = arch.qk_nope_head_dim or 0, arch.qk_rope_head_dim or 0
    r_kv, d_v = arch.kv_lora_rank or 0, arch.v_head_dim or 0
    q_width = n * (nope + rope)
    if arch.q_lora_rank:
        q = h * arch.q_lora_rank + arch.q_lora_rank + arch.q_lora_rank * q_width
    else:
        q = h * q_width
    kv = h * (r_kv + rope) + r_kv + r_kv * n * (nope + d_v)
    out = n * d_v * h + (h if arch.attention_out_bias else 0)
    return q + kv + out


def attention_params(arch: ModelArchitecture) -> int:
    """Attention parameters of one decoder layer."""
    if arch.attention_kind == "mla":
        return mla_attention_params(arch)
    return standard_attention_params(arch)


def ffn_params(arch: ModelArchitecture, intermediate_size: int) -> int:
    """One feed-forward block of width ``intermediate_size``.

    Gated (SwiGLU/GeGLU): ``3 * h * i``; plain: ``2 * h * i``; biases add ``i`` per up/gate
    matrix and ``h`` for the down matrix.
    """
    if intermediate_size <= 0:
        return 0
    h = arch.hidden_size
    up_mats = 2 if arch.gated_mlp else 1
    weights = (up_mats + 1) * h * intermediate_size
    biases = up_mats * intermediate_size + h if arch.mlp_bias else 0
    return weights + biases


def router_params(arch: ModelArchitecture) -> int:
    """Router of one MoE layer: ``h x E`` (+ ``E`` bias) (+ ``h`` shared-expert gate)."""
    if arch.num_experts <= 0:
        return 0
    bias = arch.num_experts if arch.router_bias else 0
    gate = arch.hidden_size if arch.shared_expert_gate else 0
    return arch.hidden_size * arch.num_experts + bias + gate


def embedding_params(arch: ModelArchitecture) -> int:
    """Token embedding, learned positions and OPT's in/out projections."""
    width = arch.embed_proj_dim or arch.hidden_size
    tokens = arch.vocab_size * width
    positions = 0
    if arch.position_embedding == "learned":
        positions = ((arch.max_position_embeddings or 0) + arch.position_offset) * arch.hidden_size
    projections = 2 * arch.hidden_size * arch.embed_proj_dim if arch.embed_proj_dim else 0
    return tokens + positions + projections


def lm_head_params(arch: ModelArchitecture) -> int:
    """Output head: ``vocab x width`` unless tied to the token embedding."""
    if arch.tie_word_embeddings:
        return 0
    return arch.vocab_size * (arch.embed_proj_dim or arch.hidden_size)


def mtp_module_params(arch: ModelArchitecture) -> int:
    """One DeepSeek-V3 multi-token-prediction module, shared embedding and head excluded.

    Two RMSNorms on the inputs, a ``2h x h`` projection, one decoder layer (MoE when the model
    has experts) and the shared head's RMSNorm (DeepSeek-V3 report, arXiv:2412.19437, 2.2).
    """
    h = arch.hidden_size
    layer = attention_params(arch) + arch.norms_per_layer * norm_params(arch)
    if arch.num_experts:
        layer += _moe_layer_total(arch)
    else:
        layer += ffn_params(arch, arch.intermediate_size)
    return 2 * norm_params(arch) + 2 * h * h + layer + norm_params(arch)


def _moe_layer_total(arch: ModelArchitecture) -> int:
    """All weights of one MoE feed-forward block (routed + shared experts + router)."""
    routed = arch.num_experts * ffn_params(arch, arch.moe_intermediate_size)
    shared = ffn_params(arch, arch.shared_expert_intermediate_size)
    return routed + shared + router_params(arch)


def parameter_counts(arch: ModelArchitecture) -> ParameterCounts:
    """Count the parameters of ``arch`` by part; see :class:`ParameterCounts`."""
    moe_layers, dense_layers = arch.num_moe_layers, arch.num_dense_layers
    expert_ffn = ffn_params(arch, arch.moe_intermediate_size)
    embedding = embedding_params(arch)
    lm_head = lm_head_params(arch)
    attention = arch.num_layers * attention_params(arch)
    mlp = dense_layers * ffn_params(arch, arch.intermediate_size)
    experts = moe_layers * arch.num_experts * expert_ffn
    active_experts = moe_layers * arch.experts_per_token * expert_ffn
    shared = moe_layers * ffn_params(arch, arch.shared_expert_intermediate_size)
    router = moe_layers * router_params(arch)
    norms = norm_params(arch) * (
        arch.num_layers * arch.norms_per_layer + int(arch.final_norm) + int(arch.embedding_norm)
    )
    total = embedding + attention + mlp + experts + shared + router + norms + lm_head
    return ParameterCounts(
        total=total,
        active=total - experts + active_experts,
        embedding=embedding,
        non_embedding=total - embedding - lm_head,
        attention=attention,
        mlp=mlp,
        experts=experts,
        active_experts=active_experts,
        shared_experts=shared,
        router=router,
        norms=norms,
        lm_head=lm_head,
        mtp=arch.num_mtp_layers * mtp_module_params(arch),
    )
