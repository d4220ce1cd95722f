"""Tests for parameter counting (gigawatt.models.params).

Three layers of checks:

* tiny configs of every family against an independent tensor-by-tensor enumeration of the
  Hugging Face module layout (names in comments follow ``transformers``);
* every catalog model against the total (and active) parameter count its authors published,
  with a per-model relative tolerance (2 % by default, tighter where the published figure is
  exact or has three significant digits);
* hypothesis properties (monotone in depth and width, parts add up to the total).
"""

from __future__ import annotations

import csv
import dataclasses
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gigawatt.adapters.hf_config import load_hf_config
from gigawatt.models.architecture import ModelArchitecture
from gigawatt.models.params import ParameterCounts, parameter_counts

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "hf_configs"
DATA = ROOT / "src" / "gigawatt" / "catalog" / "data"


def n(*shapes: tuple[int, ...]) -> int:
    """Number of scalars in the listed tensor shapes."""
    return sum(math.prod(shape) for shape in shapes)


def _counts(name: str) -> ParameterCounts:
    return parameter_counts(load_hf_config(FIXTURES / name))


# ---------------------------------------------------------------------------------------------
# tiny configs vs tensor enumeration
# ---------------------------------------------------------------------------------------------


def test_llama_tiny_matches_tensor_list() -> None:
    attn = n((64, 64), (32, 64), (32, 64), (64, 64))  # q, k, v, o (4 heads, 2 KV, d=16)
    mlp = n((128, 64), (128, 64), (64, 128))  # gate, up, down
    norms = n((64,), (64,))  # input / post-attention RMSNorm
    layer = attn + mlp + norms
    expected = n((100, 64)) + 2 * layer + n((64,)) + n((100, 64))  # embed, layers, norm, head
    counts = _counts("llama_tiny.json")
    assert counts.total == expected
    assert counts.active == expected
    assert counts.embedding == 100 * 64
    assert counts.lm_head == 100 * 64


def test_mixtral_tiny_total_and_active() -> None:
    attn = n((32, 32), (8, 32), (8, 32), (32, 32))  # MQA: one KV head of width 8
    expert = n((48, 32), (48, 32), (32, 48))  # w1, w3, w2
    layer = attn + n((4, 32)) + 4 * expert + n((32,), (32,))  # router + 4 experts + norms
    rest = n((50, 32), (32,), (50, 32))
    counts = _counts("mixtral_tiny.json")
    assert counts.total == 3 * layer + rest
    assert counts.active == 3 * (layer - 2 * expert) + rest  # top-2 of 4 experts
    assert counts.experts == 3 * 4 * expert
    assert counts.router == 3 * 4 * 32


def test_qwen2_moe_tiny_shared_expert_and_dense_layers() -> None:
    attn = n((32, 32), (32,), (32, 32), (32,), (32, 32), (32,), (32, 32))  # qkv bias, o no bias
    norms = n((32,), (32,))
    dense = n((64, 32), (64, 32), (32, 64))
    expert = n((16, 32), (16, 32), (32, 16))
    moe = n((4, 32)) + 4 * expert + n((48, 32), (48, 32), (32, 48)) + n((1, 32))
    total = 4 * (attn + norms) + 3 * dense + moe + n((50, 32), (32,), (50, 32))
    counts = _counts("qwen2_moe_tiny.json")
    assert counts.total == total
    assert counts.active == total - 2 * expert
    assert counts.shared_experts == n((48, 32), (48, 32), (32, 48))


def _deepseek_attention(q_lora: bool) -> int:
    q = n((16, 32), (16,), (24, 16)) if q_lora else n((24, 32))  # q_a, q_a_layernorm, q_b
    kv = n((12, 32), (8,), (32, 8))  # kv_a_proj_with_mqa (8 + 4), kv_a_layernorm, kv_b
    return q + kv + n((32, 16))  # o_proj (2 heads x v_head_dim 8)


