"""Catalog questions several layers ask, answered once: which system carries an accelerator, how
much power that system draws, which family an offer's pricing model belongs to, which row
supplies a region's figure when the region has none of its own, which stated fallback stands in
when no row does, how many accelerators an offer can supply at once, and which accelerators the
performance models have not checked against measurements.

``evaluate`` (training, economics, footprint, the option table) and ``simulate`` call these
functions instead of reading the rows their own way, so the same accelerator gets the same system
and the same power everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from gigawatt.catalog.loader import Catalog
from gigawatt.catalog.schema import PRICING_FAMILY, table_schema
from gigawatt.errors import InputError, closest

Row = dict[str, Any]

SYSTEM_KIND_ORDER: tuple[str, ...] = ("node", "rack", "slice", "module")
"""Preference among the systems carrying one accelerator (the systems table's ``kind`` enum)."""

REGION_OWN_ONLY: frozenset[str] = frozenset({"carbon_free_fraction", "wue_l_per_kwh"})
"""Region figures that never fall back to the country row (see :func:`region_row_for`)."""


def _system_rank(system: Row) -> tuple[int, int, str]:
    """Sort key of :func:`systems_for` (smaller is preferred)."""
    kind = str(system["kind"])
    rank = SYSTEM_KIND_ORDER.index(kind) if kind in SYSTEM_KIND_ORDER else len(SYSTEM_KIND_ORDER)
    return rank, int(system["accelerators_per_system"]), str(system["id"])


def systems_for(catalog: Catalog, accelerator: str, *, field: str = "accelerator") -> list[Row]:
    """Every catalog system carrying ``accelerator``, preferred first (rule of :func:`find_system`).

    Raises InputError naming ``field`` and the closest ids for an unknown accelerator.
    """
    catalog.get("accelerators", accelerator, field=field)
    found = [s for s in catalog.rows("systems") if s["accelerator"] == accelerator]
    return sorted(found, key=_system_rank)


def find_system(catalog: Catalog, accelerator: str, *, field: str = "accelerator") -> Row | None:
    """The system that carries ``accelerator`` in every estimate, or None when none does.

    Rule, independent of file and overlay order:

    1. kind: a node (server) before a rack-scale system, a slice and a module
       (:data:`SYSTEM_KIND_ORDER`). The node is the unit vendors publish reference power and
       prices for and the smallest unit one buys and racks;
    2. then the fewest accelerators per system (the finest unit a fleet is built from, so the
       last unit wastes least);
    3. then the smallest id (alphabetical), so ties never depend on row order.

    On the bundled catalog this reproduces every earlier pick (trainium2: the 16-accelerator
    trn2-48xlarge node, not the 64-accelerator UltraServer rack).
    """
    ranked = systems_for(catalog, accelerator, field=field)
    return ranked[0] if ranked else None


def system_for(catalog: Catalog, accelerator: str, *, field: str = "accelerator") -> Row:
    """:func:`find_system`, raising InputError (naming ``field``) when no system carries it."""
    system = find_system(catalog, accelerator, field=field)
    if system is None:
        raise InputError(f"no system in the catalog carries {accelerator!r}", where=field)
    return system


def system_power_kw(system: Row, accel: Row) -> tuple[float, float]:
    """(idle, max) power (kW) of one whole ``system`` (all accelerators, CPUs, NICs, fans).

    Max is the system's ``power_kw``; idle its ``idle_power_kw``, else max scaled by the
    accelerator's idle/TDP ratio (``idle_power_w / tdp_w``; 0 when either is unknown).
    """
    max_kw = float(system["power_kw"])
    if system.get("idle_power_kw") is not None:
        return float(system["idle_power_kw"]), max_kw
    ratio = (accel["idle_power_w"] or 0.0) / accel["tdp_w"] if accel.get("tdp_w") else 0.0
    return max_kw * ratio, max_kw


def accelerator_power_kw(
    catalog: Catalog, accelerator: str, *, field: str = "accelerator"
) -> tuple[float, float]:
    """(idle, max) IT power per accelerator (kW): its :func:`find_system`'s
    :func:`system_power_kw` over ``accelerators_per_system`` (host, NICs and fans included),
    else the accelerator alone (``idle_power_w``, ``tdp_w``)."""
    accel = catalog.get("accelerators", accelerator, field=field)
    system = find_system(catalog, accelerator, field=field)
    if system is None:
        return float(accel.get("idle_power_w") or 0.0) / 1000.0, float(accel["tdp_w"]) / 1000.0
    per = float(system["accelerators_per_system"])
    idle_kw, max_kw = system_power_kw(system, accel)
    return idle_kw / per, max_kw / per


def pricing_family(pricing_model: str, *, field: str = "pricing_model") -> str:
    """The family (``pay_per_use`` or ``committed``, :data:`~gigawatt.catalog.schema.
    PRICING_FAMILIES`) of an offer's ``pricing_model``; InputError naming ``field`` otherwise."""
    family = PRICING_FAMILY.get(pricing_model)
    if family is None:
        allowed = table_schema("offers").attribute("pricing_model").allowed
        near = closest(pricing_model, allowed)
        hint = f"did you mean {near[0]!r}?" if near else f"allowed: {', '.join(allowed)}"
        raise InputError(f"unknown pricing model {pricing_model!r}; {hint}", where=field)
    return family


def region_row_for(catalog: Catalog, region: str, key: str) -> Row | None:
    """The row that supplies ``key`` for ``region``: the region's own row when it gives the
    figure, else its country's row (a cloud region inherits its country's grid, electricity
    price, PUE and off-site water), else None (unknown; the caller decides what that means).

    Figures in :data:`REGION_OWN_ONLY` never come from the country: ``carbon_free_fraction``
    is what an operator buys or matches (a country's clean share is already in its grid
    intensity) and on-site ``wue_l_per_kwh`` depends on the site's cooling, not the grid.
    An unknown ``region`` gives None.
    """
    regions = catalog.tables.get("regions", {})
    row = regions.get(region)
    if row is None:
        return None
    if row.get(key) is not None:
        return row
    if key in REGION_OWN_ONLY:
        return None
    country = regions.get(str(row.get("country") or ""))
    if country is not None and country.get(key) is not None:
        return country
    return None


def region_value(catalog: Catalog, region: str, key: str) -> float | None:
    """The figure ``key`` of ``region`` by the fallback rule of :func:`region_row_for`."""
    row = region_row_for(catalog, region, key)
    return None if row is None else float(row[key])


WORLD_AREA = "world"
"""Id of the fallbacks row that applies where the region's own area has no figure."""


def offer_capacity(catalog: Catalog, offer_id: str) -> tuple[int, int, int] | None:
    """(low, typical, high) most accelerators one buyer can obtain at once from offer
    ``offer_id`` (accelerators, whole instances), or None when the row gives no
    ``max_accelerators`` (unknown: an overlay offer without the columns).

    ``max_accelerators`` (typical) is what a buyer can expect without a bespoke deal; ``_high``
    the largest allocation published for that kind of offer (may need a negotiated deal);
    ``_low`` one instance for pay-per-use. Missing ends default to the typical value. The
    bundled figures come from one rule per pricing model, each end sourced or labelled in the
    row's ``assumptions`` (docs/data/prices-and-regions.md): spot from the skypilot-org
    spot-traces availability probes (typical 16), on-demand an assumption bounded by one AWS
    Capacity Block (typical 64, high 512), AWS Capacity Blocks from AWS's limits (64 and 256
    instances), committed offers from Lambda's 16-2,000+ GPU clusters (high 50,000).

    Raises InputError (closest ids) for an unknown ``offer_id``.
    """
    offer = catalog.get("offers", offer_id, field="offer")
    typical = offer.get("max_accelerators")
    if typical is None:
        return None
    low = offer.get("max_accelerators_low")
    high = offer.get("max_accelerators_high")
    return (
        int(typical if low is None else low),
        int(typical),
        int(typical if high is None else high),
    )


def _fallback_row(catalog: Catalog, region: Row, key: str) -> Row | None:
    """The fallbacks row giving ``key`` for ``region``: its area's (the country's when the
    region names none), else the world row, else None."""
    regions = catalog.tables.get("regions", {})
    country = regions.get(str(region.get("country") or ""), {})
    fallbacks = catalog.tables.get("fallbacks", {})
    for area in (region.get("area"), country.get("area"), WORLD_AREA):
        row = fallbacks.get(str(area or ""))
        if row is not None and row.get(key) is not None:
            return row
    return None


def _ends(row: Row, key: str) -> tuple[float, float, float]:
    """(value, low, high) of ``key`` in ``row``; a missing ``<key>_low``/``_high`` is the value."""
    value = float(row[key])
    low, high = row.get(f"{key}_low"), row.get(f"{key}_high")
    return value, value if low is None else float(low), value if high is None else float(high)


def region_value_or_fallback(
    catalog: Catalog, region: str, key: str
) -> tuple[float, float, float, str | None] | None:
    """(value, low, high, fallback note) of the region figure ``key`` (a regions column, in its
    unit: ``electricity_usd_per_kwh`` USD/kWh, ``grid_gco2_per_kwh`` gCO2e/kWh, ``pue``...).

    The region's own figure (or its country's, by the rule of :func:`region_row_for`) comes
    with note None and its ``<key>_low``/``_high`` where the table has them (else the value).
    Without one, the fallbacks row of the region's ``area`` (a continent), else the ``world``
    row, stands in, with a note naming the region, the area, the figure and its range: unknown
    is never free. The fallback's ``high`` end is a conservative bound (a sourced region of
    the area never exceeds it); callers that must never favour a region for lacking data use
    it. None when neither the region nor the fallbacks give the figure (e.g.
    ``carbon_free_fraction``, which stays unknown).

    Sources: GlobalPetrolPrices business electricity prices by continent (Q2 2025), OWID
    grid intensities (codecarbon copy), Uptime Institute PUE surveys (fallbacks.csv).
    Raises InputError (closest ids) for an unknown ``region``.
    """
    row = catalog.get("regions", region, field="region")
    own = region_row_for(catalog, region, key)
    if own is not None:
        return (*_ends(own, key), None)
    fallback = _fallback_row(catalog, row, key)
    if fallback is None:
        return None
    value, low, high = _ends(fallback, key)
    note = (
        f"region {region} has no {key}: {fallback['name']} fallback {value:g} "
        f"(range {low:g}-{high:g}, fallbacks.csv {fallback['id']})"
    )
    return value, low, high, note


UNVALIDATED_NOTE = (
    "{id} is unvalidated: its performance is predicted from datasheet peaks with efficiencies "
    "fitted on other hardware, not checked against measurements, so its time, cost and energy "
    "may err more than those of measured accelerators (docs/data/hardware.md)"
)


def unvalidated_notes(catalog: Catalog, accelerator_ids: Iterable[str]) -> list[str]:
    """One note per accelerator among ``accelerator_ids`` whose ``validation_status`` is
    ``unvalidated`` (sorted); ids that are not catalog accelerators are skipped. Every command
    that reports results on an accelerator prints these."""
    table = catalog.tables["accelerators"]
    ids = {a for a in accelerator_ids if a in table}
    return [
        UNVALIDATED_NOTE.format(id=a)
        for a in sorted(ids)
        if table[a]["validation_status"] == "unvalidated"
    ]
