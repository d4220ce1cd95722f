"""The option table the optimiser reads: one row per (workload, venue, offer, accelerator, region,
pricing model) that survived screening, with what it would take to run the workload there, the
commitment pools the rows draw on and the scenario's shared limits.

Built by :func:`gigawatt.evaluate.table_build.build_option_table`: screening
(:mod:`gigawatt.evaluate.screen`) and performance (:mod:`gigawatt.evaluate.performance`) say what
each row needs, :mod:`gigawatt.evaluate.table_pools` what it pays for capacity,
:mod:`gigawatt.evaluate.table_costs` what one unit draws and costs while it runs and
:mod:`gigawatt.evaluate.table_limits` which shared limits cover it.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

F64 = NDArray[np.float64]
WHOLE_UNIT_TOL = 1e-9
"""Units needed within this of a whole number count as that number (round-off of the
performance model's division)."""


@dataclass(frozen=True)
class TableOption:
    """One way to run one workload (units in the names; ``*_per_unit`` per deployed unit).

    A *unit* is the smallest deployable group (a serving replica or the training job) of
    ``unit_accelerators``; ``units_needed`` units carry the whole workload. Whole-workload figures
    (``accelerators``, ``cost_usd``, ...) assume the workload runs alone on this option with
    ``ceil(units_needed)`` units and, for pools, a pool of exactly its size.
    """

    index: int
    workload: str
    workload_index: int
    kind: str
    splittable: bool
    venue: str
    offer: str | None
    accelerator: str
    region: str
    pricing_model: str
    payment: str
    price_usd_per_accel_h: float | None
    unit_accelerators: int
    units_needed: float
    hours: float
    usage_usd_per_unit: float
    energy_kwh_per_unit: float
    co2_location_kg_per_unit: float
    power_kw_per_unit: float
    it_power_kw_per_unit: float
    pool: str | None
    window_days: tuple[float, float]
    slo_met: bool
    detail: str

    @property
    def units(self) -> int:
        """Whole units to carry the whole workload alone."""
        return max(1, math.ceil(self.units_needed - WHOLE_UNIT_TOL))

    @property
    def accelerators(self) -> int:
        """Accelerators to carry the whole workload alone."""
        return self.units * self.unit_accelerators


@dataclass(frozen=True)
class Pool:
    """Accelerators committed for the horizon (reserved/contract offer, owned, purchased)."""

    key: str
    payment: str
    venue: str
    accelerator: str
    region: str
    offer: str | None
    usd_per_accelerator: float
    max_count: int | None
    note: str


@dataclass(frozen=True)
class Limit:
    """A shared limit: ``accelerator_caps[i]`` or ``power_caps[i]`` of the scenario."""

    key: str
    kind: str
    limit: float
    description: str


@dataclass
class OptionTable:
    """Options, pools and shared limits of one scenario."""

    scenario_name: str
    horizon_days: float
    workloads: tuple[str, ...]
    options: list[TableOption]
    pools: dict[str, Pool]
    accelerator_caps: list[Limit]
    power_caps: list[Limit]
    cap_members: dict[str, list[int]]
    budget_usd: float | None
    screens: dict[str, dict[str, int]]
    rejected: list[TableOption] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    origin: list[int] = field(default_factory=list)
    """Index of each option in the unpruned table (empty: this is the unpruned table)."""

    def by_workload(self) -> list[list[int]]:
        """Option indices of each workload (in ``workloads`` order)."""
        out: list[list[int]] = [[] for _ in self.workloads]
        for o in self.options:
            out[o.workload_index].append(o.index)
        return out

    def array(self, name: str) -> F64:
        """A numeric attribute of every option as an array (e.g. ``hours``)."""
        return np.array([float(getattr(o, name)) for o in self.options], dtype=np.float64)

    def alone_cost_usd(self, o: TableOption) -> float:
        """Cost of the whole workload alone on ``o`` (its own pool for committed capacity)."""
        usage = o.usage_usd_per_unit * o.units
        if o.pool is None:
            return usage
        return usage + self.pools[o.pool].usd_per_accelerator * o.accelerators

    def reindexed(self, keep: list[int]) -> OptionTable:
        """A copy keeping options ``keep`` (renumbered; cap members follow)."""
        new: list[TableOption] = []
        remap: dict[int, int] = {}
        for i in keep:
            o = self.options[i]
            remap[i] = len(new)
            new.append(_replace_index(o, len(new)))
        members = {k: [remap[i] for i in v if i in remap] for k, v in self.cap_members.items()}
        return OptionTable(
            self.scenario_name,
            self.horizon_days,
            self.workloads,
            new,
            self.pools,
            self.accelerator_caps,
            self.power_caps,
            members,
            self.budget_usd,
            self.screens,
            self.rejected,
            self.notes,
            [self.origin[i] for i in keep] if self.origin else list(keep),
        )


def _replace_index(o: TableOption, index: int) -> TableOption:
    """A copy of ``o`` with another index (a shallow copy: faster than
    :func:`dataclasses.replace` on large tables; the fields are immutable)."""
    new = copy.copy(o)
    object.__setattr__(new, "index", index)
    return new
