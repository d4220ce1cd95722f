"""Shared limits of a plan (budget, accelerator and power caps, owned counts): their values,
their use by a plan, which bind and what relaxing each saves; and the re-solve every
explanation is built on.

Every re-solve starts from a plan of the same columns when one is feasible (the plan itself for
a relaxed limit or moved prices): HiGHS then certifies the optimum quickly
(:mod:`gigawatt.optimize.warm`).
"""

from __future__ import annotations

import math
from typing import Any

from gigawatt.evaluate.table import OptionTable
from gigawatt.evaluate.table_limits import OFFER_CAPACITY_PREFIX
from gigawatt.optimize.build import Model, Weights, build_model
from gigawatt.optimize.solve import F64, Solution, solve_model
from gigawatt.optimize.tolerances import FEASIBILITY_TOL, LIMIT_TOL

BINDING_FRACTION = 1e-3
"""A limit used to within 0.1 % of its value counts as binding."""


EXPLAIN_GAP = 1e-2
"""Relative optimality gap of the price-move and Pareto re-solves (each reports the gap it
reached); differences from the plan (runner-ups, relaxed limits) are solved to
:data:`~gigawatt.optimize.solve.DIFFERENCE_RTOL` of themselves instead."""


def resolve(
    table: OptionTable,
    weights: Weights,
    start: F64 | None = None,
    *,
    gap: float | None = None,
    reference: float | None = None,
    **kw: Any,
) -> tuple[Model, Solution]:
    """Build the model of ``table`` (``kw``: :func:`~gigawatt.optimize.build.build_model`'s
    keywords) and solve it from ``start`` (a column vector of the same columns, or None), to
    relative ``gap`` (None: the solver's default) or, with a ``reference`` objective, until the
    difference from it is known (:func:`~gigawatt.optimize.solve.solve_model`)."""
    m = build_model(table, weights, **kw)
    usable = start if start is not None and len(start) == m.n_vars else None
    return m, solve_model(m, table, start=usable, mip_rel_gap=gap, reference=reference)


def limit_keys(table: OptionTable) -> list[str]:
    """Every relaxable limit: accelerator caps, power caps, owned pools, budget."""
    keys = [limit.key for limit in table.accelerator_caps] + [p.key for p in table.power_caps]
    keys += [k for k, p in table.pools.items() if p.max_count is not None]
    if table.budget_usd is not None:
        keys.append("budget")
    return keys


def limit_value(table: OptionTable, key: str) -> tuple[float, str]:
    """(value, unit) of limit ``key``: accelerators, MW, USD or accelerators owned."""
    for limit in table.accelerator_caps:
        if limit.key == key:
            return limit.limit, "accelerators"
    for limit in table.power_caps:
        if limit.key == key:
            return limit.limit / 1000.0, "MW"
    if key == "budget":
        return float(table.budget_usd or 0.0), "USD"
    return float(table.pools[key].max_count or 0), "accelerators owned"


def limit_phrase(table: OptionTable, key: str) -> str:
    """Limit ``key`` in words, e.g. ``the 12 MW facility power cap (venue=onprem, region=us)``."""
    value = limit_value(table, key)[0]
    for limit in table.accelerator_caps:
        if limit.key == key:
            scope = limit.description.removeprefix("rented accelerators ")
            return f"the cap of {value:,.0f} rented accelerators {scope}"
    for limit in table.power_caps:
        if limit.key == key:
            words = limit.description.removesuffix(" kW").replace(" power ", " power cap ", 1)
            return f"the {value:,.6g} MW {words}"
    if key == "budget":
        return f"the budget of {value:,.0f} USD"
    pool = table.pools[key]
    return f"the {value:,.0f} owned {pool.accelerator} in {pool.region}"


def limit_usage(table: OptionTable, m: Model, sol: Solution, key: str) -> float:
    """Largest use of limit ``key`` over the periods in ``sol`` (limit's unit)."""
    if key == "budget":
        return sol.cost_usd
    if key in table.pools:
        return float(sol.pool_sizes.get(key, 0))
    members = table.cap_members.get(key, [])
    is_power = key.startswith("power_caps")
    basis = next((p.kind for p in table.power_caps if p.key == key), "facility")
    best = 0.0
    for a, b in m.periods or [(0.0, table.horizon_days)]:
        total = 0.0
        for i in members:
            o = table.options[i]
            if o.active(a, b):
                per = (
                    (o.it_power_kw_per_unit if basis == "it" else o.power_kw_per_unit) / 1000.0
                    if is_power
                    else float(o.unit_accelerators)
                )
                total += per * int(sol.units[i])
        best = max(best, total)
    return best


