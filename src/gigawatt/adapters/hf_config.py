"""Read Hugging Face ``config.json`` files into a normalised ``ModelArchitecture``.

Families: Llama, Mistral, Mixtral, Qwen2, Qwen2-MoE, Qwen3, Qwen3-MoE, Gemma, Gemma 2, Phi-3,
DeepSeek-V2/V3 (MLA, shared + routed experts, MTP modules), GPT-2 style, OPT, BLOOM, Falcon
(including the legacy ``RefinedWeb`` model types) and GPT-NeoX. Every bad field is a one-line
:class:`~gigawatt.errors.InputError` naming the file, the field and the family.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from gigawatt.adapters.config_fields import MISSING, ConfigFields
from gigawatt.errors import InputError
from gigawatt.models.architecture import AttentionKind, ModelArchitecture


def _attention_kind(heads: int, kv_heads: int) -> AttentionKind:
    """Classify attention by the ratio of query heads to key/value heads."""
    if kv_heads == heads:
        return "mha"
    return "mqa" if kv_heads == 1 else "gqa"


def _check_heads(f: ConfigFields, heads: int, kv_heads: int) -> None:
    """Key/value heads must divide the query heads."""
    if kv_heads > heads or heads % kv_heads:
        raise f.bad("num_key_value_heads", kv_heads, f"a divisor of num_attention_heads ({heads})")


def _head_dim(f: ConfigFields, hidden: int, heads: int) -> int:
    """Explicit ``head_dim`` or ``hidden_size / num_attention_heads``."""
    explicit = f.opt_int("head_dim")
    if explicit is not None:
        return explicit
    if hidden % heads:
        raise f.bad("num_attention_heads", heads, f"a divisor of hidden_size ({hidden})")
    return hidden // heads


# --------------------------------------------------------------------------------------------
# family quirks: small readers for what one family does differently
# --------------------------------------------------------------------------------------------

_Quirk = Callable[[ConfigFields, dict[str, Any]], dict[str, Any]]


def _same_kv_heads(f: ConfigFields, heads: int) -> int:
    """Multi-head attention: one key/value head per query head."""
    return heads


def _grouped_kv_heads(f: ConfigFields, heads: int) -> int:
    """``num_key_value_heads`` (grouped-query attention), default one per query head."""
    return f.int_("num_key_value_heads", default=heads)


def _falcon_kv_heads(f: ConfigFields, heads: int) -> int:
    """Falcon: grouped KV in the new decoder architecture, else multi-query (one KV head)."""
    if f.bool_("new_decoder_architecture", default=False):
        return f.int_("num_kv_heads", "n_head_kv", default=heads)
    return 1 if f.bool_("multi_query", default=True) else heads


def _mla_head_dim(f: ConfigFields, hidden: int, heads: int) -> int:
    """MLA query/key head width: ``qk_nope_head_dim + qk_rope_head_dim``."""
    return f.int_("qk_nope_head_dim") + f.int_("qk_rope_head_dim")


def _mla_ranks(f: ConfigFields, fields: dict[str, Any]) -> dict[str, Any]:
    """DeepSeek multi-head latent attention: low-rank query/KV projections (arXiv:2405.04434)."""
    return {
        "q_lora_rank": f.opt_int("q_lora_rank"),
        "kv_lora_rank": f.int_("kv_lora_rank"),
        "qk_nope_head_dim": f.int_("qk_nope_head_dim"),
        "qk_rope_head_dim": f.int_("qk_rope_head_dim"),
        "v_head_dim": f.int_("v_head_dim"),
    }


def _deepseek_experts(f: ConfigFields, fields: dict[str, Any]) -> dict[str, Any]:
    """DeepSeek routed + shared experts, dense first layers, router bias and MTP modules."""
    routed = f.opt_int("n_routed_experts")
    moe_inter = f.int_("moe_intermediate_size") if routed else 0
    shared = f.int_("n_shared_experts", default=0, minimum=0) if routed else 0
    return {
        "num_experts": routed or 0,
        "experts_per_token": f.int_("num_experts_per_tok") if routed else 0,
        "num_shared_experts": shared,
        "moe_intermediate_size": moe_inter,
        "shared_expert_intermediate_size": shared * moe_inter,
        "router_bias": f.str_("topk_method", "greedy") == "noaux_tc",
        "first_dense_layers": f.int_("first_k_dense_replace", default=0, minimum=0),
        "moe_layer_frequency": f.int_("moe_layer_freq", default=1),
        "num_mtp_layers": f.int_("num_nextn_predict_layers", default=0, minimum=0),
    }


def _mixtral_experts(f: ConfigFields, fields: dict[str, Any]) -> dict[str, Any]:
    """Mixtral: every layer MoE, experts as wide as the dense ``intermediate_size``."""
    return {
        "num_experts": f.int_("num_local_experts", default=8),
        "experts_per_token": f.int_("num_experts_per_tok", default=2),
        "moe_intermediate_size": f.int_("intermediate_size"),
    }


def _qwen_moe_experts(f: ConfigFields, fields: dict[str, Any]) -> dict[str, Any]:
    """Qwen MoE: every ``decoder_sparse_step``-th layer routed, ``mlp_only_layers`` dense."""
    step = f.int_("decoder_sparse_step", default=1)
    return {
        "num_experts": f.int_("num_experts"),
        "experts_per_token": f.int_("num_experts_per_tok"),
        "moe_intermediate_size": f.int_("moe_intermediate_size"),
        "moe_layer_frequency": step,
        "moe_layer_offset": step - 1,
        "dense_layer_indices": f.int_list("mlp_only_layers"),
    }


def _qwen2_shared_expert(f: ConfigFields, fields: dict[str, Any]) -> dict[str, Any]:
    """Qwen2-MoE: one gated shared expert of ``shared_expert_intermediate_size`` (0 = none)."""
    shared = f.int_("shared_expert_intermediate_size", minimum=0)
    return {
        "shared_expert_intermediate_size": shared,
        "num_shared_experts": 1 if shared else 0,
        "shared_expert_gate": bool(shared),
    }


def _falcon_blocks(f: ConfigFields, fields: dict[str, Any]) -> dict[str, Any]:
    """Falcon: parallel attention with one shared norm, two norms in the new/serial layout;
    ALiBi instead of rotary positions when ``alibi`` is set."""
    parallel = f.bool_("parallel_attn", default=True)
    new_arch = f.bool_("new_decoder_architecture", default=False)
    alibi = f.bool_("alibi", default=False)
    return {
        "norms_per_layer": 2 if new_arch or not parallel else 1,
        "parallel_attention": parallel,
        "position_embedding": "alibi" if alibi else "rope",
        "rotary_pct": 0.0 if alibi else 1.0,
    }


def _neox_parallel_residual(f: ConfigFields, fields: dict[str, Any]) -> dict[str, Any]:
    """GPT-NeoX: attention and MLP in parallel unless ``use_parallel_residual`` is false."""
    return {"parallel_attention": f.bool_("use_parallel_residual", default=True)}


def _opt_projection(f: ConfigFields, fields: dict[str, Any]) -> dict[str, Any]:
    """OPT: optional word-embedding projection; no final LayerNorm in post-norm models."""
    hidden = fields["hidden_size"]
    proj = f.int_("word_embed_proj_dim", default=hidden)
    pre_norm = f.bool_("do_layer_norm_before", default=True)
    return {
        "embed_proj_dim": None if proj == hidden else proj,
        "final_norm": pre_norm and not f.bool_("_remove_final_layer_norm", default=False),
    }


def _qwen2_qkv_bias(f: ConfigFields, fields: dict[str, Any]) -> dict[str, Any]:
    """Qwen2: biases on the query/key/value projections, none on the output projection."""
    return {"qkv_bias": True, "attention_out_bias": False}


# --------------------------------------------------------------------------------------------
# the family table and the one constructor
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Family:
    """How one ``model_type`` spells the architecture fields.

    Key tuples list the accepted config keys, first preferred. ``intermediate=()`` means the
    feed-forward width is always ``4 * hidden_size``; ``intermediate_default_4x`` makes it the
    default when the key is absent. A ``*_key`` of ``None`` means the family has no such key and
    the value beside it is fixed; otherwise that value is the default. ``constants`` are fixed
    :class:`ModelArchitecture` fields; ``quirks`` read what the family does differently (applied
    last, in order, over the generic fields).
    """

    family: str
    hidden: tuple[str, ...] = ("hidden_size",)
    heads: tuple[str, ...] = ("num_attention_heads",)
    layers: tuple[str, ...] = ("num_hidden_layers",)
    kv_heads: Callable[[ConfigFields, int], int] = _same_kv_heads
    head_dim: Callable[[ConfigFields, int, int], int] = _head_dim
    intermediate: tuple[str, ...] = ("intermediate_size",)
    intermediate_default_4x: bool = False
    max_positions: tuple[str, ...] = ("max_position_embeddings",)
    max_positions_required: bool = False
    tied: bool = False
    attention_bias_key: str | None = "attention_bias"
    attention_bias: bool = False
    mlp_bias_key: str | None = "mlp_bias"
    mlp_bias: bool = False
    rotary_key: str | None = "partial_rotary_factor"
    rotary_pct: float = 1.0
    constants: Mapping[str, Any] = field(default_factory=dict)
    quirks: tuple[_Quirk, ...] = ()


_RMS_GATED: dict[str, Any] = {"gated_mlp": True, "norm_kind": "rmsnorm"}
_LAYERNORM: dict[str, Any] = {"gated_mlp": False, "norm_kind": "layernorm"}
_LEARNED_POSITIONS: dict[str, Any] = {**_LAYERNORM, "position_embedding": "learned"}

_LLAMA = _Family("llama", kv_heads=_grouped_kv_heads, constants=_RMS_GATED)
_QWEN2 = replace(_LLAMA, family="qwen2", attention_bias_key=None, quirks=(_qwen2_qkv_bias,))
_QWEN3 = replace(_LLAMA, family="qwen3", constants={**_RMS_GATED, "qk_norm": True})
_DEEPSEEK = _Family(
    "deepseek",
    head_dim=_mla_head_dim,
    mlp_bias_key=None,
    rotary_key=None,
    constants={**_RMS_GATED, "attention_kind": "mla"},
    quirks=(_mla_ranks, _deepseek_experts),
)
_ALL_BIASES: dict[str, Any] = {
    "attention_bias_key": None,
    "attention_bias": True,
    "mlp_bias_key": None,
    "mlp_bias": True,
    "rotary_key": None,
}

# model_type (canonical) -> how its config.json spells the architecture
_FAMILIES: dict[str, _Family] = {
    "llama": _LLAMA,
    "mistral": replace(_LLAMA, family="mistral"),
    "mixtral": replace(_LLAMA, family="mixtral", quirks=(_mixtral_experts,)),
    "phi3": replace(_LLAMA, family="phi3"),
    "gemma": replace(_LLAMA, family="gemma", tied=True),
    "gemma2": replace(
        _LLAMA, family="gemma2", tied=True, constants={**_RMS_GATED, "norms_per_layer": 4}
    ),
    "qwen2": _QWEN2,
    "qwen2_moe": replace(
        _QWEN2,
        family="qwen2-moe",
        quirks=(_qwen2_qkv_bias, _qwen_moe_experts, _qwen2_shared_expert),
    ),
    "qwen3": _QWEN3,
    "qwen3_moe": replace(_QWEN3, family="qwen3-moe", quirks=(_qwen_moe_experts,)),
    "deepseek_v2": replace(_DEEPSEEK, family="deepseek-v2"),
    "deepseek_v3": replace(_DEEPSEEK, family="deepseek-v3"),
    "gpt2": _Family(
        "gpt2",
        hidden=("n_embd", "hidden_size"),
        heads=("n_head", "num_attention_heads"),
        layers=("n_layer", "num_hidden_layers"),
        intermediate=("n_inner",),
        intermediate_default_4x=True,
        max_positions=("n_positions", "max_position_embeddings"),
        max_positions_required=True,
        tied=True,
        constants=_LEARNED_POSITIONS,
        **_ALL_BIASES,
    ),
    "opt": _Family(
        "opt",
        intermediate=("ffn_dim",),
        max_positions_required=True,
        tied=True,
        attention_bias_key="enable_bias",
        attention_bias=True,
        mlp_bias_key="enable_bias",
        mlp_bias=True,
        rotary_key=None,
        constants={**_LEARNED_POSITIONS, "position_offset": 2},
        quirks=(_opt_projection,),
    ),
    "bloom": _Family(
        "bloom",
        hidden=("hidden_size", "n_embed"),
        heads=("n_head", "num_attention_heads"),
        layers=("n_layer", "num_hidden_layers"),
        intermediate=(),
        max_positions=("seq_length", "max_position_embeddings"),
        tied=True,
        constants={
            **_LAYERNORM,
            "embedding_norm": True,
            "position_embedding": "alibi",
            "rotary_pct": 0.0,
        },
        **_ALL_BIASES,
    ),
    "falcon": _Family(
        "falcon",
        heads=("num_attention_heads", "n_head"),
        layers=("num_hidden_layers", "n_layer"),
        kv_heads=_falcon_kv_heads,
        intermediate=("ffn_hidden_size",),
        intermediate_default_4x=True,
        tied=True,
        attention_bias_key="bias",
        mlp_bias_key="bias",
        rotary_key=None,
        constants=_LAYERNORM,
        quirks=(_falcon_blocks,),
    ),
    "gpt_neox": _Family(
        "gpt-neox",
        attention_bias=True,
        mlp_bias_key=None,
        mlp_bias=True,
        rotary_key="rotary_pct",
        rotary_pct=0.25,
        constants=_LAYERNORM,
        quirks=(_neox_parallel_residual,),
    ),
}


def _intermediate_size(f: ConfigFields, spec: _Family, hidden: int) -> int:
    """Dense feed-forward width: the family's key, or ``4 * hidden_size`` where it has none."""
    if not spec.intermediate:
        return 4 * hidden
    default = 4 * hidden if spec.intermediate_default_4x else MISSING
    return f.int_(*spec.intermediate, default=default)


