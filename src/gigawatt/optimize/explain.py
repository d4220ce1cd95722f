"""Explanations of a plan: why it is infeasible and what would fix it, which limits bind and what
relaxing them saves, the runner-up of each workload and why it lost, how the plan moves with
prices, and the cost-vs-carbon Pareto front (epsilon-constraint sweep).

Every answer comes from re-solving the MILP of :mod:`gigawatt.optimize.build` with one thing
changed (a limit dropped, an option forced, prices scaled, a carbon ceiling added).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from gigawatt.catalog.schema import PRICING_FAMILIES
from gigawatt.evaluate.table import OptionTable, TableOption
from gigawatt.optimize.build import CARBON_WEIGHTS, COST_WEIGHTS, Model, Weights, build_model
from gigawatt.optimize.solve import Solution, solve_model
from gigawatt.optimize.tolerances import (
    FEASIBILITY_TOL,
    LIMIT_TOL,
    REFERENCE_FLOOR,
    SAME_POINT_RTOL,
)

REASON_FIXES: dict[str, str] = {
    "candidate": "add venues or offers that carry this accelerator to the scenario",
    "pinned": "widen the workload's accelerators/venues/regions pins",
    "jurisdiction": "allow more jurisdictions in data.allowed_jurisdictions or add venues with "
    "regions there",
    "sovereignty": "drop data.sovereign_only or add a venue headquartered in an allowed "
    "jurisdiction (or an on-premises venue)",
    "offline": "add an on-premises or edge venue (offline data needs one)",
}


def limit_keys(table: OptionTable) -> list[str]:
    """Every relaxable limit: budget, accelerator caps, power caps, owned pools."""
    keys = [limit.key for limit in table.accelerator_caps] + [p.key for p in table.power_caps]
    keys += [k for k, p in table.pools.items() if p.max_count is not None]
    if table.budget_usd is not None:
        keys.append("budget")
    return keys


def _limit_value(table: OptionTable, key: str) -> tuple[float, str]:
    for limit in table.accelerator_caps:
        if limit.key == key:
            return limit.limit, "accelerators"
    for limit in table.power_caps:
        if limit.key == key:
            return limit.limit / 1000.0, "MW"
    if key == "budget":
        return float(table.budget_usd or 0.0), "USD"
    return float(table.pools[key].max_count or 0), "accelerators owned"


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
    for t, (a, b) in enumerate(m.periods or [(0.0, table.horizon_days)]):
        del t
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


def _solve(table: OptionTable, weights: Weights, **kw: Any) -> tuple[Model, Solution]:
    m = build_model(table, weights, **kw)
    return m, solve_model(m, table)


def explain_infeasibility(table: OptionTable, weights: Weights | None = None) -> dict[str, Any]:
    """Which constraints conflict and what change makes the scenario feasible: workloads left
    without any option, else the limits that alone, or together, leave no feasible plan."""
    conflicts, fixes = _unservable_workloads(table)
    if not conflicts:
        conflicts, fixes = _limit_conflicts(table, weights or Weights())
    return {"feasible": False, "conflicts": conflicts, "fixes": fixes}


def _unservable_workloads(table: OptionTable) -> tuple[list[dict[str, Any]], list[str]]:
    """(conflicts, fixes) of the workloads no option can serve: what screening excluded, the
    options that miss the SLO or cannot be priced."""
    conflicts: list[dict[str, Any]] = []
    fixes: list[str] = []
    counts = [0] * len(table.workloads)
    for o in table.options:
        counts[o.workload_index] += 1
    for wi, name in enumerate(table.workloads):
        if counts[wi]:
            continue
        excluded = {k: v for k, v in table.screens.get(name, {}).items() if v}
        missed = [r for r in table.rejected if r.workload == name]
        details = sorted({r.detail for r in missed})
        conflicts.append(
            {
                "constraint": f"workload {name}",
                "reason": "no option meets its hard constraints",
                "excluded_by_screening": excluded,
                "options_missing_slo": len(missed),
                "slo_details": details[:5],
            }
        )
        for reason in excluded:
            if reason in REASON_FIXES:
                fixes.append(f"{name}: {REASON_FIXES[reason]}")
        unpriced = sorted({r.accelerator for r in missed if r.detail.startswith("no purchase")})
        if unpriced:
            fixes.append(
                f"{name}: give {', '.join(unpriced)} a purchase_price_usd (catalog overlay) or "
                "add venues that rent them"
            )
        slow = [r for r in missed if not r.detail.startswith(("no purchase", "spot"))]
        if slow:
            fixes.append(
                f"{name}: relax its SLO or add faster accelerators ({len(slow)} options miss "
                f"it, e.g. {slow[0].detail})"
            )
    return conflicts, fixes


def _limit_conflict(
    table: OptionTable, m: Model, sol: Solution, key: str, reason: str
) -> tuple[dict[str, Any], float, float, str]:
    """(conflict, limit, use in ``sol``, unit) of limit ``key``."""
    limit, unit = _limit_value(table, key)
    need = limit_usage(table, m, sol, key)
    conflict = {"constraint": key, "limit": limit, "unit": unit, "needed": need, "reason": reason}
    return conflict, limit, need, unit


def _limit_conflicts(
    table: OptionTable, weights: Weights
) -> tuple[list[dict[str, Any]], list[str]]:
    """(conflicts, fixes): each limit whose removal alone makes the scenario feasible; when none
    does, the limits a plan without any limit exceeds (one re-solve per limit, then one)."""
    conflicts: list[dict[str, Any]] = []
    fixes: list[str] = []
    for key in limit_keys(table):
        m, sol = _solve(table, weights, relax=frozenset({key}))
        if sol.ok:
            reason = "dropping this limit alone makes the scenario feasible"
            conflict, limit, need, unit = _limit_conflict(table, m, sol, key, reason)
            conflicts.append(conflict)
            fixes.append(f"raise {key} from {limit:,.6g} to at least {need:,.6g} {unit}")
    if conflicts:
        return conflicts, fixes
    keys = limit_keys(table)
    m, sol = _solve(table, weights, relax=frozenset(keys))
    if not sol.ok:
        reason = f"infeasible even without limits: {sol.message}"
        return [{"constraint": "all limits", "reason": reason}], fixes
    for key in keys:
        reason = "these limits together leave no feasible plan"
        conflict, limit, need, unit = _limit_conflict(table, m, sol, key, reason)
        if need > limit * (1 + LIMIT_TOL):
            conflicts.append(conflict)
            fixes.append(f"raise {key} from {limit:,.6g} to {need:,.6g} {unit}")
    return conflicts, fixes


BINDING_FRACTION = 1e-3
"""A limit used to within 0.1 % of its value counts as binding."""


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


def binding_constraints(
    table: OptionTable, m: Model, sol: Solution, weights: Weights, *, what_if: bool = True
) -> list[dict[str, Any]]:
    """Limits at their bound: without room for one more unit of every option they cover, or used
    to within ``BINDING_FRACTION`` of the limit (a tiny option may still fit while the limit
    shapes the plan); with ``what_if``, the cost of the plan re-solved without each (one re-solve
    per binding limit)."""
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    step = _row_steps(table, m)
    for r, name in enumerate(m.names):
        if name.family not in ("owned", "accelerator_cap", "power_cap", "budget"):
            continue
        hi = m.row_ub[r]
        slack = hi - float(sol.row_activity[r])
        room = max(FEASIBILITY_TOL * max(1.0, abs(hi)), BINDING_FRACTION * abs(hi))
        if name.family != "budget":
            room = max(room, step.get(r, 0.0) - LIMIT_TOL)
        if slack > room or name.key in seen:
            continue
        seen.add(name.key)
        limit, unit = _limit_value(table, name.key)
        item: dict[str, Any] = {
            "constraint": name.key,
            "family": name.family,
            "limit": limit,
            "unit": unit,
            "used": limit_usage(table, m, sol, name.key),
        }
        if name.period >= 0 and m.periods:
            item["period_days"] = list(m.periods[name.period])
        if what_if:
            _, relaxed = _solve(table, weights, relax=frozenset({name.key}))
            if relaxed.ok:
                item["cost_if_relaxed_usd"] = relaxed.cost_usd
                item["saving_if_relaxed_usd"] = sol.cost_usd - relaxed.cost_usd
        out.append(item)
    return out


def _alone_value(table: OptionTable, o: TableOption, carbon: bool) -> float:
    return o.co2_location_kg_per_unit * o.units if carbon else table.alone_cost_usd(o)


def _label(o: TableOption) -> str:
    return f"{o.offer or o.venue + ' ' + o.pricing_model} ({o.accelerator} in {o.region})"


def runner_ups(
    table: OptionTable,
    sol: Solution,
    weights: Weights,
    *,
    carbon: bool = False,
    force: bool = True,
) -> dict[str, dict[str, Any]]:
    """Per workload: the best option it does not use (alone, by the objective's measure) and
    why it lost. With ``force``, the plan is re-solved with the runner-up forced to carry the
    whole workload, giving the plan-level price of choosing it (or the limits it breaks)."""
    out: dict[str, dict[str, Any]] = {}
    per: list[list[TableOption]] = [[] for _ in table.workloads]
    for o in table.options:
        per[o.workload_index].append(o)
    for wi, name in enumerate(table.workloads):
        chosen = [o for o in per[wi] if sol.units[o.index] > 0]
        used = {(o.venue, o.offer, o.accelerator, o.pricing_model) for o in chosen}
        others = [
            o for o in per[wi] if (o.venue, o.offer, o.accelerator, o.pricing_model) not in used
        ]
        entry = _cheapest_rejected(table, name)
        if not others:
            entry["runner_up"] = None
            entry["why_lost"] = "no other option meets the workload's constraints"
            out[name] = entry
            continue
        best = min(others, key=lambda o: (_alone_value(table, o, carbon), o.index))
        value = _alone_value(table, best, carbon)
        unit = "kgCO2e" if carbon else "USD"
        entry["runner_up"] = {
            "option": _label(best),
            "venue": best.venue,
            "offer": best.offer,
            "accelerator": best.accelerator,
            "pricing_model": best.pricing_model,
            "count": best.accelerators,
            "alone_value": value,
            "unit": unit,
        }
        why = _why_lost(table, chosen[:1], value, unit, carbon)
        if force:
            why += _forced(table, sol, weights, best, unit, carbon)
        entry["why_lost"] = why
        out[name] = entry
    return out


def _cheapest_rejected(table: OptionTable, workload: str) -> dict[str, Any]:
    """``{"cheapest_rejected": ...}``: the workload's cheapest rejected option and why (empty
    when none was rejected)."""
    rejected = [r for r in table.rejected if r.workload == workload]
    cheapest = min(rejected, key=lambda r: r.price_usd_per_accel_h or math.inf, default=None)
    if cheapest is None:
        return {}
    return {
        "cheapest_rejected": {
            "option": _label(cheapest),
            "price_usd_per_accel_h": cheapest.price_usd_per_accel_h,
            "why": cheapest.detail,
        }
    }


def _why_lost(
    table: OptionTable, chosen: list[TableOption], value: float, unit: str, carbon: bool
) -> str:
    """Why the runner-up (``value`` alone) lost to the first ``chosen`` option."""
    mine = sum(_alone_value(table, o, carbon) for o in chosen)
    if value > mine and mine <= 0:
        return f"{value - mine:,.0f} {unit} more alone (the chosen option adds nothing)"
    if value > mine:
        return f"{value - mine:,.0f} {unit} more ({value / mine - 1:+.0%}) alone"
    if any(o.pool is not None for o in chosen):
        return (
            f"cheaper alone ({mine - value:,.0f} {unit} less) but the chosen option shares "
            f"pool {chosen[0].pool} with other workloads"
        )
    return f"cheaper alone ({mine - value:,.0f} {unit} less) but not in the optimal plan"


def _forced(
    table: OptionTable, sol: Solution, weights: Weights, best: TableOption, unit: str, carbon: bool
) -> str:
    """What forcing ``best`` to carry its whole workload does to the plan (one re-solve)."""
    m = build_model(table, weights)
    m.lb[m.x(best.index)] = 1.0
    forced = solve_model(m, table)
    if not forced.ok:
        return "; forcing it leaves no feasible plan (shared limits)"
    delta = (
        forced.co2_location_kg - sol.co2_location_kg if carbon else forced.cost_usd - sol.cost_usd
    )
    return f"; forcing it changes the plan total by {delta:+,.0f} {unit}"


PRICE_GROUPS: dict[str, tuple[str, ...]] = {
    "all rented": tuple(PRICING_FAMILIES),
    "on-demand and spot": ("pay_per_use",),
    "commitments": ("committed",),
    "hardware purchases": ("purchase",),
}
"""Groups of prices moved together: pay-per-use prices scale usage costs, commitment and
purchase prices scale their pools' cost per accelerator (electricity never moves)."""


