"""``gigawatt plan``: scenario + catalog -> option table -> MILP -> checked plan, with reasons.

Thin orchestration over :mod:`gigawatt.optimize` (table, build, solve, check, explain, greedy);
the formulation is in :mod:`gigawatt.optimize.build`, the method in docs/models/plan.md.
"""

from __future__ import annotations

import gc
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, get_args

from gigawatt.catalog import Catalog
from gigawatt.errors import InputError
from gigawatt.evaluate.performance import HOURS_PER_DAY
from gigawatt.evaluate.table import OptionTable, TableOption
from gigawatt.evaluate.table_build import build_option_table
from gigawatt.json_safe import json_safe
from gigawatt.optimize.build import CARBON_WEIGHTS, COST_WEIGHTS, Model, Weights, build_model
from gigawatt.optimize.check import check_plan
from gigawatt.optimize.explain import (
    binding_constraints,
    explain_infeasibility,
    pareto_front,
    price_sensitivity,
    runner_ups,
)
from gigawatt.optimize.explain_text import workload_sentences
from gigawatt.optimize.greedy import baseline_summary, greedy_plan, hyperscaler_on_demand
from gigawatt.optimize.lazy import DEFAULT_PATH, SolvePath, solve_with_lazy_limits
from gigawatt.optimize.prune import PRUNE_ABOVE
from gigawatt.optimize.solve import Solution, billed_units, solve_model
from gigawatt.optimize.tolerances import REFERENCE_FLOOR
from gigawatt.spec import Scenario, check_scenario_refs
from gigawatt.spec.scenario import Objective

EXPLAIN_MAX_WORKLOADS = 50
"""Above this many workloads, per-workload forced re-solves of the runner-up analysis are
skipped (the runner-up itself and its stand-alone cost are still reported)."""


