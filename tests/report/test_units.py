"""Human units: durations pick a readable unit, unknown figures read "-", never "nan"."""

from __future__ import annotations

import pytest

from gigawatt.report.units import (
    format_carbon_kg,
    format_duration,
    format_energy_kwh,
    format_power_kw,
    format_share,
    format_usd,
)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0.0, "0 s"),
        (0.1142, "114 ms"),
        (0.0088, "8.8 ms"),
        (95.06, "95 s"),
        (300.0, "5 min"),
        (7200.0, "2 h"),
        (0.0833333 * 86_400, "2 h"),  # a 2-hour run written as 0.0833333 days
        (95_062.8, "26 h"),
        (86_400.0, "24 h"),
        (6.3 * 86_400, "6.3 days"),
        (90 * 86_400.0, "90 days"),
        (-120.0, "-2 min"),
    ],
)
def test_format_duration(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


@pytest.mark.parametrize("value", [None, float("nan"), float("inf")])
def test_unknown_figures_read_dash(value: float | None) -> None:
    for fn in (format_duration, format_energy_kwh, format_power_kw, format_usd, format_share):
        assert fn(value) == "-"


def test_scaled_units() -> None:
    assert format_energy_kwh(38.56) == "39 kWh"
    assert format_energy_kwh(435_644.0) == "436 MWh"
    assert format_power_kw(599.4) == "599 kW"
    assert format_power_kw(1_572.0) == "1.6 MW"
    assert format_carbon_kg(160_959.0) == "161 t CO2e"
    assert format_usd(744_745.0) == "$744,745"
    assert format_usd(0.003814) == "$0.0038"
    assert format_usd(12_000_000.0) == "$12 M"


def test_shares_near_one_keep_their_digits() -> None:
    assert format_share(0.9989) == "99.89 %"
    assert format_share(0.8013) == "80.1 %"
    assert format_share(1.0) == "100 %"
    assert format_share(0.005) == "0.5 %"
    assert format_share(0.00000303) == "< 0.1 %"
    assert format_share(0.9999997) == "> 99.99 %"
    assert format_share(0.0) == "0 %"