def _assignment_keys(table: OptionTable, sol: Solution) -> dict[str, dict[str, float]]:
    """Workload -> {placement: share} for shares of at least 1 % (rounded to 1 %), so that
    tiny slivers moving between equivalent options do not count as a change."""
    out: dict[str, dict[str, float]] = {w: {} for w in table.workloads}
    for o in table.options:
        share = round(float(sol.shares[o.index]), 2)
        if sol.units[o.index] > 0 and share >= 0.01:
            label = _label(o)
            out[o.workload][label] = out[o.workload].get(label, 0.0) + share
    return out


def price_sensitivity(
    table: OptionTable, sol: Solution, weights: Weights, moves: tuple[float, ...] = (-0.2, 0.2)
) -> list[dict[str, Any]]:
    """Re-solve with the prices of each group of offers moved by each fraction in ``moves``;
    report the new total (at the moved prices) and the workloads whose placement changes."""
    base = _assignment_keys(table, sol)
    out: list[dict[str, Any]] = []
    for group, payments in PRICE_GROUPS.items():
        if not any(o.payment in payments for o in table.options):
            continue
        for move in moves:
            factor = np.array(
                [
                    1.0 + move if o.payment in payments and o.payment == "pay_per_use" else 1.0
                    for o in table.options
                ]
            )
            pool_factor = {
                k: 1.0 + move if p.payment in payments else 1.0 for k, p in table.pools.items()
            }
            m = build_model(table, weights, price_factor=factor, pool_factor=pool_factor)
            new = solve_model(m, table)
            item: dict[str, Any] = {"prices": group, "move": move}
            if not new.ok:
                item["status"] = new.status
                out.append(item)
                continue
            cost = float(
                sum(
                    o.usage_usd_per_unit * factor[o.index] * new.units[o.index]
                    for o in table.options
                )
                + sum(
                    table.pools[k].usd_per_accelerator * n * pool_factor[k]
                    for k, n in new.pool_sizes.items()
                )
            )
            after = _assignment_keys(table, new)
            item.update(
                {
                    "status": new.status,
                    "total_cost_usd": cost,
                    "total_co2_location_kg": new.co2_location_kg,
                    "changed_workloads": sorted(w for w in base if base[w] != after[w]),
                }
            )
            out.append(item)
    return out