def _max_positions(f: ConfigFields, spec: _Family) -> int | None:
    """Declared context length (required for learned positions)."""
    if spec.max_positions_required:
        return f.int_(*spec.max_positions)
    return f.opt_int(*spec.max_positions)


def _biases(f: ConfigFields, spec: _Family) -> dict[str, bool]:
    """Bias flags of the attention (query/key/value and output) and MLP linear layers."""
    attention = spec.attention_bias
    if spec.attention_bias_key is not None:
        attention = f.bool_(spec.attention_bias_key, default=attention)
    mlp = spec.mlp_bias
    if spec.mlp_bias_key is not None:
        mlp = f.bool_(spec.mlp_bias_key, default=mlp)
    return {"qkv_bias": attention, "attention_out_bias": attention, "mlp_bias": mlp}


def _rotary_pct(f: ConfigFields, spec: _Family) -> float:
    """Share of a head that is rotated."""
    if spec.rotary_key is None:
        return spec.rotary_pct
    return f.float_(spec.rotary_key, default=spec.rotary_pct)


def _architecture(model_type: str, spec: _Family, f: ConfigFields) -> ModelArchitecture:
    """Read the fields every family shares as ``spec`` spells them, then the family quirks."""
    hidden = f.int_(*spec.hidden)
    heads = f.int_(*spec.heads)
    kv_heads = spec.kv_heads(f, heads)
    _check_heads(f, heads, kv_heads)
    fields: dict[str, Any] = {
        "model_type": model_type,
        "family": spec.family,
        "hidden_size": hidden,
        "num_layers": f.int_(*spec.layers),
        "num_attention_heads": heads,
        "num_kv_heads": kv_heads,
        "head_dim": spec.head_dim(f, hidden, heads),
        "intermediate_size": _intermediate_size(f, spec, hidden),
        "vocab_size": f.int_("vocab_size"),
        "max_position_embeddings": _max_positions(f, spec),
        "tie_word_embeddings": f.bool_("tie_word_embeddings", default=spec.tied),
        "attention_kind": _attention_kind(heads, kv_heads),
        **_biases(f, spec),
        "rotary_pct": _rotary_pct(f, spec),
        **spec.constants,
    }
    for quirk in spec.quirks:
        fields.update(quirk(f, fields))
    return ModelArchitecture(**fields)


