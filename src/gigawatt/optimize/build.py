"""The placement MILP, built from an :class:`~gigawatt.evaluate.table.OptionTable`.

Formulation
-----------
Sets
    ``W`` workloads; ``O_w`` the options of workload ``w`` (``O`` all options); ``Q`` commitment
    pools (a reserved/contract/capacity-block offer, owned hardware at a site, hardware purchased
    at a site); ``O_q`` the options drawing on pool ``q``; ``T`` time periods, the intervals
    between consecutive start/end days of the workloads' windows (serving: ``start_day`` to the
    horizon; training: ``start_day`` to ``start_day + deadline_days``); ``A`` accelerator caps and
    ``P`` power caps of the scenario, ``O_a``/``O_p`` the options they cover; ``act(o, t) = 1``
    when option ``o``'s window covers period ``t``.
Parameters
    ``R_o`` units (replicas, or the training job) carrying the whole workload on ``o``;
    ``u_o`` accelerators per unit; ``c_o`` usage cost per unit over the horizon (pay-per-use
    price x accelerators x hours; electricity for owned or purchased hardware) [USD];
    ``e_o`` location-based emissions per unit [kgCO2e]; ``k_o`` power per unit at full load
    (facility = IT x PUE, or IT, as the cap's basis says) [kW]; ``f_q`` cost per accelerator
    of pool ``q`` over the horizon (committed: price x max(horizon, term); purchased: capex
    annuity, maintenance and staff share; owned: 0, sunk) [USD]; ``M_q`` accelerators owned;
    ``L_a`` [accelerators], ``L_p`` [kW], ``B`` budget [USD]; objective weights
    ``alpha`` [1/USD] and ``beta`` [1/kgCO2e].
Variables
    ``x_o`` in [0, 1]: share of workload ``w(o)`` served by ``o`` (binary for training jobs,
    which are not split across sites; serving may be split); ``n_o`` integer >= 0: units
    deployed on ``o``; ``N_q`` integer >= 0: accelerators in pool ``q`` (sized by the optimiser).
Objective
    minimise ``alpha * (sum_o c_o n_o + sum_q f_q N_q) + beta * sum_o e_o n_o``
    (``cost``: alpha = 1, beta = 0; ``carbon``: alpha = ``CARBON_TIE_BREAK`` (1e-9), beta = 1;
    ``weighted``: alpha = w_cost / cost*, beta = w_carbon / carbon*, the pure optima as
    references).
Constraints
    (1) assignment: ``sum_{o in O_w} x_o = 1`` for every ``w``;
    (2) sizing: ``n_o >= R_o x_o`` (whole units; a split workload pays whole units per option),
        tightened by its mixed-integer rounding cut (see :func:`define_sizing_constraints`);
    (2b) cover cuts (valid inequalities, they remove no integer point): (1) and (2) give
        ``sum_{o in O_w} n_o / R_o >= 1``; times ``lambda`` and rounded up (Chvatal-Gomory,
        ``n_o`` integer >= 0): ``sum_{o in O_w} ceil(lambda / R_o) n_o >= ceil(lambda)`` for
        each distinct ``lambda`` in ``{R_o}``. They stop the LP relaxation from serving a
        workload's remainder with a fraction of a unit on a second option;
    (3) pools: ``sum_{o in O_q} act(o,t) u_o n_o <= N_q`` for every ``q, t`` and ``N_q <= M_q``
        for owned hardware: steady workloads share a pool, each period on its own;
    (4) accelerator caps: ``sum_{o in O_a} act(o,t) u_o n_o <= L_a`` for every ``a, t``;
    (5) power caps: ``sum_{o in O_p} act(o,t) k_o n_o <= L_p`` for every ``p, t``;
    (6) budget: ``sum_o c_o n_o + sum_q f_q N_q <= B``;
    (7) optional carbon ceiling (epsilon-constraint sweep): ``sum_o e_o n_o <= epsilon``.

Pay-per-use options (on-demand, spot) are billed only for the hours they run, so short jobs and
bursts go there; pools pay for the whole horizon (or term), so steady load fills them.
Conservative simplifications: a workload occupies its pool, caps and power for its whole window;
power caps count every deployed accelerator at full load.

The code follows the formulation in ``define_*`` steps called in sequence by :func:`build_model`.
Rows are stored sparse (COO) with a name ``(family, key, period)`` each, so that
:mod:`gigawatt.optimize.explain` can relax a family or one limit and re-solve.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from gigawatt.evaluate.table import WHOLE_LEVEL_UNITS_UP_TO, WHOLE_UNIT_TOL, OptionTable
from gigawatt.evaluate.table_services import SERVICE_PAYMENT
from gigawatt.optimize.tolerances import ROUNDOFF

F64 = NDArray[np.float64]
CARBON_TIE_BREAK = 1e-9
"""Weight of cost under the pure carbon objective (breaks ties between equal-carbon plans)."""


IDLE_UNIT_TIE_BREAK = 1e-6
"""Objective weight of a movable job's deployed units on committed capacity (their cost is in
the pool and their hours in the fill columns, so without it the solver may leave units deployed
that nothing uses); not part of any reported total."""


@dataclass(frozen=True)
class RowName:
    """Which constraint a row is: family (``assignment``, ``sizing``, ``pool``,
    ``accelerator_cap``, ``power_cap``, ``owned``, ``budget``, ``carbon``), key (workload,
    pool or limit key) and period index (-1 when not per period)."""

    family: str
    key: str
    period: int = -1


@dataclass
class Model:
    """A MILP in scipy.optimize.milp form: ``min c.z`` s.t. ``lb_row <= A z <= ub_row``."""

    n_options: int
    pool_keys: list[str]
    c: F64 = field(default_factory=lambda: np.zeros(0))
    lb: F64 = field(default_factory=lambda: np.zeros(0))
    ub: F64 = field(default_factory=lambda: np.zeros(0))
    integrality: NDArray[np.int_] = field(default_factory=lambda: np.zeros(0, dtype=np.int_))
    rows: list[int] = field(default_factory=list)
    cols: list[int] = field(default_factory=list)
    vals: list[float] = field(default_factory=list)
    row_lb: list[float] = field(default_factory=list)
    row_ub: list[float] = field(default_factory=list)
    names: list[RowName] = field(default_factory=list)
    periods: list[tuple[float, float]] = field(default_factory=list)
    extra: list[tuple[str, int, int]] = field(default_factory=list)
    """Time-use columns after the pools: ``("level", o, k)`` units of option ``o`` at demand
    level ``k >= 1`` of its workload (continuous: a fraction is a unit running that share of
    the level's hours; see :data:`gigawatt.evaluate.table.LEVEL_ROUNDING_NOTE`),
    ``("fill", o, b)`` whole units of job option ``o`` running in time block ``b``."""
    extra_index: dict[tuple[str, int, int], int] = field(default_factory=dict)

    @property
    def n_vars(self) -> int:
        """Variables: x (options), n (options), N (pools, in instances), time use."""
        return 2 * self.n_options + len(self.pool_keys) + len(self.extra)

    def col(self, kind: str, o: int, k: int) -> int:
        """Column of time-use variable ``(kind, o, k)``."""
        return 2 * self.n_options + len(self.pool_keys) + self.extra_index[(kind, o, k)]

    def block_col(self, table: OptionTable, o: int, b: int) -> int:
        """Column holding option ``o``'s units in time block ``b``: its fill variable (a movable
        job), its level variable (a profiled workload below its peak) or ``n_o``."""
        if ("fill", o, b) in self.extra_index:
            return self.col("fill", o, b)
        opt = table.options[o]
        k = table.levels_of(opt.workload_index).of_block[b]
        if k > 0:
            return self.col("level", o, k)
        return self.n(o)

    def x(self, o: int) -> int:
        """Column of ``x_o``."""
        return o

    def n(self, o: int) -> int:
        """Column of ``n_o``."""
        return self.n_options + o

    def pool(self, q: int) -> int:
        """Column of ``N_q``."""
        return 2 * self.n_options + q

    def add_row(self, name: RowName, coeffs: list[tuple[int, float]], lo: float, hi: float) -> None:
        """Append ``lo <= sum coeff * z[col] <= hi``."""
        r = len(self.names)
        for col, v in coeffs:
            self.rows.append(r)
            self.cols.append(col)
            self.vals.append(v)
        self.row_lb.append(lo)
        self.row_ub.append(hi)
        self.names.append(name)


@dataclass(frozen=True)
class Weights:
    """Objective weights: ``alpha`` on cost [1/USD], ``beta`` on emissions [1/kgCO2e]."""

    alpha: float = 1.0
    beta: float = 0.0


COST_WEIGHTS = Weights(1.0, 0.0)
"""The ``cost`` objective."""
CARBON_WEIGHTS = Weights(CARBON_TIE_BREAK, 1.0)
"""The ``carbon`` objective (cost only breaks ties, :data:`CARBON_TIE_BREAK`)."""


def periods(table: OptionTable) -> list[tuple[float, float]]:
    """Intervals between consecutive window start/end days [days]."""
    points = sorted({d for o in table.options for window in o.windows for d in window})
    return [(a, b) for a, b in itertools.pairwise(points) if b > a]


def _active_sets(
    table: OptionTable, members: list[int], spans: list[tuple[float, float]]
) -> list[tuple[int, list[int]]]:
    """(period, active members) per period, dropping a period whose active set is contained in
    another's (its constraint is implied, all coefficients being >= 0)."""
    sets: list[tuple[int, frozenset[int]]] = []
    for t, (a, b) in enumerate(spans):
        active = frozenset(i for i in members if table.options[i].active(a, b))
        if active:
            sets.append((t, active))
    keep: list[tuple[int, list[int]]] = []
    for t, s in sets:
        if any(s < other or (s == other and u < t) for u, other in sets):
            continue
        keep.append((t, sorted(s)))
    return keep


