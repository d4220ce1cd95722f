"""Greedy baseline, as single-job brokers work: each workload alone takes the rented offer with
the lowest USD/accelerator-hour that meets its own hard constraints (residency, pins, SLO),
ignoring speed differences between accelerators and commitments shared with other workloads.
A workload with no rented option (offline, edge) takes its cheapest option alone.

The greedy plan is then checked against the shared limits (power and accelerator caps, owned
counts, budget) with the independent checker; when it breaks one, its cost is reported as None.
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
            "cost_usd": self.cost_usd if self.feasible else None,
            "cost_usd_ignoring_limits": self.cost_usd,
            "co2_location_kg": self.co2_location_kg,
            "violations": self.violations,
            "choices": [
                {
                    "workload": o.workload,
                    "venue": o.venue,
                    "offer": o.offer,
                    "accelerator": o.accelerator,
                    "pricing_model": o.pricing_model,
                    "count": o.accelerators,
                    "price_usd_per_accel_h": o.price_usd_per_accel_h,
                    "cost_usd": table.alone_cost_usd(o),
                }
                for o in self.choices
            ],
        }


def _pick(table: OptionTable, options: list[TableOption]) -> TableOption | None:
    rented = [o for o in options if o.payment in PRICING_FAMILIES]
    if rented:
        return min(
            rented,
            key=lambda o: (o.price_usd_per_accel_h or 0.0, table.alone_cost_usd(o), o.index),
        )
    if options:
        return min(options, key=lambda o: (table.alone_cost_usd(o), o.index))
    return None


def _alone_time_use(table: OptionTable, o: TableOption) -> dict[tuple[str, int, int], float]:
    """Units of ``o`` alone at each demand level below the peak, and in every time block for a
    movable job (it runs all the time, as a job alone on its pool would)."""
    out: dict[tuple[str, int, int], float] = {}
    levels = table.levels_of(o.workload_index)
    for k in range(1, len(levels.values)):
        out[("level", o.index, k)] = max(0, math.ceil(o.units_needed * levels.values[k] - 1e-9))
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
