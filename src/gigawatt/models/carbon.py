"""Carbon and water of electricity use and of hardware manufacture.

- Location-based carbon: energy x the grid's average intensity (GHG Protocol Scope 2 guidance).
- Market-based carbon: the share of energy covered by carbon-free supply counts as zero, the rest at
  the grid intensity (a simplification of the residual-mix method).
- Embodied carbon: a device's manufacturing footprint spread evenly over its life and charged per
  hour of use (ACT, Gupta et al. 2022; LLMCarbon, Faiz et al. 2024).
- Water: on-site WUE x IT energy plus off-site water of electricity x facility energy
  (Li et al., "Making AI Less Thirsty", 2023).
"""

from __future__ import annotations

from gigawatt.models.energy import HOURS_PER_YEAR


def location_co2_kg(energy_kwh: float, grid_gco2_per_kwh: float) -> float:
    """Location-based emissions (kgCO2e) of ``energy_kwh`` (kWh) at ``grid_gco2_per_kwh``."""
    return energy_kwh * grid_gco2_per_kwh / 1000.0


def market_co2_kg(
    energy_kwh: float, grid_gco2_per_kwh: float, carbon_free_fraction: float
) -> float:
    """Market-based emissions (kgCO2e): the ``carbon_free_fraction`` (0-1) of energy counts as 0."""
    return location_co2_kg(energy_kwh, grid_gco2_per_kwh) * (1.0 - carbon_free_fraction)


def embodied_co2_kg(
    embodied_kg_per_device: float, devices: float, hours: float, life_years: float
) -> float:
    """Embodied emissions (kgCO2e) charged to ``hours`` (h) of use of ``devices`` devices whose
    manufacturing footprint ``embodied_kg_per_device`` (kgCO2e) is amortised over ``life_years``."""
    return embodied_kg_per_device * devices * hours / (life_years * HOURS_PER_YEAR)


def water_l(
    it_energy_kwh: float,
    facility_energy_kwh: float,
    wue_onsite_l_per_kwh: float,
    water_offsite_l_per_kwh: float,
) -> float:
    """Water consumed (L): on-site cooling (WUE per IT kWh) plus off-site generation (per kWh)."""
    return it_energy_kwh * wue_onsite_l_per_kwh + facility_energy_kwh * water_offsite_l_per_kwh