def define_variables(table: OptionTable) -> Model:
    """Columns ``x`` (share, [0, 1], integer for training), ``n`` (units, integer >= 0; continuous
    for a per-token service, which holds no accelerators) and ``N`` (pool accelerators, integer
    >= 0; the owned count is a row, so that it can be relaxed)."""
    m = Model(len(table.options), list(table.pools))
    nv = m.n_vars
    m.c = np.zeros(nv)
    m.lb = np.zeros(nv)
    m.ub = np.full(nv, np.inf)
    m.integrality = np.ones(nv, dtype=np.int_)
    for o in table.options:
        m.ub[m.x(o.index)] = 1.0
        m.integrality[m.x(o.index)] = 0 if o.splittable else 1
        if o.payment == SERVICE_PAYMENT:  # a per-token service's slices of the peak: fluid
            m.integrality[m.n(o.index)] = 0
    m.periods = periods(table)
    blocks = len(table.block_share)
    for o in table.options:
        levels = table.levels_of(o.workload_index)
        if levels.profiled:
            m.extra += [("level", o.index, k) for k in range(1, len(levels.values))]
        elif o.filler and blocks > 1:
            m.extra += [("fill", o.index, b) for b in range(blocks)]
    m.extra_index = {key: j for j, key in enumerate(m.extra)}
    tail = 2 * m.n_options + len(m.pool_keys)
    m.c = np.concatenate([m.c, np.zeros(len(m.extra))])
    m.lb = np.concatenate([m.lb, np.zeros(len(m.extra))])
    m.ub = np.concatenate([m.ub, np.full(len(m.extra), np.inf)])
    kinds = np.array(
        [
            kind == "fill" or table.options[o].units_needed <= WHOLE_LEVEL_UNITS_UP_TO
            for kind, o, _ in m.extra
        ],
        dtype=np.int_,
    )
    m.integrality = np.concatenate([m.integrality, kinds])
    assert m.c.size == tail + len(m.extra)
    define_unit_bounds(m, table)
    return m