def test_deepseek_v3_tiny_including_mtp() -> None:
    attn = _deepseek_attention(q_lora=True)
    norms = n((32,), (32,))
    dense = n((64, 32), (64, 32), (32, 64))
    expert = n((8, 32), (8, 32), (32, 8))
    moe = n((4, 32), (4,)) + 4 * expert + expert  # gate + e_score_correction_bias, 1 shared
    total = 4 * (attn + norms) + dense + 3 * moe + n((40, 32), (32,), (40, 32))
    counts = _counts("deepseek_v3_tiny.json")
    assert counts.total == total
    assert counts.active == total - 3 * 2 * expert  # 2 of 4 routed experts idle per layer
    mtp = n((32,), (32,), (32, 64)) + attn + norms + moe + n((32,))  # enorm, hnorm, eh_proj
    assert counts.mtp == mtp
    assert counts.total_with_mtp == total + mtp


def test_deepseek_v2_lite_tiny_without_q_lora() -> None:
    attn = _deepseek_attention(q_lora=False)
    norms = n((32,), (32,))
    dense = n((64, 32), (64, 32), (32, 64))
    expert = n((8, 32), (8, 32), (32, 8))
    shared = n((16, 32), (16, 32), (32, 16))  # 2 shared experts fused to width 16
    moe = n((4, 32)) + 4 * expert + shared
    total = 4 * (attn + norms) + 3 * dense + moe + n((40, 32), (32,), (40, 32))
    counts = _counts("deepseek_v2_lite_tiny.json")
    assert counts.total == total
    assert counts.mtp == 0


def test_gpt2_tiny_matches_tensor_list() -> None:
    attn = n((64,), (32, 96), (96,), (32, 32), (32,))  # ln_1, attn.c_attn, attn.c_proj
    mlp = n((64,), (32, 128), (128,), (128, 32), (32,))  # ln_2, mlp.c_fc, mlp.c_proj
    layer = attn + mlp
    expected = n((50, 32), (16, 32)) + 2 * layer + n((64,))  # wte, wpe, h, ln_f (tied head)
    counts = _counts("gpt2_tiny.json")
    assert counts.total == expected
    assert counts.lm_head == 0


def test_opt_tiny_with_projection() -> None:
    layer = 4 * n((32, 32), (32,)) + n((64,), (64, 32), (64,), (32, 64), (32,), (64,))
    embeddings = n((50, 16), (18, 32), (32, 16), (16, 32))  # tokens, positions+2, in/out proj
    counts = _counts("opt_tiny_proj.json")
    assert counts.total == embeddings + 2 * layer  # post-norm OPT: no final LayerNorm
    assert counts.embedding == embeddings


def test_bloom_tiny_matches_tensor_list() -> None:
    layer = n((64,), (96, 32), (96,), (32, 32), (32,), (64,), (128, 32), (128,), (32, 128), (32,))
    expected = n((50, 32), (64,)) + 2 * layer + n((64,))  # word_embeddings(+LayerNorm), ln_f
    assert _counts("bloom_tiny.json").total == expected


def test_falcon_tiny_variants() -> None:
    parallel = n((64,), (48, 32), (32, 32), (128, 32), (32, 128))  # one LN, MQA qkv 32+2*8
    assert _counts("falcon_rw_legacy_tiny.json").total == n((50, 32)) + 2 * parallel + n((64,))
    serial = n((64,), (64,), (96, 32), (96,), (32, 32), (32,), (128, 32), (128,), (32, 128), (32,))
    assert _counts("falcon_serial_tiny.json").total == n((50, 32)) + 2 * serial + n((64,))


def test_gpt_neox_tiny_matches_tensor_list() -> None:
    layer = n((64,), (64,), (96, 32), (96,), (32, 32), (32,), (128, 32), (128,), (32, 128), (32,))
    expected = n((50, 32)) + 2 * layer + n((64,)) + n((50, 32))  # embed_in ... embed_out
    assert _counts("gpt_neox_tiny.json").total == expected


def test_qwen3_tiny_has_qk_norm() -> None:
    attn = n((64, 32), (32, 32), (32, 32), (32, 64), (16,), (16,))  # q, k, v, o, q/k_norm
    mlp = n((64, 32), (64, 32), (32, 64))  # gate, up, down
    layer = attn + mlp + n((32,), (32,))
    assert _counts("qwen3_tiny.json").total == n((50, 32)) + 2 * layer + n((32,))


