"""Baselines a plan is compared with.

Greedy, as single-job brokers work: each workload alone takes the rented offer with the lowest
USD/accelerator-hour that meets its own hard constraints (residency, pins, SLO), ignoring speed
differences between accelerators and commitments shared with other workloads. A workload with
no rented option (offline, edge) takes its cheapest option alone. The greedy plan is then
checked against the shared limits (power and accelerator caps, owned counts, budget) with the
independent checker; when it breaks one, its cost is reported as None.

All hyperscaler on-demand, the comparison the source articles make: each workload on the
cheapest on-demand option of a hyperscaler venue (catalog venue kind ``hyperscaler``) that meets
its SLO and constraints, costed alone, shared limits not applied (a price comparator). Workloads
without such an option (sovereignty, offline, pins) are listed and left out of the comparison,
on both sides.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gigawatt.catalog import Catalog
from gigawatt.catalog.schema import PRICING_FAMILIES
from gigawatt.evaluate.table import OptionTable, TableOption
from gigawatt.optimize.check import check_plan
from gigawatt.spec import Scenario

GREEDY_DEFINITION = (
    "each workload alone on the rented offer with the lowest USD per accelerator-hour that "
    "meets its own constraints (residency, pins, SLO), ignoring speed differences and shared "
    "commitments (no rented option: its cheapest option); broken shared limits void its cost"
)
HYPERSCALER_DEFINITION = (
    "each workload alone on its cheapest on-demand option at a hyperscaler (catalog venue kind "
    "hyperscaler) meeting its SLO and constraints; shared limits not applied"
)


@dataclass
class GreedyPlan:
    """The greedy choice per workload, its totals and the shared limits it breaks."""

    choices: list[TableOption]
    cost_usd: float
    co2_location_kg: float
    violations: list[str] = field(default_factory=list)

    @property
    def feasible(self) -> bool:
        """True when no shared limit is broken."""
        return not self.violations

    def to_dict(self, table: OptionTable) -> dict[str, Any]:
        """JSON-ready summary."""
        return {
            "definition": GREEDY_DEFINITION,
            "cost_usd": self.cost_usd if self.feasible else None,
            "cost_usd_ignoring_limits": self.cost_usd,
            "co2_location_kg": self.co2_location_kg,
            "violations": self.violations,
            "choices": [_choice(table, o) for o in self.choices],
        }


def _choice(table: OptionTable, o: TableOption) -> dict[str, Any]:
    """One baseline choice as JSON."""
    return {
        "workload": o.workload,
        "venue": o.venue,
        "offer": o.offer,
        "accelerator": o.accelerator,
        "pricing_model": o.pricing_model,
        "count": o.accelerators,
        "price_usd_per_accel_h": o.price_usd_per_accel_h,
        "cost_usd": table.alone_cost_usd(o),
    }


def _pick(table: OptionTable, options: list[TableOption]) -> TableOption | None:
    rented = [o for o in options if o.payment in PRICING_FAMILIES]
    if rented:  # the lowest price; its ties by cost alone (computed for the ties only)
        lowest = min(o.price_usd_per_accel_h or 0.0 for o in rented)
        ties = [o for o in rented if (o.price_usd_per_accel_h or 0.0) == lowest]
        return min(ties, key=lambda o: (table.alone_cost_usd(o), o.index))
    if options:
        return min(options, key=lambda o: (table.alone_cost_usd(o), o.index))
    return None


def _alone_time_use(table: OptionTable, o: TableOption) -> dict[tuple[str, int, int], float]:
    """Units of ``o`` alone at each demand level below the peak, and in every time block for a
    movable job (it runs all the time, as a job alone on its pool would)."""
    out: dict[tuple[str, int, int], float] = {
        ("level", o.index, k): n for k, n in enumerate(table.alone_level_units(o)) if k > 0
    }
    if o.filler and len(table.block_share) > 1:
        out.update({("fill", o.index, b): o.units for b in range(len(table.block_share))})
    return out


def greedy_plan(
    table: OptionTable, scenario: Scenario, catalog: Catalog | None = None
) -> GreedyPlan:
    """The baseline plan of the module docstring (``violations`` lists broken shared limits;
    a workload without any option is a violation too)."""
    per_workload: list[list[TableOption]] = [[] for _ in table.workloads]
    for o in table.options:
        per_workload[o.workload_index].append(o)
    choices: list[TableOption] = []
    missing: list[str] = []
    for name, opts in zip(table.workloads, per_workload, strict=True):
        pick = _pick(table, opts)
        if pick is None:
            missing.append(f"{name}: no option meets its hard constraints")
        else:
            choices.append(pick)
    shares = np.zeros(len(table.options))
    units = np.zeros(len(table.options), dtype=np.int64)
    pools: dict[str, int] = {}
    time_use: dict[tuple[str, int, int], float] = {}
    for o in choices:
        shares[o.index] = 1.0
        units[o.index] = o.units
        time_use.update(_alone_time_use(table, o))
        if o.pool is not None:
            pools[o.pool] = pools.get(o.pool, 0) + o.accelerators
    for key, n in pools.items():
        size = table.pools[key].instance_accelerators
        pools[key] = math.ceil(n / size) * size
    cost = float(sum(table.alone_cost_usd(o) for o in choices))
    co2 = float(sum(o.co2_location_kg_per_unit * o.units for o in choices))
    if missing:
        return GreedyPlan(choices, cost, co2, missing)
    report = check_plan(
        table, scenario, shares, units.tolist(), pools, catalog=catalog, time_use=time_use
    )
    return GreedyPlan(choices, cost, co2, list(report["violations"]))


def hyperscaler_on_demand(table: OptionTable, catalog: Catalog) -> dict[str, Any]:
    """The all-hyperscaler-on-demand baseline of the module docstring: ``cost_usd`` over the
    workloads it covers, its ``choices`` and the workloads it leaves out (``missing``)."""
    kinds = {v["id"]: v["kind"] for v in catalog.rows("venues")}
    best: dict[int, TableOption] = {}
    for o in table.options:
        if o.pricing_model != "on_demand" or kinds.get(o.venue) != "hyperscaler":
            continue
        old = best.get(o.workload_index)
        if old is None or (table.alone_cost_usd(o), o.index) < (
            table.alone_cost_usd(old),
            old.index,
        ):
            best[o.workload_index] = o
    choices = [best[i] for i in sorted(best)]
    return {
        "definition": HYPERSCALER_DEFINITION,
        "cost_usd": float(sum(table.alone_cost_usd(o) for o in choices)) if choices else None,
        "co2_location_kg": float(sum(o.co2_location_kg_per_unit * o.units for o in choices)),
        "missing": [w for i, w in enumerate(table.workloads) if i not in best],
        "choices": [_choice(table, o) for o in choices],
    }


def _saving(baseline_usd: float | None, plan_usd: float | None) -> dict[str, float] | None:
    """Saving of the plan against a baseline cost (None when either is unknown or zero)."""
    if baseline_usd is None or plan_usd is None or baseline_usd <= 0:
        return None
    return {"usd": baseline_usd - plan_usd, "fraction": 1.0 - plan_usd / baseline_usd}


def baseline_summary(
    greedy: dict[str, Any],
    hyperscaler: dict[str, Any],
    total_usd: float | None,
    assignments: list[dict[str, Any]],
) -> dict[str, Any]:
    """Each baseline's definition, cost and the plan's saving against it; the hyperscaler one on
    the workloads it covers (the plan's cost of those: their assignments' costs, pools shared
    by accelerator-days)."""
    covered = {c["workload"] for c in hyperscaler.get("choices", [])}
    plan_covered = (
        sum(float(a["cost_usd"]) for a in assignments if a["workload"] in covered)
        if total_usd is not None
        else None
    )
    return {
        "greedy": {
            "definition": greedy.get("definition", GREEDY_DEFINITION),
            "cost_usd": greedy.get("cost_usd"),
            "violations": greedy.get("violations", []),
            "saving": _saving(greedy.get("cost_usd"), total_usd),
        },
        "hyperscaler_on_demand": {
            "definition": hyperscaler.get("definition", HYPERSCALER_DEFINITION),
            "cost_usd": hyperscaler.get("cost_usd"),
            "workloads": sorted(covered),
            "missing": hyperscaler.get("missing", []),
            "plan_cost_usd_same_workloads": plan_covered,
            "saving": _saving(hyperscaler.get("cost_usd"), plan_covered),
        },
    }
