"""Latency floor of small models: the open-loop TTFT is the engine's physics (prefill roofline and
per-layer launch overhead), not the ~68 ms harness overhead fitted on the closed-loop calibration
runs; edge devices and a served datacenter model are checked against published measurements."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from gigawatt.catalog import load_catalog
from gigawatt.evaluate.resolve import model_architecture
from gigawatt.models import inference as inf
from gigawatt.models import serving as srv
from gigawatt.models import sizing

MS = 1e-3


@pytest.fixture(scope="module")
def cat() -> Any:
    return load_catalog(use_env=False)


def replica(cat: Any, model: str, accelerator: str, precision: str, tp: int = 1) -> srv.Replica:
    m = inf.model_shape(model_architecture(model, cat))
    h = inf.hardware_shape(cat.get("accelerators", accelerator))
    layout = sizing.Layout(tp=tp, ep=1)
    return sizing.replica(m, h, precision, "vllm", srv.ServingOptions(), layout)


def low_load_ttft_s(r: srv.Replica, isl: float, osl: float) -> float:
    """Mean open-loop TTFT at a rate of one request per 100 s (no queueing)."""
    return float(np.asarray(srv.poisson(r, 0.01, isl, osl).ttft_s))


def test_8b_int4_on_b200_reaches_a_few_ms(cat: Any) -> None:
    r = replica(cat, "llama-3.1-8b", "b200", "int4")
    ttft = low_load_ttft_s(r, 100, 50)
    # weights read (~4.6 GB at 8 TB/s) and 32 layers of launch overhead: ~3.4 ms
    assert 1 * MS < ttft < 5 * MS
    assert ttft == pytest.approx(float(r.prefill(100)), rel=0.05)


def test_closed_loop_keeps_the_calibration_harness_overhead(cat: Any) -> None:
    r = replica(cat, "llama-3.1-8b", "b200", "int4")
    closed = float(np.asarray(srv.closed_loop(r, 1.0, 100, 50).ttft_s))
    harness = inf.engine_constants("vllm").ttft_overhead_s
    assert harness > 0.05  # the fitted 68 ms of the calibration runs
    assert closed == pytest.approx(low_load_ttft_s(r, 100, 50) + harness, abs=1 * MS)


def test_offline_ttft_is_the_engine_own(cat: Any) -> None:
    r = replica(cat, "llama-3.1-8b", "b200", "int4")
    off = srv.offline(r, 100, 50)
    assert float(np.asarray(off.ttft_s)) < 50 * MS


@pytest.mark.parametrize(("isl", "context_ms"), [(128, 91.0), (512, 260.0), (1024, 582.0)])
def test_jetson_agx_orin_prefill_matches_trtllm(cat: Any, isl: int, context_ms: float) -> None:
    """Llama-3-8B INT4 weight-only, batch 1, Jetson AGX Orin 64GB MAX-N: TensorRT-LLM v0.12
    context time (github:NVIDIA/TensorRT-LLM@20a7cec991b83dace860bfc32e57eb59d65a6ad3:
    README4Jetson.md); the model (Llama-3.1-8B architecture, same shapes) within 35 %."""
    r = replica(cat, "llama-3.1-8b", "jetson-agx-orin", "int4")
    assert float(r.prefill(isl)) == pytest.approx(context_ms * MS, rel=0.35)


def test_jetson_agx_orin_decode_matches_tensorrt_llm(cat: Any) -> None:
    """Same source: 35.9 decode tokens/s at 128/128 (27.9 ms per token)."""
    r = replica(cat, "llama-3.1-8b", "jetson-agx-orin", "int4")
    assert float(r.decode_step(1.0, 192.0)) == pytest.approx(1 / 35.9, rel=0.10)


def test_jetson_orin_nano_super_decode_matches_jetson_ai_lab(cat: Any) -> None:
    """Jetson AI Lab: Llama 3.1 8B INT4 (MLC) at 19.14 tokens/s on the Orin Nano Super (github:
    NVIDIA-AI-IOT/jetson-generative-ai-playground@0311bad1:docs/benchmarks.md)."""
    r = replica(cat, "llama-3.1-8b", "jetson-orin-nano-super", "int4")
    assert float(r.decode_step(1.0, 200.0)) == pytest.approx(1 / 19.14, rel=0.15)


def test_served_70b_ttft_matches_nim_with_the_catalog_front_end(cat: Any) -> None:
    """NVIDIA NIM Llama-3.3-70B fp8 TP2 on 2 x H100, 500 input tokens, concurrency 1: TTFT
    47.77 ms (https://docs.nvidia.com/nim/benchmarking/llm/1.0.0/performance): the engine's
    TTFT plus the datacenter front end of the request_paths table within 20 %."""
    r = replica(cat, "llama-3.1-70b", "h100-sxm", "fp8", tp=2)
    front_end_s = float(cat.get("request_paths", "onprem")["front_end_s"])
    assert low_load_ttft_s(r, 500, 2000) + front_end_s == pytest.approx(47.77 * MS, rel=0.20)
