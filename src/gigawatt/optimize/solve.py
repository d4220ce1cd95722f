"""Solver seam: a :class:`~gigawatt.optimize.build.Model` -> a :class:`Solution`, with HiGHS
through :func:`scipy.optimize.milp` (the optional ``[plan]`` extra)."""

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
from gigawatt.optimize.build import Model
from gigawatt.optimize.table import OptionTable

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


class SolverMissingError(GigawattError):
    """scipy (the ``[plan]`` extra) is not installed."""


@dataclass
class Solution:
    """Result of one solve. ``shares[o]`` share of its workload served by option ``o``,
    ``units[o]`` units deployed there, ``pool_sizes[key]`` accelerators per pool; totals in
    USD and kgCO2e."""

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


def _scipy() -> Any:
    try:
        from scipy import optimize, sparse  # type: ignore[import-untyped]
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise SolverMissingError(
            "gigawatt plan needs scipy (HiGHS): pip install 'gigawatt[plan]'"
        ) from exc
    return optimize, sparse


def solve_model(
    m: Model,
    table: OptionTable,
    *,
    time_limit_s: float = TIME_LIMIT_S,
    mip_rel_gap: float | None = None,
) -> Solution:
    """Solve with HiGHS; totals are recomputed from the table (not from the objective).
    ``mip_rel_gap`` defaults to :data:`MIP_REL_GAP`, or :data:`LARGE_MIP_REL_GAP` above
    :data:`LARGE_MODEL_OPTIONS` options."""
    if mip_rel_gap is None:
        large = m.n_options > LARGE_MODEL_OPTIONS
        mip_rel_gap = LARGE_MIP_REL_GAP if large else MIP_REL_GAP
    optimize, sparse = _scipy()
    n_rows = len(m.names)
    constraints = []
    a = None
    if n_rows:
        a = sparse.csr_array(
            (np.asarray(m.vals, dtype=float), (np.asarray(m.rows), np.asarray(m.cols))),
            shape=(n_rows, m.n_vars),
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
        if status == "time_limit":
            status = "time_limit_no_solution"
        return Solution(status, str(res.message))
    if status == "time_limit":
        status = "time_limit_feasible"
    z = np.asarray(res.x, dtype=float)
    k = m.n_options
    z[k : 2 * k] = np.rint(z[k : 2 * k])
    if a is not None:
        # a pool holds what its busiest period draws (free owned pools may come back larger)
        usage = a @ z
        peak: dict[int, float] = {}
        for r, name in enumerate(m.names):
            if name.family == "pool":
                q = m.pool_keys.index(name.key)
                peak[q] = max(peak.get(q, 0.0), float(usage[r]) + z[m.pool(q)])
        for q in range(len(m.pool_keys)):
            z[m.pool(q)] = math.ceil(peak.get(q, 0.0) - 1e-6)
    shares = np.clip(z[:k], 0.0, 1.0)
    units = np.rint(z[k : 2 * k]).astype(np.int64)
    pools = {key: int(np.rint(z[2 * k + q])) for q, key in enumerate(m.pool_keys)}
    cost = float(
        sum(o.usage_usd_per_unit * units[o.index] for o in table.options)
        + sum(table.pools[key].usd_per_accelerator * n for key, n in pools.items())
    )
    co2 = float(sum(o.co2_location_kg_per_unit * units[o.index] for o in table.options))
    activity = a @ z if a is not None else np.zeros(0)
    return Solution(
        status,
        str(res.message),
        float(res.fun),
        shares,
        units,
        pools,
        cost,
        co2,
        np.asarray(activity, dtype=float),
        _float_or_none(getattr(res, "mip_gap", None)),
        _float_or_none(getattr(res, "mip_dual_bound", None)),
    )


def _float_or_none(value: Any) -> float | None:
    if value is None:
        return None
    v = float(value)
    return v if math.isfinite(v) else None
