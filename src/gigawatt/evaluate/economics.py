"""Economics orchestration: catalog rows -> own / colocate / rent options side by side.

Thin wiring only: picks the system (:func:`gigawatt.catalog.lookup.system_for`), cooling, region,
colocation venue, assumptions and offers for an accelerator from the catalog, then calls the pure
functions in ``gigawatt.models`` (cost, tco, energy, carbon, facility). Every option is a dict with
its unit in each key.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any

from gigawatt.catalog import Catalog
from gigawatt.catalog.lookup import pricing_family, region_value, system_for, system_power_kw
from gigawatt.catalog.schema import PREEMPTIBLE_PRICING
from gigawatt.errors import InputError
from gigawatt.models import cost, facility, tco

Row = dict[str, Any]
# The ``kind`` label a rental option shows for each offer pricing model (a label only: how an
# offer is paid comes from its family, gigawatt.catalog.schema.PRICING_FAMILIES).
RENTAL_KINDS = {
    "on_demand": "on_demand",
    "spot": "spot",
    "reserved_1y": "reserved",
    "reserved_3y": "reserved",
    "capacity_block": "reserved",
    "contract": "contract",
}
COOLING_ALIASES = {"liquid": "direct-liquid", "dlc": "direct-liquid"}
SCENARIOS = ("low", "typical", "high")


def assumptions(catalog: Catalog, which: str = "typical") -> Row:
    """The ``typical``/``low``/``high`` row of cost_assumptions (gaps filled from typical)."""
    typical = catalog.get("cost_assumptions", "typical")
    row = catalog.get("cost_assumptions", which)
    return {k: (typical[k] if v is None else v) for k, v in row.items()}


def cooling_for(catalog: Catalog, system: Row, cooling: str | None) -> Row:
    """The cooling row named ``cooling`` (aliases: liquid -> direct-liquid), else the system's."""
    name = cooling or ("direct-liquid" if system["cooling"] == "liquid" else "air")
    return catalog.get("cooling", COOLING_ALIASES.get(name, name), field="cooling")


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
        where="accelerator",
    )


def colo_venue(catalog: Catalog, region: Row) -> Row:
    """A colocation venue operating in ``region``'s country (else the first colocation venue)."""
    colos = [v for v in catalog.rows("venues") if v["kind"] == "colocation"]
    if not colos:
        raise InputError("no colocation venue in the catalog", where="region")
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
    usd_per_kwh: float
    egress_gb_per_month: float = 0.0


def resolve(
    catalog: Catalog,
    accelerator: str,
    count: int,
    utilization: float,
    years: float,
    region: str,
    cooling: str | None = None,
    egress_gb_per_month: float = 0.0,
) -> Setup:
    """Validate inputs and pick the catalog rows for one comparison."""
    _check_inputs(count, utilization, years, egress_gb_per_month)
    system = system_for(catalog, accelerator, field="accelerator")
    reg = catalog.get("regions", region, field="region")
    usd_per_kwh = region_value(catalog, region, "electricity_usd_per_kwh")
    if usd_per_kwh is None:
        raise InputError(
            f"region {region!r} has no electricity price in the catalog; pick e.g. "
            "'us' or add electricity_usd_per_kwh in an overlay",
            where="region",
        )
    return Setup(
        accel=catalog.get("accelerators", accelerator),
        system=system,
        cooling=cooling_for(catalog, system, cooling),
        region=reg,
        colo=colo_venue(catalog, reg),
        count=count,
        utilization=utilization,
        years=years,
        usd_per_kwh=usd_per_kwh,
        egress_gb_per_month=egress_gb_per_month,
    )


def _check_inputs(count: int, utilization: float, years: float, egress_gb_per_month: float) -> None:
    """InputError naming the option for a count < 1, a utilisation outside (0, 1], years outside
    (0, 15] or a negative egress (GB/month)."""
    if egress_gb_per_month < 0:
        raise InputError(
            f"egress {egress_gb_per_month!r} GB/month must be >= 0", where="egress_gb_per_month"
        )
    if count < 1:
        raise InputError(f"count {count!r} must be >= 1", where="count")
    if not 0 < utilization <= 1:
        raise InputError(f"utilization {utilization!r} must be in (0, 1]", where="utilization")
    if not 0 < years <= 15:
        raise InputError(f"years {years!r} must be in (0, 15]", where="years")


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
        usd_per_kwh=s.usd_per_kwh,
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