@dataclass
class PlanResult:
    """A plan (or an explained infeasibility) and everything reported about it."""

    scenario: str
    objective: str
    status: str
    table: OptionTable
    model: Model | None = None
    solution: Solution | None = None
    check: dict[str, Any] = field(default_factory=dict)
    assignments: list[dict[str, Any]] = field(default_factory=list)
    pools: list[dict[str, Any]] = field(default_factory=list)
    binding: list[dict[str, Any]] = field(default_factory=list)
    runner_ups: dict[str, dict[str, Any]] = field(default_factory=dict)
    sensitivity: list[dict[str, Any]] = field(default_factory=list)
    pareto: list[dict[str, Any]] = field(default_factory=list)
    greedy: dict[str, Any] = field(default_factory=dict)
    infeasibility: dict[str, Any] | None = None
    break_even: list[dict[str, Any]] = field(default_factory=list)
    timings_s: dict[str, float] = field(default_factory=dict)
    options_evaluated: int = 0
    options_feasible: int = 0
    lazy_rounds: list[list[str]] = field(default_factory=list)
    hyperscaler: dict[str, Any] = field(default_factory=dict)
    explanations: dict[str, str] = field(default_factory=dict)

    @property
    def feasible(self) -> bool:
        """A checked plan exists."""
        return self.status == "plan"

    @property
    def total_cost_usd(self) -> float | None:
        """Total cost over the horizon [USD]."""
        return self.solution.cost_usd if self.solution and self.feasible else None

    @property
    def total_co2_location_kg(self) -> float | None:
        """Total location-based emissions over the horizon [kgCO2e]."""
        return self.solution.co2_location_kg if self.solution and self.feasible else None

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``gigawatt plan --json`` (fields in docs/models/plan.md)."""
        greedy_cost = self.greedy.get("cost_usd")
        total = self.total_cost_usd
        saving = None
        if greedy_cost is not None and total is not None and greedy_cost > 0:
            saving = {"usd": greedy_cost - total, "fraction": 1.0 - total / greedy_cost}
        out: dict[str, Any] = json_safe(
            {
                "scenario": self.scenario,
                "objective": self.objective,
                "status": self.status,
                "horizon_days": self.table.horizon_days,
                "assignments": self.assignments,
                "pools": self.pools,
                "total_cost_usd": total,
                "total_co2_location_kg": self.total_co2_location_kg,
                "total_energy_kwh": sum(a["energy_kwh"] for a in self.assignments)
                if self.feasible
                else None,
                "check": self.check,
                "binding_constraints": self.binding,
                "runner_ups": self.runner_ups,
                "price_sensitivity": self.sensitivity,
                "pareto_front": self.pareto,
                "baseline_greedy_cost_usd": greedy_cost,
                "saving_vs_greedy": saving,
                "baseline_greedy": self.greedy,
                "baselines": baseline_summary(
                    self.greedy, self.hyperscaler, total, self.assignments
                ),
                "explanations": self.explanations,
                "break_even": self.break_even,
                "infeasibility": self.infeasibility,
                "options": {
                    "evaluated": self.options_evaluated,
                    "feasible": self.options_feasible,
                    "in_model": len(self.table.options),
                    "caps_enforced_lazily": self.lazy_rounds,
                    "screened_out": dict(self.table.screens),
                },
                "notes": self.table.notes,
                "solver": None
                if self.solution is None
                else {
                    "status": self.solution.status,
                    "message": self.solution.message,
                    "mip_gap": self.solution.mip_gap,
                    "dual_bound": self.solution.dual_bound,
                },
                "timings_s": self.timings_s,
            }
        )
        return out


Solver = Callable[[Weights], tuple[OptionTable, Model, Solution, list[list[str]]]]


def _weights(scenario: Scenario, objective: str, solve: Solver) -> tuple[Weights, Solution | None]:
    """Objective weights; for ``weighted`` the pure optima are the references."""
    if objective == "cost":
        return COST_WEIGHTS, None
    if objective == "carbon":
        return CARBON_WEIGHTS, None
    w = scenario.weights
    w_cost = w.cost if w is not None else 0.5
    w_carbon = w.carbon if w is not None else 0.5
    cheap = solve(COST_WEIGHTS)[2]
    clean = solve(CARBON_WEIGHTS)[2]
    if not (cheap.ok and clean.ok):
        return COST_WEIGHTS, cheap
    cost_ref = max(cheap.cost_usd, REFERENCE_FLOOR)
    co2_ref = max(clean.co2_location_kg, REFERENCE_FLOOR)
    return Weights(w_cost / cost_ref, w_carbon / co2_ref), None


def _assignments(table: OptionTable, sol: Solution) -> tuple[list[dict[str, Any]], list[Any]]:
    """One row per used option; pool costs shared by accelerator-days of each user."""
    use: dict[str, float] = {}
    for o in table.options:
        if o.pool is not None and sol.units[o.index] > 0:
            days = o.held_days
            use[o.pool] = use.get(o.pool, 0.0) + sol.units[o.index] * o.unit_accelerators * days
    rows: list[dict[str, Any]] = []
    for o in table.options:
        n = int(sol.units[o.index])
        if n <= 0:
            continue
        billed = billed_units(table, sol, o)
        cost = o.usage_usd_per_unit * billed
        if o.pool is not None and use.get(o.pool):
            share = n * o.unit_accelerators * o.held_days / use[o.pool]
            cost += table.pools[o.pool].usd_per_accelerator * sol.pool_sizes[o.pool] * share
        rows.append(
            {
                "workload": o.workload,
                "kind": o.kind,
                "venue": o.venue,
                "offer": o.offer,
                "accelerator": o.accelerator,
                "region": o.region,
                "count": n * o.unit_accelerators,
                "unit_accelerators": o.unit_accelerators,
                "pricing_model": o.pricing_model,
                "share": float(sol.shares[o.index]),
                "hours": o.hours,
                "cost_usd": cost,
                "mean_count": billed * o.unit_accelerators,
                "energy_kwh": o.energy_kwh_per_unit * billed,
                "co2_location_kg": o.co2_location_kg_per_unit * billed,
                "power_kw": o.power_kw_per_unit * n,
                "slo_met": o.slo_met,
                "pool": o.pool,
                "basis": o.detail,
                **_layout_fields(table, sol, o, n),
            }
        )
    pools = [
        {
            "pool": k,
            "accelerators": n,
            "cost_usd": table.pools[k].usd_per_accelerator * n,
            "max_count": table.pools[k].max_count,
            "basis": table.pools[k].note,
        }
        for k, n in sol.pool_sizes.items()
        if n > 0
    ]
    return rows, pools


def _layout_fields(table: OptionTable, sol: Solution, o: TableOption, n: int) -> dict[str, Any]:
    """Structured figures of a placement of ``n`` units that the twin replays: its ``windows``
    [days]; its ``levels`` (each demand level of the workload [fraction of its peak], the
    units held there and that level's share of the hours; one level when flat); the units
    carrying the whole workload alone at its peak (``units_needed``); and the serving
    replica's ``layout`` (tp, pp, ep, dp, accelerators per replica) and whole ``replicas`` at
    the peak (None for training and per-token services). The ``basis`` text says the same for
    people."""
    levels = table.levels_of(o.workload_index)
    held = [float(n)] + [
        sol.time_use.get(("level", o.index, k), 0.0) for k in range(1, len(levels.values))
    ]
    out: dict[str, Any] = {
        "windows": [list(w) for w in o.windows],
        "levels": [
            {"level": v, "units": u, "hours_share": h}
            for v, u, h in zip(levels.values, held, levels.hours_share, strict=True)
        ],
        "units_needed": o.units_needed,
    }
    layout, per = o.layout, o.replica_accelerators
    if layout is None or per <= 0:
        return {**out, "layout": None, "replicas": None}
    shape = {"tp": layout.tp, "pp": layout.pp, "ep": layout.ep, "dp": layout.dp}
    return {
        **out,
        "layout": {**shape, "accelerators": per},
        "replicas": n * o.unit_accelerators // per,
    }


def _break_even(table: OptionTable, sol: Solution) -> list[dict[str, Any]]:
    """For each pool used: utilisation of the horizon above which it beats the cheapest
    pay-per-use offer of the same accelerator among the options."""
    out: list[dict[str, Any]] = []
    hours = table.horizon_days * HOURS_PER_DAY
    for key, n in sol.pool_sizes.items():
        if n <= 0:
            continue
        pool = table.pools[key]
        rentals = [
            o
            for o in table.options
            if o.accelerator == pool.accelerator and o.pricing_model == "on_demand"
        ]
        if not rentals:
            continue
        best = min(rentals, key=lambda o: o.price_usd_per_accel_h or math.inf)
        price = float(best.price_usd_per_accel_h or 0.0)
        if price <= 0:
            continue
        out.append(
            {
                "pool": key,
                "accelerator": pool.accelerator,
                "pool_usd_per_accelerator": pool.usd_per_accelerator,
                "on_demand_offer": best.offer,
                "on_demand_usd_per_accel_h": price,
                "horizon_h": hours,
                "break_even_utilization": pool.usd_per_accelerator / (price * hours),
            }
        )
    return out


def plan_scenario(
    scenario: Scenario,
    catalog: Catalog,
    *,
    objective: str | None = None,
    explain: bool = True,
    performance: Any = None,
    path: SolvePath = DEFAULT_PATH,
) -> PlanResult:
    """Plan ``scenario`` (see module docstring); ``objective`` overrides the scenario's;
    ``path`` chooses how the MILP is solved (the benchmark compares
    :data:`~gigawatt.optimize.lazy.BASELINE_PATH`). The cyclic garbage collector is paused
    meanwhile (restored after, then collecting): the pipeline allocates hundreds of thousands
    of short-lived, acyclic objects next to a large live option table, and generation scans
    took about a fifth of the option table's time on the benchmark."""
    _check_objective(scenario, objective)
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _plan_scenario(scenario, catalog, objective, explain, performance, path)
    finally:
        if enabled:
            gc.enable()


def _check_objective(scenario: Scenario, objective: str | None) -> None:
    """Raise InputError (field ``objective``) for an unknown objective or ``weighted`` without
    the scenario's weights."""
    allowed = get_args(Objective)
    if objective is not None and objective not in allowed:
        raise InputError(
            f"unknown objective {objective!r}; allowed: {', '.join(allowed)}", where="objective"
        )
    if (objective or scenario.objective) == "weighted" and scenario.weights is None:
        raise InputError(
            "needs weights: {cost: ..., carbon: ...} in the scenario", where="objective"
        )


def _plan_scenario(
    scenario: Scenario,
    catalog: Catalog,
    objective: str | None,
    explain: bool,
    performance: Any,
    path: SolvePath,
) -> PlanResult:
    """The body of :func:`plan_scenario`."""
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    check_scenario_refs(scenario, catalog)
    kwargs = {} if performance is None else {"performance": performance}
    goal = objective or scenario.objective
    small = len(scenario.workloads) <= EXPLAIN_MAX_WORKLOADS
    full = build_option_table(scenario, catalog, **kwargs)
    timings["option_table"] = time.perf_counter() - t0
    result = PlanResult(scenario.name, goal, "infeasible", full)
    result.options_evaluated = len(full.options) + len(full.rejected)
    result.options_feasible = len(full.options)
    t1 = time.perf_counter()
    greedy = greedy_plan(full, scenario, catalog)
    result.greedy = greedy.to_dict(full)
    result.hyperscaler = hyperscaler_on_demand(full, catalog)
    timings["greedy"] = time.perf_counter() - t1
    carbon = goal != "cost" or (explain and small)
    t1 = time.perf_counter()
    weights, sol = _solve_plan(result, scenario, _solver(full, carbon, path))
    timings["solve"] = time.perf_counter() - t1
    t1 = time.perf_counter()
    if not sol.ok:
        result.infeasibility = _infeasibility(result, full, weights, sol, (scenario, catalog))
        timings["explain"] = time.perf_counter() - t1
        result.timings_s = timings
        return result
    result.status = "plan"
    result.check = _check(result.table, scenario, catalog, sol)
    timings["check"] = time.perf_counter() - t1
    result.assignments, result.pools = _assignments(result.table, sol)
    result.break_even = _break_even(result.table, sol)
    t1 = time.perf_counter()
    _explain_plan(result, sol, weights, explain, small)
    if explain and result.model is not None:
        timings["explain"] = time.perf_counter() - t1
    result.timings_s = timings
    return result


def _solver(full: OptionTable, carbon: bool, path: SolvePath) -> Solver:
    """Solve ``full`` for given weights: by lazy limits on pruned tables above
    :data:`~gigawatt.optimize.prune.PRUNE_ABOVE` options (``carbon``: emissions count in
    dominance), else the whole MILP at once."""

    def solve(w: Weights) -> tuple[OptionTable, Model, Solution, list[list[str]]]:
        if len(full.options) > PRUNE_ABOVE:
            return solve_with_lazy_limits(full, w, carbon=carbon, path=path)
        m = build_model(full, w, cover_cuts=path.cover_cuts)
        return full, m, solve_model(m, full, backend=path.backend), []

    return solve


def _solve_plan(result: PlanResult, scenario: Scenario, solve: Solver) -> tuple[Weights, Solution]:
    """The objective's weights and the solution; the table solved, its model and the lazy
    rounds go into ``result`` (a failed reference solve of ``weighted`` is the solution)."""
    weights, failed = _weights(scenario, result.objective, solve)
    if failed is not None:
        result.solution = failed
        return weights, failed
    table, model, sol, rounds = solve(weights)
    result.table, result.model, result.lazy_rounds = table, model, rounds
    result.solution = sol
    return weights, sol


def _infeasibility(
    result: PlanResult,
    full: OptionTable,
    weights: Weights,
    sol: Solution,
    inputs: tuple[Scenario, Catalog],
) -> dict[str, Any]:
    """Why no plan came back: the conflicting limits and fixes (on the unpruned table ``full``)
    when the model is infeasible; a time limit or a solver error is not a proof of
    infeasibility (status ``no_solution``)."""
    if sol.status == "infeasible":
        why = explain_infeasibility(full, weights, *inputs)
    else:
        result.status = "no_solution"
        why = {
            "feasible": None,
            "conflicts": [],
            "fixes": [
                f"the solver stopped without a plan ({sol.status}: {sol.message}); "
                "try fewer candidate offers or workloads"
            ],
        }
    return {"solver_status": sol.status, **why}


def _check(
    table: OptionTable, scenario: Scenario, catalog: Catalog, sol: Solution
) -> dict[str, Any]:
    """The independent checker's report (:func:`~gigawatt.optimize.check.check_plan`)."""
    return check_plan(
        table,
        scenario,
        sol.shares,
        sol.units.tolist(),
        sol.pool_sizes,
        catalog=catalog,
        reported_cost_usd=sol.cost_usd,
        reported_co2_kg=sol.co2_location_kg,
        time_use=sol.time_use,
    )


def _explain_plan(
    result: PlanResult, sol: Solution, weights: Weights, explain: bool, small: bool
) -> None:
    """Binding limits; with ``explain`` also the runner-ups and, for at most
    :data:`EXPLAIN_MAX_WORKLOADS` workloads (``small``), the what-if re-solves, price moves and
    the Pareto front."""
    table, model = result.table, result.model
    if model is None:
        return
    if not explain:
        result.binding = binding_constraints(table, model, sol, weights, what_if=False)
        return
    result.binding = binding_constraints(table, model, sol, weights, what_if=small)
    carbon = result.objective == "carbon"
    result.runner_ups = runner_ups(table, sol, weights, carbon=carbon, force=small, model=model)
    result.explanations = workload_sentences(result.to_dict())
    if small:
        result.sensitivity = price_sensitivity(table, sol, weights)
        cheap = sol if result.objective == "cost" else None
        front = pareto_front(table, cheap=cheap, start=sol.z)
        result.pareto = [p.to_dict() for p in front]
