"""Baselines: definitions in the output, the all-hyperscaler-on-demand comparison on the workloads
it covers, and savings against each."""

from __future__ import annotations

import pytest
from helpers_optimize import (
    AWS_H100,
    COREWEAVE_H100,
    LAMBDA_H100,
    catalog,
    price,
    scenario,
    serving,
    solve_checked,
    table_for,
)

from gigawatt.optimize.greedy import (
    GREEDY_DEFINITION,
    HYPERSCALER_DEFINITION,
    baseline_summary,
    greedy_plan,
    hyperscaler_on_demand,
)

pytest.importorskip("scipy")

HOURS = 30 * 24.0


def test_hyperscaler_baseline_takes_the_cheapest_hyperscaler_on_demand_offer() -> None:
    spec = scenario([serving("chat"), serving("api", venues=["lambda"])])
    table = table_for(spec)
    base = hyperscaler_on_demand(table, catalog())
    assert base["definition"] == HYPERSCALER_DEFINITION
    assert [c["offer"] for c in base["choices"]] == [AWS_H100]
    assert base["missing"] == ["api"]  # pinned to a neocloud
    assert base["cost_usd"] == pytest.approx(price(AWS_H100) * 2 * HOURS)


def test_savings_are_against_each_baseline_on_the_same_workloads() -> None:
    spec = scenario([serving("chat"), serving("api", venues=["lambda"])])
    table = table_for(spec)
    sol = solve_checked(table, spec)
    greedy = greedy_plan(table, spec, catalog()).to_dict(table)
    assert greedy["definition"] == GREEDY_DEFINITION
    rows = [
        {"workload": o.workload, "cost_usd": o.usage_usd_per_unit * int(sol.units[o.index])}
        for o in table.options
        if sol.units[o.index] > 0
    ]
    out = baseline_summary(greedy, hyperscaler_on_demand(table, catalog()), sol.cost_usd, rows)
    hyper = out["hyperscaler_on_demand"]
    chat_cost = price(LAMBDA_H100) * 2 * HOURS
    assert hyper["workloads"] == ["chat"]
    assert hyper["plan_cost_usd_same_workloads"] == pytest.approx(chat_cost)
    assert hyper["saving"]["usd"] == pytest.approx(
        (price(AWS_H100) - price(LAMBDA_H100)) * 2 * HOURS
    )
    assert out["greedy"]["saving"]["usd"] == pytest.approx(greedy["cost_usd"] - sol.cost_usd)


def test_no_hyperscaler_in_the_scenario_means_no_comparison() -> None:
    spec = scenario([serving("chat")], offers=[LAMBDA_H100, COREWEAVE_H100])
    table = table_for(spec)
    base = hyperscaler_on_demand(table, catalog())
    assert base["cost_usd"] is None and base["missing"] == ["chat"]
    summary = baseline_summary({}, base, 1.0, [])
    assert summary["hyperscaler_on_demand"]["saving"] is None
