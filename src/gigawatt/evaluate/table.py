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

from gigawatt.models.sizing import Layout

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
    windows: tuple[tuple[float, float], ...]
    slo_met: bool
    detail: str
    duty: float = 1.0
    filler: bool = False
    layout: Layout | None = None
    """Parallel layout of one serving replica (None for training and per-token services)."""
    replica_accelerators: int = 0
    """Accelerators of one serving replica (``unit_accelerators`` before packing into whole
    instances; 0 when ``layout`` is None)."""

    @property
    def window_days(self) -> tuple[float, float]:
        """(first start, last end) of the option's windows [days]."""
        return (self.windows[0][0], self.windows[-1][1])

    @property
    def held_days(self) -> float:
        """Days the option's windows cover [days]."""
        return sum(b - a for a, b in self.windows)

    def active(self, start_day: float, end_day: float) -> bool:
        """Whether one of the windows covers the whole interval [start, end]."""
        return any(a <= start_day and b >= end_day for a, b in self.windows)

    @property
    def units(self) -> int:
        """Whole units to carry the whole workload alone."""
        return max(1, math.ceil(self.units_needed - WHOLE_UNIT_TOL))

    @property
    def accelerators(self) -> int:
        """Accelerators to carry the whole workload alone."""
        return self.units * self.unit_accelerators


@dataclass(frozen=True)
class Levels:
    """A workload's demand levels over the time blocks: ``values[i]`` [fraction of peak,
    descending, ``values[0] = 1``], ``hours_share[i]`` the share of the horizon's hours at that
    level, ``of_block[b]`` the level index of block ``b``. A workload without a profile has the
    single level (1, 1)."""

    values: tuple[float, ...]
    hours_share: tuple[float, ...]
    of_block: tuple[int, ...]

    @property
    def profiled(self) -> bool:
        """More than one level: pay-per-use and pool use are chosen per level."""
        return len(self.values) > 1


WHOLE_LEVEL_UNITS_UP_TO = 20.0
"""Options needing at most this many units at the peak take whole units at every demand level;
larger ones take continuous units below the peak (see :data:`LEVEL_ROUNDING_NOTE`)."""

LEVEL_ROUNDING_NOTE = (
    "below its peak a profiled workload needing more than 20 units on an option takes "
    "continuous units per demand level (a fraction is a unit running that share of the level's "
    "hours); whole units in every hour would cost at most one more unit per option and level, "
    "under 5 % of it"
)
"""Why large level columns are not integer: on the frontier-lab example, integer levels took
the solve from 5.6 s to the 60 s limit for a 0.06 % lower cost; at a few units the rounding is
the whole cost (a service answering at any hour keeps one unit up), so small ones are whole."""

FLAT = Levels((1.0,), (1.0,), (0,))
"""One level at the peak all the time (one block)."""


@dataclass(frozen=True)
class Pool:
    """Accelerators committed for the horizon (reserved/contract offer, owned, purchased),
    sized in whole instances (rented) or systems (bought) of ``instance_accelerators``."""

    key: str
    payment: str
    venue: str
    accelerator: str
    region: str
    offer: str | None
    usd_per_accelerator: float
    max_count: int | None
    note: str
    instance_accelerators: int = 1


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
    block_share: tuple[float, ...] = (1.0,)
    """Share of the hours in each time block (summing to 1)."""
    levels: list[Levels] = field(default_factory=list)
    """Each workload's demand levels (empty: every workload flat)."""

    def levels_of(self, workload_index: int) -> Levels:
        """The demand levels of a workload (:data:`FLAT` when none were set)."""
        return self.levels[workload_index] if self.levels else FLAT

    def by_workload(self) -> list[list[int]]:
        """Option indices of each workload (in ``workloads`` order)."""
        out: list[list[int]] = [[] for _ in self.workloads]
        for o in self.options:
            out[o.workload_index].append(o.index)
        return out

    def array(self, name: str) -> F64:
        """A numeric attribute of every option as an array (e.g. ``hours``)."""
        return np.array([float(getattr(o, name)) for o in self.options], dtype=np.float64)

    def alone_level_units(self, o: TableOption) -> tuple[int, ...]:
        """Whole units the workload needs alone on ``o`` at each of its demand levels (the
        first is the peak)."""
        return tuple(
            max(0, math.ceil(o.units_needed * v - WHOLE_UNIT_TOL))
            for v in self.levels_of(o.workload_index).values
        )

    def alone_cost_usd(self, o: TableOption) -> float:
        """Cost of the whole workload alone on ``o`` (its own pool, in whole instances, for
        committed capacity), each demand level billed for its hours."""
        levels = self.levels_of(o.workload_index)
        units = sum(
            h * n for n, h in zip(self.alone_level_units(o), levels.hours_share, strict=True)
        )
        usage = o.usage_usd_per_unit * (units if levels.profiled else o.units)
        if o.pool is None:
            return usage
        pool = self.pools[o.pool]
        size = pool.instance_accelerators
        return usage + pool.usd_per_accelerator * math.ceil(o.accelerators / size) * size

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
            self.block_share,
            self.levels,
        )


def _replace_index(o: TableOption, index: int) -> TableOption:
    """A copy of ``o`` with another index (a shallow copy: faster than
    :func:`dataclasses.replace` on large tables; the fields are immutable)."""
    new = copy.copy(o)
    object.__setattr__(new, "index", index)
    return new
