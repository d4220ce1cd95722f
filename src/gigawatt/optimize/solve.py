"""Solver seam: a :class:`~gigawatt.optimize.build.Model` -> a :class:`Solution`, with HiGHS
through ``highspy`` (accepts a starting solution) or, when it is missing,
:func:`scipy.optimize.milp` (both in the optional ``[plan]`` extra)."""

from __future__ import annotations

import contextlib
import math
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gigawatt.errors import GigawattError
from gigawatt.evaluate.table import OptionTable, TableOption
from gigawatt.optimize.build import Model, co2_coefficients, cost_coefficients
from gigawatt.optimize.tolerances import FEASIBILITY_TOL, ROUNDOFF
from gigawatt.optimize.warm import warm_start

F64 = NDArray[np.float64]
MIP_REL_GAP = 1e-6
"""Relative optimality gap HiGHS stops at (small models)."""
LARGE_MODEL_OPTIONS = 2000
"""Above this many options the gap is relaxed to :data:`LARGE_MIP_REL_GAP`."""
LARGE_MIP_REL_GAP = 5e-3
"""Relative optimality gap of large models (closing the last tenths of a percent of unit
rounding over thousands of workloads takes minutes); the gap reached is reported."""
TIME_LIMIT_S = 60.0
"""Wall-clock limit of one solve [s]."""
LARGE_MODEL_HIGHS_OPTIONS: dict[str, bool | int | float | str] = {
    "mip_heuristic_run_rens": False,
}
"""HiGHS options for models above :data:`LARGE_MODEL_OPTIONS` (highspy only): on the
benchmark's relaxed model (12,000 options) the RENS heuristic takes most of the time and the
gap target is reached without it (4.3 s -> 1.7 s); docs/models/plan.md has the numbers."""
DIFFERENCE_RTOL = 0.02
"""A re-solve compared with a reference plan (explanations) stops once its difference from the
reference objective is known to within this fraction of itself (highspy only)."""
BACKENDS = ("auto", "highspy", "scipy")
"""``auto``: highspy when installed, else scipy (benchmarks compare the two)."""


class SolverMissingError(GigawattError):
    """Neither highspy nor scipy (the ``[plan]`` extra) is installed."""


@dataclass
class Solution:
    """Result of one solve. ``shares[o]`` share of its workload served by option ``o``,
    ``units[o]`` units deployed there, ``pool_sizes[key]`` accelerators per pool; totals in
    USD and kgCO2e; ``z`` the column vector."""

    status: str
    message: str
    objective: float = math.nan
    shares: F64 = field(default_factory=lambda: np.zeros(0))
    units: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    pool_sizes: dict[str, int] = field(default_factory=dict)
    cost_usd: float = math.nan
    co2_location_kg: float = math.nan
    row_activity: F64 = field(default_factory=lambda: np.zeros(0))
    mip_gap: float | None = None
    dual_bound: float | None = None
    time_use: dict[tuple[str, int, int], float] = field(default_factory=dict)
    """Units of the time-use columns (:attr:`Model.extra`) that are not zero."""
    z: F64 = field(default_factory=lambda: np.zeros(0))
    """The solved column vector (units rounded, pools resized): a starting point for re-solves
    of models with the same columns."""

    @property
    def ok(self) -> bool:
        """A feasible plan was found."""
        return self.status in ("optimal", "time_limit_feasible")