# legacy or alternative spellings of model_type -> canonical model_type
_ALIASES: dict[str, str] = {
    "RefinedWeb": "falcon",
    "RefinedWebModel": "falcon",
    "gpt-neox": "gpt_neox",
    "deepseek-v3": "deepseek_v3",
    "deepseek-v2": "deepseek_v2",
}

SUPPORTED_MODEL_TYPES: tuple[str, ...] = tuple(sorted(_FAMILIES))


def architecture_from_hf_config(
    config: Mapping[str, Any], *, where: str = "config.json"
) -> ModelArchitecture:
    """Normalise a Hugging Face ``config.json`` mapping into a :class:`ModelArchitecture`.

    Raises :class:`~gigawatt.errors.InputError` (one line, prefixed with ``where``) naming the
    field and the family when a required field is missing or has a bad value, or when
    ``model_type`` is not one of :data:`SUPPORTED_MODEL_TYPES`.
    """
    if not isinstance(config, Mapping):
        raise InputError(f"config must be a JSON object, got {type(config).__name__}", where=where)
    raw_type = config.get("model_type")
    if not isinstance(raw_type, str) or not raw_type:
        raise InputError(
            f"missing required field 'model_type'; supported: {', '.join(SUPPORTED_MODEL_TYPES)}",
            where=where,
        )
    model_type = _ALIASES.get(raw_type, raw_type)
    if raw_type == "RefinedWeb" and "new_decoder_architecture" not in config:
        # legacy Falcon-40B configs: 'RefinedWeb' means the new decoder architecture
        config = {**config, "new_decoder_architecture": True}
    spec = _FAMILIES.get(model_type)
    if spec is None:
        raise InputError(
            f"unsupported model_type {raw_type!r}; supported: {', '.join(SUPPORTED_MODEL_TYPES)}",
            where=where,
        )
    arch = _architecture(model_type, spec, ConfigFields(config, spec.family, where))
    _check_consistency(arch, where)
    return arch


def _check_consistency(arch: ModelArchitecture, where: str) -> None:
    """Cross-field checks that a single field reader cannot make."""
    if arch.num_experts and arch.experts_per_token > arch.num_experts:
        raise InputError(
            f"field 'num_experts_per_tok' must be <= the number of experts ({arch.num_experts}) "
            f"for family {arch.family}, got {arch.experts_per_token}",
            where=where,
        )


def load_hf_config(path: Path) -> ModelArchitecture:
    """Read a Hugging Face ``config.json`` file and normalise it.

    Bad JSON raises :class:`~gigawatt.errors.InputError` naming the file, line and column.
    """
    where = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read config file: {exc.strerror or exc}", where=where) from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"config file is not UTF-8 text: {exc.reason}", where=where) from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}", where=where
        ) from exc
    if not isinstance(data, dict):
        raise InputError(f"config must be a JSON object, got {type(data).__name__}", where=where)
    return architecture_from_hf_config(data, where=where)
