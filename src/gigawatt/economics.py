"""Economics orchestration: catalog rows -> own / colocate / rent options side by side.

Thin wiring only: picks the system, cooling, region, colocation venue, assumptions and offers for an
accelerator from the catalog, then calls the pure functions in ``gigawatt.models`` (cost, tco,
energy, carbon, facility). Every option is a dict with its unit in each key.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any

from gigawatt.catalog import Catalog
from gigawatt.errors import InputError
from gigawatt.models import carbon, cost, energy, facility, tco

Row = dict[str, Any]
RENTAL_KINDS = {
    "on_demand": "on_demand",
    "spot": "spot",
    "reserved_1y": "reserved",
    "reserved_3y": "reserved",
    "capacity_block": "reserved",
    "contract": "contract",
}
COMMITTED = {"reserved", "contract"}
COOLING_ALIASES = {"liquid": "direct-liquid", "dlc": "direct-liquid"}
SCENARIOS = ("low", "typical", "high")


def assumptions(catalog: Catalog, which: str = "typical") -> Row:
    """The ``typical``/``low``/``high`` row of cost_assumptions (gaps filled from typical)."""
    typical = catalog.get("cost_assumptions", "typical")
    row = catalog.get("cost_assumptions", which)
    return {k: (typical[k] if v is None else v) for k, v in row.items()}


def system_for(catalog: Catalog, accelerator_id: str) -> Row:
    """The catalog system carrying ``accelerator_id`` (nodes first)."""
    catalog.get("accelerators", accelerator_id, field="--accelerator")
    found = [s for s in catalog.rows("systems") if s["accelerator"] == accelerator_id]
    if not found:
        raise InputError(
            f"no system in the catalog carries {accelerator_id!r}", where="--accelerator"
        )
    return sorted(found, key=lambda s: s["kind"] != "node")[0]


def cooling_for(catalog: Catalog, system: Row, cooling: str | None) -> Row:
    """The cooling row named ``cooling`` (aliases: liquid -> direct-liquid), else the system's."""
    name = cooling or ("direct-liquid" if system["cooling"] == "liquid" else "air")
    return catalog.get("cooling", COOLING_ALIASES.get(name, name), field="--cooling")


def _pick(row: Row, base: str, which: str) -> float:
    """``row[base]``, or its ``<base>_low`` / ``<base>_high`` column for ``which`` when present."""
    value = row.get(f"{base}_{which}") if which in ("low", "high") else None
    return float(row[base] if value is None else value)


def unit_price_usd(system: Row, accel: Row, which: str) -> float:
    """Purchase price (USD) of one accelerator's share of its system (system price preferred)."""
    per = int(system["accelerators_per_system"])
    if system.get("price_usd") is not None:
        return _pick(system, "price_usd", which) / per
    if accel.get("purchase_price_usd") is not None:
        return _pick(accel, "purchase_price_usd", which)
    raise InputError(
        f"no purchase price for {accel['id']!r} or system {system['id']!r} in the "
        "catalog; add price_usd to an overlay",
        where="--accelerator",
    )


def system_power_kw(system: Row, accel: Row) -> tuple[float, float]:
    """(idle, max) power (kW) of one system; without an idle figure the idle power is scaled by
    the accelerator's idle/TDP ratio."""
    max_kw = float(system["power_kw"])
    if system.get("idle_power_kw") is not None:
        return float(system["idle_power_kw"]), max_kw
    ratio = (accel["idle_power_w"] or 0.0) / accel["tdp_w"] if accel.get("tdp_w") else 0.0
    return max_kw * ratio, max_kw


def colo_venue(catalog: Catalog, region: Row) -> Row:
    """A colocation venue operating in ``region``'s country (else the first colocation venue)."""
    colos = [v for v in catalog.rows("venues") if v["kind"] == "colocation"]
    if not colos:
        raise InputError("no colocation venue in the catalog", where="--region")
    for v in colos:
        if region["id"] in v["regions"] or region["country"] in v["regions"]:
            return v
    return colos[0]


@dataclass(frozen=True)
class Setup:
    """Everything the options need, resolved from the catalog."""

    accel: Row
    system: Row
    cooling: Row
    region: Row
    colo: Row
    count: int
    utilization: float
    years: float


