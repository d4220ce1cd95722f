"""Independent checker of a plan: verifies every constraint from the option table, the scenario
and the catalog, sharing no code with :mod:`gigawatt.optimize.build` (limits are re-read from the
scenario, time is checked at every instant where the set of running workloads changes).

:func:`check_plan` runs one ``check_*`` step per ``define_*`` step of the builder, in the same
order and with the same name after the prefix; each re-derives that step's constraints on its own.

Returns ``{"ok": bool, "violations": [...], "checked": {...}}``; a violation is one line naming
the constraint, the value and the limit.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gigawatt.catalog import Catalog
from gigawatt.evaluate.table import OptionTable, TableOption
from gigawatt.optimize.check_services import service_violations
from gigawatt.spec import Scenario, TrainingWorkload

TOL = 1e-6
"""Relative tolerance of every comparison with a limit (scaled by ``max(1, |limit|)``), and the
absolute slack on units and shares."""
SHARE_TOL = 1e-5
"""Absolute tolerance on a workload's shares summing to 1 and on a training job's share being 0
or 1."""
TOTALS_ABS_TOL = 1e-3
"""Absolute tolerance on a reported total against the recomputed one [USD or kgCO2e]."""


def _over(value: float, limit: float) -> bool:
    return value > limit + TOL * max(1.0, abs(limit))


Windows = list[tuple[float, float]]


def _job_windows(w: Any, horizon_days: float) -> Windows | None:
    """(start, end) days a workload holds capacity, re-derived from the scenario: serving from
    ``start_day`` to the horizon; a training job from each start (``start_day``, then every
    ``every_days`` while a run fits) to its deadline; None for a job without a deadline (its
    windows follow its time to train, read from the option)."""
    if not isinstance(w, TrainingWorkload):
        return [(w.start_day, horizon_days)]
    if w.slo is None:
        return None
    out: Windows = []
    start, length = w.start_day, w.slo.deadline_days
    while start + length <= horizon_days + 1e-9:
        out.append((start, start + length))
        if w.every_days is None:
            break
        start += w.every_days
    return out


def _instants(windows: list[Windows], horizon_days: float) -> list[float]:
    """Midpoints between consecutive start/end days: every distinct set of running workloads."""
    days = {0.0, horizon_days}
    for spans in windows:
        for a, b in spans:
            days.update((a, b))
    pts = sorted(days)
    return [(a + b) / 2.0 for a, b in itertools.pairwise(pts) if b > a]


def _in_region(catalog: Catalog | None, region: str, wanted: str | None) -> bool:
    """Whether ``region`` is ``wanted`` or lies in the ``wanted`` country.

    The same predicate as :func:`gigawatt.evaluate.table_limits.region_matches`, kept apart on
    purpose: the checker re-derives every limit without the code that built the table.
    """
    if wanted is None or wanted == region:
        return True
    if catalog is None:
        return False
    row = catalog.tables["regions"].get(region)
    return row is not None and row.get("country") == wanted


@dataclass
class PlanCheck:
    """A plan under check (``shares``/``units`` per option index, accelerators per pool), what
    the steps read from the scenario, and what they found."""

    table: OptionTable
    scenario: Scenario
    shares: Sequence[float] | NDArray[np.float64]
    units: Sequence[int] | NDArray[np.int64]
    pool_sizes: dict[str, int]
    catalog: Catalog | None
    time_use: dict[tuple[str, int, int], float] = field(default_factory=dict)
    violations: list[str] = field(default_factory=list)
    checked: dict[str, int] = field(default_factory=dict)
    used: list[TableOption] = field(default_factory=list)
    mine: dict[str, list[TableOption]] = field(default_factory=dict)
    windows: dict[int, Windows] = field(default_factory=dict)
    instants: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        options = self.table.options
        self.used = [o for o in options if self.units[o.index] > 0 or self.shares[o.index] > TOL]
        self.mine = {w.name: [] for w in self.scenario.workloads}
        for o in options:
            self.mine.setdefault(o.workload, []).append(o)
        horizon = self.scenario.horizon_days
        named = {w.name: _job_windows(w, horizon) for w in self.scenario.workloads}
        for o in options:
            derived = named.get(o.workload)
            self.windows[o.index] = derived if derived is not None else list(o.windows)
        self.instants = _instants(list(self.windows.values()), horizon)

    def blocks(self) -> range:
        """The time blocks of the table."""
        return range(len(self.table.block_share))

    def moves(self, o: TableOption) -> bool:
        """Whether the option is a job whose hours were placed per time block."""
        return o.filler and len(self.table.block_share) > 1

    def in_block(self, o: TableOption, b: int) -> float:
        """Units option ``o`` holds in time block ``b`` (a fraction below a profiled
        workload's peak: a unit running part of the block's hours)."""
        if self.moves(o):
            return self.time_use.get(("fill", o.index, b), 0.0)
        k = self.table.levels_of(o.workload_index).of_block[b]
        if k > 0:
            return self.time_use.get(("level", o.index, k), 0.0)
        return float(self.units[o.index])

    def count(self, name: str) -> None:
        """One more constraint of family ``name`` checked."""
        self.checked[name] = self.checked.get(name, 0) + 1

    def running(self, o: TableOption, day: float) -> bool:
        """Whether ``o``'s workload holds capacity on ``day``."""
        return any(start <= day < end for start, end in self.windows[o.index])

    def peak(
        self, members: list[TableOption], per_unit: Callable[[TableOption], float], name: str
    ) -> list[tuple[float, float]]:
        """(instant, sum of units x ``per_unit(o)`` over the ``members`` running then) at every
        instant, one ``name`` check counted per instant."""
        out: list[tuple[float, float]] = []
        for day in self.instants:
            total = sum(self.units[o.index] * per_unit(o) for o in members if self.running(o, day))
            self.count(name)
            out.append((day, total))
        return out


