"""What one deployed unit of an option draws and costs while it runs.

Energy is facility energy (IT x region PUE) at the utilisation from the performance model on the
linear idle-to-max power curve (:mod:`gigawatt.models.energy`); carbon is location-based (grid
average, :mod:`gigawatt.models.carbon`). Usage cost: pay-per-use USD/accelerator-h x accelerators
x hours; electricity per kWh for owned and purchased hardware; nothing for committed capacity
(its pool pays). Spot hours are inflated by the work lost to preemptions
(:func:`gigawatt.models.cost.spot_lost_fraction`, typical cost assumptions); only work that
tolerates preemption (``preemptible``; by default training and batch) uses spot.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from gigawatt.catalog import Catalog
from gigawatt.evaluate.economics import assumptions
from gigawatt.models import carbon, cost, energy


class UnitDraw(NamedTuple):
    """Per deployed unit over the option's hours: IT and facility power at full load [kW],
    facility energy [kWh], location-based emissions [kgCO2e]."""

    it_power_kw: float
    power_kw: float
    energy_kwh: float
    co2_location_kg: float


def unit_draw(
    power_kw: tuple[float, float],
    pue: float,
    grid_gco2_per_kwh: float,
    unit: int,
    util: float,
    hours: float,
) -> UnitDraw:
    """Power, energy and emissions of one unit of ``unit`` accelerators at utilisation ``util``
    for ``hours``, from the (idle, max) IT power per accelerator [kW]."""
    idle_kw, max_kw = power_kw
    it_kw = energy.power_at_utilization_w(idle_kw, max_kw, util) * unit
    kwh = energy.facility_energy_kwh(energy.energy_kwh(it_kw * 1000.0, hours), pue)
    co2 = carbon.location_co2_kg(kwh, grid_gco2_per_kwh)
    return UnitDraw(max_kw * unit, max_kw * unit * pue, kwh, co2)


def spot_lost_fraction(catalog: Catalog) -> float:
    """Share of spot hours lost to preemptions (typical cost assumptions)."""
    a = assumptions(catalog, "typical")
    return cost.spot_lost_fraction(
        float(a["spot_preemptions_per_h"]),
        float(a["spot_checkpoint_interval_h"]),
        float(a["spot_restart_overhead_h"]),
    )


def spot_hours(
    workload: Any, hours: float, slo_met: bool, detail: str, lost: float
) -> tuple[float, bool, str]:
    """(hours, SLO met, detail) of a spot option: hours / (1 - ``lost``) for work that tolerates
    preemption (``preemptible``, by default training and batch), else excluded."""
    if not workload.may_be_preempted:
        why = "not preemptible (set preemptible: true to allow spot)"
        return hours, False, f"spot capacity can be reclaimed; {workload.kind} is {why}"
    return (
        hours / (1.0 - lost),
        slo_met,
        detail + (f"; spot: hours / (1 - {lost:.3f} lost to preemptions)"),
    )


def usage_usd(
    payment: str,
    price_usd_per_accel_h: float | None,
    unit: int,
    hours: float,
    energy_kwh: float,
    electricity_usd_per_kwh: float | None,
) -> float:
    """Usage cost of one unit over its hours [USD]: the pay-per-use price, the electricity of
    owned or purchased hardware (an option without a price is excluded before this), nothing
    for committed capacity."""
    if payment == "pay_per_use":
        return float(price_usd_per_accel_h or 0.0) * unit * hours
    if payment in ("owned", "purchase"):
        return energy_kwh * (electricity_usd_per_kwh or 0.0)
    return 0.0
