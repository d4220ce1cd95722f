"""Off-site water of electricity (EWIF) and low/typical/high ranges of the footprint figures."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gigawatt.catalog import load_catalog
from gigawatt.evaluate.footprint import footprint, job_footprint, serving_footprint
from gigawatt.models.water import ewif_l_per_kwh

Run = Callable[..., tuple[int, str, str]]
ENDS = ("consumption_l_per_kwh_low", "consumption_l_per_kwh", "consumption_l_per_kwh_high")
HEADLINE = (
    "energy_kwh",
    "co2_location_kg",
    "co2_market_kg",
    "co2_embodied_kg",
    "water_onsite_l",
    "water_offsite_l",
    "water_l",
)


@pytest.fixture(scope="module")
def cat() -> Any:
    return load_catalog(use_env=False)


def _ewif(cat: Any, region: str, end: str = "") -> float:
    return float(cat.get("regions", region)[f"water_offsite_l_per_kwh{end}"])


def test_ewif_is_the_generation_weighted_mean() -> None:
    mix = {"coal": 3.0, "wind": 1.0}
    assert ewif_l_per_kwh(mix, {"coal": 2.0, "wind": 0.0}) == pytest.approx(1.5)
    with pytest.raises(ValueError):
        ewif_l_per_kwh({"coal": 0.0}, {"coal": 2.0})


def test_water_factors_are_ordered_and_sourced(cat: Any) -> None:
    rows = cat.rows("water_factors")
    assert {r["id"] for r in rows} >= {"coal", "gas", "oil", "nuclear", "hydro", "solar", "wind"}
    for r in rows:
        low, typical, high = (r[e] for e in ENDS)
        assert low <= typical <= high, r["id"]
        assert r["source"] and r["as_of"]
    f = {r["id"]: r["consumption_l_per_kwh"] for r in rows}
    # thermal plants evaporate water to reject waste heat: light-water reactors (~33 % efficient,
    # no stack losses) reject the most per kWh, then coal, then gas combined cycle; wind none
    assert f["nuclear"] > f["coal"] > f["gas"] > f["wind"] == 0.0
    # reservoir evaporation makes hydro the thirstiest source when it is charged to power
    hydro_high = cat.get("water_factors", "hydro")["consumption_l_per_kwh_high"]
    assert hydro_high > max(r["consumption_l_per_kwh_high"] for r in rows if r["id"] != "hydro")


def test_region_ewif_ordered_as_physics_says(cat: Any) -> None:
    hydro, nuclear, coal = "no", "fr", "za"  # Norway ~89 % hydro, France ~65 % nuclear, ZA coal
    # typical (Li et al.: turbines consume nothing): nuclear-heavy > coal-heavy > hydro-heavy
    assert _ewif(cat, nuclear) > _ewif(cat, coal) > _ewif(cat, hydro)
    assert _ewif(cat, hydro) < 0.1
    # high end charges reservoir evaporation to power: the hydro grid becomes the thirstiest
    assert _ewif(cat, hydro, "_high") > _ewif(cat, nuclear, "_high") > _ewif(cat, coal, "_high")
    for r in cat.rows("regions"):
        low, typical, high = (r[f"water_offsite_l_per_kwh{e}"] for e in ("_low", "", "_high"))
        assert low is not None and low <= typical <= high, r["id"]
        assert "water_offsite_l_per_kwh: derived" in (r["assumptions"] or ""), r["id"]


def test_region_ewif_matches_the_mix(cat: Any, shared: Path) -> None:
    """The bundled column is what scripts/derive_region_water.py computes from the OWID mix."""
    mix = json.loads((shared / "cost-data/carbon/codecarbon/global_energy_mix.json").read_text())
    factors = cat.rows("water_factors")
    for region, iso3 in (("us", "USA"), ("fr", "FRA"), ("no", "NOR"), ("za", "ZAF")):
        record = mix[iso3]
        gen = {f["id"]: float(record[f["mix_field"]]) for f in factors}
        assert sum(gen.values()) == pytest.approx(record["total_TWh"], rel=0.01)
        for end, column in zip(("_low", "", "_high"), ENDS, strict=True):
            per = {f["id"]: f[column] for f in factors}
            assert _ewif(cat, region, end) == pytest.approx(ewif_l_per_kwh(gen, per), abs=1e-3)


def test_water_is_onsite_wue_plus_offsite_ewif(cat: Any) -> None:
    out = job_footprint(cat, "h100-sxm", 1000.0, region="fr")
    reg = cat.get("regions", "fr")
    it, fac = out["energy_it_kwh"], out["energy_kwh"]
    expected = it * reg["wue_l_per_kwh"] + fac * reg["water_offsite_l_per_kwh"]
    assert out["water_l"] == pytest.approx(expected)
    assert out["water_offsite_l"] == pytest.approx(fac * _ewif(cat, "fr"))
    assert out["water_onsite_l"] == pytest.approx(it * reg["wue_l_per_kwh"])
    wue_high = max(reg["wue_l_per_kwh"], cat.get("cooling", "air")["wue_l_per_kwh_high"])
    assert out["water_l_high"] == pytest.approx(
        it * wue_high + out["energy_kwh_high"] * _ewif(cat, "fr", "_high")
    )


@pytest.mark.parametrize("region", ["us", "fr", "no", "za", "aws:us-east-1", "gcp:us-central1"])
def test_every_headline_figure_has_ordered_ends(cat: Any, region: str) -> None:
    out = job_footprint(cat, "h100-sxm", 100.0, region=region)
    for name in HEADLINE:
        low, typical, high = out[f"{name}_low"], out[name], out[f"{name}_high"]
        assert low is not None and typical is not None and high is not None, name
        assert 0 <= low <= typical <= high, (name, low, typical, high)
    assert out["pue_low"] <= out["pue"] <= out["pue_high"]
    assert out["energy_kwh_low"] < out["energy_kwh_high"]  # air-cooled DGX: a real PUE range


def test_pinned_pue_has_no_energy_range(cat: Any) -> None:
    air = cat.get("cooling", "air")
    out = footprint(cat, 10.0, 700.0, "us", pue=1.3, cooling=air)
    assert out["energy_kwh_low"] == out["energy_kwh"] == out["energy_kwh_high"] == 9.1
    assert out["water_l_low"] < out["water_l"] < out["water_l_high"]  # WUE and EWIF ranges


def test_region_without_ewif_counts_onsite_water_only(cat: Any) -> None:
    patched = copy.deepcopy(cat)
    reg = patched.get("regions", "fr")
    for end in ("_low", "", "_high"):
        reg[f"water_offsite_l_per_kwh{end}"] = None
    out = footprint(patched, 10.0, 700.0, "fr")
    assert out["water_offsite_l"] is None and out["water_offsite_l_high"] is None
    assert out["water_l"] == out["water_onsite_l"]


def test_serving_per_token_figures_carry_ranges(cat: Any) -> None:
    out = serving_footprint(cat, "h100-sxm", 8, 1000.0, venue="lambda")
    for name in ("kwh_per_thousand_tokens", "usd_per_million_tokens"):
        assert out[f"{name}_low"] <= out[name] <= out[f"{name}_high"], name


def test_train_json_carries_low_and_high(run_cli: Run) -> None:
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
        "--region",
        "fr",
        "--json",
    )
    assert code == 0, err
    result = json.loads(out)
    for name in HEADLINE:
        assert result[f"{name}_low"] <= result[name] <= result[f"{name}_high"], name
    assert result["water_offsite_l"] > 0