def check_variables(p: PlanCheck) -> None:
    """Columns ``x_o``, ``n_o`` exist only for options of the table, which holds only options
    that passed screening and meet their SLO. Re-derived: the values lie in the variables'
    domains (share in [0, 1], 0 or 1 for a training job, units whole and >= 0), and every option
    in use meets its SLO, the workload's pins and, with the catalog, its data residency and
    offline rules (read from the scenario and catalog, not from the screen); a per-token
    service in use is re-derived whole (:mod:`gigawatt.optimize.check_services`)."""
    for w in p.scenario.workloads:
        for o in p.mine[w.name]:
            s, n = float(p.shares[o.index]), p.units[o.index]
            if s < -TOL or s > 1 + TOL:
                p.violations.append(f"share {w.name}/{o.index}: {s} outside [0, 1]")
            if isinstance(w, TrainingWorkload) and min(abs(s), abs(1 - s)) > SHARE_TOL:
                p.violations.append(f"training {w.name} split: share {s} on option {o.index}")
            if n < 0 or int(n) != n:
                p.violations.append(f"units {w.name}/{o.index}: {n} is not a whole number >= 0")
    named = {w.name: w for w in p.scenario.workloads}
    for o in p.used:
        _check_eligible(p, o, named[o.workload])
    service_violations(p)


def _check_eligible(p: PlanCheck, o: TableOption, w: Any) -> None:
    """SLO, pins, residency and offline rules of one option in use."""
    p.count("slo")
    if not o.slo_met:
        p.violations.append(
            f"slo {o.workload}: option {o.index} does not meet the SLO ({o.detail})"
        )
    p.count("pins")
    for pin, value in ((w.accelerators, o.accelerator), (w.venues, o.venue), (w.regions, o.region)):
        if pin and value not in pin:
            p.violations.append(f"pin {o.workload}: {value} not in {pin}")
    if p.catalog is None:
        return
    p.count("residency")
    region = p.catalog.tables["regions"][o.region]
    allowed = set(w.data.allowed_jurisdictions or [])
    if allowed and not allowed & set(region["jurisdictions"]):
        p.violations.append(f"jurisdiction {o.workload}: {o.region} not in {sorted(allowed)}")
    kind = p.catalog.tables["venues"][o.venue]["kind"]
    if w.data.offline and kind not in ("onprem", "edge"):
        p.violations.append(f"offline {o.workload}: venue {o.venue} is {kind}")


