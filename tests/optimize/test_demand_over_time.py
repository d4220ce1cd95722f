"""Demand over time in the plan: committed capacity sized once, pay-per-use chosen per demand
level, movable jobs filling valleys, recurring jobs, preemption and per-workload caps."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from helpers_optimize import (
    AWS_H100,
    AWS_H100_RESERVED,
    Stub,
    catalog,
    scenario,
    serving,
    solve_checked,
    training,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from gigawatt.catalog import Catalog
from gigawatt.evaluate.table import OptionTable
from gigawatt.evaluate.table_build import build_option_table
from gigawatt.optimize.build import Weights, build_model
from gigawatt.optimize.solve import Solution, solve_model
from gigawatt.spec import Scenario

pytest.importorskip("scipy")

BURSTY = {"shape": "bursty", "peak_to_mean": 8, "peak_share": 0.1}
PEAK_UNITS = 72  # base level (1/8 - 0.1) / 0.9 of the peak = 2 units exactly


def _priced(on_demand_usd: float, reserved_usd: float) -> Catalog:
    """The per-accelerator test catalog with the two H100 offers at the given prices."""
    cat = copy.deepcopy(catalog())
    cat.tables["offers"][AWS_H100]["price_usd_per_accel_h"] = on_demand_usd
    cat.tables["offers"][AWS_H100_RESERVED]["price_usd_per_accel_h"] = reserved_usd
    return cat


def _solve(spec: Scenario, cat: Catalog, stub: Any) -> tuple[OptionTable, Solution]:
    table = build_option_table(spec, cat, performance=stub)
    sol = solve_checked(table, spec, checker_catalog=cat)
    assert sol.ok, sol.message
    return table, sol


def _units(table: OptionTable, sol: Solution, pricing: str) -> int:
    return sum(int(sol.units[o.index]) for o in table.options if o.pricing_model == pricing)


def _bursty_plan(on_demand_usd: float, ratio: float) -> tuple[OptionTable, Solution]:
    spec = scenario(
        [serving("chat", load=BURSTY)],
        offers=[AWS_H100, AWS_H100_RESERVED],
        horizon_days=365,
    )
    stub = Stub(units={"h100-sxm": float(PEAK_UNITS)}, unit=1)
    return _solve(spec, _priced(on_demand_usd, ratio * on_demand_usd), stub)


@settings(max_examples=25, deadline=None)
@given(
    on_demand=st.floats(1.0, 12.0),
    ratio=st.floats(0.02, 0.9).filter(lambda r: abs(r - 0.1) > 0.005),
)
def test_peak_goes_to_pay_per_use_exactly_when_committing_costs_more(
    on_demand: float, ratio: float
) -> None:
    """Peak/mean 8, at the peak 10 % of the time: committing one accelerator for a year costs
    ``ratio x on_demand x 8,760 h``; renting it for the peak hours costs ``on_demand x 876 h``.
    The peak (70 of the 72 units) goes on demand iff ``ratio > 0.1``; the base (2 units) is
    committed, since ``ratio < 1``."""
    table, sol = _bursty_plan(on_demand, ratio)
    reserved = sol.pool_sizes.get(f"offer:{AWS_H100_RESERVED}", 0)
    rented = _units(table, sol, "on_demand")
    if ratio > 0.1:
        assert (reserved, rented) == (2, PEAK_UNITS - 2)
    else:
        assert (reserved, rented) == (PEAK_UNITS, 0)


def test_rented_peak_is_billed_for_its_hours_only() -> None:
    table, sol = _bursty_plan(6.88, 0.6)
    hours = 365 * 24.0
    expected = 2 * 0.6 * 6.88 * hours + (PEAK_UNITS - 2) * 6.88 * hours * 0.1
    assert sol.cost_usd == pytest.approx(expected, rel=1e-6)
    assert any("continuous units per demand level" in n for n in table.notes)


def test_steady_load_never_rents_when_committing_is_cheaper() -> None:
    spec = scenario([serving("chat")], offers=[AWS_H100, AWS_H100_RESERVED], horizon_days=365)
    table, sol = _solve(spec, _priced(6.88, 4.0), Stub(units={"h100-sxm": 10.0}))
    assert _units(table, sol, "on_demand") == 0
    assert sol.pool_sizes[f"offer:{AWS_H100_RESERVED}"] == 10


def test_a_movable_job_fills_the_valleys_of_a_pool() -> None:
    """A diurnal service holds 8 accelerators at its peak and far fewer at night; a training job
    of 4 accelerators needing a quarter of its window's hours runs in the valleys: the pool
    stays at 8 (held all the time it would need 12)."""
    diurnal = {"shape": "diurnal", "peak_to_mean": 2}
    spec = scenario(
        [serving("chat", load=diurnal), training("tune", deadline_days=28)],
        offers=[AWS_H100_RESERVED],
        horizon_days=365,
    )
    stub = Stub(units={"h100-sxm": 8.0}, unit=1, train_h=28 * 24 * 0.25)
    stub_train = _TrainUnit(stub, 4)
    _table, sol = _solve(spec, _priced(6.88, 4.0), stub_train)
    assert sol.pool_sizes[f"offer:{AWS_H100_RESERVED}"] == 8
    fills = [k for k in sol.time_use if k[0] == "fill"]
    assert fills, "the job's hours are placed per block"


class _TrainUnit:
    """A stub whose training job takes ``count`` accelerators."""

    def __init__(self, stub: Stub, count: int) -> None:
        self.stub, self.count = stub, count

    def __call__(self, workload: Any, *args: Any) -> Any:
        perf = self.stub(workload, *args)
        if workload.kind == "finetune":
            return type(perf)(self.count, 1.0, perf.hours, 1.0, True, "stub")
        return perf


def test_recurring_job_pays_every_run() -> None:
    once = scenario([training("tune", deadline_days=7)], offers=[AWS_H100], horizon_days=90)
    monthly = scenario(
        [training("tune", deadline_days=7, every_days=30)], offers=[AWS_H100], horizon_days=90
    )
    cat = _priced(6.88, 4.0)
    _, one = _solve(once, cat, Stub(train_h=24.0))
    table, three = _solve(monthly, cat, Stub(train_h=24.0))
    assert three.cost_usd == pytest.approx(3 * one.cost_usd)
    assert len(table.options[0].windows) == 3


@pytest.mark.parametrize(
    ("workload", "spot_allowed"),
    [
        (serving("chat"), False),
        (serving("chat", preemptible=True), True),
        (training("tune"), True),
        (training("tune", preemptible=False), False),
    ],
)
def test_only_preemptible_work_runs_on_spot(workload: dict[str, Any], spot_allowed: bool) -> None:
    spot = "aws-p5-h100-sxm-spot-us-east-1"
    spec = scenario([workload], offers=[spot], horizon_days=30)
    table = build_option_table(spec, catalog(), performance=Stub())
    assert bool(table.options) == spot_allowed
    if not spot_allowed:
        assert "not preemptible" in table.rejected[0].detail


def test_max_accelerators_caps_a_workload() -> None:
    spec = scenario(
        [serving("chat", max_accelerators=6)], offers=[AWS_H100, AWS_H100_RESERVED], horizon_days=30
    )
    table = build_option_table(spec, catalog(), performance=Stub(units={"h100-sxm": 8.0}))
    sol = solve_model(build_model(table, Weights()), table)
    assert sol.status == "infeasible"
    spec = scenario(
        [serving("chat", max_accelerators=8)], offers=[AWS_H100, AWS_H100_RESERVED], horizon_days=30
    )
    _, sol = _solve(spec, catalog(), Stub(units={"h100-sxm": 8.0}))
    assert int(sol.units.sum()) == 8
