"""The scenario's shared limits on the option table: which options each accelerator or power cap
covers, and the exact pruning of pay-per-use offers that run identically under the same limits."""

from __future__ import annotations

from typing import Any

from gigawatt.catalog import Catalog
from gigawatt.catalog.lookup import offer_capacity
from gigawatt.catalog.schema import PRICING_FAMILIES
from gigawatt.evaluate.screen import Option
from gigawatt.evaluate.table import Limit, OptionTable
from gigawatt.evaluate.table_pools import payment_kind
from gigawatt.spec import Scenario


def region_matches(catalog: Catalog, region: str, wanted: str | None) -> bool:
    """Whether ``region`` is the ``wanted`` region or lies in the ``wanted`` country (None: any).

    :mod:`gigawatt.optimize.check` has its own copy of this predicate on purpose: the checker
    re-derives every limit independently, sharing no code with how the table was built.
    """
    if wanted is None or region == wanted:
        return True
    row = catalog.tables["regions"].get(region)
    return row is not None and row.get("country") == wanted


def accelerator_cap_covers(
    catalog: Catalog,
    cap: Any,
    payment: str,
    venue: str,
    region: str,
    accelerator: str,
    offer: str | None,
) -> bool:
    """Whether accelerator cap ``cap`` (a scenario ``AcceleratorCap``) covers an option matching
    every selector the cap sets (rented, owned and bought alike; ``payment`` is kept for the
    callers' signature)."""
    del payment
    return (
        (cap.offer is None or offer == cap.offer)
        and (cap.venue is None or venue == cap.venue)
        and (cap.accelerator is None or accelerator == cap.accelerator)
        and region_matches(catalog, region, cap.region)
    )


def power_cap_covers(catalog: Catalog, cap: Any, venue: str, region: str) -> bool:
    """Whether power cap ``cap`` (a scenario ``PowerCap``) covers an option at venue/region."""
    return (cap.venue is None or venue == cap.venue) and region_matches(catalog, region, cap.region)


def _cap_signature(
    scenario: Scenario, catalog: Catalog, opt: Option, payment: str
) -> tuple[int, ...]:
    """The caps covering ``opt``: accelerator cap ``i`` as ``i``, power cap ``i`` as ``-1 - i``."""
    accel = tuple(
        i
        for i, c in enumerate(scenario.limits.accelerator_caps)
        if accelerator_cap_covers(
            catalog, c, payment, opt.venue, opt.region, opt.accelerator, opt.offer
        )
    )
    power = tuple(
        -1 - i
        for i, p in enumerate(scenario.limits.power_caps)
        if power_cap_covers(catalog, p, opt.venue, opt.region)
    )
    return accel + power


def cheapest_per_group(
    scenario: Scenario, catalog: Catalog, options: list[Option]
) -> tuple[list[Option], int]:
    """Keep, among pay-per-use offers of the same accelerator, region, pricing model and venue
    kind under the same limits, only the cheapest: the others run identically and cost more
    (exact dominance). An offer with a capacity limit is kept (a dearer offer adds capacity).
    Returns the kept options and how many were dropped."""
    best: dict[tuple[Any, ...], Option] = {}
    kept: list[Option] = []
    for opt in options:
        payment = payment_kind(opt.pricing_model)
        if payment != "pay_per_use":
            kept.append(opt)
            continue
        signature = _cap_signature(scenario, catalog, opt, payment)
        # an offer with a capacity limit is its own group: a dearer offer adds capacity
        capped = scenario.limits.offer_capacity != "none"
        limited = opt.offer if capped and offer_capacity(catalog, str(opt.offer)) else None
        kind = catalog.get("venues", opt.venue)["kind"]  # the request path depends on it
        key = (opt.accelerator, opt.region, opt.pricing_model, kind, signature, limited)
        current = best.get(key)
        if current is None or (opt.price_usd_per_accel_h or 0.0) < (
            current.price_usd_per_accel_h or 0.0
        ):
            best[key] = opt
    kept.extend(best.values())
    return kept, len(options) - len(kept)


OFFER_CAPACITY_PREFIX = "offers["
"""Keys of the catalog's offer capacity limits start with it."""


def offer_limit_key(offer: str) -> str:
    """Key of the capacity limit of a catalog offer."""
    return f"{OFFER_CAPACITY_PREFIX}{offer}].max_accelerators"


def _attach_offer_capacity(table: OptionTable, catalog: Catalog, mode: str) -> None:
    """An accelerator cap per rented offer with a capacity limit (the catalog's typical
    ``max_accelerators``, or its high end when ``mode`` is ``high``; none when ``none``), over
    every workload drawing on it; offers without one (user overlays without the column) are
    noted as unlimited."""
    if mode == "none":
        return
    members: dict[str, list[int]] = {}
    for o in table.options:
        if o.offer is not None and o.payment in PRICING_FAMILIES:
            members.setdefault(o.offer, []).append(o.index)
    for offer, indices in sorted(members.items()):
        capacity = offer_capacity(catalog, offer)
        if capacity is None:
            table.notes.append(f"offer {offer} has no capacity limit in the catalog: unlimited")
            continue
        low, typical, high = capacity
        key = offer_limit_key(offer)
        limit = high if mode == "high" else typical
        table.accelerator_caps.append(
            Limit(
                key,
                "accelerators",
                float(limit),
                f"capacity of offer {offer} ({mode}; catalog range {low:,}-{high:,})",
            )
        )
        table.cap_members[key] = indices


def attach_limits(table: OptionTable, scenario: Scenario, catalog: Catalog) -> None:
    """Fill the table's accelerator and power caps and which options each covers."""
    table.accelerator_caps.clear()
    table.power_caps.clear()
    table.cap_members.clear()
    for i, c in enumerate(scenario.limits.accelerator_caps):
        key = f"accelerator_caps[{i}]"
        scope = ", ".join(
            f"{k}={v}" for k, v in c.model_dump(exclude={"max_count"}).items() if v is not None
        )
        table.accelerator_caps.append(
            Limit(key, "accelerators", float(c.max_count), f"accelerators ({scope or 'all'})")
        )
        table.cap_members[key] = [
            o.index
            for o in table.options
            if accelerator_cap_covers(
                catalog, c, o.payment, o.venue, o.region, o.accelerator, o.offer
            )
        ]
    _attach_offer_capacity(table, catalog, scenario.limits.offer_capacity)
    for wi, w in enumerate(scenario.workloads):
        if w.max_accelerators is None:
            continue
        key = f"workloads[{wi}].max_accelerators"
        table.accelerator_caps.append(
            Limit(key, "accelerators", float(w.max_accelerators), f"accelerators of {w.name}")
        )
        table.cap_members[key] = [o.index for o in table.options if o.workload_index == wi]
    for i, p in enumerate(scenario.limits.power_caps):
        key = f"power_caps[{i}]"
        scope = ", ".join(f"{k}={v}" for k, v in (("venue", p.venue), ("region", p.region)) if v)
        table.power_caps.append(
            Limit(key, p.basis, p.power_cap_mw * 1000.0, f"{p.basis} power ({scope or 'all'}) kW")
        )
        table.cap_members[key] = [
            o.index for o in table.options if power_cap_covers(catalog, p, o.venue, o.region)
        ]