def check_objective(
    p: PlanCheck, reported_cost_usd: float | None, reported_co2_kg: float | None
) -> tuple[float, float]:
    """The objective's terms, recomputed from the table: total cost ``sum c_o n_o + sum f_q
    N_q`` [USD] and emissions ``sum e_o n_o`` [kgCO2e], each compared with its reported total
    when given. Returns (cost, emissions)."""
    table = p.table
    cost = sum(o.usage_usd_per_unit * _billed(p, o) for o in table.options) + sum(
        table.pools[k].usd_per_accelerator * n for k, n in p.pool_sizes.items()
    )
    co2 = sum(o.co2_location_kg_per_unit * _billed(p, o) for o in table.options)
    if reported_cost_usd is not None and not math.isclose(
        cost, reported_cost_usd, rel_tol=TOL, abs_tol=TOTALS_ABS_TOL
    ):
        p.violations.append(
            f"total cost: reported {reported_cost_usd:,.2f} != recomputed {cost:,.2f} USD"
        )
    if reported_co2_kg is not None and not math.isclose(
        co2, reported_co2_kg, rel_tol=TOL, abs_tol=TOTALS_ABS_TOL
    ):
        p.violations.append(
            f"total co2: reported {reported_co2_kg:,.2f} != recomputed {co2:,.2f} kg"
        )
    return cost, co2


def _billed(p: PlanCheck, o: TableOption) -> float:
    """Units of ``o`` weighted by the share of the hours they run: each demand level's units
    for that level's hours (a workload without a profile: its units all the time)."""
    levels = p.table.levels_of(o.workload_index)
    total = levels.hours_share[0] * float(p.units[o.index])
    for k in range(1, len(levels.values)):
        total += levels.hours_share[k] * p.time_use.get(("level", o.index, k), 0)
    return total


def check_assignment_constraints(p: PlanCheck) -> None:
    """(1) every workload of the scenario is fully served: its shares sum to 1."""
    for w in p.scenario.workloads:
        total = sum(float(p.shares[o.index]) for o in p.mine[w.name])
        p.count("assignment")
        if abs(total - 1.0) > SHARE_TOL:
            p.violations.append(f"assignment {w.name}: shares sum to {total:.6f}, must be 1")


def check_sizing_constraints(p: PlanCheck) -> None:
    """(2) whole units carry each option's share: ``n_o >= R_o x_o``."""
    for w in p.scenario.workloads:
        for o in p.mine[w.name]:
            s, n = float(p.shares[o.index]), p.units[o.index]
            p.count("sizing")
            if n + TOL < o.units_needed * s - TOL:
                p.violations.append(
                    f"sizing {w.name} on {o.offer or o.venue}: {n} units < "
                    f"{o.units_needed:.4g} x share {s:.4g}"
                )


def check_cover_cuts(p: PlanCheck) -> None:
    """(2b) the inequality the cover cuts round: the units of a workload cover it whole,
    ``sum_o n_o / R_o >= 1`` (with whole units, the rounded cuts follow from it). It follows from
    (1) and (2), with their tolerances, so it fires only alongside one of theirs; not counted in
    ``checked``."""
    for w in p.scenario.workloads:
        mine = [o for o in p.mine[w.name] if o.units_needed > 0]
        if len(mine) < len(p.mine[w.name]) or not mine:
            continue  # an option needing no unit at all: the builder adds no cut either
        cover = sum((p.units[o.index] + 2 * TOL) / o.units_needed for o in mine)
        if cover < 1.0 - SHARE_TOL:
            p.violations.append(f"cover {w.name}: units cover {cover:.6f} of it, must be >= 1")


def check_demand_levels(p: PlanCheck) -> None:
    """(2c) below its peak a profiled workload's units cover each demand level, and no option
    holds more units at a level than at the peak."""
    for w in p.scenario.workloads:
        mine = p.mine[w.name]
        if not mine:
            continue
        levels = p.table.levels_of(mine[0].workload_index)
        for k in range(1, len(levels.values)):
            units = [p.time_use.get(("level", o.index, k), 0) for o in mine]
            cover = sum(n / o.units_needed for n, o in zip(units, mine, strict=True))
            p.count("level")
            if cover < levels.values[k] - SHARE_TOL:
                p.violations.append(
                    f"level {w.name} {levels.values[k]:.4f} of peak: units cover {cover:.4f}"
                )
            for n, o in zip(units, mine, strict=True):
                if _over(n, float(p.units[o.index])):
                    p.violations.append(
                        f"level {w.name} on option {o.index}: {n} units > {p.units[o.index]} "
                        "at the peak"
                    )


