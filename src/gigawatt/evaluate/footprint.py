"""Energy, carbon, water and cost of one job or serving window (``gigawatt train``/``infer``
with ``--offer``/``--venue``/``--region``).

Thin wiring of the catalog (region, cooling, offer, cost assumptions) into the pure functions of
``gigawatt.models`` (energy, carbon, water); every headline figure carries ``_low``/``_high``.
"""

from __future__ import annotations

from typing import Any

from gigawatt.catalog import Catalog
from gigawatt.catalog.lookup import find_system, region_row_for, region_value
from gigawatt.errors import InputError
from gigawatt.evaluate.economics import SCENARIOS, assumptions, cooling_for, offer_cost
from gigawatt.models import carbon, energy

Row = dict[str, Any]


def _ranged(typical: float, low: float | None, high: float | None) -> tuple[float, float, float]:
    """(low, typical, high) with missing ends set to ``typical`` and the ends widened so that
    low <= typical <= high."""
    lo = typical if low is None else min(float(low), typical)
    hi = typical if high is None else max(float(high), typical)
    return lo, typical, hi


def _pue_range(
    catalog: Catalog, region: str, cooling: Row | None, pue: float | None
) -> tuple[float, float, float]:
    """PUE (low, typical, high): ``pue`` pinned by the caller (no range), else the region's
    typical PUE (:func:`~gigawatt.catalog.lookup.region_value`; the cooling type's when the
    region has none) inside the cooling type's range."""
    if pue is not None:
        return pue, pue, pue
    cool = cooling or {}
    typical = region_value(catalog, region, "pue") or cool.get("pue") or 1.0
    return _ranged(float(typical), cool.get("pue_low"), cool.get("pue_high"))


def _wue_range(catalog: Catalog, region: str, cooling: Row | None) -> tuple[float, float, float]:
    """On-site WUE (low, typical, high) in L/kWh: the region's typical WUE (else the cooling
    type's, else 0) inside the cooling type's range where it has one."""
    cool = cooling or {}
    typical = region_value(catalog, region, "wue_l_per_kwh")
    if typical is None:
        typical = cool.get("wue_l_per_kwh") or 0.0
    return _ranged(float(typical), cool.get("wue_l_per_kwh_low"), cool.get("wue_l_per_kwh_high"))


def _ewif_range(catalog: Catalog, region: str) -> tuple[float, float, float] | None:
    """Off-site water intensity (low, typical, high) in L/kWh: the region's derived EWIF with
    its range (both from the row :func:`~gigawatt.catalog.lookup.region_row_for` picks), else
    cost_assumptions' ``water_offsite_l_per_kwh`` (an overlay's), else None (unknown)."""
    row = region_row_for(catalog, region, "water_offsite_l_per_kwh")
    if row is not None:
        return _ranged(
            float(row["water_offsite_l_per_kwh"]),
            row.get("water_offsite_l_per_kwh_low"),
            row.get("water_offsite_l_per_kwh_high"),
        )
    ends = [assumptions(catalog, w).get("water_offsite_l_per_kwh") for w in SCENARIOS]
    if ends[1] is None:
        return None
    return _ranged(float(ends[1]), ends[0], ends[2])


def _embodied_kg(catalog: Catalog, accelerator_hours: float) -> list[float]:
    """Embodied carbon (kgCO2e; low, typical, high) of ``accelerator_hours`` (accelerator-h):
    low is the least carbon over the longest life, high the most carbon over the shortest
    (cost_assumptions ``embodied_per_accel_kgco2e`` and ``depreciation_years``)."""
    lo, typ, hi = (assumptions(catalog, w) for w in SCENARIOS)
    ends = (
        (lo["embodied_per_accel_kgco2e"], hi["depreciation_years"]),
        (typ["embodied_per_accel_kgco2e"], typ["depreciation_years"]),
        (hi["embodied_per_accel_kgco2e"], lo["depreciation_years"]),
    )
    return [carbon.embodied_co2_kg(kg, 1.0, accelerator_hours, life) for kg, life in ends]


