"""Unit and property tests of the pure economics, energy, carbon and facility functions."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gigawatt.errors import InputError
from gigawatt.models import carbon, cost, energy, facility, tco

prices = st.floats(min_value=0.01, max_value=100.0, allow_nan=False)
fractions = st.floats(min_value=0.01, max_value=1.0, allow_nan=False)


@given(power=st.floats(0, 1e6), hours=st.floats(0, 1e6))
def test_energy_is_power_times_time(power: float, hours: float) -> None:
    assert energy.energy_kwh(power, hours) == pytest.approx(power * hours / 1000.0)


@given(idle=st.floats(0, 500), extra=st.floats(0, 1000), u1=fractions, u2=fractions)
def test_power_curve_monotone(idle: float, extra: float, u1: float, u2: float) -> None:
    lo, hi = sorted((u1, u2))
    assert (
        energy.power_at_utilization_w(idle, idle + extra, lo)
        <= energy.power_at_utilization_w(idle, idle + extra, hi) + 1e-9
    )
    assert energy.power_at_utilization_w(idle, idle + extra, 0.0) == idle


@given(p1=prices, p2=prices, u=fractions)
def test_committed_cost_monotone_in_price(p1: float, p2: float, u: float) -> None:
    lo, hi = sorted((p1, p2))
    assert cost.committed_usd_per_useful_h(lo, u) <= cost.committed_usd_per_useful_h(hi, u)
    assert cost.committed_usd_per_useful_h(lo, u) >= lo


@given(p1=prices, p2=prices, od=prices)
def test_spot_cost_monotone_in_price(p1: float, p2: float, od: float) -> None:
    lo, hi = sorted((p1, p2))
    args = (od, 0.05, 1.0, 0.25, 0.1)
    assert cost.spot_usd_per_useful_h(lo, *args) <= cost.spot_usd_per_useful_h(hi, *args) + 1e-12


def test_spot_lost_work() -> None:
    assert cost.spot_lost_fraction(0.1, 2.0, 0.5) == pytest.approx(0.15)
    assert cost.spot_usd_per_useful_h(1.0, 3.0, 0.0, 1.0, 0.0, 0.0) == 1.0
    assert cost.spot_usd_per_useful_h(1.0, 3.0, 0.1, 2.0, 0.5, 0.5) == pytest.approx(
        0.5 / 0.85 + 1.5
    )


def test_committed_rejects_bad_utilization() -> None:
    with pytest.raises(InputError, match="utilization"):
        cost.committed_usd_per_useful_h(2.0, 0.0)


def test_annuity() -> None:
    assert tco.annuity_factor(0.0, 4) == 0.25
    assert tco.annuity_factor(0.1, 4) == pytest.approx(0.315471, rel=1e-5)
    assert tco.annualized_capex_usd(1000.0, 0.0, 0.0, 4) == 250.0


def test_residual_curve() -> None:
    curve = [0.6, 0.4, 0.3]
    assert tco.residual_fraction(0, curve) == 1.0
    assert tco.residual_fraction(1.5, curve) == pytest.approx(0.5)
    assert tco.residual_fraction(9, curve) == 0.3


def _ownership(**kw: float) -> tco.Ownership:
    base = {
        "accelerators": 8,
        "hardware_capex_usd": 270000.0,
        "networking_capex_usd": 52000.0,
        "storage_capex_usd": 0.0,
        "facility_capex_usd": 112200.0,
        "idle_it_kw": 1.2,
        "max_it_kw": 10.2,
        "pue": 1.56,
        "usd_per_kwh": 0.08,
        "colo_usd_per_kw_month": 0.0,
        "staff_usd_per_year": 1480.0,
        "maintenance_fraction": 0.06,
        "cost_of_capital": 0.1,
        "residual_fraction": 0.175,
        "years": 4.0,
    }
    base.update(kw)
    return tco.Ownership(**base)  # type: ignore[arg-type]


@given(u1=fractions, u2=fractions)
def test_owned_cost_per_useful_hour_falls_with_utilization(u1: float, u2: float) -> None:
    lo, hi = sorted((u1, u2))
    o = _ownership()
    assert (
        tco.usd_per_useful_accel_h(tco.ownership_tco(o, hi), 8)
        <= tco.usd_per_useful_accel_h(tco.ownership_tco(o, lo), 8) + 1e-9
    )


@given(p1=st.floats(0, 0.5), p2=st.floats(0, 0.5))
def test_owned_cost_monotone_in_power_price(p1: float, p2: float) -> None:
    lo, hi = sorted((p1, p2))
    a = tco.ownership_tco(_ownership(usd_per_kwh=lo), 0.7).cost_per_year_usd
    b = tco.ownership_tco(_ownership(usd_per_kwh=hi), 0.7).cost_per_year_usd
    assert a <= b + 1e-6


def test_break_even_utilization_is_where_costs_meet() -> None:
    result = tco.ownership_tco(_ownership(), 0.7)
    u = tco.break_even_utilization(result, 8, 4.0)
    assert u is not None and 0 < u < 1
    at_u = tco.ownership_tco(_ownership(), u)
    assert at_u.cost_per_year_usd == pytest.approx(4.0 * 8 * 8760 * u, rel=1e-9)
    assert tco.break_even_utilization(result, 8, 0.01) is None
    months = tco.break_even_months(result, 4.0 * 8 * 8760)
    assert months is not None and months > 0
    assert tco.break_even_months(result, 1.0) is None


def test_carbon_and_water() -> None:
    assert carbon.location_co2_kg(1000.0, 400.0) == 400.0
    assert carbon.market_co2_kg(1000.0, 400.0, 0.25) == 300.0
    assert carbon.embodied_co2_kg(318.0, 8, 8760.0 * 4, 4) == pytest.approx(318.0 * 8)
    assert carbon.water_l(100.0, 150.0, 1.8, 3.14) == pytest.approx(180.0 + 471.0)


def test_facility_sizing_and_warnings() -> None:
    s = facility.size_facility(1000, 8, 10.2, 40.0, 1.56, cooling="air")
    assert s.systems == 125 and s.racks == math.ceil(125 / 3)
    assert s.it_power_kw == pytest.approx(1275.0)
    assert s.facility_power_kw == pytest.approx(1275.0 * 1.56)
    assert s.kw_per_rack <= 40.0 and not s.warnings
    big = facility.size_facility(72, 72, 120.0, 40.0, 1.56, cooling="air", site_power_cap_kw=100.0)
    assert len(big.warnings) == 2 and big.racks == 1


def test_footprint_and_offer_cost() -> None:
    from gigawatt.catalog import load_catalog
    from gigawatt.evaluate import economics
    from gigawatt.evaluate.footprint import footprint

    cat = load_catalog(use_env=False)
    fp = footprint(cat, 1000.0, 700.0, "fr", pue=1.2)
    assert fp["energy_it_kwh"] == pytest.approx(700.0)
    assert fp["energy_kwh"] == pytest.approx(840.0)
    assert fp["co2_market_kg"] <= fp["co2_location_kg"]
    assert fp["co2_embodied_kg_low"] <= fp["co2_embodied_kg"] <= fp["co2_embodied_kg_high"]
    spot = economics.offer_cost(cat, "aws-p5-h100-sxm-spot-us-east-1", 100.0)
    assert spot["cost_usd_low"] <= spot["cost_usd"] <= spot["cost_usd_high"]
    assert (
        spot["usd_per_useful_gpu_hour"]
        > cat.get("offers", "aws-p5-h100-sxm-spot-us-east-1")["price_usd_per_accel_h"]
    )
    reserved = economics.offer_cost(cat, "aws-p5-h100-sxm-reserved-1y-us-east-1", 100.0, 0.5)
    assert reserved["usd_per_useful_gpu_hour"] == pytest.approx(2 * 4.128)
    with pytest.raises(InputError):
        economics.offer_cost(cat, "no-such-offer", 1.0)


def test_rental_kind_labels_cover_every_pricing_model() -> None:
    from gigawatt.catalog import table_schema
    from gigawatt.evaluate.economics import RENTAL_KINDS

    allowed = table_schema("offers").attribute("pricing_model").allowed
    assert sorted(RENTAL_KINDS) == sorted(allowed)