def test_gemma_families() -> None:
    attn = n((64, 32), (16, 32), (16, 32), (32, 64))  # MQA with head_dim 16
    mlp = n((64, 32), (64, 32), (32, 64))
    gemma = n((50, 32)) + 2 * (attn + mlp + n((32,), (32,))) + n((32,))
    assert _counts("gemma_tiny.json").total == gemma
    attn2 = n((64, 32), (32, 32), (32, 32), (32, 64))
    gemma2 = n((50, 32)) + 2 * (attn2 + mlp + 4 * n((32,))) + n((32,))  # 4 norms per layer
    assert _counts("gemma2_tiny.json").total == gemma2


def test_phi3_tiny() -> None:
    layer = n((96, 32), (32, 32), (128, 32), (32, 64), (32,), (32,))  # qkv, o, gate_up, down
    assert _counts("phi3_tiny.json").total == n((50, 32)) + 2 * layer + n((32,), (50, 32))


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*_tiny*.json")))
def test_parts_add_up(name: str) -> None:
    c = _counts(name)
    parts = (
        c.embedding
        + c.attention
        + c.mlp
        + c.experts
        + c.shared_experts
        + c.router
        + c.norms
        + c.lm_head
    )
    assert parts == c.total
    assert c.non_embedding == c.total - c.embedding - c.lm_head
    assert 0 < c.active <= c.total


# ---------------------------------------------------------------------------------------------
# catalog models vs published totals
# ---------------------------------------------------------------------------------------------

# relative tolerance per catalog id; exact published counts get ~0, rounded ones more room.
TOTAL_TOLERANCE: dict[str, float] = {
    "llama-2-7b": 1e-9,  # exact checkpoint count
    "bloom-176b": 1e-9,  # exact count in the model card
    "gpt-neox-20b": 1e-9,  # exact count in the model card
    "qwen2.5-72b": 1e-4,  # Hub count 72.706B
    "deepseek-v3": 1e-3,
    "mixtral-8x7b": 1e-3,
    "qwen2.5-7b": 1e-3,
    "llama-3.2-3b": 1e-3,
    "llama-2-13b": 2e-3,
    "qwen3-30b-a3b": 2e-3,
    "gpt-3-175b": 5e-3,
    "llama-3.1-405b": 5e-3,
    "mixtral-8x22b": 5e-3,
    "opt-66b": 5e-3,
    "llama-3.1-8b": 5e-3,
    "llama-3.2-1b": 5e-3,
    "mistral-7b": 1e-2,
    "llama-3.1-70b": 1e-2,
}
DEFAULT_TOLERANCE = 0.02  # published totals rounded to two significant digits (e.g. "70B")
ACTIVE_TOLERANCE: dict[str, float] = {
    "mixtral-8x7b": 5e-3,
    "mixtral-8x22b": 1e-2,
    "qwen3-30b-a3b": 0.02,  # published 3.3B (two digits)
    "deepseek-v3": 0.02,  # published 37B counts the output head but not the input embedding
}


