"""Sub-10 ms objectives in the planner: met only at the edge, and only where the device is fast
enough for the model (what the model predicts is stated in each test)."""

from __future__ import annotations

from typing import Any

import pytest

from gigawatt.catalog import load_catalog
from gigawatt.evaluate.performance import PerformanceCache
from gigawatt.evaluate.table_build import build_option_table
from gigawatt.spec import parse_scenario

HOURS = 8760.0
EDGE_DEVICES = ("jetson-agx-orin", "jetson-orin-nano-super", "l4")


@pytest.fixture(scope="module")
def cat() -> Any:
    return load_catalog(use_env=False)


def chat(model: str, ttft_s: float, **extra: Any) -> dict[str, Any]:
    return {
        "name": "w",
        "kind": "online_inference",
        "model": model,
        "precision": "int4",
        "qps": 1,
        "input_tokens_per_request": 100,
        "output_tokens_per_request": 50,
        "users_region": "us",
        "slo": {"p95_ttft_s": ttft_s},
        **extra,
    }


def workload(w: dict[str, Any]) -> Any:
    return parse_scenario({"name": "t", "workloads": [w]}).workloads[0]


def test_8b_int4_misses_10_ms_everywhere(cat: Any) -> None:
    """Predicted engine TTFT at 100 prompt tokens: ~55 ms on the AGX Orin, ~110 ms on the Orin
    Nano Super, ~20 ms on one L4 (weight reads); ~3.4 ms on a B200, whose data-centre request
    path alone is ~29 ms. So no venue meets 10 ms for an 8B model."""
    perf = PerformanceCache(cat)
    w = workload(chat("llama-3.1-8b", 0.010))
    for accel in EDGE_DEVICES:
        assert not perf(w, accel, "us", cat, HOURS, "edge").slo_met, accel
    onprem = perf(w, "b200", "us", cat, HOURS, "onprem")
    assert not onprem.slo_met and "request path 29.0 ms uses the SLO" in onprem.detail


def test_1b_int4_meets_10_ms_on_an_edge_module(cat: Any) -> None:
    """Llama-3.2-1B int4: ~8.4 ms engine TTFT on the AGX Orin plus a 0.5 ms on-site path."""
    perf = PerformanceCache(cat)
    w = workload(chat("llama-3.2-1b", 0.010))
    edge = perf(w, "jetson-agx-orin", "us", cat, HOURS, "edge")
    assert edge.slo_met and edge.unit_accelerators == 1
    assert not perf(w, "b200", "aws:us-east-1", cat, HOURS, "aws").slo_met


def test_edge_replicas_hold_one_device(cat: Any) -> None:
    """An edge site runs each replica on one device: an 8B model on L4 is served by tp=1 replicas
    (it would need tp=4 to meet 10 ms, which the edge does not offer)."""
    perf = PerformanceCache(cat)
    w = workload(chat("llama-3.1-8b", 0.050))
    l4 = perf(w, "l4", "us", cat, HOURS, "edge")
    assert l4.slo_met and l4.unit_accelerators == 1 and l4.detail.startswith("tp=1")


def test_option_table_keeps_only_edge_options_for_a_10_ms_slo(cat: Any) -> None:
    spec = parse_scenario(
        {
            "name": "t",
            "venues": ["edge", "aws", "onprem"],
            "workloads": [chat("llama-3.2-1b", 0.010)],
        }
    )
    table = build_option_table(spec, cat)
    assert table.options and {o.venue for o in table.options} == {"edge"}
    cloud = [r for r in table.rejected if r.venue == "aws" and r.pricing_model == "on_demand"]
    assert cloud and all("request path" in r.detail for r in cloud)
