"""Total cost of ownership of owned (on-premises) and colocated accelerators.

CapEx (systems, networking, storage and, when owned, the facility build at $/MW of IT load) is
turned into an equal yearly payment with the capital-recovery (annuity) factor
r / (1 - (1 + r)^-n), after subtracting the present value of the resale (residual) value. OpEx is
power (average IT kW x PUE x 8,760 h x $/kWh), colocation ($/kW-month of contracted IT power),
staff and maintenance. Cost per useful accelerator-hour = yearly cost / (accelerators x 8,760 x
utilisation). Break-even utilisation against pay-per-use renting solves
fixed + variable x u = price x N x 8,760 x u; break-even months compare the up-front CapEx with
the monthly saving of owning over renting.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gigawatt.models.energy import HOURS_PER_YEAR


def annuity_factor(rate: float, years: float) -> float:
    """Capital-recovery factor (1/year): r / (1 - (1 + r)^-n); 1 / n when r = 0."""
    if rate == 0:
        return 1.0 / years
    return rate / (1.0 - float((1.0 + rate) ** -years))


def annualized_capex_usd(capex_usd: float, residual_usd: float, rate: float, years: float) -> float:
    """Equal yearly payment (USD/year) recovering ``capex_usd`` net of the present value of
    ``residual_usd`` received after ``years`` at cost of capital ``rate`` (fraction/year)."""
    net = capex_usd - residual_usd / float((1.0 + rate) ** years)
    return net * annuity_factor(rate, years)


def residual_fraction(years: float, curve: Sequence[float]) -> float:
    """Resale value after ``years`` as a fraction of purchase price, interpolated linearly on
    ``curve`` = fractions after 1, 2, ... years (1.0 at year 0; the last value holds afterwards)."""
    points = [1.0, *curve]
    if years >= len(points) - 1:
        return points[-1]
    lower = int(years)
    frac = years - lower
    return points[lower] + (points[lower + 1] - points[lower]) * frac


def power_cost_per_year_usd(avg_it_kw: float, pue: float, usd_per_kwh: float) -> float:
    """Electricity cost (USD/year) of ``avg_it_kw`` (kW) of IT load at ``pue``."""
    return avg_it_kw * pue * HOURS_PER_YEAR * usd_per_kwh


def colo_cost_per_year_usd(contracted_kw: float, usd_per_kw_month: float) -> float:
    """Colocation fee (USD/year) for ``contracted_kw`` (kW) of IT power."""
    return contracted_kw * usd_per_kw_month * 12.0


def useful_hours_per_year(accelerators: int, utilization: float) -> float:
    """Useful accelerator-hours per year (accelerator-h/year)."""
    return accelerators * HOURS_PER_YEAR * utilization


@dataclass(frozen=True)
class Ownership:
    """Inputs of an owned or colocated cluster (USD, kW, fractions, years)."""

    accelerators: int
    hardware_capex_usd: float
    networking_capex_usd: float
    storage_capex_usd: float
    facility_capex_usd: float
    idle_it_kw: float
    max_it_kw: float
    pue: float
    usd_per_kwh: float
    colo_usd_per_kw_month: float
    staff_usd_per_year: float
    maintenance_fraction: float
    cost_of_capital: float
    residual_fraction: float
    years: float


@dataclass(frozen=True)
class TcoResult:
    """Yearly cost split and cost per useful accelerator-hour (USD)."""

    capex_usd: float
    capex_per_year_usd: float
    fixed_opex_per_year_usd: float
    energy_per_year_at_full_use_usd: float
    energy_per_year_idle_usd: float
    utilization: float

    @property
    def energy_per_year_usd(self) -> float:
        idle, full = self.energy_per_year_idle_usd, self.energy_per_year_at_full_use_usd
        return idle + (full - idle) * self.utilization

    @property
    def opex_per_year_usd(self) -> float:
        return self.fixed_opex_per_year_usd + self.energy_per_year_usd

    @property
    def cost_per_year_usd(self) -> float:
        return self.capex_per_year_usd + self.opex_per_year_usd


def ownership_tco(o: Ownership, utilization: float) -> TcoResult:
    """TCO of ``o`` run at ``utilization`` (0-1)."""
    capex = (
        o.hardware_capex_usd + o.networking_capex_usd + o.storage_capex_usd + o.facility_capex_usd
    )
    residual = o.hardware_capex_usd * o.residual_fraction
    per_year = annualized_capex_usd(capex, residual, o.cost_of_capital, o.years)
    fixed = (
        colo_cost_per_year_usd(o.max_it_kw, o.colo_usd_per_kw_month)
        + o.staff_usd_per_year
        + o.maintenance_fraction * (o.hardware_capex_usd + o.networking_capex_usd)
    )
    full = power_cost_per_year_usd(o.max_it_kw, o.pue, o.usd_per_kwh)
    idle = power_cost_per_year_usd(o.idle_it_kw, o.pue, o.usd_per_kwh)
    return TcoResult(capex, per_year, fixed, full, idle, utilization)


def usd_per_useful_accel_h(result: TcoResult, accelerators: int) -> float:
    """Cost (USD) per useful accelerator-hour of an owned/colocated cluster."""
    return result.cost_per_year_usd / useful_hours_per_year(accelerators, result.utilization)


def break_even_utilization(
    result: TcoResult, accelerators: int, rent_usd_per_h: float
) -> float | None:
    """Utilisation (0-1) above which owning beats pay-per-use renting at ``rent_usd_per_h``
    (USD/accelerator-h); None when owning never wins at up to 100 % use."""
    fixed = (
        result.capex_per_year_usd + result.fixed_opex_per_year_usd + result.energy_per_year_idle_usd
    )
    variable = result.energy_per_year_at_full_use_usd - result.energy_per_year_idle_usd
    rent_full = rent_usd_per_h * accelerators * HOURS_PER_YEAR
    if rent_full <= variable:
        return None
    u = fixed / (rent_full - variable)
    return u if u <= 1.0 else None


def break_even_months(result: TcoResult, rent_per_year_usd: float) -> float | None:
    """Months until the up-front CapEx is repaid by the saving of owning (OpEx only) over renting
    (``rent_per_year_usd``); None when owning's OpEx alone costs as much as renting."""
    saving = rent_per_year_usd - result.opex_per_year_usd
    if saving <= 0:
        return None
    return 12.0 * result.capex_usd / saving
