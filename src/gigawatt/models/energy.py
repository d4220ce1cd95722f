"""Energy: a utilisation-dependent power curve and IT/facility energy.

Power of a device or system rises linearly from idle to its maximum with utilisation
(the linear server power model of Fan, Weber and Barroso, ISCA 2007). Facility energy is IT energy
times the power usage effectiveness (PUE, The Green Grid 2007).
"""

from __future__ import annotations

HOURS_PER_YEAR = 8760.0


def power_at_utilization_w(idle_w: float, max_w: float, utilization: float) -> float:
    """Power (W) at ``utilization`` (0-1) on a linear curve from ``idle_w`` to ``max_w``."""
    return idle_w + (max_w - idle_w) * utilization


def energy_kwh(power_w: float, hours: float) -> float:
    """Energy (kWh) of a constant ``power_w`` (W) drawn for ``hours`` (h)."""
    return power_w * hours / 1000.0


def accelerator_hours_energy_kwh(accelerator_hours: float, power_w_per_accelerator: float) -> float:
    """IT energy (kWh) of ``accelerator_hours`` (accelerator-h) at ``power_w_per_accelerator``."""
    return energy_kwh(power_w_per_accelerator, accelerator_hours)


def facility_energy_kwh(it_energy_kwh: float, pue: float) -> float:
    """Facility energy (kWh) = IT energy (kWh) x PUE (ratio >= 1)."""
    return it_energy_kwh * pue