def resolve(
    catalog: Catalog,
    accelerator: str,
    count: int,
    utilization: float,
    years: float,
    region: str,
    cooling: str | None = None,
) -> Setup:
    """Validate inputs and pick the catalog rows for one comparison."""
    if count < 1:
        raise InputError(f"count {count!r} must be >= 1", where="--count")
    if not 0 < utilization <= 1:
        raise InputError(f"utilization {utilization!r} must be in (0, 1]", where="--utilization")
    if not 0 < years <= 15:
        raise InputError(f"years {years!r} must be in (0, 15]", where="--years")
    system = system_for(catalog, accelerator)
    reg = catalog.get("regions", region, field="--region")
    if reg.get("electricity_usd_per_kwh") is None:
        raise InputError(
            f"region {region!r} has no electricity price in the catalog; pick e.g. "
            "'us' or add electricity_usd_per_kwh in an overlay",
            where="--region",
        )
    return Setup(
        catalog.get("accelerators", accelerator),
        system,
        cooling_for(catalog, system, cooling),
        reg,
        colo_venue(catalog, reg),
        count,
        utilization,
        years,
    )


def ownership(catalog: Catalog, s: Setup, kind: str, which: str = "typical") -> tco.Ownership:
    """Ownership inputs for ``kind`` (owned or colo) at the ``which`` end of the ranges; ``low``
    is the cheap end (low prices, high residual value)."""
    a = assumptions(catalog, which)
    cheap = {"low": "high", "high": "low"}.get(which, which)
    curve = [assumptions(catalog, cheap)[f"residual_{y}y_fraction"] for y in range(1, 6)]
    n_systems = facility.systems_needed(s.count, s.system["accelerators_per_system"])
    idle_kw, max_kw = system_power_kw(s.system, s.accel)
    hardware = unit_price_usd(s.system, s.accel, which) * s.count
    build = _pick(s.cooling, "build_capex_usd_per_mw", which)
    colo_price = s.colo.get("colo_power_usd_per_kw_month") or 0.0
    return tco.Ownership(
        accelerators=s.count,
        hardware_capex_usd=hardware,
        networking_capex_usd=a["networking_capex_per_accel_usd"] * s.count,
        storage_capex_usd=0.0,
        facility_capex_usd=build * n_systems * max_kw / 1000.0 if kind == "owned" else 0.0,
        idle_it_kw=idle_kw * n_systems,
        max_it_kw=max_kw * n_systems,
        pue=_pick(s.cooling, "pue", which),
        usd_per_kwh=float(s.region["electricity_usd_per_kwh"]),
        colo_usd_per_kw_month=colo_price if kind == "colo" else 0.0,
        staff_usd_per_year=a["staff_per_accel_year_usd"] * s.count,
        maintenance_fraction=a["maintenance_per_year_fraction"],
        cost_of_capital=a["cost_of_capital_fraction"],
        residual_fraction=tco.residual_fraction(s.years, curve),
        years=s.years,
    )


def owned_option(catalog: Catalog, s: Setup, kind: str) -> tuple[Row, tco.TcoResult]:
    """The owned or colo option dict (with low/typical/high $/useful hour) and its typical TCO."""
    results = {
        w: tco.ownership_tco(ownership(catalog, s, kind, w), s.utilization) for w in SCENARIOS
    }
    r = results["typical"]
    per_h = {w: tco.usd_per_useful_accel_h(results[w], s.count) for w in SCENARIOS}
    venue = s.colo["id"] if kind == "colo" else "onprem"
    option = {
        "id": f"{kind}-{s.system['id']}-{s.cooling['id']}",
        "kind": kind,
        "venue": venue,
        "region": s.region["id"],
        "usd_per_useful_gpu_hour": per_h["typical"],
        "usd_per_useful_gpu_hour_low": per_h["low"],
        "usd_per_useful_gpu_hour_high": per_h["high"],
        "total_usd": r.cost_per_year_usd * s.years,
        "capex_usd": r.capex_usd,
        "capex_per_year_usd": r.capex_per_year_usd,
        "opex_usd_per_year": r.opex_per_year_usd,
        "energy_usd_per_year": r.energy_per_year_usd,
        "system": s.system["id"],
        "cooling": s.cooling["id"],
        "pue": _pick(s.cooling, "pue", "typical"),
    }
    return option, r


def _median_on_demand(catalog: Catalog, accelerator: str) -> float | None:
    prices = [
        o["price_usd_per_accel_h"]
        for o in catalog.rows("offers")
        if o["accelerator"] == accelerator and o["pricing_model"] == "on_demand"
    ]
    return statistics.median(prices) if prices else None


