"""Edge is a place: edge venues sell edge-class devices only, data centres no edge-only module, and
a model that does not fit one edge device is excluded with a memory reason the user reads."""

from __future__ import annotations

from typing import Any

import pytest

from gigawatt.catalog import load_catalog
from gigawatt.evaluate.screen import memory_reason, screen_scenario, sold_at
from gigawatt.evaluate.table_build import build_option_table
from gigawatt.spec import parse_scenario

CHAT = {
    "kind": "online_inference",
    "model": "llama-3.1-70b",
    "qps": 1,
    "input_tokens_per_request": 100,
    "output_tokens_per_request": 100,
    "slo": {"p95_ttft_s": 1},
}
SEVENTY_B_ON_ORIN = (
    "memory: llama-3.1-70b (70.6B params, bf16 weights) needs 131 GiB; jetson-agx-orin has 64 GiB"
)


@pytest.fixture(scope="module")
def cat() -> Any:
    return load_catalog(use_env=False)


def screen(cat: Any, workload: dict[str, Any], venues: list[str]) -> Any:
    spec = parse_scenario({"name": "t", "venues": venues, "workloads": [{"name": "w", **workload}]})
    (result,) = screen_scenario(spec, cat)
    return result


def edge_class(cat: Any) -> set[str]:
    return {a["id"] for a in cat.rows("accelerators") if "edge" in a["device_class"]}


def test_edge_venue_offers_only_edge_devices(cat: Any) -> None:
    result = screen(cat, {**CHAT, "model": "llama-3.1-8b", "precision": "int4"}, ["edge"])
    offered = {o.accelerator for o in result.options}
    assert offered == edge_class(cat)
    assert {"jetson-agx-orin", "jetson-orin-nano-super", "l4"} <= offered
    assert not offered & {"b200", "h100-sxm", "mi300x"}
    assert all(o.pricing_model == "purchase" and o.purchase_price_usd for o in result.options)


def test_datacenter_venues_do_not_sell_edge_only_modules(cat: Any) -> None:
    result = screen(cat, {**CHAT, "model": "llama-3.1-8b"}, ["onprem", "colo-generic-us"])
    offered = {o.accelerator for o in result.options}
    assert "l4" in offered  # a datacenter card also sold for the edge
    assert not offered & {"jetson-agx-orin", "jetson-orin-nano-super"}
    edge_only = [a for a in cat.rows("accelerators") if a["device_class"] == ["edge"]]
    assert edge_only and not any(sold_at(a, cat.get("venues", "onprem")) for a in edge_only)


def test_70b_at_the_edge_is_excluded_with_the_memory_reason(cat: Any) -> None:
    result = screen(cat, CHAT, ["edge"])
    assert result.options == []
    assert result.excluded[SEVENTY_B_ON_ORIN] > 0
    assert all(key.startswith("memory: llama-3.1-70b") for key in result.excluded)
    assert any("l4 has 24 GiB" in key for key in result.excluded)


def test_memory_rule_keeps_what_fits_one_device(cat: Any) -> None:
    # 70B at int4 is ~35 GiB of weights: it fits the 64 GiB Orin, not the 24 GiB L4
    result = screen(cat, {**CHAT, "precision": "int4"}, ["edge"])
    assert {o.accelerator for o in result.options} == {"jetson-agx-orin"}
    assert all(o.min_accelerators == 1 for o in result.options)


def test_memory_reason_only_at_one_device_venues(cat: Any) -> None:
    result = screen(cat, CHAT, ["onprem"])
    orin, onprem = cat.get("accelerators", "jetson-agx-orin"), cat.get("venues", "onprem")
    assert memory_reason(result, onprem, orin) is None  # a data centre shards the model
    assert memory_reason(result, cat.get("venues", "edge"), orin) == SEVENTY_B_ON_ORIN


def test_option_table_reports_the_memory_reason(cat: Any) -> None:
    spec = parse_scenario({"name": "t", "venues": ["edge"], "workloads": [{"name": "w", **CHAT}]})
    table = build_option_table(spec, cat)
    assert table.options == []
    assert table.screens["w"][SEVENTY_B_ON_ORIN] > 0
