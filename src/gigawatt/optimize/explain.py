"""Explanations of a plan: per workload the runner-up and what choosing it would do to the plan
(one re-solve with it forced), plus the entry points of the other explanations (binding limits
:mod:`~gigawatt.optimize.explain_limits`, infeasibility
:mod:`~gigawatt.optimize.explain_infeasible`, price moves and the Pareto front
:mod:`~gigawatt.optimize.explain_moves`); the sentences built from them are in
:mod:`gigawatt.optimize.explain_text`.

Every figure comes from re-solving the MILP of :mod:`gigawatt.optimize.build` with one thing
changed, from a starting plan of the same columns (:mod:`gigawatt.optimize.warm`), so amounts
are plan totals, consistent with the plan's own total.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from gigawatt.evaluate.table import OptionTable, TableOption
from gigawatt.optimize.build import Model, Weights, build_model
from gigawatt.optimize.explain_infeasible import explain_infeasibility
from gigawatt.optimize.explain_limits import (
    binding_constraints,
    binding_rows,
    limit_keys,
    limit_usage,
    limit_value,
)
from gigawatt.optimize.explain_moves import pareto_front, price_sensitivity
from gigawatt.optimize.solve import F64, Solution, solve_model

__all__ = [
    "binding_constraints",
    "explain_infeasibility",
    "limit_keys",
    "limit_usage",
    "limit_value",
    "pareto_front",
    "price_sensitivity",
    "runner_ups",
]


def _alone_value(table: OptionTable, o: TableOption, carbon: bool) -> float:
    return o.co2_location_kg_per_unit * o.units if carbon else table.alone_cost_usd(o)


def option_label(o: TableOption) -> str:
    """``offer (accelerator in region)`` or ``venue pricing (accelerator in region)``."""
    return f"{o.offer or o.venue + ' ' + o.pricing_model} ({o.accelerator} in {o.region})"


def _choice_fields(o: TableOption) -> dict[str, Any]:
    return {
        "venue": o.venue,
        "offer": o.offer,
        "accelerator": o.accelerator,
        "region": o.region,
        "pricing_model": o.pricing_model,
    }


def _same_choice(o: TableOption) -> tuple[str, str | None, str, str, str]:
    return (o.venue, o.offer, o.accelerator, o.region, o.pricing_model)


def runner_ups(
    table: OptionTable,
    sol: Solution,
    weights: Weights,
    *,
    carbon: bool = False,
    force: bool = True,
    model: Model | None = None,
) -> dict[str, dict[str, Any]]:
    """Per workload: the limits binding in the plan that cover its placements
    (``binding_here``; ``held_back``: each such placement and its limits); the best option
    it does not use (alone, by the objective's measure), the
    limits binding in the plan that cover it (``blocked_by``), and, with ``force``, the plan
    re-solved with it carrying the whole workload (``forced``: its total and the signed
    difference to the plan's total); ``why_lost`` says it in words. ``model`` is the plan's
    model (for the binding limits; built when None)."""
    m = model if model is not None else build_model(table, weights)
    covering = _binding_cover(table, m, sol)
    unit = "kgCO2e" if carbon else "USD"
    total = sol.co2_location_kg if carbon else sol.cost_usd
    out: dict[str, dict[str, Any]] = {}
    per: list[list[TableOption]] = [[] for _ in table.workloads]
    for o in table.options:
        per[o.workload_index].append(o)
    for name, options in zip(table.workloads, per, strict=True):
        entry = _cheapest_rejected(table, name)
        chosen = [o for o in options if sol.units[o.index] > 0]
        used = {_same_choice(o) for o in chosen}
        others = [o for o in options if _same_choice(o) not in used]
        entry["binding_here"] = sorted({k for o in chosen for k in covering.get(o.index, ())})
        entry["held_back"] = [
            {**_choice_fields(o), "by": sorted(covering[o.index])}
            for o in chosen
            if covering.get(o.index)
        ]
        out[name] = entry
        if not others:
            entry["runner_up"] = None
            entry["why_lost"] = "no other option meets the workload's constraints"
            continue
        best = min(others, key=lambda o: (_alone_value(table, o, carbon), o.index))
        entry["runner_up"] = {
            "option": option_label(best),
            **_choice_fields(best),
            "count": best.accelerators,
            "alone_value": _alone_value(table, best, carbon),
            "unit": unit,
            "blocked_by": sorted(covering.get(best.index, ())),
        }
        main = max(chosen, key=lambda o: (float(sol.shares[o.index]), -o.index), default=None)
        entry["current_alone_value"] = _alone_value(table, main, carbon) if main else None
        if force:
            entry["forced"] = _forced(table, sol, weights, best, carbon, total, unit)
        entry["why_lost"] = _why_lost(entry)
    return out


def _binding_cover(table: OptionTable, m: Model, sol: Solution) -> dict[int, list[str]]:
    """Option index -> the limits binding in ``sol`` whose rows count it (pools: the owned
    count of its pool)."""
    binding = binding_rows(table, m, sol)
    cover: dict[int, list[str]] = {}
    for key in binding:
        if key in table.pools:
            members = [o.index for o in table.options if o.pool == key]
        elif key == "budget":
            members = [o.index for o in table.options]
        else:
            members = table.cap_members.get(key, [])
        for i in members:
            cover.setdefault(i, []).append(key)
    return cover


def _cheapest_rejected(table: OptionTable, workload: str) -> dict[str, Any]:
    """``{"cheapest_rejected": ...}``: the workload's cheapest rejected option and why (empty
    when none was rejected)."""
    rejected = [r for r in table.rejected if r.workload == workload]
    cheapest = min(rejected, key=lambda r: r.price_usd_per_accel_h or math.inf, default=None)
    if cheapest is None:
        return {}
    return {
        "cheapest_rejected": {
            "option": option_label(cheapest),
            "price_usd_per_accel_h": cheapest.price_usd_per_accel_h,
            "why": cheapest.detail,
        }
    }


def _moved_start(m: Model, table: OptionTable, sol: Solution, best: TableOption) -> F64:
    """The plan with ``best``'s workload moved entirely onto ``best`` (its pool grown by what it
    then carries): a starting point for the forced re-solve (the solver checks it)."""
    z = np.array(sol.z, dtype=float)
    for o in table.options:
        if o.workload_index == best.workload_index:
            z[m.x(o.index)] = 0.0
            z[m.n(o.index)] = 0.0
    z[m.x(best.index)] = 1.0
    z[m.n(best.index)] = float(best.units)
    if best.pool is not None:
        z[m.pool(m.pool_keys.index(best.pool))] += best.accelerators
    return z


def _forced(
    table: OptionTable,
    sol: Solution,
    weights: Weights,
    best: TableOption,
    carbon: bool,
    total: float,
    unit: str,
) -> dict[str, Any]:
    """The plan re-solved with ``best`` carrying its whole workload: feasible or not, its total
    and the signed difference to the plan's ``total``."""
    m = build_model(table, weights)
    m.lb[m.x(best.index)] = 1.0
    start = _moved_start(m, table, sol, best) if len(sol.z) == m.n_vars else None
    forced = solve_model(m, table, start=start, reference=sol.objective)
    if not forced.ok:
        return {"feasible": False, "status": forced.status, "unit": unit}
    value = forced.co2_location_kg if carbon else forced.cost_usd
    return {
        "feasible": True,
        "total": value,
        "plan_total": total,
        "difference": value - total,
        "unit": unit,
        "mip_gap": forced.mip_gap,
    }


def _why_lost(entry: dict[str, Any]) -> str:
    """Why the runner-up lost, with signs that match the totals: the plan with the whole
    workload forced onto it, else (no forced re-solve) the two stand-alone values."""
    ru = entry["runner_up"]
    unit = ru["unit"]
    blocked = f"; {', '.join(ru['blocked_by'])} binds there" if ru["blocked_by"] else ""
    forced = entry.get("forced")
    if forced is None:
        mine = entry["current_alone_value"]
        word = "more" if ru["alone_value"] >= mine else "less"
        return (
            f"alone it costs {abs(ru['alone_value'] - mine):,.0f} {unit} {word} than the "
            f"current main placement alone (shared pools and limits not counted){blocked}"
        )
    if not forced["feasible"]:
        return f"with the whole workload there no plan meets the shared limits{blocked}"
    diff = forced["difference"]
    word = "more" if diff >= 0 else "less"
    return (
        f"the plan would cost {abs(diff):,.0f} {unit} {word} with the whole workload there "
        f"({forced['plan_total']:,.0f} -> {forced['total']:,.0f} {unit}){blocked}"
    )
