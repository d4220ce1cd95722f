"""How a plan moves with prices, and the cost-vs-carbon Pareto front (epsilon-constraint sweep).

Each point is a re-solve of the MILP with prices scaled or a carbon ceiling added, started from
a plan that stays feasible there (the plan itself for price moves, the least-carbon plan under a
carbon ceiling).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from gigawatt.catalog.schema import PRICING_FAMILIES
from gigawatt.evaluate.table import OptionTable
from gigawatt.optimize.build import CARBON_WEIGHTS, COST_WEIGHTS, Weights
from gigawatt.optimize.explain_limits import EXPLAIN_GAP, resolve
from gigawatt.optimize.solve import F64, Solution, billed_units
from gigawatt.optimize.tolerances import (
    FEASIBILITY_TOL,
    REFERENCE_FLOOR,
    SAME_POINT_RTOL,
)

PRICE_GROUPS: dict[str, tuple[str, ...]] = {
    "all rented": tuple(PRICING_FAMILIES),
    "on-demand and spot": ("pay_per_use",),
    "commitments": ("committed",),
    "hardware purchases": ("purchase",),
}
"""Groups of prices moved together: pay-per-use prices scale usage costs, commitment and
purchase prices scale their pools' cost per accelerator (electricity never moves)."""
SHARE_CHANGE = 0.01
"""A workload's placement changes when the share of some placement moves by more than this."""


def _placements(table: OptionTable, sol: Solution) -> dict[str, dict[tuple[Any, ...], float]]:
    """Workload -> {(venue, offer, accelerator, region, pricing model): share}."""
    out: dict[str, dict[tuple[Any, ...], float]] = {w: {} for w in table.workloads}
    for o in table.options:
        if sol.units[o.index] > 0:
            key = (o.venue, o.offer, o.accelerator, o.region, o.pricing_model)
            out[o.workload][key] = out[o.workload].get(key, 0.0) + float(sol.shares[o.index])
    return out


def changed_workloads(table: OptionTable, before: Solution, after: Solution) -> list[str]:
    """Workloads (sorted) some placement of which gains or loses more than
    :data:`SHARE_CHANGE` of the workload between two plans."""
    a, b = _placements(table, before), _placements(table, after)
    out = []
    for w in table.workloads:
        keys = set(a[w]) | set(b[w])
        if any(abs(a[w].get(k, 0.0) - b[w].get(k, 0.0)) > SHARE_CHANGE for k in keys):
            out.append(w)
    return sorted(out)


def _moved_cost(
    table: OptionTable, sol: Solution, factor: F64, pool_factor: dict[str, float]
) -> float:
    """Cost of ``sol`` at moved prices [USD]."""
    usage = sum(
        o.usage_usd_per_unit * factor[o.index] * billed_units(table, sol, o) for o in table.options
    )
    pools = sum(
        table.pools[k].usd_per_accelerator * n * pool_factor[k] for k, n in sol.pool_sizes.items()
    )
    return float(usage + pools)


def _uses(table: OptionTable, sol: Solution, payments: tuple[str, ...]) -> bool:
    """The plan pays for an option or a pool of ``payments``."""
    if any(sol.units[o.index] > 0 and o.payment in payments for o in table.options):
        return True
    return any(n > 0 and table.pools[k].payment in payments for k, n in sol.pool_sizes.items())


def price_sensitivity(
    table: OptionTable, sol: Solution, weights: Weights, moves: tuple[float, ...] = (-0.2, 0.2)
) -> list[dict[str, Any]]:
    """Re-solve with the prices of each group of offers moved by each fraction in ``moves``;
    report the new total (at the moved prices) and the workloads whose placement changes. A
    rise of prices the plan does not pay stays the plan (every other plan only gets dearer):
    no re-solve, ``re_solved`` false. A group whose prices present in the table are those of
    an earlier group is left out (``all rented`` without commitments is ``on-demand and
    spot``). Re-solves stop at :data:`~gigawatt.optimize.explain_limits.EXPLAIN_GAP`
    (``mip_gap``: the gap reached); a plan no better than the current one at the moved prices
    counts as the current one."""
    out: list[dict[str, Any]] = []
    present = {o.payment for o in table.options}
    seen: set[frozenset[str]] = set()
    for group, payments in PRICE_GROUPS.items():
        effective = frozenset(present & set(payments))
        if not effective or effective in seen:
            continue  # no such prices, or the same prices as an earlier group
        seen.add(effective)
        for move in moves:
            item = {"prices": group, "move": move}
            out.append({**item, **_price_move(table, sol, weights, payments, move)})
    return out


