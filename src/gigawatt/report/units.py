"""Human units for reports: durations ("95 s", "2 h", "6.3 days"), energy, power, money, carbon,
shares. Every function takes the figure in the unit its name says and returns text; an unknown
figure (None or NaN) reads "-", never "nan"."""

from __future__ import annotations

import math

MISSING = "-"


def _known(value: float | None) -> bool:
    return value is not None and not math.isnan(value) and not math.isinf(value)


def number(value: float) -> str:
    """Two significant digits below 10 ("6.3", "0.11", "2"), whole numbers with thousands
    separators from 10 up ("26", "1,572")."""
    if abs(value) >= 10:
        return f"{value:,.0f}"
    text = f"{value:.2g}"
    return text if "e" not in text else f"{value:.1e}"


def format_duration(seconds: float | None) -> str:
    """A duration in the largest unit that keeps it readable: ms below 1 s, s below 2 min,
    min below 2 h, h below 2 days, days above ("95 s", "2 h", "6.3 days")."""
    if not _known(seconds):
        return MISSING
    assert seconds is not None
    s = float(f"{abs(seconds):.3g}")  # units chosen on the shown digits: 7,199.99 s is "2 h"
    sign = "-" if seconds < 0 else ""
    if s == 0:
        return "0 s"
    if s < 1:
        return f"{sign}{number(s * 1000)} ms"
    if s < 120:
        return f"{sign}{number(s)} s"
    if s < 7_200:
        return f"{sign}{number(s / 60)} min"
    if s < 172_800:
        return f"{sign}{number(s / 3600)} h"
    days = number(s / 86_400)
    return f"{sign}{days} {'day' if days == '1' else 'days'}"


def _scaled(value: float | None, units: tuple[tuple[float, str], ...]) -> str:
    """``value`` in the largest of ``units`` (factor, name; ascending) it reaches."""
    if not _known(value):
        return MISSING
    assert value is not None
    factor, name = units[0]
    for f, n in units:
        if abs(value) >= f:
            factor, name = f, n
    return f"{number(value / factor)} {name}"


def format_energy_kwh(kwh: float | None) -> str:
    """Energy: kWh, MWh or GWh."""
    return _scaled(kwh, ((1.0, "kWh"), (1e3, "MWh"), (1e6, "GWh")))


def format_power_kw(kw: float | None) -> str:
    """Power: kW or MW."""
    return _scaled(kw, ((1.0, "kW"), (1e3, "MW")))


def format_carbon_kg(kg: float | None) -> str:
    """Emissions: kg or t CO2e."""
    return _scaled(kg, ((1.0, "kg CO2e"), (1e3, "t CO2e"), (1e6, "kt CO2e")))


def format_gpu_hours(gpu_h: float | None) -> str:
    """Accelerator time: GPU-h, or millions of GPU-h (M GPU-h)."""
    return _scaled(gpu_h, ((1.0, "GPU-h"), (1e6, "M GPU-h")))


def format_usd(usd: float | None) -> str:
    """Money: "$0.0038", "$195", "$53,412", "$1.2 M"."""
    if not _known(usd):
        return MISSING
    assert usd is not None
    if abs(usd) >= 1e6:
        return f"${number(usd / 1e6)} M"
    if abs(usd) >= 10:
        return f"${usd:,.0f}"
    return f"${usd:.2g}"


def format_share(fraction: float | None) -> str:
    """A fraction as a percentage: three significant digits, four from 99 % up so that 99.89 %
    does not read as 100 % ("80.1 %", "99.89 %", "0.5 %"); tiny and near-whole shares are
    bounded ("< 0.1 %", "> 99.99 %")."""
    if not _known(fraction):
        return MISSING
    assert fraction is not None
    pct = 100.0 * fraction
    if 0 < abs(pct) < 0.1:
        return "< 0.1 %" if pct > 0 else "> -0.1 %"
    digits = 4 if 99.0 <= pct < 100.0 else 3
    text = f"{pct:.{digits}g}"
    return "> 99.99 %" if text == "100" and pct < 100.0 else f"{text} %"


def format_count(n: float | None) -> str:
    """A count with thousands separators."""
    if not _known(n):
        return MISSING
    assert n is not None
    return f"{round(n):,}"
