"""Why a scenario has no plan, and the least change that gives it one.

Two causes, in this order:

1. A workload without any option: what screening excluded and which rejected options miss the
   SLO or cannot be priced; the fixes name only what the scenario lacks (catalog venues not in
   the scenario that its residency and sovereignty rules admit).
2. Shared limits that conflict: each limit whose removal alone admits a plan, with the least
   value that does: the relaxed resource minimised subject to every other constraint (the MW of
   a power cap, the accelerators of a cap or an owned pool, the budget's USD). When no single
   limit suffices, each limit's least value with all limits lifted (a lower bound: together
   they may need more).
"""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any

import numpy as np

from gigawatt.catalog import Catalog
from gigawatt.evaluate.screen import USER_OPERATED, exclusion_reason
from gigawatt.evaluate.table import OptionTable
from gigawatt.evaluate.table_build import UNPRICED_MEETS_SLO
from gigawatt.optimize.build import COST_WEIGHTS, Weights, build_model
from gigawatt.optimize.explain_limits import limit_keys, limit_phrase, limit_value, resolve
from gigawatt.optimize.solve import solve_model
from gigawatt.spec import Scenario

MAX_NAMED = 5
"""At most this many catalog venues are named in one fix."""


def explain_infeasibility(
    table: OptionTable,
    weights: Weights | None = None,
    scenario: Scenario | None = None,
    catalog: Catalog | None = None,
) -> dict[str, Any]:
    """``{"feasible": False, "conflicts": [...], "fixes": [...]}``: workloads left without any
    option, else the limits that alone, or together, leave no plan, with the least value of
    each that admits one. ``scenario`` and ``catalog`` let the fixes name catalog venues the
    scenario lacks."""
    conflicts, fixes = _unservable_workloads(table, scenario, catalog)
    if not conflicts:
        conflicts, fixes = _limit_conflicts(table, weights or Weights())
    return {"feasible": False, "conflicts": conflicts, "fixes": fixes}


def _unservable_workloads(
    table: OptionTable, scenario: Scenario | None, catalog: Catalog | None
) -> tuple[list[dict[str, Any]], list[str]]:
    """(conflicts, fixes) of the workloads no option can serve."""
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
        conflicts.append(
            {
                "constraint": f"workload {name}",
                "reason": "no option meets its hard constraints",
                "excluded_by_screening": excluded,
                "options_missing_slo": len(missed),
                "slo_details": sorted({r.detail for r in missed})[:5],
            }
        )
        workload = _workload(scenario, name)
        fixes += [f"{name}: {f}" for f in _screening_fixes(excluded, workload, scenario, catalog)]
        fixes += [f"{name}: {f}" for f in _slo_fixes(table, name)]
    return conflicts, fixes


def _workload(scenario: Scenario | None, name: str) -> Any:
    if scenario is None:
        return None
    return next((w for w in scenario.workloads if w.name == name), None)


def _screening_fixes(
    excluded: dict[str, int], workload: Any, scenario: Scenario | None, catalog: Catalog | None
) -> list[str]:
    """What would undo each screening exclusion, naming catalog venues the scenario lacks."""
    missing = _admitting_venues(workload, scenario, catalog)
    named = f" (catalog venues it admits, not in the scenario: {', '.join(missing)})"
    add = named if missing else ""
    out: list[str] = []
    if "pinned" in excluded:
        out.append("widen its accelerators/venues/regions pins")
    if "jurisdiction" in excluded:
        out.append(f"allow more jurisdictions in data.allowed_jurisdictions or add venues{add}")
    if "sovereignty" in excluded:
        out.append(f"drop data.sovereign_only or add a venue its sovereignty rule admits{add}")
    if "offline" in excluded:
        out.append(f"add an on-premises or edge venue{add}")
    if "announced" in excluded:
        out.append("set limits.allow_announced: true to consider announced hardware")
    return out


def _admitting_venues(
    workload: Any, scenario: Scenario | None, catalog: Catalog | None
) -> list[str]:
    """Catalog venues not among the scenario's whose offers (or, for user-operated venues,
    purchasable hardware) pass the workload's screening rules; empty without a scenario."""
    if workload is None or scenario is None or catalog is None or scenario.venues is None:
        return []
    present = set(scenario.venues)
    found: list[str] = []
    rows = [*catalog.rows("offers")]
    for venue in catalog.rows("venues"):
        if venue["id"] in present or venue["id"] in found:
            continue
        candidates = [r for r in rows if r["venue"] == venue["id"]]
        if venue["kind"] in USER_OPERATED:
            candidates += [
                {"venue": venue["id"], "region": r, "accelerator": a["id"]}
                for r in venue["regions"]
                for a in catalog.rows("accelerators")
            ]
        if any(exclusion_reason(workload, r, catalog) is None for r in candidates):
            found.append(venue["id"])
    return found[:MAX_NAMED]