def _water_l(
    catalog: Catalog, region: str, cooling: Row | None, it_kwh: float, facility_kwh: list[float]
) -> tuple[tuple[float, float, float], tuple[float, float, float] | None, dict[str, Any]]:
    """(WUE range, EWIF range or None, water figures in L: on-site, off-site (None when the
    off-site intensity is unknown) and total, each as [low, typical, high])."""
    wues = _wue_range(catalog, region, cooling)
    ewifs = _ewif_range(catalog, region)
    onsite = [carbon.water_l(it_kwh, 0.0, w, 0.0) for w in wues]
    offsite = (
        None
        if ewifs is None
        else [carbon.water_l(0.0, f, 0.0, e) for f, e in zip(facility_kwh, ewifs, strict=True)]
    )
    total = (
        onsite if offsite is None else [on + off for on, off in zip(onsite, offsite, strict=True)]
    )
    figures = {"water_onsite_l": onsite, "water_offsite_l": offsite, "water_l": total}
    return wues, ewifs, figures


def footprint(
    catalog: Catalog,
    accelerator_hours: float,
    power_w_per_accelerator: float,
    region: str,
    pue: float | None = None,
    cooling: Row | None = None,
) -> Row:
    """Energy (kWh), carbon (kgCO2e) and water (L) of ``accelerator_hours`` (accelerator-h) at
    ``power_w_per_accelerator`` (W, IT) in ``region``. For ``train``/``infer`` to call.

    Every headline figure comes with ``<name>_low`` / ``<name>_high``: facility energy and
    location/market carbon from the PUE range (the region's PUE inside the ``cooling`` row's
    pue_low..pue_high; none when ``pue`` is pinned or no cooling row is given), embodied carbon
    from the cost_assumptions ranges, water from the WUE range (region inside the cooling row's)
    and the region's off-site intensity range (water_offsite_l_per_kwh_low/_high).
    ``water_l = energy_it_kwh x WUE + energy_kwh x EWIF`` (Li et al. 2023). Region figures
    follow :func:`gigawatt.catalog.lookup.region_row_for`; an unknown carbon-free fraction
    counts as 0."""
    reg = catalog.get("regions", region, field="region")
    it = energy.accelerator_hours_energy_kwh(accelerator_hours, power_w_per_accelerator)
    pues = _pue_range(catalog, region, cooling, pue)
    fac = [energy.facility_energy_kwh(it, p) for p in pues]
    grid = float(reg["grid_gco2_per_kwh"])
    cfe = region_value(catalog, region, "carbon_free_fraction") or 0.0
    wues, ewifs, water = _water_l(catalog, region, cooling, it, fac)
    out: Row = {
        "energy_it_kwh": it,
        "pue": pues[1],
        "pue_low": pues[0],
        "pue_high": pues[2],
        "wue_l_per_kwh": wues[1],
        "water_offsite_l_per_kwh": None if ewifs is None else ewifs[1],
    }
    figures = {
        "energy_kwh": fac,
        "co2_location_kg": [carbon.location_co2_kg(f, grid) for f in fac],
        "co2_market_kg": [carbon.market_co2_kg(f, grid, cfe) for f in fac],
        "co2_embodied_kg": _embodied_kg(catalog, accelerator_hours),
        **water,
    }
    for name, values in figures.items():
        low, typical, high = (None, None, None) if values is None else values
        out |= {name: typical, f"{name}_low": low, f"{name}_high": high}
    return out


