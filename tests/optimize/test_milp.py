"""The placement MILP on hand-solvable cases; the independent checker runs on every solve."""

from __future__ import annotations

import math

import numpy as np
import pytest
from helpers_optimize import (
    AWS_A100,
    AWS_H100,
    AWS_H100_RESERVED,
    COREWEAVE_H100,
    LAMBDA_H100,
    Stub,
    catalog,
    price,
    scenario,
    serving,
    solve_checked,
    table_for,
    training,
    used,
)

from gigawatt.optimize.build import CARBON_WEIGHTS, Weights, build_model, periods
from gigawatt.optimize.check import check_plan
from gigawatt.optimize.explain import (
    binding_constraints,
    explain_infeasibility,
    pareto_front,
    price_sensitivity,
    runner_ups,
)
from gigawatt.optimize.greedy import greedy_plan
from gigawatt.optimize.solve import solve_model

pytest.importorskip("scipy")

HOURS = 30 * 24.0


def test_cheapest_offer_carries_the_workload() -> None:
    spec = scenario([serving("chat")])
    table = table_for(spec)
    sol = solve_checked(table, spec)
    assert sol.status == "optimal"
    assert used(table, sol) == {LAMBDA_H100: 2}
    assert sol.cost_usd == pytest.approx(price(LAMBDA_H100) * 2 * HOURS)


def test_accelerator_cap_splits_the_workload() -> None:
    caps = [{"offer": LAMBDA_H100, "max_count": 1}]
    spec = scenario([serving("chat")], limits={"accelerator_caps": caps})
    table = table_for(spec)
    sol = solve_checked(table, spec)
    assert used(table, sol) == {LAMBDA_H100: 1, COREWEAVE_H100: 1}
    expected = (price(LAMBDA_H100) + price(COREWEAVE_H100)) * HOURS
    assert sol.cost_usd == pytest.approx(expected)
    shares = {table.options[i].offer: s for i, s in enumerate(sol.shares) if s > 0}
    assert sum(shares.values()) == pytest.approx(1.0)
    binding = binding_constraints(table, build_model(table), sol, Weights())
    assert [b["constraint"] for b in binding] == ["accelerator_caps[0]"]
    assert binding[0]["saving_if_relaxed_usd"] == pytest.approx(
        (price(COREWEAVE_H100) - price(LAMBDA_H100)) * HOURS
    )


def test_fractional_need_rounds_up_to_whole_units() -> None:
    spec = scenario([serving("chat")], offers=[LAMBDA_H100])
    table = table_for(spec, Stub({"h100-sxm": 2.2}, unit=4))
    sol = solve_checked(table, spec)
    assert used(table, sol) == {LAMBDA_H100: 3}
    assert sol.cost_usd == pytest.approx(price(LAMBDA_H100) * 12 * HOURS)


def test_steady_load_fills_a_reserved_pool_and_a_short_job_rents() -> None:
    spec = scenario(
        [serving("chat-a"), serving("chat-b"), training("tune")],
        offers=[AWS_H100, AWS_H100_RESERVED],
        horizon_days=365,
    )
    table = table_for(spec, Stub(train_h=24.0, unit=1))
    sol = solve_checked(table, spec)
    key = f"offer:{AWS_H100_RESERVED}"
    assert sol.pool_sizes[key] == 4  # both steady workloads share one pool
    pool_cost = price(AWS_H100_RESERVED) * 365 * 24 * 4
    train_cost = price(AWS_H100) * 24.0
    assert sol.cost_usd == pytest.approx(pool_cost + train_cost)
    tune = [o for o in table.options if o.workload == "tune" and sol.units[o.index] > 0]
    assert [o.pricing_model for o in tune] == ["on_demand"]


def test_pool_is_shared_over_time_not_summed() -> None:
    spec = scenario(
        [training("tune", deadline_days=100), serving("chat", start_day=100)],
        offers=[AWS_H100_RESERVED],
        horizon_days=365,
    )
    table = table_for(spec, Stub(unit=2, train_h=2000.0))
    assert len(periods(table)) == 2
    sol = solve_checked(table, spec)
    # training holds 2 accelerators in days 0-100, serving 2 units x 2 from day 100
    assert sol.pool_sizes[f"offer:{AWS_H100_RESERVED}"] == 4


def test_training_is_not_split() -> None:
    caps = [{"offer": LAMBDA_H100, "max_count": 1}]
    spec = scenario([training("tune")], limits={"accelerator_caps": caps})
    table = table_for(spec, Stub(unit=2))
    sol = solve_checked(table, spec)
    assert used(table, sol) == {COREWEAVE_H100: 1}
    assert sorted(float(s) for s in sol.shares if s > 0) == [1.0]