def check_job_hours(p: PlanCheck) -> None:
    """(2d) a job placed per time block runs its share of each window's hours, never with more
    units than it deploys."""
    share = p.table.block_share
    for o in p.table.options:
        if not p.moves(o):
            continue
        run = sum(s * p.in_block(o, b) for b, s in enumerate(share))
        need = o.duty * o.units_needed * float(p.shares[o.index])
        p.count("job_hours")
        if run < need - SHARE_TOL * max(1.0, need):
            p.violations.append(
                f"job hours {o.workload} on option {o.index}: runs {run:.4f} unit-shares of "
                f"the blocks, needs {need:.4f}"
            )
        if any(_over(p.in_block(o, b), float(p.units[o.index])) for b in p.blocks()):
            p.violations.append(f"job units {o.workload}: more units in a block than deployed")


def check_commitment_pools(p: PlanCheck) -> None:
    """(3) at every instant and in every time block the accelerators drawn from a pool fit in
    it, pools come in whole instances, and an owned pool holds at most the scenario's owned
    hardware at its venue, region and accelerator."""
    pool_use: dict[str, list[TableOption]] = {}
    for o in p.used:
        if o.pool is not None:
            pool_use.setdefault(o.pool, []).append(o)
    for key, members in pool_use.items():
        size = p.pool_sizes.get(key, 0)
        for b in p.blocks():
            for day in p.instants:
                load = sum(
                    p.in_block(o, b) * o.unit_accelerators for o in members if p.running(o, day)
                )
                p.count("pool")
                if _over(load, size):
                    p.violations.append(
                        f"pool {key} day {day:g} block {b}: {load} accelerators > pool {size}"
                    )
    for key, n in p.pool_sizes.items():
        instance = p.table.pools[key].instance_accelerators if key in p.table.pools else 1
        if n % instance:
            p.violations.append(f"pool {key}: {n} accelerators is not whole {instance}s")
    for key, n in p.pool_sizes.items():
        pool = p.table.pools.get(key)
        if pool is not None and pool.payment == "owned":
            site = (pool.venue, pool.region, pool.accelerator)  # region ids may hold ':'
            owned = sum(
                h.count
                for h in p.scenario.owned_hardware
                if (h.venue, h.region, h.accelerator) == site
            )
            p.count("owned")
            if _over(n, owned):
                p.violations.append(f"owned {key}: pool {n} > {owned} owned")


def check_capacity_constraints(p: PlanCheck) -> None:
    """(4) at every instant the accelerators (rented, owned or bought) matching each accelerator
    cap's selectors stay within it, and each workload's within its ``max_accelerators``."""
    for w in p.scenario.workloads:
        if w.max_accelerators is None:
            continue
        mine = [o for o in p.used if o.workload == w.name]
        for day, n in p.peak(mine, attrgetter("unit_accelerators"), "accelerator_cap"):
            if _over(n, w.max_accelerators):
                p.violations.append(
                    f"{w.name}.max_accelerators day {day:g}: {n} > {w.max_accelerators}"
                )
    _check_offer_capacity(p)
    for i, cap in enumerate(p.scenario.limits.accelerator_caps):
        covered = [
            o
            for o in p.used
            if (cap.offer is None or cap.offer == o.offer)
            and (cap.venue is None or cap.venue == o.venue)
            and (cap.accelerator is None or cap.accelerator == o.accelerator)
            and _in_region(p.catalog, o.region, cap.region)
        ]
        for day, n in p.peak(covered, attrgetter("unit_accelerators"), "accelerator_cap"):
            if _over(n, cap.max_count):
                p.violations.append(
                    f"accelerator_caps[{i}] day {day:g}: {n} accelerators > {cap.max_count}"
                )