def _slo_fixes(table: OptionTable, name: str) -> list[str]:
    """Fixes for options rejected on the SLO or on a missing purchase price."""
    missed = [r for r in table.rejected if r.workload == name]
    fixes: list[str] = []
    unpriced = sorted({r.accelerator for r in missed if r.detail.endswith(UNPRICED_MEETS_SLO)})
    if unpriced:
        fixes.append(
            f"give {', '.join(unpriced)} a purchase_price_usd (catalog overlay): they meet "
            "its SLO but have no purchase price"
        )
    slow = [r for r in missed if not r.detail.startswith(("no purchase", "spot"))]
    if slow:
        fixes.append(
            f"relax its SLO or add faster accelerators ({len(slow)} options miss it, e.g. "
            f"{slow[0].detail})"
        )
    return fixes


def least_limit(table: OptionTable, key: str) -> float | None:
    """The least value of limit ``key`` (its unit, :func:`limit_value`) that admits a plan,
    every other constraint held: the busiest period's use of the limit minimised (a budget: the
    least cost). None when no plan exists even without it."""
    if key == "budget":
        sol = resolve(table, COST_WEIGHTS, relax=frozenset({key}))[1]
        return sol.cost_usd if sol.ok else None
    full = build_model(table, COST_WEIGHTS)
    m = build_model(table, COST_WEIGHTS, relax=frozenset({key}))
    ext = copy.copy(m)  # one auxiliary column after the planner's: the limit's busiest use
    ext.extra = [*m.extra, ("aux", -1, 0)]
    ext.extra_index = {**m.extra_index, ("aux", -1, 0): len(m.extra)}
    for name in ("rows", "cols", "vals", "row_lb", "row_ub", "names", "periods"):
        setattr(ext, name, list(getattr(m, name)))
    u = m.n_vars
    ext.c = np.append(np.zeros(m.n_vars), 1.0)
    ext.lb = np.append(m.lb, 0.0)
    ext.ub = np.append(m.ub, np.inf)
    ext.integrality = np.append(m.integrality, 0)
    coeffs: dict[int, list[tuple[int, float]]] = {
        r: [] for r, n in enumerate(full.names) if n.key == key
    }
    for r, c, v in zip(full.rows, full.cols, full.vals, strict=True):
        if r in coeffs:
            coeffs[r].append((c, v))
    for r, row in coeffs.items():
        ext.add_row(full.names[r], [*row, (u, -1.0)], -np.inf, 0.0)
    sol = solve_model(ext, table)
    if not sol.ok:
        return None
    value = float(sol.z[u]) if len(sol.z) > u else float(sol.objective)
    return value / 1000.0 if key.startswith("power_caps") else value


def _limit_conflicts(
    table: OptionTable, weights: Weights
) -> tuple[list[dict[str, Any]], list[str]]:
    """(conflicts, fixes): each limit whose removal alone admits a plan, with its least value
    that does; when none does, each limit's least value with all limits lifted."""
    del weights  # the least value of a limit does not depend on the objective
    keys = limit_keys(table)
    conflicts: list[dict[str, Any]] = []
    fixes: list[str] = []
    for key in keys:
        need = least_limit(table, key)
        if need is None:
            continue
        limit, unit = limit_value(table, key)
        reason = "lifting this limit alone admits a plan; needed is the least value that does"
        conflicts.append(_conflict(table, key, limit, need, unit, reason))
        fixes.append(f"raise {key}, {limit_phrase(table, key)}, to at least {need:,.6g} {unit}")
    if conflicts:
        return conflicts, fixes
    lifted = resolve(table, COST_WEIGHTS, relax=frozenset(keys))[1]
    if not lifted.ok:
        reason = f"infeasible even without limits: {lifted.message}"
        return [{"constraint": "all limits", "reason": reason}], fixes
    reason = (
        "no single limit admits a plan when lifted; needed is its least value with every "
        "limit lifted (together they may need more)"
    )
    for key in keys:
        need = _least_with_all_lifted(table, key, keys)
        limit, unit = limit_value(table, key)
        if need is not None and need > limit:
            conflicts.append(_conflict(table, key, limit, need, unit, reason))
            fixes.append(f"raise {key}, {limit_phrase(table, key)}, to at least {need:,.6g} {unit}")
    return conflicts, fixes


def _least_with_all_lifted(table: OptionTable, key: str, keys: list[str]) -> float | None:
    """:func:`least_limit` of ``key`` on the table with every other limit lifted."""
    stripped = _without_limits(table, [k for k in keys if k != key])
    return least_limit(stripped, key)


def _without_limits(table: OptionTable, keys: list[str]) -> OptionTable:
    """A copy of ``table`` without the limits ``keys`` (caps dropped, owned counts unbounded,
    no budget)."""
    drop = set(keys)
    pools = {k: replace(p, max_count=None) if k in drop else p for k, p in table.pools.items()}
    return OptionTable(
        table.scenario_name,
        table.horizon_days,
        table.workloads,
        table.options,
        pools,
        [c for c in table.accelerator_caps if c.key not in drop],
        [c for c in table.power_caps if c.key not in drop],
        {k: v for k, v in table.cap_members.items() if k not in drop},
        None if "budget" in drop else table.budget_usd,
        table.screens,
        table.rejected,
        table.notes,
        table.origin,
    )


def _conflict(
    table: OptionTable, key: str, limit: float, need: float, unit: str, reason: str
) -> dict[str, Any]:
    return {
        "constraint": key,
        "description": limit_phrase(table, key),
        "limit": limit,
        "unit": unit,
        "needed": need,
        "reason": reason,
    }