def define_unit_bounds(m: Model, table: OptionTable) -> None:
    """Upper bounds that remove no useful solution: an option never needs more units than it
    takes to carry its whole workload, ``n_o <= ceil(R_o)``, nor more at demand level ``k``
    than that level alone needs, ``m_{o,k} <= ceil(R_o d_k)`` (more units only cost more and
    draw more on pools and caps). Jobs that choose their hours are left unbounded: more units
    for fewer hours may fit a pool's valleys. Tight domains keep HiGHS's root cheap (general
    integer columns with infinite bounds are its slow case, :mod:`gigawatt.optimize.warm`)."""
    for o in table.options:
        if ("fill", o.index, 0) in m.extra_index:
            continue
        m.ub[m.n(o.index)] = _whole(o.units_needed)
        levels = table.levels_of(o.workload_index)
        for k in range(1, len(levels.values)) if levels.profiled else ():
            m.ub[m.col("level", o.index, k)] = _whole(o.units_needed * levels.values[k])


def _whole(units: float) -> float:
    """Whole units carrying ``units`` (at least 0)."""
    return float(max(0, math.ceil(units - WHOLE_UNIT_TOL)))


def usage_terms(m: Model, table: OptionTable) -> list[tuple[int, int, float]]:
    """(column, option, hours factor): each column that bills option usage, with the share of
    the option's usage cost, energy and emissions one unit there carries (a profiled workload
    pays its peak units for the peak's hours and each lower level's units for that level's
    hours; everything else pays ``n_o`` whole)."""
    terms: list[tuple[int, int, float]] = []
    for o in table.options:
        levels = table.levels_of(o.workload_index)
        terms.append((m.n(o.index), o.index, levels.hours_share[0]))
        for k in range(1, len(levels.values)):
            terms.append((m.col("level", o.index, k), o.index, levels.hours_share[k]))
    return terms


