"""Property: more capacity never raises the optimal cost (synthetic option tables)."""

from __future__ import annotations

import math

import pytest
from helpers_optimize import capped_table, synthetic_option
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gigawatt.evaluate.table import Limit, OptionTable, TableOption
from gigawatt.optimize.build import build_model
from gigawatt.optimize.solve import solve_model

pytest.importorskip("scipy")


@st.composite
def tables(draw: st.DrawFn) -> tuple[OptionTable, int, int]:
    n_work = draw(st.integers(1, 3))
    options: list[TableOption] = []
    for w in range(n_work):
        for _ in range(draw(st.integers(1, 3))):
            options.append(
                synthetic_option(
                    len(options),
                    w,
                    draw(st.floats(0.5, 10.0)),
                    draw(st.floats(0.2, 5.0)),
                    draw(st.sampled_from([1, 2, 4])),
                    draw(st.booleans()),
                )
            )
    table = capped_table(options, n_work, 0.0)
    return table, draw(st.integers(0, 12)), draw(st.integers(0, 12))


def _cost(table: OptionTable, cap: int) -> float:
    table.accelerator_caps[0] = Limit("accelerator_caps[0]", "accelerators", float(cap), "capped")
    sol = solve_model(build_model(table), table)
    return sol.cost_usd if sol.ok else math.inf


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_more_capacity_never_raises_the_optimal_cost(case: tuple[OptionTable, int, int]) -> None:
    table, cap, extra = case
    tight, loose = _cost(table, cap), _cost(table, cap + extra)
    assert loose <= tight * (1 + 1e-5) + 1e-9