def rental_usd_per_useful_h(
    catalog: Catalog, offer: Row, utilization: float, price: float
) -> float:
    """Useful-hour price (USD/accelerator-h) of ``offer`` at list ``price``."""
    kind = RENTAL_KINDS[offer["pricing_model"]]
    if kind in COMMITTED:
        return cost.committed_usd_per_useful_h(price, utilization)
    if kind == "spot":
        a = assumptions(catalog)
        same = [
            o["price_usd_per_accel_h"]
            for o in catalog.rows("offers")
            if o["venue"] == offer["venue"]
            and o["accelerator"] == offer["accelerator"]
            and o["pricing_model"] == "on_demand"
        ]
        fallback = (
            min(same) if same else (_median_on_demand(catalog, offer["accelerator"]) or price)
        )
        return cost.spot_usd_per_useful_h(
            price,
            fallback,
            a["spot_preemptions_per_h"],
            a["spot_checkpoint_interval_h"],
            a["spot_restart_overhead_h"],
            a["spot_on_demand_fallback_fraction"],
        )
    return price


def rental_option(catalog: Catalog, s: Setup, offer: Row) -> Row:
    """Option dict for one catalog offer."""
    kind = RENTAL_KINDS[offer["pricing_model"]]
    prices = {
        "typical": offer["price_usd_per_accel_h"],
        "low": offer.get("price_usd_per_accel_h_low") or offer["price_usd_per_accel_h"],
        "high": offer.get("price_usd_per_accel_h_high") or offer["price_usd_per_accel_h"],
    }
    per_h = {
        w: rental_usd_per_useful_h(catalog, offer, s.utilization, p) for w, p in prices.items()
    }
    useful = tco.useful_hours_per_year(s.count, s.utilization)
    per_year = per_h["typical"] * useful
    return {
        "id": offer["id"],
        "kind": kind,
        "venue": offer["venue"],
        "region": offer["region"],
        "pricing_model": offer["pricing_model"],
        "list_usd_per_gpu_hour": prices["typical"],
        "usd_per_useful_gpu_hour": per_h["typical"],
        "usd_per_useful_gpu_hour_low": per_h["low"],
        "usd_per_useful_gpu_hour_high": per_h["high"],
        "total_usd": per_year * s.years,
        "capex_usd": 0.0,
        "opex_usd_per_year": per_year,
        "egress_usd_per_gb": offer.get("egress_usd_per_gb")
        or catalog.get("venues", offer["venue"]).get("egress_usd_per_gb"),
    }


def break_even_rows(s: Setup, owned: dict[str, tco.TcoResult], rentals: list[Row]) -> list[Row]:
    """Break-even utilisation and months of each owned/colo option against each rental option."""
    rows = []
    for own_kind, result in owned.items():
        for r in rentals:
            pay_per_use = r["kind"] in ("on_demand", "spot")
            rows.append(
                {
                    "owned": own_kind,
                    "versus": r["id"],
                    "versus_kind": r["kind"],
                    "utilization": tco.break_even_utilization(
                        result, s.count, r["usd_per_useful_gpu_hour"]
                    )
                    if pay_per_use
                    else None,
                    "months": tco.break_even_months(result, r["opex_usd_per_year"]),
                }
            )
    return rows


def compare(
    catalog: Catalog,
    accelerator: str,
    count: int,
    utilization: float = 0.7,
    years: float = 4.0,
    region: str = "us",
    cooling: str | None = None,
) -> Row:
    """Owning, colocating and every catalog offer for ``accelerator`` side by side.

    Returns ``{"inputs", "options", "break_even"}``; options are sorted by $/useful GPU-hour.
    """
    s = resolve(catalog, accelerator, count, utilization, years, region, cooling)
    options, owned = [], {}
    notes: list[str] = []
    for kind in ("owned", "colo"):
        try:
            option, result = owned_option(catalog, s, kind)
        except InputError as exc:  # no purchase price: rentals can still be compared
            notes.append(f"{kind}: {exc}")
            continue
        options.append(option)
        owned[kind] = result
    rentals = [
        rental_option(catalog, s, o)
        for o in catalog.rows("offers")
        if o["accelerator"] == accelerator
    ]
    options += rentals
    options.sort(key=lambda o: o["usd_per_useful_gpu_hour"])
    inputs = {
        "accelerator": accelerator,
        "count": count,
        "utilization": utilization,
        "years": years,
        "region": region,
        "system": s.system["id"],
        "cooling": s.cooling["id"],
        "colo_venue": s.colo["id"],
        "electricity_usd_per_kwh": s.region["electricity_usd_per_kwh"],
    }
    if not options:
        raise InputError(
            f"nothing to compare for {accelerator!r}: no purchase price and no offers",
            where="--accelerator",
        )
    return {
        "inputs": inputs,
        "options": options,
        "break_even": break_even_rows(s, owned, rentals),
        "notes": notes,
    }