def define_objective(
    m: Model,
    table: OptionTable,
    weights: Weights,
    price_factor: F64 | None = None,
    pool_factor: dict[str, float] | None = None,
) -> None:
    """``alpha * cost + beta * emissions``; ``price_factor`` scales each option's usage cost and
    ``pool_factor`` each pool's price per accelerator (sensitivity analysis)."""
    factor = price_factor if price_factor is not None else np.ones(len(table.options))
    pools = pool_factor or {}
    for col, i, hours in usage_terms(m, table):
        o = table.options[i]
        m.c[col] = hours * (
            weights.alpha * o.usage_usd_per_unit * factor[i]
            + weights.beta * o.co2_location_kg_per_unit
        )
    for o in table.options:
        if ("fill", o.index, 0) in m.extra_index:
            m.c[m.n(o.index)] += IDLE_UNIT_TIE_BREAK
    for q, key in enumerate(m.pool_keys):
        pool = table.pools[key]
        m.c[m.pool(q)] = (
            weights.alpha * pool.usd_per_accelerator * pool.instance_accelerators
        ) * pools.get(key, 1.0)


def define_assignment_constraints(m: Model, table: OptionTable) -> None:
    """(1) every workload is fully served: ``sum_{o in O_w} x_o = 1``."""
    for w, members in zip(table.workloads, table.by_workload(), strict=True):
        m.add_row(RowName("assignment", w), [(m.x(o), 1.0) for o in members], 1.0, 1.0)


def define_sizing_constraints(m: Model, table: OptionTable) -> None:
    """(2) whole units carry the share: ``n_o - R_o x_o >= 0``, plus its mixed-integer rounding
    cut ``n_o - (R_o / f_o) x_o >= ceil(R_o) - R_o / f_o`` (``f_o`` the fractional part of
    ``R_o``; valid because ``n_o`` is integer and ``x_o <= 1``), which makes the LP relaxation
    exact for a workload on one option (``x_o = 1`` forces ``n_o >= ceil(R_o)``)."""
    for o in table.options:
        r = o.units_needed
        m.add_row(
            RowName("sizing", o.workload),
            [(m.n(o.index), 1.0), (m.x(o.index), -r)],
            0.0,
            math.inf,
        )
        f = r - math.floor(r)
        if f > WHOLE_UNIT_TOL:
            m.add_row(
                RowName("sizing_cut", o.workload),
                [(m.n(o.index), 1.0), (m.x(o.index), -r / f)],
                math.ceil(r) - r / f,
                math.inf,
            )


