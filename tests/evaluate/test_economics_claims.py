"""Seed claims of issue 5, reproduced from catalog inputs: each test prints the numbers and asserts
whether the claim holds (``holds`` is the finding, checked against what the catalog gives today)."""

from __future__ import annotations

import statistics
from typing import Any

import pytest

from gigawatt.catalog import load_catalog
from gigawatt.evaluate import economics


@pytest.fixture(scope="module")
def cat() -> Any:
    return load_catalog(use_env=False)


def _within(value: float, low: float, high: float) -> bool:
    return low <= value <= high


def _options(cat: Any, utilization: float) -> dict[str, Any]:
    result = economics.compare(cat, "h100-sxm", 1000, utilization, 4.0, "us")
    return {o["id"]: o for o in result["options"]}


def test_claim_colo_h100_all_in_vs_on_demand(cat: Any) -> None:
    """'An H100 in a well-run colocation costs $2.50-3.50/hour all-in vs $8-12 on-demand.'"""
    opts = _options(cat, 0.9)
    colo = next(o for o in opts.values() if o["kind"] == "colo")
    hyperscaler = [
        o["list_usd_per_gpu_hour"]
        for o in opts.values()
        if o["kind"] == "on_demand" and cat.get("venues", o["venue"])["kind"] == "hyperscaler"
    ]
    od_all = [o["list_usd_per_gpu_hour"] for o in opts.values() if o["kind"] == "on_demand"]
    print(
        f"\ncolo at 90% use: {colo['usd_per_useful_gpu_hour']:.2f} "
        f"({colo['usd_per_useful_gpu_hour_low']:.2f}-{colo['usd_per_useful_gpu_hour_high']:.2f})"
        f" USD/useful GPU-h; hyperscaler on-demand {min(hyperscaler):.2f}-{max(hyperscaler):.2f},"
        f" all on-demand median {statistics.median(od_all):.2f}"
    )
    # colo half: typical at 90 % use is below the claimed band, the catalog range overlaps it,
    # and at 70 % use the typical figure is inside it
    assert colo["usd_per_useful_gpu_hour"] < 2.5
    assert colo["usd_per_useful_gpu_hour_low"] < 3.5 and colo["usd_per_useful_gpu_hour_high"] > 2.5
    colo70 = next(o for o in _options(cat, 0.7).values() if o["kind"] == "colo")
    print(f"colo at 70% use: {colo70['usd_per_useful_gpu_hour']:.2f} USD/useful GPU-h")
    assert _within(colo70["usd_per_useful_gpu_hour"], 2.5, 3.5)
    # the on-demand half holds only for the dearest hyperscalers (OCI 10, GCP 10.98);
    # AWS cut P5 to 6.88 and neoclouds sell at 2-4
    assert not all(_within(p, 8, 12) for p in hyperscaler)


def test_claim_savings_at_sustained_load(cat: Any) -> None:
    """'40-60 % savings at sustained load' (owning/colocating vs renting on demand)."""
    opts = _options(cat, 0.9)
    owned = next(o for o in opts.values() if o["kind"] == "owned")["usd_per_useful_gpu_hour"]
    od = [o["usd_per_useful_gpu_hour"] for o in opts.values() if o["kind"] == "on_demand"]
    median = statistics.median(od)
    saving = 1 - owned / median
    aws = opts["aws-p5-h100-sxm-on-demand-us-east-1"]["usd_per_useful_gpu_hour"]
    print(
        f"\nowned at 90%: {owned:.2f}; on-demand median {median:.2f} -> saving {saving:.0%}; "
        f"vs AWS {aws:.2f} -> {1 - owned / aws:.0%}"
    )
    # the claim sits between the two: 37 % vs the median on-demand offer, 64 % vs AWS list
    assert saving < 0.4
    assert 1 - owned / aws > 0.6


def test_claim_one_year_commit_discount(cat: Any) -> None:
    """'1-year commits cut on-demand by 30-40 %.'"""
    pairs = [
        ("aws-p5-h100-sxm-reserved-1y-us-east-1", "aws-p5-h100-sxm-on-demand-us-east-1"),
        ("gcp-tpu-v6e-reserved-1y-us-central1", "gcp-tpu-v6e-on-demand-us-central1"),
    ]
    cuts = []
    for reserved, on_demand in pairs:
        r = cat.get("offers", reserved)["price_usd_per_accel_h"]
        o = cat.get("offers", on_demand)["price_usd_per_accel_h"]
        cuts.append(1 - r / o)
        print(f"\n{reserved}: {r} vs {o} -> cut {1 - r / o:.1%}")
    assert all(_within(c, 0.30, 0.40 + 1e-9) for c in cuts)  # holds (at the 40 % edge)


def test_claim_thousand_gpus_power(cat: Any) -> None:
    """'1,000 GPUs draw 700 kW-1 MW before 1.2-1.5x cooling overhead.'"""
    plan = economics.facility_plan(cat, "h100-sxm", 1000)
    liquid = cat.get("cooling", "direct-liquid")
    air = cat.get("cooling", "air")
    print(
        f"\nGPU boards only {plan['accelerator_only_power_kw']:.0f} kW; DGX H100 systems "
        f"{plan['it_power_kw']:.0f} kW IT; PUE air {air['pue']} "
        f"({air['pue_low']:.2f}-{air['pue_high']:.2f}),"
        f" liquid {liquid['pue']}"
    )
    assert _within(plan["accelerator_only_power_kw"], 700, 1000)  # GPU-only: holds
    assert plan["it_power_kw"] > 1000  # whole servers: 1.275 MW, above the claim
    assert _within(liquid["pue"], 1.2, 1.5) and not _within(air["pue"], 1.2, 1.5)


def test_claim_air_cooling_limit(cat: Any) -> None:
    """'Air cooling fails around 41 kW per rack.'"""
    air = cat.get("cooling", "air")
    print(
        f"\nair max {air['max_kw_per_rack']} kW/rack "
        f"({air['max_kw_per_rack_low']}-{air['max_kw_per_rack_high']})"
    )
    assert _within(41, air["max_kw_per_rack_low"], air["max_kw_per_rack_high"])  # holds


def test_claim_liquid_cooling_cost_per_mw(cat: Any) -> None:
    """'Liquid cooling costs $3-4M per MW' (read as the premium over an air-cooled build)."""
    air, dlc = cat.get("cooling", "air"), cat.get("cooling", "direct-liquid")
    premium = dlc["build_capex_usd_per_mw"] - air["build_capex_usd_per_mw"]
    low = dlc["build_capex_usd_per_mw_low"] - air["build_capex_usd_per_mw_low"]
    high = dlc["build_capex_usd_per_mw_high"] - air["build_capex_usd_per_mw_high"]
    print(
        f"\nliquid premium {premium / 1e6:.1f} M USD/MW (low {low / 1e6:.1f}, high "
        f"{high / 1e6:.1f}); full liquid build {dlc['build_capex_usd_per_mw'] / 1e6:.0f} M USD/MW"
    )
    assert _within(premium, 3e6, 4e6)  # holds at the 4 M edge
