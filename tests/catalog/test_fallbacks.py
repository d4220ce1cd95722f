"""Unknown is not free: stated fallbacks for region figures a region lacks."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from test_loader import write_table

from gigawatt.catalog import load_catalog, table_schema
from gigawatt.catalog.lookup import region_value, region_value_or_fallback
from gigawatt.errors import InputError

FIGURES = ("electricity_usd_per_kwh", "grid_gco2_per_kwh", "pue")


@pytest.fixture(scope="module")
def bundled() -> Any:
    return load_catalog(use_env=False)


def test_every_region_gets_every_cost_figure(bundled: Any) -> None:
    for region in bundled.ids("regions"):
        for key in FIGURES:
            got = region_value_or_fallback(bundled, region, key)
            assert got is not None, (region, key)
            value, low, high, _ = got
            assert 0 < low <= value <= high, (region, key, got)


def test_own_figure_comes_without_a_note(bundled: Any) -> None:
    assert region_value_or_fallback(bundled, "de", "electricity_usd_per_kwh") == (
        region_value(bundled, "de", "electricity_usd_per_kwh"),
        region_value(bundled, "de", "electricity_usd_per_kwh"),
        region_value(bundled, "de", "electricity_usd_per_kwh"),
        None,
    )
    value, low, high, note = region_value_or_fallback(bundled, "us", "water_offsite_l_per_kwh")
    assert low < value < high and note is None


def test_missing_price_uses_the_area_average_with_a_note(bundled: Any) -> None:
    asia = bundled.get("fallbacks", "asia")
    value, low, high, note = region_value_or_fallback(bundled, "in", "electricity_usd_per_kwh")
    assert (value, low, high) == (
        asia["electricity_usd_per_kwh"],
        asia["electricity_usd_per_kwh_low"],
        asia["electricity_usd_per_kwh_high"],
    )
    assert note is not None and "region in" in note and "asia" in note
    # a cloud region without its own price inherits neither price (country has none) nor area
    got = region_value_or_fallback(bundled, "gcp:asia-northeast1", "electricity_usd_per_kwh")
    assert got is not None and "asia" in str(got[3])


def test_countries_priced_in_issue_19_carry_their_own_figure(bundled: Any) -> None:
    """Issue 19 priced ca, cn, kr, tw, sa and Hyperstack's Montréal site from sourced tariffs and
    statistics: they no longer fall back to the continent average, and every local-currency
    figure names its exchange rate and source in the row's assumptions."""
    for region in ("ca", "cn", "kr", "tw", "sa", "hyperstack:canada-1"):
        value, low, high, note = region_value_or_fallback(
            bundled, region, "electricity_usd_per_kwh"
        )
        assert note is None and 0.03 < value == low == high < 0.2, region
        row = bundled.get("regions", region)
        said = [a for a in row["assumptions"].split(" | ") if a.startswith("electricity")]
        assert said, region
        if region != "cn":  # cn's statistic is published in USD
            assert "/USD" in said[0] and ("Federal Reserve" in said[0] or "IMF" in said[0])


def test_deleting_a_price_never_makes_a_region_cheaper_at_the_high_end(bundled: Any) -> None:
    """Issue 13's test at catalog level: blank each sourced figure (region and country), the
    fallback's high end is never below the figure that was there."""
    checked = 0
    for region in bundled.ids("regions"):
        for key in FIGURES:
            own = region_value(bundled, region, key)
            if own is None:
                continue
            cat = copy.deepcopy(bundled)
            row = cat.tables["regions"][region]
            row[key] = None
            cat.tables["regions"].get(row["country"], {})[key] = None
            got = region_value_or_fallback(cat, region, key)
            assert got is not None and got[3] is not None, (region, key)
            assert got[2] >= own, (region, key, own, got)
            checked += 1
    assert checked > 100


def test_region_without_area_falls_back_to_world(bundled: Any, tmp_path: Path) -> None:
    base = bundled.get("regions", "us")
    row = {**base, "id": "xx", "country": "xx", "area": None, "electricity_usd_per_kwh": None}
    write_table(tmp_path, "regions", [row])
    cat = load_catalog([tmp_path], use_env=False)
    got = region_value_or_fallback(cat, "xx", "electricity_usd_per_kwh")
    assert got is not None and got[0] == cat.get("fallbacks", "world")["electricity_usd_per_kwh"]
    assert "world" in str(got[3])


def test_figure_without_fallback_stays_unknown(bundled: Any) -> None:
    assert region_value_or_fallback(bundled, "aws:us-east-1", "carbon_free_fraction") is None


def test_unknown_region_is_an_input_error(bundled: Any) -> None:
    with pytest.raises(InputError, match="region"):
        region_value_or_fallback(bundled, "mars", "pue")


def test_fallback_columns_share_the_regions_units() -> None:
    regions = table_schema("regions")
    for attr in table_schema("fallbacks").attributes:
        if attr.is_numeric:
            base = attr.name.removesuffix("_low").removesuffix("_high")
            assert attr.unit == regions.attribute(base).unit, attr.name


def test_fallback_rows_are_ordered_ranges(bundled: Any) -> None:
    for row in bundled.rows("fallbacks"):
        for key in FIGURES:
            if row.get(key) is not None:
                assert row[f"{key}_low"] <= row[key] <= row[f"{key}_high"], (row["id"], key)
    world = bundled.get("fallbacks", "world")
    assert all(world.get(key) is not None for key in FIGURES)