def define_cover_cuts(m: Model, table: OptionTable) -> None:
    """(2b) ``sum_{o in O_w} ceil(lambda / R_o) n_o >= ceil(lambda)`` per workload with two
    or more options, for each distinct ``lambda = R_o`` of its options (none when an option
    needs no unit at all)."""
    for w, members in zip(table.workloads, table.by_workload(), strict=True):
        need = [table.options[i].units_needed for i in members]
        if len(members) < 2 or min(need) <= 0.0:
            continue
        for lam in sorted(set(need)):
            coeffs = [
                (m.n(i), float(math.ceil(lam / r - ROUNDOFF)))
                for i, r in zip(members, need, strict=True)
            ]
            m.add_row(RowName("cover", w), coeffs, float(math.ceil(lam - WHOLE_UNIT_TOL)), math.inf)


def define_demand_levels(m: Model, table: OptionTable) -> None:
    """(2c) below its peak, a profiled workload's units cover each demand level ``d_k``:
    ``sum_{o in O_w} m_{o,k} / R_o >= d_k``, with ``m_{o,k} <= n_o`` (no more units than at the
    peak, which the caps count)."""
    for w, members in zip(table.workloads, table.by_workload(), strict=True):
        if not members:
            continue
        levels = table.levels_of(table.options[members[0]].workload_index)
        for k in range(1, len(levels.values)):
            coeffs = [(m.col("level", i, k), 1.0 / table.options[i].units_needed) for i in members]
            m.add_row(RowName("level", w, k), coeffs, levels.values[k], math.inf)
            for i in members:
                m.add_row(
                    RowName("level_peak", w, k),
                    [(m.col("level", i, k), 1.0), (m.n(i), -1.0)],
                    -math.inf,
                    0.0,
                )


def define_job_hours(m: Model, table: OptionTable) -> None:
    """(2d) a job on committed capacity whose hours may move (training; batch with a whole day
    of turnaround) runs its hours in the time blocks it chooses within each window:
    ``sum_b s_b g_{o,b} >= duty_o R_o x_o`` and ``g_{o,b} <= n_o``, so it fills the valleys that
    profiled serving leaves in a pool."""
    blocks = table.block_share
    for o in table.options:
        if ("fill", o.index, 0) not in m.extra_index:
            continue
        coeffs = [(m.col("fill", o.index, b), float(s)) for b, s in enumerate(blocks)]
        coeffs.append((m.x(o.index), -o.duty * o.units_needed))
        m.add_row(RowName("job_hours", o.workload), coeffs, 0.0, math.inf)
        for b in range(len(blocks)):
            m.add_row(
                RowName("job_units", o.workload, b),
                [(m.col("fill", o.index, b), 1.0), (m.n(o.index), -1.0)],
                -math.inf,
                0.0,
            )


def define_commitment_pools(m: Model, table: OptionTable, relax: frozenset[str]) -> None:
    """(3) in each period and time block the accelerators drawn from a pool fit in it:
    ``sum act u_o units_o(b) - i_q N_q <= 0`` (``N_q`` whole instances of ``i_q``;
    ``units_o(b)`` the option's units in block ``b``: ``n_o``, a level or a fill variable);
    owned pools are capped by ``i_q N_q <= M_q`` (an ``owned`` row, so that it can be
    relaxed)."""
    members: dict[str, list[int]] = {k: [] for k in m.pool_keys}
    for o in table.options:
        if o.pool is not None:
            members[o.pool].append(o.index)
    blocks = range(len(table.block_share))
    for q, key in enumerate(m.pool_keys):
        size = float(table.pools[key].instance_accelerators)
        seen: set[tuple[tuple[int, float], ...]] = set()
        for t, active in _active_sets(table, members[key], m.periods):
            for b in blocks:
                coeffs = tuple(
                    (m.block_col(table, i, b), float(table.options[i].unit_accelerators))
                    for i in active
                )
                if coeffs in seen:
                    continue
                seen.add(coeffs)
                m.add_row(RowName("pool", key, t), [*coeffs, (m.pool(q), -size)], -math.inf, 0.0)
        cap = table.pools[key].max_count
        if cap is not None and key not in relax and "owned" not in relax:
            m.add_row(RowName("owned", key), [(m.pool(q), size)], -math.inf, float(cap))


