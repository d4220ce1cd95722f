"""Energy, carbon and cost of a job: footprint.job_footprint and `gigawatt train --offer/...`."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from gigawatt.catalog import load_catalog
from gigawatt.evaluate.footprint import job_footprint, pick_offer

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture(scope="module")
def cat() -> Any:
    return load_catalog(use_env=False)


def test_energy_is_power_times_hours_times_pue(cat: Any) -> None:
    out = job_footprint(cat, "h100-sxm", 1000.0, region="fr")
    tdp = cat.get("accelerators", "h100-sxm")["tdp_w"]
    assert out["energy_it_kwh"] == pytest.approx(tdp * 1000.0 / 1000.0)
    assert out["energy_kwh"] == pytest.approx(
        out["energy_it_kwh"] * cat.get("regions", "fr")["pue"]
    )
    grid = cat.get("regions", "fr")["grid_gco2_per_kwh"]
    assert out["co2_location_kg"] == pytest.approx(out["energy_kwh"] * grid / 1000.0)
    assert out["co2_market_kg"] <= out["co2_location_kg"]
    assert out["cost_usd"] is None and out["region"] == "fr"


def test_idle_utilization_draws_idle_power(cat: Any) -> None:
    busy = job_footprint(cat, "h100-sxm", 10.0, region="us")
    idle = job_footprint(cat, "h100-sxm", 10.0, region="us", utilization=0.0)
    assert idle["power_w_per_accelerator"] == cat.get("accelerators", "h100-sxm")["idle_power_w"]
    assert idle["energy_it_kwh"] < busy["energy_it_kwh"]


def test_venue_picks_cheapest_on_demand_offer(cat: Any) -> None:
    chosen = pick_offer(cat, "h100-sxm", offer=None, venue="lambda")
    assert chosen is not None and chosen["venue"] == "lambda"
    prices = [
        o["price_usd_per_accel_h"]
        for o in cat.rows("offers")
        if o["venue"] == "lambda"
        and o["accelerator"] == "h100-sxm"
        and o["pricing_model"] == "on_demand"
    ]
    assert chosen["price_usd_per_accel_h"] == min(prices)
    out = job_footprint(cat, "h100-sxm", 100.0, venue="lambda")
    assert out["cost_usd"] == pytest.approx(100.0 * chosen["price_usd_per_accel_h"])
    assert out["region"] == chosen["region"]


def test_no_region_assumes_us_and_says_so(cat: Any) -> None:
    out = job_footprint(cat, "a100-sxm-80gb", 1.0)
    assert out["region"] == "us" and out["assumptions"]


def test_train_cli_adds_footprint_and_cost(run_cli: Run) -> None:
    code, out, err = run_cli(
        "train",
        "--model",
        "llama-3.2-1b",
        "--accelerator",
        "h100-sxm",
        "--count",
        "8",
        "--tokens",
        "1e9",
        "--venue",
        "lambda",
        "--region",
        "us",
        "--json",
    )
    assert code == 0, err
    result = json.loads(out)
    for key in (
        "energy_it_kwh",
        "energy_kwh",
        "co2_location_kg",
        "co2_market_kg",
        "co2_embodied_kg",
        "water_l",
        "cost_usd",
    ):
        assert result[key] is not None and result[key] > 0, key
    assert result["region"] == "us"


def test_train_cli_bad_offer_exits_2(run_cli: Run) -> None:
    code, _, err = run_cli(
        "train",
        "--model",
        "llama-3.2-1b",
        "--accelerator",
        "h100-sxm",
        "--count",
        "8",
        "--tokens",
        "1e9",
        "--offer",
        "lambda-h100-on-demnd",
    )
    assert code == 2 and "--offer" in err and err.count("\n") == 1
    code, _, err = run_cli(
        "train",
        "--model",
        "llama-3.2-1b",
        "--accelerator",
        "h100-sxm",
        "--count",
        "8",
        "--tokens",
        "1e9",
        "--venue",
        "edge",
    )
    assert code == 2 and "no offer for h100-sxm" in err


def test_serving_footprint_per_token_figures(cat: Any) -> None:
    from gigawatt.evaluate.footprint import serving_footprint

    out = serving_footprint(cat, "h100-sxm", 8, 1000.0, hours=2.0, venue="lambda")
    tokens = 1000.0 * 2.0 * 3600.0
    assert out["energy_it_kwh"] == pytest.approx(
        8 * 2.0 * cat.get("accelerators", "h100-sxm")["tdp_w"] / 1000
    )
    assert out["kwh_per_thousand_tokens"] == pytest.approx(out["energy_kwh"] / tokens * 1e3)
    assert out["usd_per_million_tokens"] == pytest.approx(out["cost_usd"] / tokens * 1e6)
    assert any("TDP" in a for a in out["assumptions"])


def test_infer_cli_adds_cost_per_million_tokens(run_cli: Run) -> None:
    code, out, err = run_cli(
        "infer",
        "--model",
        "llama-3.1-8b",
        "--accelerator",
        "h100-sxm",
        "--count",
        "1",
        "--offline",
        "--offer",
        "lambda-h100-sxm-on-demand-us-south-1",
        "--json",
    )
    assert code == 0, err
    result = json.loads(out)
    for key in (
        "energy_it_kwh",
        "energy_kwh",
        "co2_location_kg",
        "co2_market_kg",
        "co2_embodied_kg",
        "water_l",
        "cost_usd",
        "usd_per_million_tokens",
        "kwh_per_thousand_tokens",
    ):
        assert result[key] is not None and result[key] > 0, key
    per_million = result["cost_usd"] / (result["throughput_output_tokens_per_s"] * 3600 / 1e6)
    assert result["usd_per_million_tokens"] == pytest.approx(per_million)


def test_tco_rentals_pay_egress(cat: Any) -> None:
    from gigawatt.evaluate.economics import compare

    base = {o["id"]: o for o in compare(cat, "h100-sxm", 8)["options"]}
    moved = {o["id"]: o for o in compare(cat, "h100-sxm", 8, egress_gb_per_month=1000.0)["options"]}
    aws = "aws-p5-h100-sxm-on-demand-us-east-1"
    rate = cat.get("venues", "aws")["egress_usd_per_gb"]
    assert rate and moved[aws]["egress_usd_per_year"] == pytest.approx(rate * 12_000)
    assert moved[aws]["opex_usd_per_year"] == pytest.approx(
        base[aws]["opex_usd_per_year"] + rate * 12_000
    )
    assert moved[aws]["usd_per_useful_gpu_hour"] > base[aws]["usd_per_useful_gpu_hour"]
    owned = [i for i, o in base.items() if o["kind"] == "owned"]
    assert all(moved[i]["total_usd"] == base[i]["total_usd"] for i in owned)


def test_tco_negative_egress_exits_2(run_cli: Run) -> None:
    code, _, err = run_cli(
        "tco", "--accelerator", "h100-sxm", "--count", "8", "--egress-gb-per-month", "-1"
    )
    assert code == 2 and "--egress-gb-per-month" in err


def _bare_region(cat: Any) -> str:
    """Add cloud region ``aws:us-bare-1`` (in the US) without PUE, electricity price and water
    figures to ``cat``; return its id."""
    region = "aws:us-bare-1"
    cat.tables["regions"][region] = {
        **cat.get("regions", "aws:us-east-1"),
        "id": region,
        "pue": None,
        "electricity_usd_per_kwh": None,
        "wue_l_per_kwh": None,
        "water_offsite_l_per_kwh_low": None,
        "water_offsite_l_per_kwh": None,
        "water_offsite_l_per_kwh_high": None,
    }
    return region


def test_region_without_figures_takes_its_countrys() -> None:
    """PUE, off-site water and the electricity price fall back to the country row
    (gigawatt.catalog.lookup.region_row_for); on-site WUE to the cooling type, not the country."""
    from gigawatt.evaluate.economics import compare

    cat = load_catalog(use_env=False)
    region = _bare_region(cat)
    us = cat.tables["regions"]["us"] = {
        **cat.get("regions", "us"),
        "pue": 1.3,  # differs from the air cooling row's 1.56
        "wue_l_per_kwh": 0.9,  # not taken: on-site water follows the cooling (1.8)
        "water_offsite_l_per_kwh": 2.5,
    }
    out = job_footprint(cat, "h100-sxm", 100.0, region=region)
    assert out["pue"] == 1.3
    assert out["water_offsite_l_per_kwh"] == 2.5
    assert out["wue_l_per_kwh"] == cat.get("cooling", "air")["wue_l_per_kwh"] != 0.9
    assert out["co2_market_kg"] == out["co2_location_kg"]  # no CFE of its own: none claimed
    tco = compare(cat, "h100-sxm", 8, region=region)
    assert tco["inputs"]["electricity_usd_per_kwh"] == us["electricity_usd_per_kwh"]