@contextlib.contextmanager
def _quiet_stdout() -> Iterator[None]:
    """Silence HiGHS diagnostics written straight to file descriptor 1 (they would corrupt
    ``--json`` output)."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        yield
        return
    sys.stdout.flush()
    saved = os.dup(fd)
    try:
        with Path(os.devnull).open("w") as null:
            os.dup2(null.fileno(), fd)
            yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)


def _highspy() -> Any:
    try:
        # deferred: optional extra gigawatt[plan] (scipy/highspy); imported only when solving
        import highspy
    except ImportError:
        return None
    return highspy


def _scipy() -> Any:
    try:
        # deferred: optional extra gigawatt[plan] (scipy/highspy); imported only when solving
        from scipy import optimize, sparse  # type: ignore[import-untyped]
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise SolverMissingError(
            "gigawatt plan needs highspy or scipy (HiGHS): pip install 'gigawatt[plan]'"
        ) from exc
    return optimize, sparse


def _csc(m: Model) -> tuple[F64, NDArray[np.int64], NDArray[np.int64]]:
    """The constraint matrix column-wise (values, row indices, column starts), duplicates
    summed."""
    rows = np.asarray(m.rows, dtype=np.int64)
    cols = np.asarray(m.cols, dtype=np.int64)
    vals = np.asarray(m.vals, dtype=float)
    order = np.lexsort((rows, cols))
    rows, cols, vals = rows[order], cols[order], vals[order]
    if len(rows):
        new = np.ones(len(rows), dtype=bool)
        new[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
        idx = np.cumsum(new) - 1
        vals = np.bincount(idx, weights=vals)
        rows, cols = rows[new], cols[new]
    starts = np.zeros(m.n_vars + 1, dtype=np.int64)
    np.cumsum(np.bincount(cols, minlength=m.n_vars), out=starts[1:])
    return np.asarray(vals, dtype=float), rows.astype(np.int64), starts


def activity(m: Model, z: F64) -> F64:
    """Row activities ``A z``."""
    out = np.zeros(len(m.names))
    if m.rows:
        np.add.at(out, np.asarray(m.rows), np.asarray(m.vals) * z[np.asarray(m.cols)])
    return out


@dataclass
class _Raw:
    """What a backend returns: status, message, objective, solution vector, gap, bound."""

    status: str
    message: str
    objective: float = math.nan
    z: F64 | None = None
    mip_gap: float | None = None
    dual_bound: float | None = None


def _highs_lp(hs: Any, m: Model) -> Any:
    """``m`` as a ``highspy.HighsLp`` (infinite bounds as HiGHS's infinity)."""
    inf = float(hs.kHighsInf)
    lp = hs.HighsLp()
    lp.num_col_ = m.n_vars
    lp.num_row_ = len(m.names)
    lp.col_cost_ = np.asarray(m.c, dtype=float)
    lp.col_lower_ = np.asarray(m.lb, dtype=float)
    lp.col_upper_ = np.where(np.isinf(m.ub), inf, m.ub)
    lp.row_lower_ = np.where(np.isinf(m.row_lb), -inf, np.asarray(m.row_lb, dtype=float))
    lp.row_upper_ = np.where(np.isinf(m.row_ub), inf, np.asarray(m.row_ub, dtype=float))
    vals, rows, starts = _csc(m)
    lp.a_matrix_.format_ = hs.MatrixFormat.kColwise
    lp.a_matrix_.num_col_ = m.n_vars
    lp.a_matrix_.num_row_ = len(m.names)
    lp.a_matrix_.start_ = starts
    lp.a_matrix_.index_ = rows
    lp.a_matrix_.value_ = vals
    kinds = (hs.HighsVarType.kContinuous, hs.HighsVarType.kInteger)
    lp.integrality_ = [kinds[int(i)] for i in m.integrality]
    return lp


def _highs_status(hs: Any, model_status: Any, has_solution: bool) -> str:
    """Our status for a HiGHS model status."""
    ms = hs.HighsModelStatus
    if model_status == ms.kOptimal:
        return "optimal"
    if model_status in (ms.kTimeLimit, ms.kIterationLimit, ms.kSolutionLimit):
        return "time_limit"
    if model_status == ms.kInfeasible:
        return "infeasible"
    if model_status in (ms.kUnbounded, ms.kUnboundedOrInfeasible):
        return "unbounded" if has_solution else "infeasible"
    return "error"


def _run_highspy(
    hs: Any,
    m: Model,
    time_limit_s: float,
    mip_rel_gap: float,
    start: F64 | None,
    reference: float | None = None,
) -> _Raw:
    """Solve with highspy: warm-started (:mod:`gigawatt.optimize.warm`, from ``start`` when it
    is feasible and better than what the warm start finds) up to :data:`LARGE_MODEL_OPTIONS`
    options, else from ``start`` as given; with a ``reference`` objective, to an absolute gap
    of :data:`DIFFERENCE_RTOL` of the warm incumbent's difference from it."""
    with _quiet_stdout():  # the banner of a first Highs() may go to file descriptor 1
        h = hs.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit_s))
    h.setOptionValue("mip_rel_gap", float(mip_rel_gap))
    lp = _highs_lp(hs, m)
    if m.n_options > LARGE_MODEL_OPTIONS:
        for key, value in LARGE_MODEL_HIGHS_OPTIONS.items():
            h.setOptionValue(key, value)
    elif any(m.integrality):
        warm = warm_start(hs, m, lp, start, mip_rel_gap, time_limit_s)
        if warm.infeasible:
            return _Raw("infeasible", "Infeasible")
        abs_gap = _abs_gap(warm.objective, reference)
        if warm.z is not None and (
            warm.gap() <= mip_rel_gap or warm.objective - warm.lp_bound <= abs_gap
        ):
            return _Raw("optimal", "Optimal", warm.objective, warm.z, warm.gap(), warm.lp_bound)
        if warm.col_upper is not None:
            lp.col_upper_ = warm.col_upper
            h.setOptionValue("mip_heuristic_run_feasibility_jump", False)  # it has a plan
        if abs_gap > 0:
            h.setOptionValue("mip_abs_gap", abs_gap)
        start = warm.z
    h.passModel(lp)
    if start is not None:
        sol = hs.HighsSolution()
        sol.col_value = [float(v) for v in start]
        sol.value_valid = True
        h.setSolution(sol)
    h.run()
    raw = _highspy_result(hs, h)
    if start is not None and raw.z is not None and not _objective_matches(m, raw):
        # HiGHS 1.16 may report the optimum's objective yet return the start's columns when
        # it solves the model at the root: solve again without the start (tests hold both)
        h.clearSolver()
        h.passModel(lp)
        h.run()
        raw = _highspy_result(hs, h)
    return raw