def define_capacity_constraints(m: Model, table: OptionTable, relax: frozenset[str]) -> None:
    """(4) rented accelerators per cap and period: ``sum act u_o n_o <= L_a``."""
    for limit in table.accelerator_caps:
        if limit.key in relax or "accelerator_cap" in relax:
            continue
        for t, active in _active_sets(table, table.cap_members[limit.key], m.periods):
            coeffs = [(m.n(i), float(table.options[i].unit_accelerators)) for i in active]
            m.add_row(RowName("accelerator_cap", limit.key, t), coeffs, -math.inf, limit.limit)


def define_power_constraints(m: Model, table: OptionTable, relax: frozenset[str]) -> None:
    """(5) power per cap and period at full load: ``sum act k_o n_o <= L_p`` [kW]."""
    for limit in table.power_caps:
        if limit.key in relax or "power_cap" in relax:
            continue
        for t, active in _active_sets(table, table.cap_members[limit.key], m.periods):
            coeffs = [
                (
                    m.n(i),
                    table.options[i].it_power_kw_per_unit
                    if limit.kind == "it"
                    else table.options[i].power_kw_per_unit,
                )
                for i in active
            ]
            m.add_row(RowName("power_cap", limit.key, t), coeffs, -math.inf, limit.limit)


def cost_coefficients(m: Model, table: OptionTable) -> list[tuple[int, float]]:
    """Total cost as ``sum coeff * z`` (USD)."""
    coeffs = [(c, table.options[i].usage_usd_per_unit * h) for c, i, h in usage_terms(m, table)]
    coeffs += [
        (m.pool(q), table.pools[k].usd_per_accelerator * table.pools[k].instance_accelerators)
        for q, k in enumerate(m.pool_keys)
    ]
    return [(c, v) for c, v in coeffs if v != 0.0]


def co2_coefficients(m: Model, table: OptionTable) -> list[tuple[int, float]]:
    """Total location-based emissions as ``sum coeff * z`` (kgCO2e)."""
    coeffs = [
        (c, table.options[i].co2_location_kg_per_unit * h) for c, i, h in usage_terms(m, table)
    ]
    return [(c, v) for c, v in coeffs if v != 0.0]


def define_budget_constraint(m: Model, table: OptionTable, relax: frozenset[str]) -> None:
    """(6) ``total cost <= B``."""
    if table.budget_usd is None or "budget" in relax:
        return
    m.add_row(
        RowName("budget", "budget_usd"), cost_coefficients(m, table), -math.inf, table.budget_usd
    )


def define_carbon_ceiling(m: Model, table: OptionTable, ceiling_kg: float | None) -> None:
    """(7) ``sum e_o n_o <= epsilon`` (epsilon-constraint sweep only)."""
    if ceiling_kg is None:
        return
    m.add_row(RowName("carbon", "epsilon"), co2_coefficients(m, table), -math.inf, ceiling_kg)


def build_model(
    table: OptionTable,
    weights: Weights | None = None,
    *,
    relax: frozenset[str] = frozenset(),
    price_factor: F64 | None = None,
    pool_factor: dict[str, float] | None = None,
    carbon_ceiling_kg: float | None = None,
    cover_cuts: bool = True,
) -> Model:
    """The MILP of the module docstring. ``relax`` drops limits by key (``budget``,
    ``power_caps[0]``, ...) or family (``power_cap``, ``accelerator_cap``, ``owned``);
    ``cover_cuts=False`` leaves out the valid inequalities (2b) (the optimum is the same; they
    speed up models whose caps bind and slow down some others)."""
    m = define_variables(table)
    define_objective(m, table, weights or Weights(), price_factor, pool_factor)
    define_assignment_constraints(m, table)
    define_sizing_constraints(m, table)
    if cover_cuts:
        define_cover_cuts(m, table)
    define_demand_levels(m, table)
    define_job_hours(m, table)
    define_commitment_pools(m, table, relax)
    define_capacity_constraints(m, table, relax)
    define_power_constraints(m, table, relax)
    define_budget_constraint(m, table, relax)
    define_carbon_ceiling(m, table, carbon_ceiling_kg)
    return m
