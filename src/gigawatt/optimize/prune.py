"""Exact dominance pruning of large option tables: within a workload and the shared limits it
counts against, drop every option another one beats at any share of the workload.

Used by :mod:`gigawatt.optimize.lazy` (tables above :data:`PRUNE_ABOVE` options); the optimum of
the pruned table is that of the full one.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from gigawatt.evaluate.table import WHOLE_UNIT_TOL, OptionTable, TableOption
from gigawatt.optimize.prune_pools import dominated_pools
from gigawatt.optimize.tolerances import ROUNDOFF

PRUNE_ABOVE = 2000
"""Tables with more options than this are pruned by :func:`prune_dominated`."""
EXACT_STEPS = 64
"""Shares of a split workload at which :func:`_dominates` compares unit counts exactly; beyond,
a sufficient condition on the ratio of units needed."""


class _Profile(NamedTuple):
    """What dominance compares: per-unit bounds of cost, per-unit other metrics, units needed
    (and its ceiling)."""

    option: int
    alone_lower: float
    unit_cost_lower: float
    unit_cost_upper: float
    unit_metrics: tuple[float, ...]
    units_needed: float
    splittable: bool
    whole_units: int


def _dominates(k: _Profile, o: _Profile) -> bool:
    """True when ``k`` is no worse than ``o`` at every share ``s`` of the workload: for cost and
    each metric, ``m_k * ceil(R_k s) <= m_o * ceil(R_o s)`` (cost: ``k``'s upper bound against
    ``o``'s lower bound). With ``r = min_m m_o / m_k`` this is ``ceil(R_k s) <= r ceil(R_o s)``,
    checked at every step of ``ceil(R_o s)`` (``s = j / R_o``), the first 64 exactly and the rest
    by the sufficient ``R_k / R_o + 1/65 <= r``; only ``s = 1`` for unsplit workloads."""
    theirs = k.unit_cost_upper
    ratio = o.unit_cost_lower / theirs if theirs > 0 else math.inf
    for mine, theirs in zip(o.unit_metrics, k.unit_metrics, strict=True):
        if theirs > 0 and mine / theirs < ratio:
            ratio = mine / theirs
    if ratio <= 0:
        return False
    rk, ro = k.units_needed, o.units_needed
    full_o = o.whole_units
    if k.whole_units > ratio * full_o * (1 + ROUNDOFF):
        return False
    if not o.splittable:
        return True
    if rk <= ro and ratio >= 1.0:
        return True
    if math.ceil(rk * min(1.0 / ro, 1.0) - WHOLE_UNIT_TOL) > ratio * (1 + ROUNDOFF):
        return False  # the first step (j = 1) already fails
    steps = min(full_o, EXACT_STEPS)
    j = np.arange(1, steps + 1, dtype=float)
    shares = np.minimum(j / ro, 1.0)
    if np.any(np.ceil(rk * shares - WHOLE_UNIT_TOL) > ratio * j * (1 + ROUNDOFF)):
        return False
    return full_o <= EXACT_STEPS or rk / ro + 1.0 / (EXACT_STEPS + 1) <= ratio


def _memberships(table: OptionTable, limits: frozenset[str] | None) -> dict[int, list[str]]:
    """Option index -> keys of the caps (among ``limits``; None = all) that cover it."""
    member_of: dict[int, list[str]] = {}
    for key, members in table.cap_members.items():
        if limits is not None and key not in limits:
            continue
        for i in members:
            member_of.setdefault(i, []).append(key)
    return member_of


def _pool_spans(table: OptionTable) -> dict[str, tuple[float, float]]:
    """Pool -> (first, last) day any of its options holds it; (-inf, inf) when a member's use
    varies over the time blocks (a profiled workload or a movable job), so that any member may
    share it for free."""
    span: dict[str, tuple[float, float]] = {}
    for o in table.options:
        if o.pool is not None:
            lo, hi = span.get(o.pool, (math.inf, -math.inf))
            span[o.pool] = (min(lo, o.window_days[0]), max(hi, o.window_days[1]))
            moves = o.filler and len(table.block_share) > 1
            if moves or table.levels_of(o.workload_index).profiled:
                span[o.pool] = (-math.inf, math.inf)
    return span


def _unit_cost_bounds(
    table: OptionTable, o: TableOption, span: dict[str, tuple[float, float]]
) -> tuple[float, float]:
    """(lower, upper) cost per unit [USD]: upper with a private pool; lower only the usage cost
    for a pool option whose pool's other users run outside its window (it may share for free)."""
    upper = o.usage_usd_per_unit
    if o.pool is None:
        return upper, upper
    pool = table.pools[o.pool]
    waste = pool.instance_accelerators - 1  # a private pool rounds up to whole instances
    upper += pool.usd_per_accelerator * (o.unit_accelerators + waste)
    lo, hi = span[o.pool]
    if not (len(o.windows) == 1 and o.window_days[0] <= lo and o.window_days[1] >= hi):
        return o.usage_usd_per_unit, upper
    return upper, upper


def _profile(
    o: TableOption,
    bounds: tuple[float, float],
    limited: tuple[bool, bool, bool],
    carbon: bool,
) -> _Profile:
    """The dominance profile of ``o``; ``limited``: (owned-count pool, accelerator cap, power
    cap) count against it."""
    lower, upper = bounds
    metrics: list[float] = []
    if carbon:
        metrics.append(o.co2_location_kg_per_unit)
    if limited[0] or limited[1]:
        metrics.append(float(o.unit_accelerators))
    if limited[2]:
        metrics.append(o.power_kw_per_unit)
    whole = math.ceil(o.units_needed - WHOLE_UNIT_TOL)
    return _Profile(
        o.index,
        lower * max(1, whole),
        lower,
        upper,
        tuple(metrics),
        o.units_needed,
        o.splittable,
        whole,
    )


def _profiles(
    table: OptionTable, member_of: dict[int, list[str]], carbon: bool, dropped: set[str]
) -> dict[tuple[Any, ...], list[_Profile]]:
    """Profiles grouped by workload and shared-limit signature (caps, and an owned pool), without
    the options of ``dropped`` pools."""
    span = _pool_spans(table)
    groups: dict[tuple[Any, ...], list[_Profile]] = {}
    kinds: dict[tuple[str, ...], tuple[bool, bool]] = {}
    for o in table.options:
        if o.pool in dropped:
            continue
        caps = tuple(member_of.get(o.index, ()))
        limited_pool = o.pool is not None and table.pools[o.pool].max_count is not None
        if limited_pool:
            caps = (*caps, f"pool:{o.pool}")  # owned hardware is a shared limit too
        kind = kinds.get(caps)
        if kind is None:
            kind = kinds[caps] = (
                any(c.startswith("accelerator_caps") for c in caps),
                any(c.startswith("power_caps") for c in caps),
            )
        bounds = _unit_cost_bounds(table, o, span)
        profile = _profile(o, bounds, (limited_pool, *kind), carbon)
        groups.setdefault((o.workload_index, caps), []).append(profile)
    return groups


def _undominated(rows: list[_Profile]) -> list[int]:
    """Options of one group no kept option dominates (cheapest alone first)."""
    rows.sort(key=lambda p: (p.alone_lower, p.option))
    kept: list[_Profile] = []
    for r in rows:
        for pos, k in enumerate(kept):
            if _dominates(k, r):
                if pos:  # move-to-front: the last dominator is the likeliest next
                    kept.insert(0, kept.pop(pos))
                break
        else:
            kept.append(r)
    return [k.option for k in kept]


def prune_dominated(
    table: OptionTable,
    above: int = PRUNE_ABOVE,
    *,
    carbon: bool = True,
    limits: frozenset[str] | None = None,
) -> OptionTable:
    """Drop options dominated within their workload and shared-limit signature (same caps, and
    the same owned pool): another option is no worse at any share of the workload
    (:func:`_dominates`) on cost (its upper bound: alone, with a private pool; against the
    dominated one's lower bound: for a pool option whose pool's other users run outside its
    window only its usage cost, since it may share the pool for free), on emissions (when
    ``carbon``: a carbon or weighted objective, or a Pareto sweep), on accelerators (when an
    accelerator cap or owned count covers them) and on power (when a power cap does). Exact:
    the optimum of the pruned table is that of the full one. Only tables above ``above`` options
    are pruned. ``limits`` restricts the caps considered (keys; None = all), for a model that
    enforces only those (:func:`gigawatt.optimize.lazy.solve_with_lazy_limits`). First the
    options of committed pools a cheaper pool dominates are dropped
    (:func:`gigawatt.optimize.prune_pools.dominated_pools`)."""
    if len(table.options) <= above:
        return table
    member_of = _memberships(table, limits)
    dropped = dominated_pools(table, member_of)
    keep: list[int] = []
    for rows in _profiles(table, member_of, carbon, dropped).values():
        keep.extend(_undominated(rows))
    keep.sort()
    out = table.reindexed(keep)
    note = f"{len(table.options) - len(keep)} dominated options pruned of {len(table.options)}"
    if dropped:
        note += f" ({len(dropped)} committed pools dominated by cheaper equal pools)"
    out.notes = [*table.notes, note]
    return out