def _row_steps(table: OptionTable, m: Model) -> dict[int, float]:
    """Row -> the least a row's activity grows by one more unit of an option it counts (its
    smallest positive coefficient; for an owned-count row the smallest unit drawing on the
    pool)."""
    step: dict[int, float] = {}
    for r, v in zip(m.rows, m.vals, strict=True):
        if v > 0:
            step[r] = min(step.get(r, math.inf), v)
    smallest_unit: dict[str, float] = {}
    for o in table.options:
        if o.pool is not None:
            smallest_unit[o.pool] = min(smallest_unit.get(o.pool, math.inf), o.unit_accelerators)
    for r, name in enumerate(m.names):
        if name.family == "owned":  # the pool variable has coefficient 1; units are larger
            step[r] = smallest_unit.get(name.key, 1.0)
    return step


LIMIT_FAMILIES = ("owned", "accelerator_cap", "power_cap", "budget")
"""Row families of the relaxable limits."""


def binding_rows(table: OptionTable, m: Model, sol: Solution) -> dict[str, int]:
    """Limit key -> its first binding row: without room for one more unit of every option the
    row covers, or used to within :data:`BINDING_FRACTION` of the limit (a tiny option may still
    fit while the limit shapes the plan)."""
    out: dict[str, int] = {}
    step = _row_steps(table, m)
    for r, name in enumerate(m.names):
        if name.family not in LIMIT_FAMILIES or name.key in out:
            continue
        hi = m.row_ub[r]
        slack = hi - float(sol.row_activity[r])
        room = max(FEASIBILITY_TOL * max(1.0, abs(hi)), BINDING_FRACTION * abs(hi))
        if name.family != "budget":
            room = max(room, step.get(r, 0.0) - LIMIT_TOL)
        if slack <= room:
            out[name.key] = r
    return out


def binding_constraints(
    table: OptionTable, m: Model, sol: Solution, weights: Weights, *, what_if: bool = True
) -> list[dict[str, Any]]:
    """Limits at their bound (:func:`binding_rows`); with ``what_if``, the cost of the plan
    re-solved without each (one re-solve per binding limit of the scenario, from the plan).
    The catalog's offer capacities that bind are re-solved together, once (one row,
    ``offer capacity``): a portfolio spread over many capped offers would otherwise cost one
    re-solve per offer."""
    out: list[dict[str, Any]] = []
    capacity: list[str] = []
    for key, r in binding_rows(table, m, sol).items():
        name = m.names[r]
        limit, unit = limit_value(table, key)
        item: dict[str, Any] = {
            "constraint": key,
            "family": name.family,
            "description": limit_phrase(table, key),
            "limit": limit,
            "unit": unit,
            "used": limit_usage(table, m, sol, key),
        }
        if name.period >= 0 and m.periods:
            item["period_days"] = list(m.periods[name.period])
        if key.startswith(OFFER_CAPACITY_PREFIX):
            capacity.append(key)
        elif what_if:
            _what_if(item, table, weights, sol, frozenset({key}))
        out.append(item)
    if capacity and what_if:
        item = {
            "constraint": "offer capacity",
            "family": "accelerator_cap",
            "description": f"the catalog capacity of {len(capacity)} rented offers, together",
            "limit": None,
            "unit": "accelerators",
            "used": None,
        }
        _what_if(item, table, weights, sol, frozenset(capacity))
        out.append(item)
    return out


def _what_if(
    item: dict[str, Any], table: OptionTable, weights: Weights, sol: Solution, keys: frozenset[str]
) -> None:
    """The plan's cost re-solved without the limits ``keys`` (from the plan), into ``item``."""
    _, relaxed = resolve(table, weights, sol.z, reference=sol.objective, relax=keys)
    if relaxed.ok:
        item["cost_if_relaxed_usd"] = relaxed.cost_usd
        item["saving_if_relaxed_usd"] = sol.cost_usd - relaxed.cost_usd
