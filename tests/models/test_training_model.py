"""Unit tests of the training FLOPs, memory, step-time, layout and reliability functions."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gigawatt.adapters.hf_config import architecture_from_hf_config
from gigawatt.catalog import load_catalog
from gigawatt.errors import InputError
from gigawatt.evaluate.resolve import model_architecture
from gigawatt.evaluate.training import default_global_batch_tokens, hardware_for, parse_tokens
from gigawatt.models.layout import (
    LayoutFixed,
    candidate_layouts,
    evaluate_layouts,
    search_layouts,
    search_layouts_naive,
)
from gigawatt.models.reliability import (
    LLAMA3_DAYS,
    LLAMA3_GPUS,
    LLAMA3_INTERRUPTIONS,
    goodput,
    mean_time_between_interruptions_s,
    optimal_checkpoint_interval_s,
)
from gigawatt.models.train_memory import GIB, memory_per_gpu_bytes
from gigawatt.models.train_step import step_time_breakdown
from gigawatt.models.training import (
    LayoutArrays,
    TrainHardware,
    TrainShape,
    hardware_flops_per_token,
    model_flops_per_token,
    train_shape,
)

A100 = TrainHardware(312.0, 80.0, 2039.0, 300.0, 8, 25.0, 8)


def gpt(h: int, layers: int, heads: int, seq: int = 2048, vocab: int = 51200) -> TrainShape:
    config = {
        "model_type": "gpt2",
        "n_embd": h,
        "n_layer": layers,
        "n_head": heads,
        "vocab_size": vocab,
        "n_positions": seq,
    }
    return train_shape(architecture_from_hf_config(config), seq)


def one(**kw: float) -> LayoutArrays:
    base = {
        "tp": 1,
        "pp": 1,
        "dp": 1,
        "cp": 1,
        "ep": 1,
        "mb": 1,
        "recompute": 0,
        "zero": 1,
        "vpp": 1,
    }
    return LayoutArrays.of(**{**base, **kw})


def test_model_flops_match_megatron_formula() -> None:
    """Narayanan et al. 2021 eq. 3: 96 B s l h^2 (1 + s/6h + V/16lh) with full recompute."""
    s, h, layers, v = 2048, 12288, 96, 51200
    shape = gpt(h, layers, 96, s, v)
    megatron_hfu = 96 * s * layers * h**2 * (1 + s / (6 * h) + v / (16 * layers * h)) / s
    assert float(hardware_flops_per_token(shape, 2)) == pytest.approx(megatron_hfu, rel=0.01)
    megatron_mfu = 72 * s * layers * h**2 * (1 + s / (6 * h) + v / (12 * layers * h)) / s
    assert model_flops_per_token(shape) == pytest.approx(megatron_mfu, rel=0.01)


def test_hfu_ordering_and_lora_flops() -> None:
    shape = gpt(4096, 32, 32)
    none, sel, full = (float(hardware_flops_per_token(shape, rc)) for rc in (0, 1, 2))
    assert none == model_flops_per_token(shape) < sel < full
    assert model_flops_per_token(shape, "lora") < model_flops_per_token(shape)


def test_gpt3_total_flops_is_6nd_plus_attention() -> None:
    shape = train_shape(model_architecture("gpt-3-175b"), 2048)
    total = model_flops_per_token(shape) * 300e9
    assert total == pytest.approx(3.14e23, rel=0.05)


def test_memory_sharding_and_recompute_reduce_memory() -> None:
    shape = gpt(8192, 48, 64)
    m = np.array([8.0])
    base = memory_per_gpu_bytes(shape, one(dp=8), m)["total"][0]
    z3 = memory_per_gpu_bytes(shape, one(dp=8, zero=3), m)["total"][0]
    full = memory_per_gpu_bytes(shape, one(dp=8, recompute=2), m)["total"][0]
    tp8 = memory_per_gpu_bytes(shape, one(tp=8), m)["total"][0]
    assert z3 < base and full < base and tp8 < base


def test_memory_lora_below_full_and_qlora_below_lora() -> None:
    shape = gpt(4096, 32, 32)
    lay, m = one(), np.array([1.0])
    full = memory_per_gpu_bytes(shape, lay, m)["total"][0]
    lora = memory_per_gpu_bytes(shape, lay, m, finetune="lora")["total"][0]
    qlora = memory_per_gpu_bytes(shape, lay, m, finetune="qlora")["total"][0]
    assert qlora < lora < full


def test_model_states_are_16_bytes_per_param_without_sharding() -> None:
    shape = gpt(4096, 32, 32)
    mem = memory_per_gpu_bytes(shape, one(zero=0), np.array([1.0]))
    states = mem["weights"][0] + mem["gradients"][0] + mem["optimizer"][0]
    assert states == pytest.approx(16.0 * shape.params_total)


def test_step_time_parts_add_up_and_scale_with_batch() -> None:
    shape = gpt(6144, 40, 48)
    lay = one(tp=8, dp=4, mb=2)
    t1 = step_time_breakdown(shape, A100, lay, 64)
    t2 = step_time_breakdown(shape, A100, lay, 128)
    assert float(t2["step_time_s"][0]) > float(t1["step_time_s"][0])
    parts = sum(
        float(t1[k][0])
        for k in (
            "compute_s",
            "bubble_s",
            "tp_s",
            "cp_s",
            "ep_s",
            "pp_p2p_s",
            "dp_exposed_s",
            "optimizer_s",
        )
    )
    assert parts == pytest.approx(float(t1["step_time_s"][0]))


def test_interleaving_shrinks_the_pipeline_bubble() -> None:
    shape = gpt(12288, 96, 96)
    plain = step_time_breakdown(shape, A100, one(tp=8, pp=8, vpp=1), 16)
    inter = step_time_breakdown(shape, A100, one(tp=8, pp=8, vpp=3), 16)
    assert float(inter["bubble_s"][0]) < float(plain["bubble_s"][0])


def test_tp_beyond_the_scale_up_domain_is_slower() -> None:
    small_domain = TrainHardware(312.0, 80.0, 2039.0, 300.0, 4, 25.0, 4)
    shape = gpt(8192, 48, 64)
    lay = one(tp=8, dp=1, mb=1)
    inside = step_time_breakdown(shape, A100, lay, 8)["tp_s"][0]
    outside = step_time_breakdown(shape, small_domain, lay, 8)["tp_s"][0]
    assert outside > 5 * inside


def test_vectorised_search_equals_naive_loop() -> None:
    shape = gpt(4096, 32, 32)
    res = search_layouts(shape, A100, 64, 256)
    best, best_t = search_layouts_naive(shape, A100, 64, 256)
    assert res.best is not None and best is not None
    assert float(res.evaluated["step_time_s"][res.best]) == pytest.approx(best_t)


def test_search_respects_fixed_sizes_and_divisibility() -> None:
    shape = gpt(4096, 32, 32)
    lay = candidate_layouts(shape, A100, 64, 256, LayoutFixed(tp=4, recompute=2))
    assert len(lay) > 0
    assert set(lay.tp.tolist()) == {4.0} and set(lay.recompute.tolist()) == {2.0}
    assert np.all(lay.tp * lay.pp * lay.dp * lay.cp == 64)
    assert np.all(256 % (lay.dp * lay.mb) == 0)


def test_every_chosen_layout_fits() -> None:
    shape = train_shape(model_architecture("llama-3.1-70b"), 4096)
    res = search_layouts(shape, A100, 256, 1024)
    assert res.best is not None
    ev = evaluate_layouts(shape, A100, res.layouts, 1024)
    assert ev["memory_gib"][res.best] <= 80.0 * 0.9
    assert ev["memory_gib"][res.best] * GIB > 0


def test_moe_model_uses_expert_parallelism_and_counts_active_params() -> None:
    shape = train_shape(model_architecture("mixtral-8x7b"), 4096)
    assert shape.params_active < shape.params_total / 2
    res = search_layouts(shape, A100, 64, 256)
    assert res.best is not None
    t = step_time_breakdown(shape, A100, one(tp=1, dp=8, ep=8, zero=3), 64)
    assert float(t["ep_s"][0]) > 0


def test_llama3_failure_rate_reproduces_the_report() -> None:
    mtbi = mean_time_between_interruptions_s(LLAMA3_GPUS, 8)
    assert LLAMA3_DAYS * 86400 / mtbi == pytest.approx(LLAMA3_INTERRUPTIONS)
    assert mean_time_between_interruptions_s(1024, 8) > 10 * mtbi


def test_young_daly_interval_and_goodput() -> None:
    assert optimal_checkpoint_interval_s(10.0, 10_000.0) == pytest.approx(
        math.sqrt(2 * 10 * 10_000) - 10
    )
    g = goodput(86400.0 * 30, LLAMA3_GPUS, 8, 405e9 * 14)
    assert 0.85 < g.goodput < 1.0
    assert g.wall_clock_s > 86400.0 * 30
    small = goodput(86400.0 * 30, 64, 8, 8e9 * 14)
    assert small.goodput > g.goodput


@pytest.mark.parametrize(
    ("text", "value"),
    [("15T", 15e12), ("2e12", 2e12), ("300B", 300e9), ("1_000", 1000.0), ("4M", 4e6), (7, 7.0)],
)
def test_parse_tokens(text: str | int, value: float) -> None:
    assert parse_tokens(text) == value


@pytest.mark.parametrize("text", ["-5", "0", "abc", "15X", "nan"])
def test_parse_tokens_rejects(text: str) -> None:
    with pytest.raises(InputError):
        parse_tokens(text)


def test_hardware_from_catalog_uses_system_scale_out() -> None:
    hw, notes = hardware_for(load_catalog(), "h100-sxm", "bf16")
    assert hw.scale_out_bandwidth_gb_per_s == pytest.approx(3200 / 8 / 8)
    assert hw.peak_tflops == 989 and not notes
    with pytest.raises(InputError):
        hardware_for(load_catalog(), "a100-sxm-80gb", "fp8")


def test_default_global_batch() -> None:
    assert default_global_batch_tokens(256, 4096) == 2**22
    assert default_global_batch_tokens(16_384, 8192) == 16_384 * 8192 // 8
