"""Tests for Hugging Face config import (gigawatt.models.architecture)."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import pytest

from gigawatt.adapters.hf_config import (
    SUPPORTED_MODEL_TYPES,
    architecture_from_hf_config,
    load_hf_config,
)
from gigawatt.errors import InputError
from gigawatt.models.architecture import ModelArchitecture, kv_cache_bytes_per_token

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "hf_configs"
CATALOG = ROOT / "src" / "gigawatt" / "catalog"
MODELS_CSV = CATALOG / "data" / "models.csv"
MODELS_DIR = CATALOG / "data" / "models"
SCHEMA_CSV = CATALOG / "schema" / "models.csv"


def _catalog_rows() -> list[dict[str, str]]:
    with MODELS_CSV.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _fixture(name: str) -> ModelArchitecture:
    return load_hf_config(FIXTURES / name)


# ---------------------------------------------------------------------------------------------
# every family parses
# ---------------------------------------------------------------------------------------------

# fixture -> (family, attention kind, norm kind, gated, tied, moe)
FAMILIES: dict[str, tuple[str, str, str, bool, bool, bool]] = {
    "llama_tiny.json": ("llama", "gqa", "rmsnorm", True, False, False),
    "mistral_tiny.json": ("mistral", "gqa", "rmsnorm", True, False, False),
    "mixtral_tiny.json": ("mixtral", "mqa", "rmsnorm", True, False, True),
    "qwen2_tiny.json": ("qwen2", "gqa", "rmsnorm", True, True, False),
    "qwen2_moe_tiny.json": ("qwen2-moe", "mha", "rmsnorm", True, False, True),
    "qwen3_tiny.json": ("qwen3", "gqa", "rmsnorm", True, True, False),
    "qwen3_moe_tiny.json": ("qwen3-moe", "gqa", "rmsnorm", True, False, True),
    "deepseek_v3_tiny.json": ("deepseek-v3", "mla", "rmsnorm", True, False, True),
    "deepseek_v2_lite_tiny.json": ("deepseek-v2", "mla", "rmsnorm", True, False, True),
    "gpt2_tiny.json": ("gpt2", "mha", "layernorm", False, True, False),
    "opt_tiny_proj.json": ("opt", "mha", "layernorm", False, True, False),
    "bloom_tiny.json": ("bloom", "mha", "layernorm", False, True, False),
    "falcon_rw_legacy_tiny.json": ("falcon", "mqa", "layernorm", False, True, False),
    "falcon_serial_tiny.json": ("falcon", "mha", "layernorm", False, True, False),
    "falcon_40b.json": ("falcon", "gqa", "layernorm", False, True, False),
    "gpt_neox_tiny.json": ("gpt-neox", "mha", "layernorm", False, False, False),
    "gemma_tiny.json": ("gemma", "mqa", "rmsnorm", True, True, False),
    "gemma2_tiny.json": ("gemma2", "gqa", "rmsnorm", True, True, False),
    "phi3_tiny.json": ("phi3", "mha", "rmsnorm", True, False, False),
}


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_each_family_parses(name: str) -> None:
    family, attention, norm, gated, tied, moe = FAMILIES[name]
    arch = _fixture(name)
    assert arch.family == family
    assert arch.attention_kind == attention
    assert arch.norm_kind == norm
    assert arch.gated_mlp is gated
    assert arch.tie_word_embeddings is tied
    assert arch.is_moe is moe
    assert arch.num_attention_heads % arch.num_kv_heads == 0


def test_gpt2_aliases_and_default_inner_size() -> None:
    arch = _fixture("gpt2_tiny.json")
    assert (arch.hidden_size, arch.num_layers, arch.num_attention_heads) == (32, 2, 4)
    assert arch.intermediate_size == 4 * 32  # n_inner null -> 4 * n_embd
    assert arch.position_embedding == "learned"
    assert arch.max_position_embeddings == 16


def test_bloom_reads_n_embed_and_alibi() -> None:
    arch = _fixture("bloom_tiny.json")
    assert arch.hidden_size == 32
    assert arch.num_layers == 2
    assert arch.position_embedding == "alibi"
    assert arch.embedding_norm
    assert arch.max_position_embeddings is None


def test_opt_projection_and_post_norm() -> None:
    arch = _fixture("opt_tiny_proj.json")
    assert arch.embed_proj_dim == 16
    assert arch.position_offset == 2
    assert not arch.final_norm  # do_layer_norm_before false: no final LayerNorm


def test_falcon_variants() -> None:
    legacy = _fixture("falcon_rw_legacy_tiny.json")
    assert legacy.num_kv_heads == 1
    assert legacy.parallel_attention
    assert legacy.norms_per_layer == 1
    serial = _fixture("falcon_serial_tiny.json")
    assert serial.norms_per_layer == 2
    assert serial.position_embedding == "alibi"
    assert serial.qkv_bias
    big = _fixture("falcon_40b.json")
    assert (big.num_attention_heads, big.num_kv_heads, big.head_dim) == (128, 8, 64)
    assert big.norms_per_layer == 2


def test_refinedweb_legacy_type_means_new_decoder() -> None:
    cfg = {
        "model_type": "RefinedWeb",
        "hidden_size": 64,
        "n_head": 8,
        "n_head_kv": 2,
        "n_layer": 2,
        "vocab_size": 10,
    }
    arch = architecture_from_hf_config(cfg)
    assert arch.num_kv_heads == 2
    assert arch.norms_per_layer == 2


def test_neox_partial_rotary() -> None:
    arch = _fixture("gpt_neox_tiny.json")
    assert arch.rotary_pct == pytest.approx(0.25)
    assert arch.parallel_attention


def test_qwen_moe_layer_pattern() -> None:
    arch = _fixture("qwen2_moe_tiny.json")
    # decoder_sparse_step 2 -> layers 1 and 3; mlp_only_layers [1] -> only layer 3
    assert [arch.is_moe_layer(i) for i in range(4)] == [False, False, False, True]
    assert arch.shared_expert_gate
    assert arch.qkv_bias and not arch.attention_out_bias


def test_deepseek_fields() -> None:
    arch = _fixture("deepseek_v3_tiny.json")
    assert (arch.q_lora_rank, arch.kv_lora_rank) == (16, 8)
    assert (arch.qk_nope_head_dim, arch.qk_rope_head_dim, arch.v_head_dim) == (8, 4, 8)
    assert arch.head_dim == 12
    assert [arch.is_moe_layer(i) for i in range(4)] == [False, True, True, True]
    assert arch.num_mtp_layers == 1
    assert arch.router_bias
    lite = _fixture("deepseek_v2_lite_tiny.json")
    assert lite.q_lora_rank is None
    assert not lite.router_bias
    assert [lite.is_moe_layer(i) for i in range(4)] == [False, False, True, False]
    assert lite.shared_expert_intermediate_size == 2 * 8


def test_explicit_head_dim_overrides_division() -> None:
    arch = _fixture("gemma_tiny.json")
    assert arch.head_dim == 16  # hidden 32 / 4 heads would give 8


# ---------------------------------------------------------------------------------------------
# catalog configs
# ---------------------------------------------------------------------------------------------


def test_catalog_header_matches_schema() -> None:
    with SCHEMA_CSV.open(encoding="utf-8", newline="") as fh:
        attributes = [row["attribute"] for row in csv.DictReader(fh)]
    with MODELS_CSV.open(encoding="utf-8", newline="") as fh:
        header = next(csv.reader(fh))
    assert header == attributes


def test_catalog_rows_are_complete() -> None:
    rows = _catalog_rows()
    assert len(rows) >= 18
    ids = [row["id"] for row in rows]
    assert len(ids) == len(set(ids))
    for row in rows:
        assert re.fullmatch(r"[a-z0-9]+(?:[.-][a-z0-9]+)*", row["id"]), row["id"]
        for column in ("name", "family", "config_file", "params_source", "source", "as_of"):
            assert row[column].strip(), f"{row['id']}: empty {column}"
        assert re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", row["as_of"]), row["as_of"]
        assert float(row["published_total_params_b"]) > 0
        assert (MODELS_DIR / row["config_file"]).is_file(), row["config_file"]


@pytest.mark.parametrize("row", _catalog_rows(), ids=lambda row: row["id"])
def test_catalog_config_parses_to_its_family(row: dict[str, str]) -> None:
    arch = load_hf_config(MODELS_DIR / row["config_file"])
    assert arch.family == row["family"]
    if row["published_active_params_b"]:
        assert arch.is_moe


def test_catalog_covers_dense_and_moe_families() -> None:
    families = {row["family"] for row in _catalog_rows()}
    assert {"llama", "mixtral", "qwen3-moe", "deepseek-v3", "gpt2", "opt", "bloom"} <= families
    assert {"falcon", "gpt-neox", "qwen2", "mistral"} <= families


def test_gpt3_is_marked_as_written_from_the_paper() -> None:
    row = next(r for r in _catalog_rows() if r["id"] == "gpt-3-175b")
    assert "config_file" in row["assumptions"]
    arch = load_hf_config(MODELS_DIR / row["config_file"])
    assert (arch.num_layers, arch.hidden_size, arch.num_attention_heads) == (96, 12288, 96)
    assert arch.head_dim == 128
    assert arch.max_position_embeddings == 2048


# ---------------------------------------------------------------------------------------------
# KV cache
# ---------------------------------------------------------------------------------------------


def test_kv_cache_standard_attention() -> None:
    arch = load_hf_config(MODELS_DIR / "llama-2-7b.json")
    # 32 layers x 32 KV heads x 128 dims x (K and V) x 2 bytes = 0.5 MiB per token
    assert kv_cache_bytes_per_token(arch, 2) == 512 * 1024
    gqa = load_hf_config(MODELS_DIR / "llama-3.1-70b.json")
    assert kv_cache_bytes_per_token(gqa, 2) == 80 * 8 * 128 * 2 * 2


def test_kv_cache_mla_caches_latent_plus_rope_key() -> None:
    arch = load_hf_config(MODELS_DIR / "deepseek-v3.json")
    # 61 layers x (kv_lora_rank 512 + qk_rope_head_dim 64) x 1 byte (FP8)
    assert kv_cache_bytes_per_token(arch, 1) == 61 * 576


def test_kv_cache_rejects_bad_element_size() -> None:
    arch = _fixture("llama_tiny.json")
    with pytest.raises(InputError, match="bytes_per_element"):
        kv_cache_bytes_per_token(arch, 0)


# ---------------------------------------------------------------------------------------------
# errors
# ---------------------------------------------------------------------------------------------


def _one_line(exc: pytest.ExceptionInfo[InputError]) -> str:
    message = str(exc.value)
    assert "\n" not in message
    return message


def test_bad_json_names_file_line_and_column() -> None:
    with pytest.raises(InputError) as exc:
        _fixture("bad_json.json")
    message = _one_line(exc)
    assert "bad_json.json" in message
    assert "line 3, column 21" in message
    assert "column" in message


def test_missing_field_names_field_and_family() -> None:
    with pytest.raises(InputError) as exc:
        _fixture("missing_hidden_size.json")
    message = _one_line(exc)
    assert "'hidden_size'" in message
    assert "family llama" in message
    assert "missing_hidden_size.json" in message


def test_bad_type_names_field_value_and_allowed() -> None:
    with pytest.raises(InputError) as exc:
        _fixture("bad_layers_type.json")
    message = _one_line(exc)
    assert "'num_hidden_layers'" in message
    assert "'32'" in message
    assert "integer" in message


def test_deepseek_missing_mla_rank() -> None:
    with pytest.raises(InputError) as exc:
        _fixture("deepseek_missing_kv_lora_rank.json")
    message = _one_line(exc)
    assert "'kv_lora_rank'" in message
    assert "deepseek-v3" in message


def test_unknown_model_type_lists_supported() -> None:
    with pytest.raises(InputError) as exc:
        _fixture("unknown_model_type.json")
    message = _one_line(exc)
    assert "'mamba'" in message
    assert "llama" in message and "deepseek_v3" in message


def test_top_level_must_be_object() -> None:
    with pytest.raises(InputError, match="JSON object"):
        _fixture("not_an_object.json")


def test_kv_heads_must_divide_heads() -> None:
    with pytest.raises(InputError, match="num_key_value_heads"):
        _fixture("bad_kv_heads.json")


def test_missing_file_is_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read"):
        load_hf_config(tmp_path / "absent.json")


def test_missing_model_type() -> None:
    with pytest.raises(InputError, match="model_type"):
        architecture_from_hf_config({"hidden_size": 8})


def test_experts_per_token_bounded() -> None:
    cfg: dict[str, Any] = json.loads((FIXTURES / "mixtral_tiny.json").read_text())
    cfg["num_experts_per_tok"] = 9
    with pytest.raises(InputError, match="num_experts_per_tok"):
        architecture_from_hf_config(cfg, where="x.json")


@pytest.mark.parametrize("value", [0, -4, 2.5, True, None])
def test_non_positive_or_fractional_sizes_rejected(value: object) -> None:
    cfg: dict[str, Any] = json.loads((FIXTURES / "llama_tiny.json").read_text())
    cfg["intermediate_size"] = value
    with pytest.raises(InputError, match="intermediate_size"):
        architecture_from_hf_config(cfg)


def test_supported_types_cover_required_families() -> None:
    required = {
        "llama",
        "mistral",
        "mixtral",
        "qwen2",
        "qwen2_moe",
        "qwen3",
        "qwen3_moe",
        "deepseek_v2",
        "deepseek_v3",
        "gpt2",
        "opt",
        "bloom",
        "falcon",
        "gpt_neox",
    }
    assert required <= set(SUPPORTED_MODEL_TYPES)


def test_missing_aliased_field_lists_accepted_spellings() -> None:
    cfg: dict[str, Any] = json.loads((FIXTURES / "gpt2_tiny.json").read_text())
    del cfg["n_embd"]
    with pytest.raises(InputError) as exc:
        architecture_from_hf_config(cfg, where="gpt2.json")
    message = _one_line(exc)
    assert "'n_embd' (also accepted: hidden_size)" in message
    assert "family gpt2" in message


def test_family_quirks_override_generic_fields() -> None:
    # Falcon with ALiBi: no rotary share; Qwen2: bias on QKV only; DeepSeek: MLA head width
    falcon = _fixture("falcon_serial_tiny.json")
    assert (falcon.position_embedding, falcon.rotary_pct) == ("alibi", 0.0)
    qwen2 = _fixture("qwen2_tiny.json")
    assert (qwen2.qkv_bias, qwen2.attention_out_bias) == (True, False)
    deepseek = _fixture("deepseek_v3_tiny.json")
    assert deepseek.attention_kind == "mla"
    assert deepseek.head_dim == (deepseek.qk_nope_head_dim or 0) + (deepseek.qk_rope_head_dim or 0)
