"""Facility sizing: IT load, racks, PUE, MW and warnings against cooling and site limits.

IT load is the systems' maximum power. Systems are packed into racks up to the cooling type's
kW-per-rack limit (a system bigger than the limit gets a rack of its own and a warning). Facility
power is IT power x PUE.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field


@dataclass(frozen=True)
class FacilitySizing:
    """Result of :func:`size_facility`; powers in kW, counts in units."""

    systems: int
    racks: int
    kw_per_rack: float
    it_power_kw: float
    facility_power_kw: float
    pue: float
    accelerators_per_mw: float
    warnings: list[str] = field(default_factory=list)

    @property
    def facility_power_mw(self) -> float:
        return self.facility_power_kw / 1000.0


def systems_needed(accelerators: int, accelerators_per_system: int) -> int:
    """Whole systems needed to hold ``accelerators`` accelerators."""
    return math.ceil(accelerators / accelerators_per_system)


def systems_per_rack(system_power_kw: float, max_kw_per_rack: float) -> int:
    """Systems that fit in one rack under ``max_kw_per_rack`` (at least one)."""
    return max(1, math.floor(max_kw_per_rack / system_power_kw + 1e-9))


def racks_needed(systems: int, per_rack: int) -> int:
    """Racks needed for ``systems`` systems at ``per_rack`` systems per rack."""
    return math.ceil(systems / per_rack)


def size_facility(
    accelerators: int,
    accelerators_per_system: int,
    system_power_kw: float,
    max_kw_per_rack: float,
    pue: float,
    *,
    cooling: str = "",
    site_power_cap_kw: float | None = None,
) -> FacilitySizing:
    """Size the facility for ``accelerators`` accelerators in systems of ``system_power_kw`` (kW)
    with a cooling type allowing ``max_kw_per_rack`` (kW) at ``pue``."""
    n_systems = systems_needed(accelerators, accelerators_per_system)
    per_rack = systems_per_rack(system_power_kw, max_kw_per_rack)
    racks = racks_needed(n_systems, per_rack)
    it_kw = n_systems * system_power_kw
    facility_kw = it_kw * pue
    warnings = []
    kw_per_rack = it_kw / racks
    if system_power_kw > max_kw_per_rack:
        warnings.append(
            f"one system draws {system_power_kw:g} kW, over the {max_kw_per_rack:g} kW "
            f"per rack that {cooling or 'this'} cooling removes; choose liquid cooling"
        )
    if site_power_cap_kw is not None and facility_kw > site_power_cap_kw:
        warnings.append(
            f"facility power {facility_kw:,.0f} kW exceeds the site cap {site_power_cap_kw:,.0f} kW"
        )
    per_mw = accelerators / (facility_kw / 1000.0) if facility_kw else 0.0
    return FacilitySizing(n_systems, racks, kw_per_rack, it_kw, facility_kw, pue, per_mw, warnings)