def _rows() -> list[dict[str, str]]:
    with (DATA / "models.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _catalog_counts(row: dict[str, str]) -> ParameterCounts:
    return parameter_counts(load_hf_config(DATA / "models" / row["config_file"]))


def relative_error(derived: float, published: float) -> float:
    """|derived - published| / published."""
    return abs(derived - published) / published


@pytest.mark.parametrize("row", _rows(), ids=lambda row: row["id"])
def test_catalog_total_matches_published(row: dict[str, str]) -> None:
    published = float(row["published_total_params_b"]) * 1e9
    derived = _catalog_counts(row).total
    tolerance = TOTAL_TOLERANCE.get(row["id"], DEFAULT_TOLERANCE)
    error = relative_error(derived, published)
    assert error <= tolerance, (
        f"{row['id']}: derived {derived / 1e9:.3f}B vs published {published / 1e9:.3f}B "
        f"({error:.2%} > {tolerance:.2%})"
    )


@pytest.mark.parametrize(
    "row", [r for r in _rows() if r["published_active_params_b"]], ids=lambda row: row["id"]
)
def test_catalog_active_matches_published(row: dict[str, str]) -> None:
    published = float(row["published_active_params_b"]) * 1e9
    counts = _catalog_counts(row)
    error = relative_error(counts.active, published)
    tolerance = ACTIVE_TOLERANCE.get(row["id"], DEFAULT_TOLERANCE)
    assert error <= tolerance, f"{row['id']}: active {counts.active / 1e9:.2f}B, {error:.2%}"
    assert counts.active < counts.total / 3  # sparse models activate a small share


def _catalog(model_id: str) -> ParameterCounts:
    return _catalog_counts(next(r for r in _rows() if r["id"] == model_id))


def test_bloom_embedding_count_is_exact() -> None:
    # BLOOM model card (commit ae814bfe...): "3,596,615,680 embedding parameters"
    assert _catalog("bloom-176b").embedding == 3_596_615_680


def test_qwen_non_embedding_counts() -> None:
    # Qwen2.5-7B card: non-embedding 6.53B; Qwen3-30B-A3B card: non-embedding 29.9B
    assert relative_error(_catalog("qwen2.5-7b").non_embedding, 6.53e9) < 1e-3
    assert relative_error(_catalog("qwen3-30b-a3b").non_embedding, 29.9e9) < 2e-3


def test_deepseek_v3_activation_and_mtp_breakdown() -> None:
    # tt-metal README_WEIGHTS (copy of DeepSeek's): 36.6B activated incl. 0.9B output head,
    # MTP module 11.5B unique parameters.
    counts = _catalog("deepseek-v3")
    assert relative_error(counts.active - counts.embedding, 36.6e9) < 5e-3
    assert relative_error(counts.lm_head, 0.9e9) < 0.05
    assert relative_error(counts.mtp, 11.5e9) < 0.02
    assert counts.total_with_mtp > counts.total


def test_dense_catalog_models_are_fully_active() -> None:
    for row in _rows():
        if not row["published_active_params_b"]:
            counts = _catalog_counts(row)
            assert counts.active == counts.total, row["id"]


# ---------------------------------------------------------------------------------------------
# properties
# ---------------------------------------------------------------------------------------------

BASES = [
    load_hf_config(FIXTURES / name)
    for name in (
        "llama_tiny.json",
        "qwen3_moe_tiny.json",
        "deepseek_v3_tiny.json",
        "gpt2_tiny.json",
        "opt_tiny_proj.json",
        "bloom_tiny.json",
        "falcon_rw_legacy_tiny.json",
    )
]


@settings(max_examples=60, deadline=None)
@given(
    base=st.sampled_from(BASES),
    layers=st.integers(min_value=1, max_value=200),
    extra=st.integers(min_value=1, max_value=50),
)
def test_params_grow_with_layers(base: ModelArchitecture, layers: int, extra: int) -> None:
    small = parameter_counts(dataclasses.replace(base, num_layers=layers))
    big = parameter_counts(dataclasses.replace(base, num_layers=layers + extra))
    assert big.total > small.total
    assert big.active > small.active


@settings(max_examples=60, deadline=None)
@given(
    base=st.sampled_from(BASES),
    hidden=st.integers(min_value=8, max_value=8192),
    extra=st.integers(min_value=1, max_value=1024),
)
def test_params_grow_with_hidden_size(base: ModelArchitecture, hidden: int, extra: int) -> None:
    small = parameter_counts(dataclasses.replace(base, hidden_size=hidden))
    big = parameter_counts(dataclasses.replace(base, hidden_size=hidden + extra))
    assert big.total > small.total
    assert big.active > small.active
    assert big.non_embedding > small.non_embedding


@settings(max_examples=60, deadline=None)
@given(
    experts=st.integers(min_value=1, max_value=64),
    top_k=st.integers(min_value=1, max_value=64),
    layers=st.integers(min_value=1, max_value=64),
)
def test_moe_active_never_exceeds_total(experts: int, top_k: int, layers: int) -> None:
    base = BASES[1]
    arch = dataclasses.replace(
        base, num_experts=experts, experts_per_token=min(top_k, experts), num_layers=layers
    )
    counts = parameter_counts(arch)
    assert counts.active <= counts.total
    assert (counts.active == counts.total) == (arch.experts_per_token == experts)
