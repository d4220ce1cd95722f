"""Exact solve of large option tables by lazy limits: relax, check, enforce what is violated.

1. Solve with no accelerator or power cap enforced, on the table pruned for that relaxation
   (dominance on cost, and emissions when they matter: :func:`~gigawatt.optimize.prune.
   prune_dominated`).
2. Compute every cap's use in that plan. None exceeded: the plan is optimal for the full problem
   too (it solves a relaxation and is feasible). Otherwise add the exceeded caps to the enforced
   set, re-prune (those caps now count in the dominance test) and solve again.

Each round enforces at least one more cap, so it ends after at most ``#caps + 1`` solves; the
relaxed models are much smaller, because an option only has to beat its rivals on the limits
that are actually enforced. Budget, pools and owned counts are always enforced.

Repair before re-solving: the relaxed plan is mapped onto the new model and repaired
(:func:`repair_plan`: whole workloads moved, cheapest cost per unit of excess removed first,
until every cap holds). The relaxed solve's dual bound is a lower bound of the new problem
(it solves a relaxation of it), so when the repaired plan is within the gap the new model
would be solved to (:func:`~gigawatt.optimize.solve.default_gap`: 0.5 % for large models) of
it, the plan is accepted with that certified gap and no MILP is solved; otherwise HiGHS
solves the new model starting from the repaired plan, on the table pruned for the caps now
enforced. (Pruning for every cap in a second thread while the relaxation was solved, and cover
cuts on capped models, were dropped from the default path: with pool dominance and bounded
columns they made the benchmark's binding case slower, 19.5 s against 10.9 s; docs/models/
plan.md.)
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from gigawatt.evaluate.table import OptionTable
from gigawatt.optimize.build import Model, Weights, build_model
from gigawatt.optimize.explain import limit_usage
from gigawatt.optimize.prune import PRUNE_ABOVE, prune_dominated
from gigawatt.optimize.solve import Solution, default_gap, solution_from_vector, solve_model
from gigawatt.optimize.tolerances import FEASIBILITY_TOL, LIMIT_TOL, ROUNDOFF

F64 = NDArray[np.float64]
CAP_FAMILIES = ("accelerator_cap", "power_cap")


def _limit(table: OptionTable, key: str) -> float:
    """Limit of a cap in the unit :func:`limit_usage` reports (accelerators or MW)."""
    for cap in table.accelerator_caps:
        if cap.key == key:
            return cap.limit
    for cap in table.power_caps:
        if cap.key == key:
            return cap.limit / 1000.0
    raise KeyError(key)


def _violated(table: OptionTable, m: Model, sol: Solution, caps: frozenset[str]) -> list[str]:
    """The caps among ``caps`` (not enforced in ``m``) that ``sol`` exceeds."""
    return [k for k in caps if limit_usage(table, m, sol, k) > _limit(table, k) * (1 + LIMIT_TOL)]


def _origin(table: OptionTable) -> list[int]:
    """Index of each option in the unpruned table."""
    return table.origin or list(range(len(table.options)))


def _option_costs(m: Model, table: OptionTable) -> F64:
    """Objective per unit of each option, its pool counted as private (an upper bound)."""
    k = m.n_options
    cost = np.array(m.c[k : 2 * k], dtype=float)
    index = {key: q for q, key in enumerate(m.pool_keys)}
    for o in table.options:
        if o.pool is not None:
            cost[o.index] += m.c[m.pool(index[o.pool])] * o.unit_accelerators
    return cost


def _cap_rows(m: Model) -> tuple[F64, F64]:
    """(coefficients of ``n`` in every accelerator and power cap row, a dense caps x options
    matrix; the rows' upper bounds)."""
    k = m.n_options
    rows = np.asarray(m.rows, dtype=np.int64)
    cols = np.asarray(m.cols, dtype=np.int64)
    vals = np.asarray(m.vals, dtype=float)
    cap_rows = [r for r, name in enumerate(m.names) if name.family in CAP_FAMILIES]
    pos = np.full(len(m.names), -1, dtype=np.int64)
    pos[cap_rows] = np.arange(len(cap_rows))
    a = np.zeros((len(cap_rows), k))
    sel = (pos[rows] >= 0) & (cols >= k) & (cols < 2 * k)
    np.add.at(a, (pos[rows[sel]], cols[sel] - k), vals[sel])
    return a, np.asarray(m.row_ub, dtype=float)[cap_rows]


def _shares_for(m: Model, table: OptionTable, n: F64, owner: NDArray[np.int64]) -> F64:
    """A column vector with units ``n`` and each workload's shares in proportion to the units
    of each option (scaled down when they cover more than the workload)."""
    k = m.n_options
    z = np.zeros(m.n_vars)
    z[k : 2 * k] = n
    for w in range(len(table.workloads)):
        mine = np.flatnonzero(owner == w)
        total = float(
            np.sum(n[mine] / np.maximum([table.options[i].units_needed for i in mine], ROUNDOFF))
        )
        for i in mine:
            if n[i] > 0:
                need = max(table.options[i].units_needed, ROUNDOFF)
                z[i] = min(1.0, n[i] / need / max(total, 1.0)) if total > 0 else 0.0
    return z


def repair_plan(m: Model, table: OptionTable, units: NDArray[np.int64]) -> F64 | None:
    """A column vector for ``m`` from ``units`` per option of ``table`` in which every
    accelerator and power cap holds, by moving whole workloads onto one option each (the move
    with the least objective increase per unit of excess removed first, never breaking a cap
    that holds, never into an owned pool); None when no such repair is found."""
    a, ub = _cap_rows(m)
    scale = np.maximum(np.abs(ub), 1.0)
    unit_cost = _option_costs(m, table)
    whole = np.array([o.units for o in table.options], dtype=float)
    movable = np.array(
        [o.pool is None or table.pools[o.pool].max_count is None for o in table.options]
    )
    owner = np.array([o.workload_index for o in table.options], dtype=np.int64)
    n = units.astype(float).copy()
    for _ in range(4 * len(table.workloads) + 10):
        use = a @ n
        excess = np.maximum(use - ub, 0.0)
        if not np.any(excess > LIMIT_TOL * scale):
            break
        current = np.zeros((len(ub), len(table.workloads)))
        np.add.at(current.T, owner, (a * n).T)
        current_cost = np.bincount(owner, weights=unit_cost * n, minlength=len(table.workloads))
        delta = a * whole - current[:, owner]
        after = use[:, None] + delta
        breaks = np.any((excess[:, None] <= 0) & (after > ub[:, None] + LIMIT_TOL), axis=0)
        gain = np.sum(np.minimum(np.maximum(-delta, 0.0), excess[:, None]) / scale[:, None], 0)
        extra = unit_cost * whole - current_cost[owner]
        ok = movable & ~breaks & (gain > ROUNDOFF)
        if not np.any(ok):
            return None
        ratio = np.where(ok, extra / np.where(ok, gain, 1.0), np.inf)
        best = int(np.argmin(ratio))
        n[owner == owner[best]] = 0.0
        n[best] = whole[best]
    else:
        return None
    return _shares_for(m, table, n, owner)


def _accept(m: Model, sol: Solution) -> bool:
    """Every row of ``m`` holds at the solution (within :data:`FEASIBILITY_TOL`)."""
    act = sol.row_activity
    lo = np.asarray(m.row_lb, dtype=float)
    hi = np.asarray(m.row_ub, dtype=float)
    tol = FEASIBILITY_TOL * np.maximum(1.0, np.abs(np.where(np.isfinite(hi), hi, lo)))
    return bool(np.all(act >= lo - tol) and np.all(act <= hi + tol))


def _repaired(
    pruned: OptionTable,
    model: Model,
    previous: OptionTable,
    prev_sol: Solution,
) -> tuple[Solution | None, F64 | None]:
    """The relaxed plan repaired on the new model: (accepted solution or None, start or None).
    Plans with time-use columns (profiled demand, movable jobs) are not repaired: the capped
    model is solved from scratch."""
    if model.extra:
        return None, None
    where = {origin: i for i, origin in enumerate(_origin(pruned))}
    units = np.zeros(len(pruned.options), dtype=np.int64)
    for o, origin in zip(previous.options, _origin(previous), strict=True):
        n = int(prev_sol.units[o.index])
        if n > 0:
            i = where.get(origin)
            if i is None:
                return None, None
            units[i] = n
    z = repair_plan(model, pruned, units)
    if z is None:
        return None, None
    sol = solution_from_vector(model, pruned, z, "optimal", "", math.nan)
    k = model.n_options
    objective = float(
        np.dot(model.c[k : 2 * k], sol.units)
        + sum(
            model.c[model.pool(q)] * sol.pool_sizes[key] / pruned.pools[key].instance_accelerators
            for q, key in enumerate(model.pool_keys)
        )
    )
    sol.objective = objective
    start = np.zeros(model.n_vars)
    start[:k] = sol.shares
    start[k : 2 * k] = sol.units
    for q, key in enumerate(model.pool_keys):
        start[model.pool(q)] = sol.pool_sizes[key] // pruned.pools[key].instance_accelerators
    if not _accept(model, sol):
        return None, None
    bound = prev_sol.dual_bound
    if bound is None or not math.isfinite(objective) or objective <= 0:
        return None, start
    gap = max(0.0, (objective - bound) / objective)
    if gap > default_gap(model):
        return None, start
    sol.mip_gap, sol.dual_bound = gap, bound
    sol.message = (
        f"relaxed plan repaired to meet the caps; within {gap:.3%} of the relaxation's bound"
    )
    return sol, start


@dataclass(frozen=True)
class SolvePath:
    """How models are solved: solver ``backend`` (:data:`~gigawatt.optimize.solve.BACKENDS`),
    ``repair`` of the relaxed plan before re-solving, ``cover_cuts`` (2b) once a cap is
    enforced (the first, relaxed, model never gets them)."""

    backend: str = "auto"
    repair: bool = True
    cover_cuts: bool = False


DEFAULT_PATH = SolvePath()
BASELINE_PATH = SolvePath("scipy", repair=False, cover_cuts=False)
"""The path before the speed work of issue 6 (scipy's HiGHS, each round a full MILP, no cover
cuts): the benchmark's same-run baseline."""


def flat_start(
    table: OptionTable,
    model: Model,
    weights: Weights,
    relax: frozenset[str],
    cuts: bool,
    backend: str,
) -> F64 | None:
    """A feasible start for a model with time-use columns: the plan of the same table with
    every workload flat at its peak (one time block), each level and fill column at its peak
    units (feasible: a level's cover and a job's hours hold at the peak's units, and the flat
    pools hold every block). None when the flat model has no plan. On the benchmark's profiled
    case, HiGHS found no plan within its time limit without it."""
    flat_table = dataclasses.replace(table, block_share=(1.0,), levels=[])
    flat = build_model(flat_table, weights, relax=relax, cover_cuts=cuts)
    sol = solve_model(flat, flat_table, backend=backend)
    if not sol.ok or len(sol.z) != flat.n_vars:
        return None
    start = np.zeros(model.n_vars)
    start[: flat.n_vars] = sol.z
    for (kind, o, k), j in model.extra_index.items():
        del kind, k
        start[2 * model.n_options + len(model.pool_keys) + j] = sol.z[model.n(o)]
    return start


def solve_with_lazy_limits(
    table: OptionTable,
    weights: Weights,
    *,
    carbon: bool,
    above: int = PRUNE_ABOVE,
    path: SolvePath = DEFAULT_PATH,
) -> tuple[OptionTable, Model, Solution, list[list[str]]]:
    """The table actually solved, its model, the solution and the caps added each round."""
    caps = [c.key for c in table.accelerator_caps] + [p.key for p in table.power_caps]
    return _rounds(table, weights, carbon, above, path, caps)


def _rounds(
    table: OptionTable,
    weights: Weights,
    carbon: bool,
    above: int,
    path: SolvePath,
    caps: list[str],
) -> tuple[OptionTable, Model, Solution, list[list[str]]]:
    """The rounds of :func:`solve_with_lazy_limits`."""
    # offer capacities are enforced lazily too: enforced from the start, every option of a
    # capped offer sits in a limit of its own and pruning drops almost nothing (200 benchmark
    # workloads: 86,129 options, time limit at a 93 % gap; lazily: 4 rounds, 11.6 s, optimal)
    enforced: set[str] = set()
    rounds: list[list[str]] = []
    previous: tuple[OptionTable, Solution] | None = None
    while True:
        pruned = prune_dominated(table, above, carbon=carbon, limits=frozenset(enforced))
        relax = frozenset(k for k in caps if k not in enforced)
        cuts = path.cover_cuts and bool(enforced)  # they slow down the relaxation
        model = build_model(pruned, weights, relax=relax, cover_cuts=cuts)
        start = None
        if previous is not None and path.repair:
            accepted, start = _repaired(pruned, model, *previous)
            if accepted is not None and not _violated(pruned, model, accepted, relax):
                return pruned, model, accepted, rounds
        if start is None and model.extra:
            start = flat_start(pruned, model, weights, relax, cuts, path.backend)
        sol = solve_model(model, pruned, start=start, backend=path.backend)
        if not sol.ok or not relax:
            return pruned, model, sol, rounds
        violated = _violated(pruned, model, sol, relax)
        if not violated:
            return pruned, model, sol, rounds
        rounds.append(sorted(violated))
        enforced.update(violated)
        previous = (pruned, sol)