def facility_plan(
    catalog: Catalog,
    accelerator: str,
    count: int,
    cooling: str | None = None,
    site_power_mw: float | None = None,
) -> Row:
    """Racks, IT and facility power, PUE and warnings for ``count`` accelerators."""
    if count < 1:
        raise InputError(f"count {count!r} must be >= 1", where="--count")
    system = system_for(catalog, accelerator)
    cool = cooling_for(catalog, system, cooling)
    sizing = facility.size_facility(
        count,
        system["accelerators_per_system"],
        float(system["power_kw"]),
        float(cool["max_kw_per_rack"]),
        float(cool["pue"]),
        cooling=cool["id"],
        site_power_cap_kw=None if site_power_mw is None else site_power_mw * 1000.0,
    )
    accel = catalog.get("accelerators", accelerator)
    low, high = _pick(cool, "pue", "low"), _pick(cool, "pue", "high")
    return {
        "accelerator": accelerator,
        "count": count,
        "system": system["id"],
        "cooling": cool["id"],
        "systems": sizing.systems,
        "racks": sizing.racks,
        "kw_per_rack": sizing.kw_per_rack,
        "max_kw_per_rack": cool["max_kw_per_rack"],
        "it_power_kw": sizing.it_power_kw,
        "accelerator_only_power_kw": count * accel["tdp_w"] / 1000.0,
        "facility_power_kw": sizing.facility_power_kw,
        "facility_power_kw_low": sizing.it_power_kw * low,
        "facility_power_kw_high": sizing.it_power_kw * high,
        "pue": sizing.pue,
        "facility_power_mw": sizing.facility_power_mw,
        "accelerators_per_mw": sizing.accelerators_per_mw,
        "warnings": sizing.warnings,
    }


def _ranged(typical: float, low: float | None, high: float | None) -> tuple[float, float, float]:
    """(low, typical, high) with missing ends set to ``typical`` and the ends widened so that
    low <= typical <= high."""
    lo = typical if low is None else min(float(low), typical)
    hi = typical if high is None else max(float(high), typical)
    return lo, typical, hi


def _pue_range(reg: Row, cooling: Row | None, pue: float | None) -> tuple[float, float, float]:
    """PUE (low, typical, high): ``pue`` pinned by the caller (no range), else the region's
    typical PUE (the cooling type's when the region has none) inside the cooling type's range."""
    if pue is not None:
        return pue, pue, pue
    cool = cooling or {}
    typical = reg.get("pue") or cool.get("pue") or 1.0
    return _ranged(float(typical), cool.get("pue_low"), cool.get("pue_high"))


def _wue_range(reg: Row, cooling: Row | None) -> tuple[float, float, float]:
    """On-site WUE (low, typical, high) in L/kWh: the region's typical WUE (else the cooling
    type's, else 0) inside the cooling type's range where it has one."""
    cool = cooling or {}
    typical = reg.get("wue_l_per_kwh")
    if typical is None:
        typical = cool.get("wue_l_per_kwh") or 0.0
    return _ranged(float(typical), cool.get("wue_l_per_kwh_low"), cool.get("wue_l_per_kwh_high"))