def _objective_matches(m: Model, raw: _Raw) -> bool:
    """The columns HiGHS returned have the objective it reported (to round-off)."""
    assert raw.z is not None
    value = float(np.dot(m.c, raw.z))
    return abs(value - raw.objective) <= 1e-7 * max(1.0, abs(raw.objective))


def _abs_gap(incumbent: float, reference: float | None) -> float:
    """Absolute gap that knows ``incumbent - reference`` to within :data:`DIFFERENCE_RTOL`
    (0 without a reference or incumbent)."""
    if reference is None or not math.isfinite(incumbent):
        return 0.0
    return DIFFERENCE_RTOL * abs(incumbent - reference)


def _highspy_result(hs: Any, h: Any) -> _Raw:
    """What a finished ``h`` found."""
    model_status = h.getModelStatus()
    info = h.getInfo()
    has_solution = int(info.primal_solution_status) == 2  # kSolutionStatusFeasible
    status = _highs_status(hs, model_status, has_solution)
    message = str(h.modelStatusToString(model_status))
    if not has_solution or status in ("infeasible", "unbounded", "error"):
        return _Raw(status, message)
    z = np.asarray(h.getSolution().col_value, dtype=float)
    return _Raw(
        status,
        message,
        float(info.objective_function_value),
        z,
        _float_or_none(info.mip_gap),
        _float_or_none(info.mip_dual_bound),
    )


def _run_scipy(m: Model, time_limit_s: float, mip_rel_gap: float) -> _Raw:
    optimize, sparse = _scipy()
    constraints = []
    if m.names:
        a = sparse.csr_array(
            (np.asarray(m.vals, dtype=float), (np.asarray(m.rows), np.asarray(m.cols))),
            shape=(len(m.names), m.n_vars),
        )
        constraints.append(optimize.LinearConstraint(a, np.asarray(m.row_lb), np.asarray(m.row_ub)))
    with _quiet_stdout():
        res = optimize.milp(
            m.c,
            integrality=m.integrality,
            bounds=optimize.Bounds(m.lb, m.ub),
            constraints=constraints,
            options={"time_limit": time_limit_s, "mip_rel_gap": mip_rel_gap, "presolve": True},
        )
    status = {0: "optimal", 1: "time_limit", 2: "infeasible", 3: "unbounded"}.get(
        int(res.status), "error"
    )
    if res.x is None:
        return _Raw(status, str(res.message))
    return _Raw(
        status,
        str(res.message),
        float(res.fun),
        np.asarray(res.x, dtype=float),
        _float_or_none(getattr(res, "mip_gap", None)),
        _float_or_none(getattr(res, "mip_dual_bound", None)),
    )


def default_gap(m: Model) -> float:
    """The relative optimality gap a model is solved to: :data:`MIP_REL_GAP`, or
    :data:`LARGE_MIP_REL_GAP` above :data:`LARGE_MODEL_OPTIONS` options."""
    return LARGE_MIP_REL_GAP if m.n_options > LARGE_MODEL_OPTIONS else MIP_REL_GAP