def test_carbon_objective_prefers_the_cleaner_grid() -> None:
    spec = scenario([serving("chat")])
    table = table_for(spec)
    cheap = solve_checked(table, spec)
    clean = solve_checked(table, spec, CARBON_WEIGHTS)
    assert clean.co2_location_kg <= cheap.co2_location_kg
    front = pareto_front(table)
    assert front[0].cost_usd == pytest.approx(cheap.cost_usd)
    assert front[-1].co2_location_kg == pytest.approx(clean.co2_location_kg)
    costs = [p.cost_usd for p in front]
    assert costs == sorted(costs)


def test_budget_infeasibility_is_explained() -> None:
    spec = scenario([serving("chat")], limits={"budget_usd": 1000})
    table = table_for(spec)
    sol = solve_model(build_model(table), table)
    assert sol.status == "infeasible"
    why = explain_infeasibility(table)
    assert why["conflicts"][0]["constraint"] == "budget"
    assert why["conflicts"][0]["needed"] == pytest.approx(price(LAMBDA_H100) * 2 * HOURS)
    assert "raise budget" in why["fixes"][0]


def test_power_cap_infeasibility_names_the_cap_and_the_power_needed() -> None:
    spec = scenario([serving("chat")], limits={"power_caps": [{"power_cap_mw": 0.001}]})
    table = table_for(spec)
    assert not solve_model(build_model(table), table).ok
    why = explain_infeasibility(table)
    conflict = why["conflicts"][0]
    assert conflict["constraint"] == "power_caps[0]"
    assert conflict["unit"] == "MW"
    assert conflict["needed"] > 0.001


def test_workload_without_options_is_explained() -> None:
    spec = scenario(
        [serving("chat", data={"allowed_jurisdictions": ["fr"]})],
    )
    table = table_for(spec)
    why = explain_infeasibility(table)
    assert why["conflicts"][0]["excluded_by_screening"] == {"jurisdiction": 3}
    assert any("jurisdictions" in f for f in why["fixes"])


def test_checker_catches_broken_plans() -> None:
    caps = [{"offer": LAMBDA_H100, "max_count": 1}]
    spec = scenario([serving("chat")], limits={"accelerator_caps": caps, "budget_usd": 10_000})
    table = table_for(spec)
    sol = solve_checked(table, spec)
    units = sol.units.copy()
    units[units > 0] = 0
    report = check_plan(table, spec, sol.shares, units, sol.pool_sizes, catalog=catalog())
    assert not report["ok"]
    assert any(v.startswith("sizing") for v in report["violations"])
    lam = next(o.index for o in table.options if o.offer == LAMBDA_H100)
    shares = np.zeros(len(table.options))
    shares[lam] = 1.0
    units = np.zeros(len(table.options), dtype=np.int64)
    units[lam] = 2
    report = check_plan(table, spec, shares, units, {}, catalog=catalog(), reported_cost_usd=1.0)
    assert any(v.startswith("accelerator_caps[0]") for v in report["violations"])
    assert any(v.startswith("total cost") for v in report["violations"])


def test_greedy_ignores_speed_and_the_milp_does_not() -> None:
    spec = scenario([serving("chat")], offers=[AWS_A100, LAMBDA_H100])
    # the A100 is cheaper per hour but needs 4 units where the H100 needs 1
    table = table_for(spec, Stub({"a100-sxm-80gb": 4.0, "h100-sxm": 1.0}))
    greedy = greedy_plan(table, spec, catalog())
    assert greedy.feasible
    assert [o.offer for o in greedy.choices] == [AWS_A100]
    assert greedy.cost_usd == pytest.approx(price(AWS_A100) * 4 * HOURS)
    sol = solve_checked(table, spec)
    assert used(table, sol) == {LAMBDA_H100: 1}
    assert sol.cost_usd < greedy.cost_usd
    ups = runner_ups(table, sol, Weights())
    assert ups["chat"]["runner_up"]["offer"] == AWS_A100
    assert "more" in ups["chat"]["why_lost"]


def test_greedy_breaking_a_shared_limit_has_no_cost() -> None:
    caps = [{"offer": AWS_A100, "max_count": 1}]
    spec = scenario(
        [serving("chat")], offers=[AWS_A100, LAMBDA_H100], limits={"accelerator_caps": caps}
    )
    table = table_for(spec)
    greedy = greedy_plan(table, spec, catalog())
    assert not greedy.feasible
    assert greedy.to_dict(table)["cost_usd"] is None


def test_price_sensitivity_moves_the_plan() -> None:
    spec = scenario([serving("chat")], offers=[AWS_H100, AWS_H100_RESERVED], horizon_days=365)
    table = table_for(spec)
    sol = solve_checked(table, spec)
    assert used(table, sol) == {AWS_H100_RESERVED: 2}
    moves = price_sensitivity(table, sol, Weights(), moves=(0.8,))
    commit = next(m for m in moves if m["prices"] == "commitments")
    assert commit["changed_workloads"] == ["chat"]  # reserved +80% loses to on-demand
    assert commit["total_cost_usd"] == pytest.approx(price(AWS_H100) * 2 * 365 * 24)
    assert math.isfinite(commit["total_co2_location_kg"])
