"""The warm-started HiGHS solve reaches the same optimum as a cold solve (synthetic tables with
binding caps, so that rounding and reduced-cost bounds matter), and uses a given start only when
it is feasible."""

from __future__ import annotations

import math

import numpy as np
import pytest
from helpers_optimize import capped_table, synthetic_option
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gigawatt.evaluate.table import OptionTable, TableOption
from gigawatt.optimize.build import build_model
from gigawatt.optimize.solve import _highs_lp, solve_model
from gigawatt.optimize.warm import _reduced_cost_bounds, _relaxation, feasible

highspy = pytest.importorskip("highspy")
pytest.importorskip("scipy")


@st.composite
def capped_tables(draw: st.DrawFn) -> OptionTable:
    """1-4 workloads, 1-4 options each, a cap on the options of one venue."""
    options: list[TableOption] = []
    n_work = draw(st.integers(1, 4))
    for w in range(n_work):
        for _ in range(draw(st.integers(1, 4))):
            options.append(
                synthetic_option(
                    len(options),
                    w,
                    draw(st.floats(0.5, 10.0)),
                    draw(st.floats(0.2, 40.0)),
                    draw(st.sampled_from([1, 2, 4, 8])),
                    draw(st.booleans()),
                )
            )
    return capped_table(options, n_work, float(draw(st.integers(0, 120))))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(capped_tables())
def test_warm_start_reaches_the_cold_optimum(table: OptionTable) -> None:
    m = build_model(table)
    warm = solve_model(m, table, mip_rel_gap=1e-9, backend="highspy")
    cold = solve_model(m, table, mip_rel_gap=1e-9, backend="scipy")
    assert warm.ok == cold.ok
    if warm.ok:
        assert warm.cost_usd == pytest.approx(cold.cost_usd, rel=1e-6)
        assert feasible(m, warm.z)


def _two_offers() -> OptionTable:
    options = [
        synthetic_option(0, 0, 2.0, 3.5, 1, True),
        synthetic_option(1, 0, 3.0, 3.5, 1, False),
    ]
    return OptionTable("two", 10.0, ("w0",), options, {}, [], [], {}, None, {})


def test_a_feasible_start_is_kept_and_an_infeasible_one_ignored() -> None:
    table = _two_offers()
    m = build_model(table)
    best = solve_model(m, table, backend="highspy")
    assert best.cost_usd == pytest.approx(2.0 * 4)
    bad = np.zeros(m.n_vars)  # serves nothing: breaks the assignment row
    assert not feasible(m, bad)
    assert solve_model(m, table, start=bad, backend="highspy").cost_usd == pytest.approx(8.0)
    assert feasible(m, best.z)
    again = solve_model(m, table, start=best.z, backend="highspy")
    assert again.cost_usd == pytest.approx(best.cost_usd)


def test_a_workload_without_options_is_infeasible_not_an_error() -> None:
    table = OptionTable("none", 10.0, ("w0",), [], {}, [], [], {}, None, {})
    sol = solve_model(build_model(table), table)
    assert sol.status == "infeasible"


def test_a_reference_stops_once_the_difference_is_known() -> None:
    table = _two_offers()
    m = build_model(table)
    m.lb[m.x(1)] = 1.0  # force the dearer offer
    sol = solve_model(m, table, reference=8.0, backend="highspy")
    assert sol.ok
    assert sol.cost_usd - 8.0 == pytest.approx(3.0 * 4 - 8.0)
    assert math.isfinite(sol.objective)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(capped_tables())
def test_reduced_cost_bounds_keep_every_optimal_plan(table: OptionTable) -> None:
    m = build_model(table)
    cold = solve_model(m, table, mip_rel_gap=1e-9, backend="scipy")
    if not cold.ok:
        return
    status, z_lp, duals, bound = _relaxation(highspy, _highs_lp(highspy, m))
    assert status == "optimal"
    upper = _reduced_cost_bounds(m, z_lp, duals, bound, cold.objective)
    assert np.all(cold.z <= upper + 1e-6)


def test_the_start_never_hides_a_better_optimum() -> None:
    """HiGHS 1.16 reports the optimum's objective (5) but returns the start's columns (6) on
    this table when given a start; the solve must return the optimum's columns."""
    options = [
        synthetic_option(0, 0, 1.0, 2.0, 1, True),
        synthetic_option(1, 0, 1.0, 1.0, 2, True),
        synthetic_option(2, 0, 1.0, 2.0, 2, False),
        synthetic_option(3, 1, 1.0, 2.0, 1, False),
        synthetic_option(4, 1, 1.0, 1.5, 1, False),
    ]
    table = capped_table(options, 2, 1.0)
    m = build_model(table)
    cold = solve_model(m, table, mip_rel_gap=1e-9, backend="scipy")
    warm = solve_model(m, table, mip_rel_gap=1e-9, backend="highspy")
    assert cold.cost_usd == pytest.approx(5.0)
    assert warm.cost_usd == pytest.approx(cold.cost_usd)
    assert float(np.dot(m.c, warm.z)) == pytest.approx(5.0)