def solve_model(
    m: Model,
    table: OptionTable,
    *,
    time_limit_s: float = TIME_LIMIT_S,
    mip_rel_gap: float | None = None,
    start: F64 | None = None,
    backend: str = "auto",
    reference: float | None = None,
) -> Solution:
    """Solve with HiGHS (highspy when installed, else scipy); totals are recomputed from the
    table (not from the objective). ``mip_rel_gap`` defaults to :data:`MIP_REL_GAP`, or
    :data:`LARGE_MIP_REL_GAP` above :data:`LARGE_MODEL_OPTIONS` options. ``start`` is a
    feasible point (all columns) HiGHS starts from (highspy only; ignored by scipy, and by
    HiGHS when it is not feasible); ``backend`` one of :data:`BACKENDS`; ``reference`` an
    objective value the result is compared with (see :data:`DIFFERENCE_RTOL`)."""
    if mip_rel_gap is None:
        mip_rel_gap = default_gap(m)
    if _empty_row_unmet(m):
        return Solution("infeasible", "Infeasible: a constraint has no variable and excludes 0")
    hs = _highspy() if backend != "scipy" else None
    if hs is None and backend == "highspy":
        raise SolverMissingError("highspy is not installed: pip install 'gigawatt[plan]'")
    if hs is not None:
        raw = _run_highspy(hs, m, time_limit_s, mip_rel_gap, start, reference)
    else:
        raw = _run_scipy(m, time_limit_s, mip_rel_gap)
    if raw.z is None:
        status = "time_limit_no_solution" if raw.status == "time_limit" else raw.status
        return Solution(status, raw.message)
    status = "time_limit_feasible" if raw.status == "time_limit" else raw.status
    return solution_from_vector(
        m, table, raw.z, status, raw.message, raw.objective, raw.mip_gap, raw.dual_bound
    )


def _empty_row_unmet(m: Model) -> bool:
    """A row without any coefficient whose bounds exclude 0 (a workload without options):
    infeasible whatever the variables (HiGHS would report an empty model, not infeasibility)."""
    used = np.zeros(len(m.names), dtype=bool)
    if m.rows:
        used[np.asarray(m.rows)] = True
    lo = np.asarray(m.row_lb, dtype=float)
    hi = np.asarray(m.row_ub, dtype=float)
    return bool(np.any(~used & ((lo > FEASIBILITY_TOL) | (hi < -FEASIBILITY_TOL))))


def billed_units(table: OptionTable, sol: Solution, o: TableOption) -> float:
    """Units of ``o`` in ``sol`` averaged over the hours: the peak's units for the peak's hours
    and each lower demand level's units for its hours (a flat workload: its units); usage cost,
    energy and emissions per unit scale with it."""
    levels = table.levels_of(o.workload_index)
    total = levels.hours_share[0] * float(sol.units[o.index])
    for k in range(1, len(levels.values)):
        total += levels.hours_share[k] * sol.time_use.get(("level", o.index, k), 0.0)
    return total


def solution_from_vector(
    m: Model,
    table: OptionTable,
    z: F64,
    status: str,
    message: str,
    objective: float,
    mip_gap: float | None = None,
    dual_bound: float | None = None,
) -> Solution:
    """A :class:`Solution` from a column vector: units rounded, each pool sized to what its
    busiest period draws (free owned pools may come back larger), totals from the table."""
    z = np.array(z, dtype=float)
    k = m.n_options
    n = z[k : 2 * k]  # whole units; continuous ones (per-token slices) rounded up, never down
    z[k : 2 * k] = np.where(m.integrality[k : 2 * k] == 1, np.rint(n), np.ceil(n - ROUNDOFF))
    tail = 2 * k + len(m.pool_keys)
    whole = tail + np.flatnonzero(m.integrality[tail:])
    z[whole] = np.rint(z[whole])
    if m.names:
        usage = activity(m, z)
        peak: dict[int, float] = {}
        index = {key: q for q, key in enumerate(m.pool_keys)}
        for r, name in enumerate(m.names):
            if name.family == "pool":
                q = index[name.key]
                size = table.pools[name.key].instance_accelerators
                drawn = float(usage[r]) + size * z[m.pool(q)]
                peak[q] = max(peak.get(q, 0.0), drawn / size)
        for q in range(len(m.pool_keys)):
            z[m.pool(q)] = math.ceil(peak.get(q, 0.0) - FEASIBILITY_TOL)
    shares = np.clip(z[:k], 0.0, 1.0)
    units = np.rint(z[k : 2 * k]).astype(np.int64)
    pools = {
        key: int(np.rint(z[2 * k + q])) * table.pools[key].instance_accelerators
        for q, key in enumerate(m.pool_keys)
    }
    cost = float(sum(v * z[c] for c, v in cost_coefficients(m, table)))
    co2 = float(sum(v * z[c] for c, v in co2_coefficients(m, table)))
    time_use = {
        key: float(z[tail + j]) for j, key in enumerate(m.extra) if z[tail + j] > FEASIBILITY_TOL
    }
    return Solution(
        status,
        message,
        objective,
        shares,
        units,
        pools,
        cost,
        co2,
        activity(m, z) if m.names else np.zeros(0),
        mip_gap,
        dual_bound,
        time_use,
        z,
    )


def _float_or_none(value: Any) -> float | None:
    if value is None:
        return None
    v = float(value)
    return v if math.isfinite(v) else None
