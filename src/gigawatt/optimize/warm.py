"""Warm start of a HiGHS MILP solve: LP relaxation, a restricted MILP on its support, and
reduced-cost bounds from the incumbent.

Why: on the planner's models HiGHS (1.16) spends most of a solve at the root node in
``HighsRedcostFixing::addRootRedcost``, which stores up to 1,024 "lurking" bounds for every
general integer column with a positive reduced cost and scans the stored list on each insertion
(quadratic per column, repeated every separation round). The unit counts ``n_o`` of the unused
options are exactly such columns (wide domains, positive cost), so a 300 x 330 model took
about 2 s while CBC solves it in 0.4 s; with a good incumbent HiGHS fixes most of them at once
and the root is cheap. docs/models/plan.md has the numbers.

Steps, all generic over the columns (no knowledge of the formulation):

1. Solve the LP relaxation (integrality dropped). Infeasible: so is the MILP (returned at once).
2. Incumbent: the caller's start when it is feasible; unless that is already within the gap,
   the restricted MILP too (every column at its lower bound in the relaxation fixed there, the
   few remaining, the relaxation's support, solved as a MILP; first with each integer column
   within :data:`WINDOW` units of its relaxed value), the better of the two.
3. Reduced-cost bounds: for a column at its lower bound in the relaxation with reduced cost
   ``d_j > 0``, every solution of objective at most the incumbent's ``U`` has
   ``z_j <= lb_j + (U - z_LP) / d_j`` (LP duality); the bound is tightened to that (rounded
   down for integer columns, with a safety margin). No solution at least as good as the
   incumbent is removed, so the optimum is unchanged.
4. When the incumbent is within the requested gap of the relaxation's bound it is optimal to
   that gap and returned without branch and bound; otherwise the MILP is solved from it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gigawatt.optimize.build import Model
from gigawatt.optimize.tolerances import FEASIBILITY_TOL

F64 = NDArray[np.float64]
SUPPORT_TOL = 1e-9
"""A relaxation value within this of its lower bound counts as at the bound."""
DUAL_TOL = 1e-9
"""Reduced costs at most this (relative to the objective's scale) are treated as zero."""
WINDOW = 2
"""The restricted MILP first keeps each integer column of the relaxation's support within this
many units of its relaxed value: narrow domains keep HiGHS's root cheap (module docstring);
on the bundled examples the incumbent is as good as with the whole support, 5x faster."""
BOUND_MARGIN = 1e-6
"""Relative margin on the incumbent's objective gap and absolute slack before rounding a
reduced-cost bound down (round-off of the relaxation's duals)."""


@dataclass
class Warm:
    """What the preparation found: ``infeasible`` (the relaxation is), the relaxation's bound
    ``lp_bound``, the incumbent ``z`` (None: none found) with objective ``objective``, and the
    columns' upper bounds ``col_upper`` tightened by reduced costs."""

    infeasible: bool
    lp_bound: float = -math.inf
    z: F64 | None = None
    objective: float = math.inf
    col_upper: F64 | None = None

    def gap(self) -> float:
        """Relative gap of the incumbent to the relaxation's bound (HiGHS's definition)."""
        if self.z is None or not math.isfinite(self.lp_bound):
            return math.inf
        if self.objective == 0.0:
            return 0.0 if self.lp_bound >= 0.0 else math.inf
        return max(0.0, (self.objective - self.lp_bound) / abs(self.objective))


def _highs(hs: Any, lp: Any, options: dict[str, Any]) -> Any:
    """A silent Highs holding ``lp`` with ``options``."""
    h = hs.Highs()
    h.setOptionValue("output_flag", False)
    for key, value in options.items():
        h.setOptionValue(key, value)
    h.passModel(lp)
    return h


def _relaxation(hs: Any, lp: Any) -> tuple[str, F64, F64, float]:
    """(status ``optimal``/``infeasible``/``other``, values, reduced costs, objective) of the
    LP relaxation of ``lp``."""
    integrality = lp.integrality_
    lp.integrality_ = []
    try:
        h = _highs(hs, lp, {})
        h.run()
    finally:
        lp.integrality_ = integrality
    status = h.getModelStatus()
    if status == hs.HighsModelStatus.kInfeasible:
        return "infeasible", np.zeros(0), np.zeros(0), math.inf
    if status != hs.HighsModelStatus.kOptimal:
        return "other", np.zeros(0), np.zeros(0), -math.inf
    sol = h.getSolution()
    return (
        "optimal",
        np.asarray(sol.col_value, dtype=float),
        np.asarray(sol.col_dual, dtype=float),
        float(h.getInfo().objective_function_value),
    )


def _restricted(
    hs: Any, lp: Any, m: Model, z_lp: F64, gap: float, time_limit_s: float
) -> F64 | None:
    """Solution of the MILP with every column at its lower bound in the relaxation fixed
    there and every other integer column within :data:`WINDOW` of its relaxed value; without
    the window when that has none (None when neither has one)."""
    at_lb = z_lp <= m.lb + SUPPORT_TOL
    ints = np.asarray(m.integrality, dtype=bool) & ~at_lb
    upper, lower = lp.col_upper_, lp.col_lower_
    support_upper = np.where(at_lb, m.lb, upper)
    windowed = (
        np.where(
            ints, np.minimum(support_upper, np.ceil(z_lp - SUPPORT_TOL) + WINDOW), support_upper
        ),
        np.where(ints, np.maximum(lower, np.floor(z_lp + SUPPORT_TOL) - WINDOW), lower),
    )
    try:
        for col_upper, col_lower in (windowed, (support_upper, lower)):
            lp.col_upper_, lp.col_lower_ = col_upper, col_lower
            h = _highs(hs, lp, {"mip_rel_gap": gap, "time_limit": time_limit_s})
            h.run()
            if int(h.getInfo().primal_solution_status) == 2:  # kSolutionStatusFeasible
                return np.asarray(h.getSolution().col_value, dtype=float)
    finally:
        lp.col_upper_, lp.col_lower_ = upper, lower
    return None


def feasible(m: Model, z: F64) -> bool:
    """``z`` meets every bound, integrality and row of ``m`` within
    :data:`~gigawatt.optimize.tolerances.FEASIBILITY_TOL` (relative to ``max(1, |bound|)``)."""
    if len(z) != m.n_vars:
        return False
    tol_lb = FEASIBILITY_TOL * np.maximum(1.0, np.abs(m.lb))
    tol_ub = FEASIBILITY_TOL * np.maximum(1.0, np.where(np.isinf(m.ub), 1.0, np.abs(m.ub)))
    if np.any(z < m.lb - tol_lb) or np.any(z > m.ub + tol_ub):
        return False
    ints = np.asarray(m.integrality, dtype=bool)
    if np.any(np.abs(z[ints] - np.rint(z[ints])) > FEASIBILITY_TOL):
        return False
    if not m.names:
        return True
    act = np.zeros(len(m.names))
    np.add.at(act, np.asarray(m.rows), np.asarray(m.vals) * z[np.asarray(m.cols)])
    lo, hi = np.asarray(m.row_lb, dtype=float), np.asarray(m.row_ub, dtype=float)
    tol_lo = FEASIBILITY_TOL * np.maximum(1.0, np.where(np.isinf(lo), 1.0, np.abs(lo)))
    tol_hi = FEASIBILITY_TOL * np.maximum(1.0, np.where(np.isinf(hi), 1.0, np.abs(hi)))
    return bool(np.all(act >= lo - tol_lo) and np.all(act <= hi + tol_hi))


def _reduced_cost_bounds(m: Model, z_lp: F64, d: F64, lp_bound: float, incumbent: float) -> F64:
    """Upper bounds of step 3 of the module docstring."""
    scale = max(1.0, float(np.max(np.abs(m.c))) if len(m.c) else 1.0)
    room = (incumbent - lp_bound) * (1.0 + BOUND_MARGIN) + BOUND_MARGIN * max(1.0, abs(incumbent))
    upper = np.array(m.ub, dtype=float)
    cols = np.nonzero((d > DUAL_TOL * scale) & (z_lp <= m.lb + SUPPORT_TOL))[0]
    bound = m.lb[cols] + room / d[cols]
    ints = np.asarray(m.integrality, dtype=bool)[cols]
    bound = np.where(ints, np.floor(bound + BOUND_MARGIN), bound)
    upper[cols] = np.maximum(m.lb[cols], np.minimum(upper[cols], bound))
    return upper


def _consider(warm: Warm, m: Model, z: F64) -> None:
    """Make ``z`` the incumbent when it is feasible and better."""
    if feasible(m, z):
        objective = float(np.dot(m.c, z))
        if objective < warm.objective:
            warm.z, warm.objective = z, objective


def warm_start(
    hs: Any, m: Model, lp: Any, start: F64 | None, gap: float, time_limit_s: float
) -> Warm:
    """Steps 1-3 of the module docstring for ``m`` (``lp`` its HighsLp, left unchanged)."""
    status, z_lp, d, lp_bound = _relaxation(hs, lp)
    if status == "infeasible":
        return Warm(True)
    if status != "optimal":
        return Warm(False)
    warm = Warm(False, lp_bound)
    if start is not None:
        _consider(warm, m, np.asarray(start, dtype=float))
    if warm.gap() > gap:  # the start, if any, is not good enough: try the restricted MILP
        restricted = _restricted(hs, lp, m, z_lp, gap, time_limit_s)
        if restricted is not None:
            _consider(warm, m, restricted)
    if warm.z is not None:
        warm.col_upper = _reduced_cost_bounds(m, z_lp, d, lp_bound, warm.objective)
    return warm