CLEANEST_TIE_BREAK = 1e-4
"""Weight of emissions, relative to cost at the least-cost plan's cost/emissions ratio, that
picks the cleanest among (near-)least-cost plans (the cost end of the Pareto front)."""


@dataclass(frozen=True)
class ParetoPoint:
    """One plan of the cost-vs-carbon front."""

    cost_usd: float
    co2_location_kg: float
    carbon_ceiling_kg: float | None


def pareto_front(table: OptionTable, points: int = 5) -> list[ParetoPoint]:
    """Epsilon-constraint sweep: least cost under carbon ceilings evenly spaced between the
    emissions of the least-cost plan (ties broken towards less carbon) and those of the
    least-carbon plan (ties broken towards less cost); duplicate plans are dropped."""
    _, cheap = _solve(table, COST_WEIGHTS)
    _, clean = _solve(table, CARBON_WEIGHTS)
    if not (cheap.ok and clean.ok):
        return []
    if cheap.co2_location_kg > 0:
        # among (near-)least-cost plans take the cleanest
        tie = CLEANEST_TIE_BREAK * max(cheap.cost_usd, REFERENCE_FLOOR) / cheap.co2_location_kg
        _, tied = _solve(table, Weights(1.0, tie))
        if tied.ok:
            cheap = tied
    front = [ParetoPoint(cheap.cost_usd, cheap.co2_location_kg, None)]
    hi, lo = cheap.co2_location_kg, clean.co2_location_kg
    if hi - lo > FEASIBILITY_TOL * max(1.0, hi):
        for eps in np.linspace(hi, lo, points)[1:-1]:
            _, s = _solve(table, COST_WEIGHTS, carbon_ceiling_kg=float(eps))
            if s.ok:
                front.append(ParetoPoint(s.cost_usd, s.co2_location_kg, float(eps)))
        front.append(ParetoPoint(clean.cost_usd, clean.co2_location_kg, lo))
    out: list[ParetoPoint] = []
    for p in front:
        if not any(
            math.isclose(p.cost_usd, q.cost_usd, rel_tol=SAME_POINT_RTOL)
            and math.isclose(p.co2_location_kg, q.co2_location_kg, rel_tol=SAME_POINT_RTOL)
            for q in out
        ):
            out.append(p)
    return out
