"""Independent checker of a plan: verifies every constraint from the option table, the scenario
and the catalog, sharing no code with :mod:`gigawatt.optimize.build` (limits are re-read from the
scenario, time is checked at every instant where the set of running workloads changes).

Returns ``{"ok": bool, "violations": [...], "checked": {...}}``; a violation is one line naming
the constraint, the value and the limit.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gigawatt.catalog import Catalog
from gigawatt.evaluate.table import OptionTable, TableOption
from gigawatt.spec import Scenario, TrainingWorkload

TOL = 1e-6
"""Relative tolerance of every comparison."""


def _over(value: float, limit: float) -> bool:
    return value > limit + TOL * max(1.0, abs(limit))


def _windows(scenario: Scenario) -> dict[str, tuple[float, float]]:
    """Workload -> (start, end) day it holds capacity: training until its deadline, serving
    until the horizon."""
    return {
        w.name: (
            w.start_day,
            w.start_day + w.slo.deadline_days
            if isinstance(w, TrainingWorkload)
            else scenario.horizon_days,
        )
        for w in scenario.workloads
    }


def _instants(scenario: Scenario) -> list[float]:
    """Midpoints between consecutive start/end days: every distinct set of running workloads."""
    days = {0.0, scenario.horizon_days}
    for w in scenario.workloads:
        days.add(w.start_day)
        if isinstance(w, TrainingWorkload):
            days.add(w.start_day + w.slo.deadline_days)
    pts = sorted(days)
    return [(a + b) / 2.0 for a, b in itertools.pairwise(pts) if b > a]


def _in_region(catalog: Catalog | None, region: str, wanted: str | None) -> bool:
    if wanted is None or wanted == region:
        return True
    if catalog is None:
        return False
    row = catalog.tables["regions"].get(region)
    return row is not None and row.get("country") == wanted


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
) -> dict[str, Any]:
    """Check a plan (``shares``/``units`` per option index, accelerators per pool)."""
    v: list[str] = []
    counted: dict[str, int] = {}

    def count(name: str) -> None:
        counted[name] = counted.get(name, 0) + 1

    used = [o for o in table.options if units[o.index] > 0 or shares[o.index] > TOL]
    windows = _windows(scenario)

    def running(o: TableOption, day: float) -> bool:
        start, end = windows[o.workload]
        return start <= day < end

    by_workload: dict[str, list[TableOption]] = {w.name: [] for w in scenario.workloads}
    for o in table.options:
        by_workload.setdefault(o.workload, []).append(o)
    named = {w.name: w for w in scenario.workloads}
    # workloads fully served, shares sane, whole units, SLO
    for w in scenario.workloads:
        mine = by_workload[w.name]
        total = sum(float(shares[o.index]) for o in mine)
        count("assignment")
        if abs(total - 1.0) > 1e-5:
            v.append(f"assignment {w.name}: shares sum to {total:.6f}, must be 1")
        for o in mine:
            s, n = float(shares[o.index]), units[o.index]
            if s < -TOL or s > 1 + TOL:
                v.append(f"share {w.name}/{o.index}: {s} outside [0, 1]")
            if isinstance(w, TrainingWorkload) and min(abs(s), abs(1 - s)) > 1e-5:
                v.append(f"training {w.name} split: share {s} on option {o.index}")
            if n < 0 or int(n) != n:
                v.append(f"units {w.name}/{o.index}: {n} is not a whole number >= 0")
            count("sizing")
            if n + TOL < o.units_needed * s - 1e-6:
                v.append(
                    f"sizing {w.name} on {o.offer or o.venue}: {n} units < "
                    f"{o.units_needed:.4g} x share {s:.4g}"
                )
    for o in used:
        w = named[o.workload]
        count("slo")
        if not o.slo_met:
            v.append(f"slo {o.workload}: option {o.index} does not meet the SLO ({o.detail})")
        count("pins")
        for pin, value in (
            (w.accelerators, o.accelerator),
            (w.venues, o.venue),
            (w.regions, o.region),
        ):
            if pin and value not in pin:
                v.append(f"pin {o.workload}: {value} not in {pin}")
        if catalog is not None:
            count("residency")
            region = catalog.tables["regions"][o.region]
            allowed = set(w.data.allowed_jurisdictions or [])
            if allowed and not allowed & set(region["jurisdictions"]):
                v.append(f"jurisdiction {o.workload}: {o.region} not in {sorted(allowed)}")
            kind = catalog.tables["venues"][o.venue]["kind"]
            if w.data.offline and kind not in ("onprem", "edge"):
                v.append(f"offline {o.workload}: venue {o.venue} is {kind}")
    instants = _instants(scenario)
    # pools (every instant), owned counts
    pool_use: dict[str, list[TableOption]] = {}
    for o in used:
        if o.pool is not None:
            pool_use.setdefault(o.pool, []).append(o)
    for key, members in pool_use.items():
        for day in instants:
            load = sum(units[o.index] * o.unit_accelerators for o in members if running(o, day))
            count("pool")
            if _over(load, pool_sizes.get(key, 0)):
                v.append(
                    f"pool {key} day {day:g}: {load} accelerators > pool {pool_sizes.get(key)}"
                )
    for h_key, n in pool_sizes.items():
        if h_key.startswith("owned:"):
            _, h_venue, h_region, h_accel = h_key.split(":", 3)
            owned = sum(
                h.count
                for h in scenario.owned_hardware
                if (h.venue, h.region, h.accelerator) == (h_venue, h_region, h_accel)
            )
            count("owned")
            if _over(n, owned):
                v.append(f"owned {h_key}: pool {n} > {owned} owned")
    # accelerator caps (rented only), per instant
    for i, cap in enumerate(scenario.limits.accelerator_caps):
        covered = [
            o
            for o in used
            if o.pricing_model not in ("owned", "purchase")
            and (cap.offer is None or cap.offer == o.offer)
            and (cap.venue is None or cap.venue == o.venue)
            and (cap.accelerator is None or cap.accelerator == o.accelerator)
            and _in_region(catalog, o.region, cap.region)
        ]
        for day in instants:
            n = sum(units[o.index] * o.unit_accelerators for o in covered if running(o, day))
            count("accelerator_cap")
            if _over(n, cap.max_count):
                v.append(f"accelerator_caps[{i}] day {day:g}: {n} accelerators > {cap.max_count}")
    # power caps, per instant
    for i, pc in enumerate(scenario.limits.power_caps):
        covered = [
            o
            for o in used
            if (pc.venue is None or pc.venue == o.venue)
            and _in_region(catalog, o.region, pc.region)
        ]
        for day in instants:
            kw = sum(
                units[o.index]
                * (o.it_power_kw_per_unit if pc.basis == "it" else o.power_kw_per_unit)
                for o in covered
                if running(o, day)
            )
            count("power_cap")
            if _over(kw, pc.power_cap_mw * 1000.0):
                v.append(
                    f"power_caps[{i}] day {day:g}: {kw / 1000:.3f} MW > {pc.power_cap_mw:g} MW"
                )
    # budget and totals
    cost = sum(o.usage_usd_per_unit * units[o.index] for o in table.options) + sum(
        table.pools[k].usd_per_accelerator * n for k, n in pool_sizes.items()
    )
    co2 = sum(o.co2_location_kg_per_unit * units[o.index] for o in table.options)
    budget = scenario.limits.budget_usd
    count("budget")
    if budget is not None and _over(cost, budget):
        v.append(f"budget: {cost:,.0f} USD > {budget:,.0f} USD")
    if reported_cost_usd is not None and not math.isclose(
        cost, reported_cost_usd, rel_tol=1e-6, abs_tol=1e-3
    ):
        v.append(f"total cost: reported {reported_cost_usd:,.2f} != recomputed {cost:,.2f} USD")
    if reported_co2_kg is not None and not math.isclose(
        co2, reported_co2_kg, rel_tol=1e-6, abs_tol=1e-3
    ):
        v.append(f"total co2: reported {reported_co2_kg:,.2f} != recomputed {co2:,.2f} kg")
    return {
        "ok": not v,
        "violations": v,
        "checked": counted,
        "total_cost_usd": cost,
        "total_co2_location_kg": co2,
    }
