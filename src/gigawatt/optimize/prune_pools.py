"""Exact dominance between commitment pools: a pool whose every user would be served at least as
well by a cheaper pool of the same instances is never needed.

Pool ``Q`` dominates pool ``P`` when both are committed offers (rented reserved, contract or
capacity-block pools), ``Q`` has no count limit of its own, the same instance size and a price per
accelerator no higher than ``P``'s, and every option drawing on ``P`` has a twin drawing on ``Q``:
the same workload, accelerators per unit, units needed, hours, windows and duty, usage cost,
emissions, energy and power no higher, and the same shared limits. Moving all of ``P``'s users to
``Q`` then keeps every time block's use, needs at most ``N_P + N_Q`` instances of ``Q`` and costs
no more, so the optimum of the table without ``P``'s options is that of the full table. This is
what many offers of the same accelerator in one region at different committed prices look like
(providers, terms and the benchmark's price variants), where option-level dominance cannot help: a
pool option of a profiled or movable workload may share its pool at no extra cost, so its cost has
no useful lower bound.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from gigawatt.evaluate.table import OptionTable, TableOption

TwinKey = tuple[object, ...]


def _twin_key(o: TableOption, caps: Sequence[str]) -> TwinKey:
    """What a twin must share with ``o`` (same use of the pool in every time block)."""
    return (
        o.workload_index,
        o.unit_accelerators,
        o.units_needed,
        o.splittable,
        o.hours,
        o.windows,
        o.duty,
        o.filler,
        tuple(sorted(caps)),
    )


def _no_worse(k: TableOption, o: TableOption) -> bool:
    """``k`` costs, emits, draws and uses no more per unit than ``o``."""
    return (
        k.usage_usd_per_unit <= o.usage_usd_per_unit
        and k.co2_location_kg_per_unit <= o.co2_location_kg_per_unit
        and k.energy_kwh_per_unit <= o.energy_kwh_per_unit
        and k.power_kw_per_unit <= o.power_kw_per_unit
        and k.it_power_kw_per_unit <= o.it_power_kw_per_unit
    )


def _by_pool(
    table: OptionTable, member_of: Mapping[int, list[str]]
) -> dict[str, dict[TwinKey, TableOption]]:
    """Committed pool -> twin key -> its option (pools with two options of one key skipped)."""
    out: dict[str, dict[TwinKey, TableOption]] = {}
    clashes: set[str] = set()
    for o in table.options:
        if o.pool is None or table.pools[o.pool].payment != "committed":
            continue
        key = _twin_key(o, member_of.get(o.index, ()))
        members = out.setdefault(o.pool, {})
        if key in members:
            clashes.add(o.pool)
        members[key] = o
    return {p: m for p, m in out.items() if p not in clashes}


def dominated_pools(table: OptionTable, member_of: Mapping[int, list[str]]) -> set[str]:
    """Committed pools another pool dominates (module docstring); ``member_of`` maps an option
    to the shared limits that count it. Of two equal pools the one with the larger key goes."""
    by_pool = _by_pool(table, member_of)
    pools = table.pools
    order = sorted(by_pool, key=lambda p: (pools[p].usd_per_accelerator, p))
    dropped: set[str] = set()
    for i, p in enumerate(order):
        for q in order[:i]:
            if q in dropped or pools[q].max_count is not None:
                continue
            if pools[q].instance_accelerators != pools[p].instance_accelerators:
                continue
            twins = by_pool[q]
            if all(key in twins and _no_worse(twins[key], o) for key, o in by_pool[p].items()):
                dropped.add(p)
                break
    return dropped