def _price_move(
    table: OptionTable, sol: Solution, weights: Weights, payments: tuple[str, ...], move: float
) -> dict[str, Any]:
    """One row of :func:`price_sensitivity`: prices of ``payments`` moved by ``move``."""
    factor = np.array(
        [
            1.0 + move if o.payment == "pay_per_use" and o.payment in payments else 1.0
            for o in table.options
        ]
    )
    pool_factor = {k: 1.0 + move if p.payment in payments else 1.0 for k, p in table.pools.items()}
    if move >= 0 and not _uses(table, sol, payments):
        new, gap, solved = sol, sol.mip_gap, False
    else:
        _, new = resolve(
            table, weights, sol.z, gap=EXPLAIN_GAP, price_factor=factor, pool_factor=pool_factor
        )
        gap, solved = new.mip_gap, True
    if not new.ok:
        return {"re_solved": solved, "status": new.status}
    cost = _moved_cost(table, new, factor, pool_factor)
    base = _moved_cost(table, sol, factor, pool_factor)
    if cost >= base * (1 - SAME_POINT_RTOL):  # a tie: the plan itself stays optimal
        new, cost = sol, base
    return {
        "re_solved": solved,
        "status": new.status,
        "total_cost_usd": cost,
        "total_co2_location_kg": new.co2_location_kg,
        "changed_workloads": changed_workloads(table, sol, new),
        "mip_gap": gap,
    }


CLEANEST_TIE_BREAK = 1e-4
"""Weight of emissions, relative to cost at the least-cost plan's cost/emissions ratio, that
picks the cleanest among (near-)least-cost plans (the cost end of the Pareto front)."""


@dataclass(frozen=True)
class ParetoPoint:
    """One plan of the cost-vs-carbon front."""

    cost_usd: float
    co2_location_kg: float
    carbon_ceiling_kg: float | None
    mip_gap: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready point."""
        return {
            "cost_usd": self.cost_usd,
            "co2_location_kg": self.co2_location_kg,
            "carbon_ceiling_kg": self.carbon_ceiling_kg,
            "mip_gap": self.mip_gap,
        }


def _anchors(
    table: OptionTable, cheap: Solution | None, start: F64 | None
) -> tuple[Solution, Solution] | None:
    """(least-cost plan, ties broken towards less carbon; least-carbon plan), None when either
    has no solution."""
    if cheap is None or not cheap.ok:
        cheap = resolve(table, COST_WEIGHTS, start)[1]
    clean = resolve(table, CARBON_WEIGHTS, cheap.z if cheap.ok else None, gap=EXPLAIN_GAP)[1]
    if not (cheap.ok and clean.ok):
        return None
    if cheap.co2_location_kg > 0:
        # among (near-)least-cost plans take the cleanest
        tie = CLEANEST_TIE_BREAK * max(cheap.cost_usd, REFERENCE_FLOOR) / cheap.co2_location_kg
        tied = resolve(table, Weights(1.0, tie), cheap.z, gap=EXPLAIN_GAP)[1]
        if tied.ok:
            cheap = tied
    return cheap, clean


def pareto_front(
    table: OptionTable,
    points: int = 5,
    cheap: Solution | None = None,
    start: F64 | None = None,
) -> list[ParetoPoint]:
    """Epsilon-constraint sweep: least cost under carbon ceilings evenly spaced between the
    emissions of the least-cost plan (ties broken towards less carbon) and those of the
    least-carbon plan (ties broken towards less cost), tightest ceiling first (each plan starts
    the next solve); duplicate plans are dropped. ``cheap``:
    the least-cost plan when already solved (the plan under the cost objective), else ``start``
    a plan to start its solve from."""
    anchors = _anchors(table, cheap, start)
    if anchors is None:
        return []
    cheap, clean = anchors
    front = [ParetoPoint(cheap.cost_usd, cheap.co2_location_kg, None, cheap.mip_gap)]
    hi, lo = cheap.co2_location_kg, clean.co2_location_kg
    if hi - lo > FEASIBILITY_TOL * max(1.0, hi):
        inner: list[ParetoPoint] = []
        start = clean.z
        for eps in np.linspace(hi, lo, points)[-2:0:-1]:  # tightest first: each plan
            _, s = resolve(  # meets the next, looser ceiling, and starts its solve
                table, COST_WEIGHTS, start, gap=EXPLAIN_GAP, carbon_ceiling_kg=float(eps)
            )
            if s.ok:
                inner.insert(0, ParetoPoint(s.cost_usd, s.co2_location_kg, float(eps), s.mip_gap))
                start = s.z
        front += inner
        front.append(ParetoPoint(clean.cost_usd, clean.co2_location_kg, lo, clean.mip_gap))
    out: list[ParetoPoint] = []
    for p in front:
        if not any(
            math.isclose(p.cost_usd, q.cost_usd, rel_tol=SAME_POINT_RTOL)
            and math.isclose(p.co2_location_kg, q.co2_location_kg, rel_tol=SAME_POINT_RTOL)
            for q in out
        ):
            out.append(p)
    return out