def _offer_prices(offer: Row) -> dict[str, float]:
    """List price (USD/accelerator-h) of ``offer`` at each end of its range (typical where the
    offer gives no low/high)."""
    typical = offer["price_usd_per_accel_h"]
    return {
        "typical": typical,
        "low": offer.get("price_usd_per_accel_h_low") or typical,
        "high": offer.get("price_usd_per_accel_h_high") or typical,
    }


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
    """Useful-hour price (USD/accelerator-h) of ``offer`` at list ``price``: committed offers
    divide by ``utilization``, preemptible (spot) ones add lost work and on-demand fallback."""
    if pricing_family(offer["pricing_model"]) == "committed":
        return cost.committed_usd_per_useful_h(price, utilization)
    if offer["pricing_model"] in PREEMPTIBLE_PRICING:
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
    prices = _offer_prices(offer)
    per_h = {
        w: rental_usd_per_useful_h(catalog, offer, s.utilization, p) for w, p in prices.items()
    }
    useful = tco.useful_hours_per_year(s.count, s.utilization)
    egress_rate = offer.get("egress_usd_per_gb") or catalog.get("venues", offer["venue"]).get(
        "egress_usd_per_gb"
    )
    egress_per_year = cost.egress_usd(egress_rate or 0.0, 12.0 * s.egress_gb_per_month)
    per_year = per_h["typical"] * useful + egress_per_year
    extra_per_h = egress_per_year / useful
    return {
        "id": offer["id"],
        "kind": kind,
        "venue": offer["venue"],
        "region": offer["region"],
        "pricing_model": offer["pricing_model"],
        "list_usd_per_gpu_hour": prices["typical"],
        "usd_per_useful_gpu_hour": per_h["typical"] + extra_per_h,
        "usd_per_useful_gpu_hour_low": per_h["low"] + extra_per_h,
        "usd_per_useful_gpu_hour_high": per_h["high"] + extra_per_h,
        "total_usd": per_year * s.years,
        "capex_usd": 0.0,
        "opex_usd_per_year": per_year,
        "egress_usd_per_gb": egress_rate,
        "egress_usd_per_year": egress_per_year,
    }


def break_even_rows(s: Setup, owned: dict[str, tco.TcoResult], rentals: list[Row]) -> list[Row]:
    """Break-even utilisation and months of each owned/colo option against each rental option."""
    rows = []
    for own_kind, result in owned.items():
        for r in rentals:
            pay_per_use = pricing_family(r["pricing_model"]) == "pay_per_use"
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


def _owned_options(
    catalog: Catalog, s: Setup
) -> tuple[list[Row], dict[str, tco.TcoResult], list[str]]:
    """The owned and colo option dicts, their typical TCOs by kind, and a note for each kind that
    cannot be priced (no purchase price: rentals can still be compared)."""
    options, owned = [], {}
    notes: list[str] = []
    for kind in ("owned", "colo"):
        try:
            option, result = owned_option(catalog, s, kind)
        except InputError as exc:
            notes.append(f"{kind}: {exc}")
            continue
        options.append(option)
        owned[kind] = result
    return options, owned, notes


def compare(
    catalog: Catalog,
    accelerator: str,
    count: int,
    utilization: float = 0.7,
    years: float = 4.0,
    region: str = "us",
    cooling: str | None = None,
    egress_gb_per_month: float = 0.0,
) -> Row:
    """Owning, colocating and every catalog offer for ``accelerator`` side by side; rentals pay
    their venue's egress on ``egress_gb_per_month`` (GB/month; owned and colocated sites: none).

    Returns ``{"inputs", "options", "break_even"}``; options are sorted by $/useful GPU-hour.
    """
    s = resolve(
        catalog, accelerator, count, utilization, years, region, cooling, egress_gb_per_month
    )
    options, owned, notes = _owned_options(catalog, s)
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
        "electricity_usd_per_kwh": s.usd_per_kwh,
    }
    if not options:
        raise InputError(
            f"nothing to compare for {accelerator!r}: no purchase price and no offers",
            where="accelerator",
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
        raise InputError(f"count {count!r} must be >= 1", where="count")
    system = system_for(catalog, accelerator, field="accelerator")
    cool = cooling_for(catalog, system, cooling)
    accel = catalog.get("accelerators", accelerator)
    sizing = facility.size_facility(
        count,
        system["accelerators_per_system"],
        system_power_kw(system, accel)[1],
        float(cool["max_kw_per_rack"]),
        float(cool["pue"]),
        cooling=cool["id"],
        site_power_cap_kw=None if site_power_mw is None else site_power_mw * 1000.0,
    )
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


def offer_cost(
    catalog: Catalog, offer_id: str, accelerator_hours: float, utilization: float = 1.0
) -> Row:
    """Cost (USD) of ``accelerator_hours`` useful accelerator-hours on catalog offer ``offer_id``
    (spot: lost work and fallback included; committed: divided by ``utilization``), with the
    low/high ends of the offer's price range. For ``train``/``infer --offer`` to call."""
    offer = catalog.get("offers", offer_id, field="offer")
    prices = _offer_prices(offer)
    per_h = {w: rental_usd_per_useful_h(catalog, offer, utilization, p) for w, p in prices.items()}
    return {
        "offer": offer_id,
        "usd_per_useful_gpu_hour": per_h["typical"],
        "cost_usd": cost.job_cost_usd(per_h["typical"], accelerator_hours),
        "cost_usd_low": cost.job_cost_usd(per_h["low"], accelerator_hours),
        "cost_usd_high": cost.job_cost_usd(per_h["high"], accelerator_hours),
    }
