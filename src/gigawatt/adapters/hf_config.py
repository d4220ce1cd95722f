"""Read Hugging Face ``config.json`` files into a normalised ``ModelArchitecture``.

Families: Llama, Mistral, Mixtral, Qwen2, Qwen2-MoE, Qwen3, Qwen3-MoE, Gemma, Gemma 2, Phi-3,
DeepSeek-V2/V3 (MLA, shared + routed experts, MTP modules), GPT-2 style, OPT, BLOOM, Falcon
(including the legacy ``RefinedWeb`` model types) and GPT-NeoX. Every bad field is a one-line
:class:`~gigawatt.errors.InputError` naming the file, the field and the family.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from gigawatt.errors import InputError
from gigawatt.models.architecture import AttentionKind, ModelArchitecture

_MISSING: Any = object()


# --------------------------------------------------------------------------------------------
# reading config fields
# --------------------------------------------------------------------------------------------


class _Fields:
    """Typed access to a config mapping that raises one-line :class:`InputError`s."""

    def __init__(self, config: Mapping[str, Any], family: str, where: str) -> None:
        self.config = config
        self.family = family
        self.where = where

    def _find(self, names: tuple[str, ...]) -> tuple[str, Any]:
        for name in names:
            if name in self.config and self.config[name] is not None:
                return name, self.config[name]
        return names[0], _MISSING

    def _missing(self, names: tuple[str, ...]) -> InputError:
        also = f" (also accepted: {', '.join(names[1:])})" if len(names) > 1 else ""
        return InputError(
            f"missing required field {names[0]!r}{also} for family {self.family}", where=self.where
        )

    def _bad(self, name: str, value: Any, allowed: str) -> InputError:
        shown = repr(value).replace("\n", " ")[:60]
        return InputError(
            f"field {name!r} must be {allowed} for family {self.family}, got {shown}",
            where=self.where,
        )

    def int_(self, *names: str, default: Any = _MISSING, minimum: int = 1) -> int:
        """Integer field (first of ``names`` present); ``default`` when absent."""
        name, value = self._find(names)
        if value is _MISSING:
            if default is _MISSING:
                raise self._missing(names)
            return int(default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self._bad(name, value, f"an integer >= {minimum}")
        if isinstance(value, float) and not value.is_integer():
            raise self._bad(name, value, f"an integer >= {minimum}")
        if value < minimum:
            raise self._bad(name, value, f"an integer >= {minimum}")
        return int(value)

    def opt_int(self, *names: str, minimum: int = 1) -> int | None:
        """Integer field or ``None`` when absent or null."""
        _, value = self._find(names)
        return None if value is _MISSING else self.int_(*names, minimum=minimum)

    def bool_(self, *names: str, default: bool) -> bool:
        """Boolean field; ``default`` when absent or null."""
        name, value = self._find(names)
        if value is _MISSING:
            return default
        if not isinstance(value, bool):
            raise self._bad(name, value, "true or false")
        return value

    def float_(self, *names: str, default: float) -> float:
        """Number field in (0, 1]; ``default`` when absent."""
        name, value = self._find(names)
        if value is _MISSING:
            return default
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
            raise self._bad(name, value, "a number in (0, 1]")
        return float(value)

    def int_list(self, name: str) -> tuple[int, ...]:
        """List of non-negative layer indices; empty when absent."""
        _, value = self._find((name,))
        if value is _MISSING:
            return ()
        if not isinstance(value, list) or not all(
            isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value
        ):
            raise self._bad(name, value, "a list of layer indices >= 0")
        return tuple(value)

    def str_(self, name: str, default: str) -> str:
        """String field; ``default`` when absent."""
        _, value = self._find((name,))
        if value is _MISSING:
            return default
        if not isinstance(value, str):
            raise self._bad(name, value, "a string")
        return value


def _attention_kind(heads: int, kv_heads: int) -> AttentionKind:
    """Classify attention by the ratio of query heads to key/value heads."""
    if kv_heads == heads:
        return "mha"
    return "mqa" if kv_heads == 1 else "gqa"


def _check_heads(f: _Fields, heads: int, kv_heads: int) -> None:
    """Key/value heads must divide the query heads."""
    if kv_heads > heads or heads % kv_heads:
        raise f._bad("num_key_value_heads", kv_heads, f"a divisor of num_attention_heads ({heads})")


def _head_dim(f: _Fields, hidden: int, heads: int) -> int:
    """Explicit ``head_dim`` or ``hidden_size / num_attention_heads``."""
    explicit = f.opt_int("head_dim")
    if explicit is not None:
        return explicit
    if hidden % heads:
        raise f._bad("num_attention_heads", heads, f"a divisor of hidden_size ({hidden})")
    return hidden // heads


# --------------------------------------------------------------------------------------------
# family parsers
# --------------------------------------------------------------------------------------------

# model_type -> (family, tie default, gated, qkv bias default, norms per layer, qk norm)
_LLAMA_LIKE: dict[str, tuple[str, bool, bool, bool, int, bool]] = {
    "llama": ("llama", False, True, False, 2, False),
    "mistral": ("mistral", False, True, False, 2, False),
    "mixtral": ("mixtral", False, True, False, 2, False),
    "qwen2": ("qwen2", False, True, True, 2, False),
    "qwen2_moe": ("qwen2-moe", False, True, True, 2, False),
    "qwen3": ("qwen3", False, True, False, 2, True),
    "qwen3_moe": ("qwen3-moe", False, True, False, 2, True),
    "gemma": ("gemma", True, True, False, 2, False),
    "gemma2": ("gemma2", True, True, False, 4, False),
    "phi3": ("phi3", False, True, False, 2, False),
}


def _llama_like(model_type: str, f: _Fields) -> ModelArchitecture:
    """Llama-style decoders: RMSNorm, rotary positions, gated MLP, optional MoE."""
    family, tie, gated, qkv_bias, norms, qk_norm = _LLAMA_LIKE[model_type]
    hidden = f.int_("hidden_size")
    heads = f.int_("num_attention_heads")
    kv_heads = f.int_("num_key_value_heads", default=heads)
    _check_heads(f, heads, kv_heads)
    if model_type in ("qwen3", "qwen3_moe"):
        qkv_bias = f.bool_("attention_bias", default=False)
    elif model_type not in ("qwen2", "qwen2_moe"):
        qkv_bias = f.bool_("attention_bias", default=qkv_bias)
    mlp_bias = f.bool_("mlp_bias", default=False)
    moe = _llama_moe_fields(model_type, f)
    return ModelArchitecture(
        model_type=model_type,
        family=family,
        hidden_size=hidden,
        num_layers=f.int_("num_hidden_layers"),
        num_attention_heads=heads,
        num_kv_heads=kv_heads,
        head_dim=_head_dim(f, hidden, heads),
        intermediate_size=f.int_("intermediate_size"),
        vocab_size=f.int_("vocab_size"),
        max_position_embeddings=f.opt_int("max_position_embeddings"),
        tie_word_embeddings=f.bool_("tie_word_embeddings", default=tie),
        gated_mlp=gated,
        attention_kind=_attention_kind(heads, kv_heads),
        norm_kind="rmsnorm",
        qkv_bias=qkv_bias,
        attention_out_bias=qkv_bias and model_type not in ("qwen2", "qwen2_moe"),
        mlp_bias=mlp_bias,
        norms_per_layer=norms,
        qk_norm=qk_norm,
        rotary_pct=f.float_("partial_rotary_factor", default=1.0),
        **moe,
    )


def _llama_moe_fields(model_type: str, f: _Fields) -> dict[str, Any]:
    """Expert fields of Mixtral and the Qwen MoE models (empty for dense models)."""
    if model_type == "mixtral":
        return {
            "num_experts": f.int_("num_local_experts", default=8),
            "experts_per_token": f.int_("num_experts_per_tok", default=2),
            "moe_intermediate_size": f.int_("intermediate_size"),
        }
    if model_type not in ("qwen2_moe", "qwen3_moe"):
        return {}
    step = f.int_("decoder_sparse_step", default=1)
    fields: dict[str, Any] = {
        "num_experts": f.int_("num_experts"),
        "experts_per_token": f.int_("num_experts_per_tok"),
        "moe_intermediate_size": f.int_("moe_intermediate_size"),
        "moe_layer_frequency": step,
        "moe_layer_offset": step - 1,
        "dense_layer_indices": f.int_list("mlp_only_layers"),
    }
    if model_type == "qwen2_moe":
        shared = f.int_("shared_expert_intermediate_size", minimum=0)
        fields["shared_expert_intermediate_size"] = shared
        fields["num_shared_experts"] = 1 if shared else 0
        fields["shared_expert_gate"] = bool(shared)
    return fields


def _deepseek(model_type: str, f: _Fields) -> ModelArchitecture:
    """DeepSeek-V2/V3: multi-head latent attention, shared + routed experts, MTP modules."""
    hidden = f.int_("hidden_size")
    heads = f.int_("num_attention_heads")
    nope = f.int_("qk_nope_head_dim")
    rope = f.int_("qk_rope_head_dim")
    routed = f.opt_int("n_routed_experts")
    moe_inter = f.int_("moe_intermediate_size") if routed else 0
    shared = f.int_("n_shared_experts", default=0, minimum=0) if routed else 0
    return ModelArchitecture(
        model_type=model_type,
        family=model_type.replace("_", "-"),
        hidden_size=hidden,
        num_layers=f.int_("num_hidden_layers"),
        num_attention_heads=heads,
        num_kv_heads=heads,
        head_dim=nope + rope,
        intermediate_size=f.int_("intermediate_size"),
        vocab_size=f.int_("vocab_size"),
        max_position_embeddings=f.opt_int("max_position_embeddings"),
        tie_word_embeddings=f.bool_("tie_word_embeddings", default=False),
        gated_mlp=True,
        attention_kind="mla",
        norm_kind="rmsnorm",
        qkv_bias=f.bool_("attention_bias", default=False),
        attention_out_bias=f.bool_("attention_bias", default=False),
        q_lora_rank=f.opt_int("q_lora_rank"),
        kv_lora_rank=f.int_("kv_lora_rank"),
        qk_nope_head_dim=nope,
        qk_rope_head_dim=rope,
        v_head_dim=f.int_("v_head_dim"),
        num_experts=routed or 0,
        experts_per_token=f.int_("num_experts_per_tok") if routed else 0,
        num_shared_experts=shared,
        moe_intermediate_size=moe_inter,
        shared_expert_intermediate_size=shared * moe_inter,
        router_bias=f.str_("topk_method", "greedy") == "noaux_tc",
        first_dense_layers=f.int_("first_k_dense_replace", default=0, minimum=0),
        moe_layer_frequency=f.int_("moe_layer_freq", default=1),
        num_mtp_layers=f.int_("num_nextn_predict_layers", default=0, minimum=0),
    )


def _gpt2(model_type: str, f: _Fields) -> ModelArchitecture:
    """GPT-2 style (also used for GPT-3 shapes): learned positions, LayerNorm, biases, tied."""
    hidden = f.int_("n_embd", "hidden_size")
    heads = f.int_("n_head", "num_attention_heads")
    return ModelArchitecture(
        model_type=model_type,
        family="gpt2",
        hidden_size=hidden,
        num_layers=f.int_("n_layer", "num_hidden_layers"),
        num_attention_heads=heads,
        num_kv_heads=heads,
        head_dim=_head_dim(f, hidden, heads),
        intermediate_size=f.int_("n_inner", default=4 * hidden),
        vocab_size=f.int_("vocab_size"),
        max_position_embeddings=f.int_("n_positions", "max_position_embeddings"),
        tie_word_embeddings=f.bool_("tie_word_embeddings", default=True),
        gated_mlp=False,
        attention_kind="mha",
        norm_kind="layernorm",
        qkv_bias=True,
        attention_out_bias=True,
        mlp_bias=True,
        position_embedding="learned",
    )


def _opt(model_type: str, f: _Fields) -> ModelArchitecture:
    """Meta OPT: learned positions offset by 2, optional word-embedding projection."""
    hidden = f.int_("hidden_size")
    heads = f.int_("num_attention_heads")
    bias = f.bool_("enable_bias", default=True)
    proj = f.int_("word_embed_proj_dim", default=hidden)
    pre_norm = f.bool_("do_layer_norm_before", default=True)
    return ModelArchitecture(
        model_type=model_type,
        family="opt",
        hidden_size=hidden,
        num_layers=f.int_("num_hidden_layers"),
        num_attention_heads=heads,
        num_kv_heads=heads,
        head_dim=_head_dim(f, hidden, heads),
        intermediate_size=f.int_("ffn_dim"),
        vocab_size=f.int_("vocab_size"),
        max_position_embeddings=f.int_("max_position_embeddings"),
        tie_word_embeddings=f.bool_("tie_word_embeddings", default=True),
        gated_mlp=False,
        attention_kind="mha",
        norm_kind="layernorm",
        qkv_bias=bias,
        attention_out_bias=bias,
        mlp_bias=bias,
        final_norm=pre_norm and not f.bool_("_remove_final_layer_norm", default=False),
        position_embedding="learned",
        position_offset=2,
        embed_proj_dim=None if proj == hidden else proj,
    )


def _bloom(model_type: str, f: _Fields) -> ModelArchitecture:
    """BLOOM: ALiBi, LayerNorm after the embedding, fused QKV with biases, tied head."""
    hidden = f.int_("hidden_size", "n_embed")
    heads = f.int_("n_head", "num_attention_heads")
    return ModelArchitecture(
        model_type=model_type,
        family="bloom",
        hidden_size=hidden,
        num_layers=f.int_("n_layer", "num_hidden_layers"),
        num_attention_heads=heads,
        num_kv_heads=heads,
        head_dim=_head_dim(f, hidden, heads),
        intermediate_size=4 * hidden,
        vocab_size=f.int_("vocab_size"),
        max_position_embeddings=f.opt_int("seq_length", "max_position_embeddings"),
        tie_word_embeddings=f.bool_("tie_word_embeddings", default=True),
        gated_mlp=False,
        attention_kind="mha",
        norm_kind="layernorm",
        qkv_bias=True,
        attention_out_bias=True,
        mlp_bias=True,
        embedding_norm=True,
        position_embedding="alibi",
        rotary_pct=0.0,
    )


def _falcon(model_type: str, f: _Fields) -> ModelArchitecture:
    """Falcon / RefinedWeb: MQA or grouped KV, parallel attention, optional ALiBi."""
    hidden = f.int_("hidden_size")
    heads = f.int_("num_attention_heads", "n_head")
    new_arch = f.bool_("new_decoder_architecture", default=False)
    if new_arch:
        kv_heads = f.int_("num_kv_heads", "n_head_kv", default=heads)
    elif f.bool_("multi_query", default=True):
        kv_heads = 1
    else:
        kv_heads = heads
    _check_heads(f, heads, kv_heads)
    parallel = f.bool_("parallel_attn", default=True)
    bias = f.bool_("bias", default=False)
    alibi = f.bool_("alibi", default=False)
    return ModelArchitecture(
        model_type=model_type,
        family="falcon",
        hidden_size=hidden,
        num_layers=f.int_("num_hidden_layers", "n_layer"),
        num_attention_heads=heads,
        num_kv_heads=kv_heads,
        head_dim=_head_dim(f, hidden, heads),
        intermediate_size=f.int_("ffn_hidden_size", default=4 * hidden),
        vocab_size=f.int_("vocab_size"),
        max_position_embeddings=f.opt_int("max_position_embeddings"),
        tie_word_embeddings=f.bool_("tie_word_embeddings", default=True),
        gated_mlp=False,
        attention_kind=_attention_kind(heads, kv_heads),
        norm_kind="layernorm",
        qkv_bias=bias,
        attention_out_bias=bias,
        mlp_bias=bias,
        norms_per_layer=2 if new_arch or not parallel else 1,
        position_embedding="alibi" if alibi else "rope",
        rotary_pct=0.0 if alibi else 1.0,
        parallel_attention=parallel,
    )


def _gpt_neox(model_type: str, f: _Fields) -> ModelArchitecture:
    """GPT-NeoX: partial rotary, parallel residual, untied output head."""
    hidden = f.int_("hidden_size")
    heads = f.int_("num_attention_heads")
    bias = f.bool_("attention_bias", default=True)
    return ModelArchitecture(
        model_type=model_type,
        family="gpt-neox",
        hidden_size=hidden,
        num_layers=f.int_("num_hidden_layers"),
        num_attention_heads=heads,
        num_kv_heads=heads,
        head_dim=_head_dim(f, hidden, heads),
        intermediate_size=f.int_("intermediate_size"),
        vocab_size=f.int_("vocab_size"),
        max_position_embeddings=f.opt_int("max_position_embeddings"),
        tie_word_embeddings=f.bool_("tie_word_embeddings", default=False),
        gated_mlp=False,
        attention_kind="mha",
        norm_kind="layernorm",
        qkv_bias=bias,
        attention_out_bias=bias,
        mlp_bias=True,
        rotary_pct=f.float_("rotary_pct", default=0.25),
        parallel_attention=f.bool_("use_parallel_residual", default=True),
    )


_Parser = Callable[[str, _Fields], ModelArchitecture]

_PARSERS: dict[str, _Parser] = {
    **dict.fromkeys(_LLAMA_LIKE, _llama_like),
    "deepseek_v2": _deepseek,
    "deepseek_v3": _deepseek,
    "gpt2": _gpt2,
    "opt": _opt,
    "bloom": _bloom,
    "falcon": _falcon,
    "gpt_neox": _gpt_neox,
}

# legacy or alternative spellings of model_type -> canonical model_type
_ALIASES: dict[str, str] = {
    "RefinedWeb": "falcon",
    "RefinedWebModel": "falcon",
    "gpt-neox": "gpt_neox",
    "deepseek-v3": "deepseek_v3",
    "deepseek-v2": "deepseek_v2",
}

SUPPORTED_MODEL_TYPES: tuple[str, ...] = tuple(sorted(_PARSERS))


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
    parser = _PARSERS.get(model_type)
    if parser is None:
        raise InputError(
            f"unsupported model_type {raw_type!r}; supported: {', '.join(SUPPORTED_MODEL_TYPES)}",
            where=where,
        )
    family = _LLAMA_LIKE[model_type][0] if model_type in _LLAMA_LIKE else model_type
    arch = parser(model_type, _Fields(config, family.replace("_", "-"), where))
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