def pick_offer(
    catalog: Catalog, accelerator: str, *, offer: str | None, venue: str | None
) -> Row | None:
    """The offer named by ``--offer``, else the cheapest on-demand offer of ``accelerator`` at
    ``--venue`` (None when neither is given). Raises InputError when they don't match."""
    if offer is not None:
        row = catalog.get("offers", offer, field="offer")
        if row["accelerator"] != accelerator:
            raise InputError(
                f"offer {offer!r} rents {row['accelerator']}, not {accelerator}", where="offer"
            )
        return row
    if venue is None:
        return None
    catalog.get("venues", venue, field="venue")
    rows = [
        o for o in catalog.rows("offers") if o["venue"] == venue and o["accelerator"] == accelerator
    ]
    if not rows:
        raise InputError(f"venue {venue!r} has no offer for {accelerator}", where="venue")
    on_demand = [o for o in rows if o["pricing_model"] == "on_demand"] or rows
    return min(on_demand, key=lambda o: float(o["price_usd_per_accel_h"]))


def _job_cooling(catalog: Catalog, accel: Row) -> Row | None:
    """The cooling row of the catalog system carrying ``accel`` (None without a system)."""
    system = find_system(catalog, accel["id"])
    return None if system is None else cooling_for(catalog, system, None)


def job_footprint(
    catalog: Catalog,
    accelerator: str,
    accelerator_hours: float,
    *,
    utilization: float = 1.0,
    region: str | None = None,
    offer: str | None = None,
    venue: str | None = None,
) -> Row:
    """Energy, carbon, water and cost of a job of ``accelerator_hours`` (accelerator-h).

    Power per accelerator follows the linear idle-to-TDP curve at ``utilization`` (1.0 = busy,
    as Meta's model cards count TDP). The region is ``--region``, else the offer's, else the US
    grid (said in ``assumptions``). Cost comes with an offer (``--offer`` or the venue's cheapest
    on-demand offer); without one ``cost_usd`` is None.
    """
    accel = catalog.get("accelerators", accelerator, field="accelerator")
    chosen = pick_offer(catalog, accelerator, offer=offer, venue=venue)
    notes: list[str] = []
    if region is None:
        region = chosen["region"] if chosen else "us"
        if chosen is None:
            notes.append("region: not given; US country-average grid and PUE assumed")
    idle_w = accel.get("idle_power_w") or 0.0
    power_w = energy.power_at_utilization_w(idle_w, float(accel["tdp_w"]), utilization)
    out: Row = {"region": region, "power_w_per_accelerator": power_w}
    out |= footprint(
        catalog, accelerator_hours, power_w, region, cooling=_job_cooling(catalog, accel)
    )
    out |= {"offer": None, "cost_usd": None, "cost_usd_low": None, "cost_usd_high": None}
    if chosen is not None:
        out |= offer_cost(catalog, chosen["id"], accelerator_hours)
    out["assumptions"] = notes
    return out


def serving_footprint(
    catalog: Catalog,
    accelerator: str,
    count: int,
    output_tokens_per_s: float,
    *,
    hours: float = 1.0,
    region: str | None = None,
    offer: str | None = None,
    venue: str | None = None,
) -> Row:
    """Energy, carbon, water and cost of serving for ``hours`` (h) on ``count`` accelerators,
    plus ``usd_per_million_tokens`` and ``kwh_per_thousand_tokens`` per output token.

    The accelerators are taken to draw TDP while serving (an upper bound: decode is memory-bound
    and rarely reaches TDP), which is stated in ``assumptions``.
    """
    out = job_footprint(
        catalog, accelerator, count * hours, region=region, offer=offer, venue=venue
    )
    out["assumptions"] = [
        *out["assumptions"],
        "power: accelerators draw TDP while serving (upper bound)",
    ]
    tokens = output_tokens_per_s * hours * 3600.0
    out["serving_hours"] = hours
    for end in ("", "_low", "_high"):
        kwh, cost = out[f"energy_kwh{end}"], out[f"cost_usd{end}"]
        out[f"kwh_per_thousand_tokens{end}"] = kwh / (tokens / 1e3) if tokens else None
        out[f"usd_per_million_tokens{end}"] = (
            cost / (tokens / 1e6) if tokens and cost is not None else None
        )
    return out