def _check_offer_capacity(p: PlanCheck) -> None:
    """Rented accelerators of each catalog offer at every instant within the offer's
    ``max_accelerators`` (``_high`` when the scenario's ``limits.offer_capacity`` is ``high``;
    read from the catalog)."""
    mode = p.scenario.limits.offer_capacity
    if p.catalog is None or mode == "none":
        return
    column = "max_accelerators_high" if mode == "high" else "max_accelerators"
    by_offer: dict[str, list[TableOption]] = {}
    for o in p.used:
        if o.offer in p.catalog.tables.get("services", {}):
            continue  # a per-token service holds no accelerators: check_services verifies it
        if o.offer is not None and o.pricing_model not in ("owned", "purchase"):
            by_offer.setdefault(o.offer, []).append(o)
    for offer, members in by_offer.items():
        row = p.catalog.tables["offers"][offer]
        limit = row.get(column) if row.get(column) is not None else row.get("max_accelerators")
        if limit is None:
            continue
        for day, n in p.peak(members, attrgetter("unit_accelerators"), "offer_capacity"):
            if _over(n, float(limit)):
                p.violations.append(f"offer {offer} day {day:g}: {n} accelerators > {limit}")


def check_power_constraints(p: PlanCheck) -> None:
    """(5) at every instant the full-load power (IT or facility, as the cap's basis says) of the
    options at each power cap's venue/region stays within it."""
    for i, pc in enumerate(p.scenario.limits.power_caps):
        covered = [
            o
            for o in p.used
            if (pc.venue is None or pc.venue == o.venue)
            and _in_region(p.catalog, o.region, pc.region)
        ]
        kw = attrgetter("it_power_kw_per_unit" if pc.basis == "it" else "power_kw_per_unit")
        for day, total in p.peak(covered, kw, "power_cap"):
            if _over(total, pc.power_cap_mw * 1000.0):
                p.violations.append(
                    f"power_caps[{i}] day {day:g}: {total / 1000:.3f} MW > {pc.power_cap_mw:g} MW"
                )


def check_budget_constraint(p: PlanCheck, cost_usd: float) -> None:
    """(6) the total cost stays within the scenario's budget."""
    budget = p.scenario.limits.budget_usd
    p.count("budget")
    if budget is not None and _over(cost_usd, budget):
        p.violations.append(f"budget: {cost_usd:,.0f} USD > {budget:,.0f} USD")


def check_carbon_ceiling(p: PlanCheck, co2_kg: float, ceiling_kg: float | None) -> None:
    """(7) the emissions stay under the epsilon-constraint ceiling, when one was set."""
    if ceiling_kg is None:
        return
    p.count("carbon")
    if _over(co2_kg, ceiling_kg):
        p.violations.append(f"carbon: {co2_kg:,.0f} kgCO2e > ceiling {ceiling_kg:,.0f} kgCO2e")


def check_plan(
    table: OptionTable,
    scenario: Scenario,
    shares: Sequence[float] | NDArray[np.float64],
    units: Sequence[int] | NDArray[np.int64],
    pool_sizes: dict[str, int],
    *,
    catalog: Catalog | None = None,
    reported_cost_usd: float | None = None,
    reported_co2_kg: float | None = None,
    carbon_ceiling_kg: float | None = None,
    time_use: dict[tuple[str, int, int], float] | None = None,
) -> dict[str, Any]:
    """Check a plan (``shares``/``units`` per option index, accelerators per pool): the
    ``check_*`` steps in the builder's order."""
    p = PlanCheck(table, scenario, shares, units, pool_sizes, catalog, dict(time_use or {}))
    check_variables(p)
    cost, co2 = check_objective(p, reported_cost_usd, reported_co2_kg)
    check_assignment_constraints(p)
    check_sizing_constraints(p)
    check_cover_cuts(p)
    check_demand_levels(p)
    check_job_hours(p)
    check_commitment_pools(p)
    check_capacity_constraints(p)
    check_power_constraints(p)
    check_budget_constraint(p, cost)
    check_carbon_ceiling(p, co2, carbon_ceiling_kg)
    return {
        "ok": not p.violations,
        "violations": p.violations,
        "checked": p.checked,
        "total_cost_usd": cost,
        "total_co2_location_kg": co2,
    }