def _ewif_range(catalog: Catalog, reg: Row) -> tuple[float, float, float] | None:
    """Off-site water intensity (low, typical, high) in L/kWh: the region's derived EWIF, else
    cost_assumptions' ``water_offsite_l_per_kwh`` (an overlay's), else None (unknown)."""
    typical = reg.get("water_offsite_l_per_kwh")
    if typical is not None:
        return _ranged(
            float(typical),
            reg.get("water_offsite_l_per_kwh_low"),
            reg.get("water_offsite_l_per_kwh_high"),
        )
    ends = [assumptions(catalog, w).get("water_offsite_l_per_kwh") for w in SCENARIOS]
    if ends[1] is None:
        return None
    return _ranged(float(ends[1]), ends[0], ends[2])


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
    ``water_l = energy_it_kwh x WUE + energy_kwh x EWIF`` (Li et al. 2023)."""
    reg = catalog.get("regions", region, field="--region")
    it = energy.accelerator_hours_energy_kwh(accelerator_hours, power_w_per_accelerator)
    pues = _pue_range(reg, cooling, pue)
    fac = [energy.facility_energy_kwh(it, p) for p in pues]
    grid = float(reg["grid_gco2_per_kwh"])
    cfe = reg.get("carbon_free_fraction") or 0.0
    lo, typ, hi = (assumptions(catalog, w) for w in SCENARIOS)
    embodied = {  # low: least carbon over the longest life; high: most carbon, shortest life
        "low": (lo["embodied_per_accel_kgco2e"], hi["depreciation_years"]),
        "typical": (typ["embodied_per_accel_kgco2e"], typ["depreciation_years"]),
        "high": (hi["embodied_per_accel_kgco2e"], lo["depreciation_years"]),
    }
    embodied_kg = {
        w: carbon.embodied_co2_kg(kg, 1.0, accelerator_hours, life)
        for w, (kg, life) in embodied.items()
    }
    wues = _wue_range(reg, cooling)
    ewifs = _ewif_range(catalog, reg)
    onsite = [carbon.water_l(it, 0.0, w, 0.0) for w in wues]
    offsite = (
        None
        if ewifs is None
        else [carbon.water_l(0.0, f, 0.0, e) for f, e in zip(fac, ewifs, strict=True)]
    )
    total = (
        onsite if offsite is None else [on + off for on, off in zip(onsite, offsite, strict=True)]
    )
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
        "co2_embodied_kg": [embodied_kg[w] for w in SCENARIOS],
        "water_onsite_l": onsite,
        "water_offsite_l": offsite,
        "water_l": total,
    }
    for name, values in figures.items():
        low, typical, high = (None, None, None) if values is None else values
        out |= {name: typical, f"{name}_low": low, f"{name}_high": high}
    return out


def offer_cost(
    catalog: Catalog, offer_id: str, accelerator_hours: float, utilization: float = 1.0
) -> Row:
    """Cost (USD) of ``accelerator_hours`` useful accelerator-hours on catalog offer ``offer_id``
    (spot: lost work and fallback included; committed: divided by ``utilization``), with the
    low/high ends of the offer's price range. For ``train``/``infer --offer`` to call."""
    offer = catalog.get("offers", offer_id, field="--offer")
    prices = {
        "typical": offer["price_usd_per_accel_h"],
        "low": offer.get("price_usd_per_accel_h_low") or offer["price_usd_per_accel_h"],
        "high": offer.get("price_usd_per_accel_h_high") or offer["price_usd_per_accel_h"],
    }
    per_h = {w: rental_usd_per_useful_h(catalog, offer, utilization, p) for w, p in prices.items()}
    return {
        "offer": offer_id,
        "usd_per_useful_gpu_hour": per_h["typical"],
        "cost_usd": cost.job_cost_usd(per_h["typical"], accelerator_hours),
        "cost_usd_low": cost.job_cost_usd(per_h["low"], accelerator_hours),
        "cost_usd_high": cost.job_cost_usd(per_h["high"], accelerator_hours),
    }


def pick_offer(
    catalog: Catalog, accelerator: str, *, offer: str | None, venue: str | None
) -> Row | None:
    """The offer named by ``--offer``, else the cheapest on-demand offer of ``accelerator`` at
    ``--venue`` (None when neither is given). Raises InputError when they don't match."""
    if offer is not None:
        row = catalog.get("offers", offer, field="--offer")
        if row["accelerator"] != accelerator:
            raise InputError(
                f"offer {offer!r} rents {row['accelerator']}, not {accelerator}", where="--offer"
            )
        return row
    if venue is None:
        return None
    catalog.get("venues", venue, field="--venue")
    rows = [
        o for o in catalog.rows("offers") if o["venue"] == venue and o["accelerator"] == accelerator
    ]
    if not rows:
        raise InputError(f"venue {venue!r} has no offer for {accelerator}", where="--venue")
    on_demand = [o for o in rows if o["pricing_model"] == "on_demand"] or rows
    return min(on_demand, key=lambda o: float(o["price_usd_per_accel_h"]))


def _job_cooling(catalog: Catalog, accel: Row) -> Row | None:
    """The cooling row of the catalog system carrying ``accel`` (None without a system)."""
    try:
        return cooling_for(catalog, system_for(catalog, accel["id"]), None)
    except InputError:
        return None


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
    accel = catalog.get("accelerators", accelerator, field="--accelerator")
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
