"""Runner-up amounts match the plan totals, the per-workload sentence says only what is true of
the plan, and its "what would change that" claim holds when tried."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from helpers_optimize import (
    AWS_H100,
    AWS_H100_RESERVED,
    COREWEAVE_H100,
    LAMBDA_H100,
    scenario,
    serving,
    solve_checked,
    table_for,
    used,
)

from gigawatt.evaluate.table import OptionTable
from gigawatt.optimize.build import Weights, build_model
from gigawatt.optimize.explain import runner_ups
from gigawatt.optimize.explain_text import _money, workload_sentences
from gigawatt.optimize.solve import Solution, solve_model

pytest.importorskip("scipy")


def _plan_dict(table: OptionTable, sol: Solution, ups: dict[str, Any]) -> dict[str, Any]:
    rows = [
        {
            "workload": o.workload,
            "venue": o.venue,
            "offer": o.offer,
            "accelerator": o.accelerator,
            "region": o.region,
            "count": int(sol.units[o.index]) * o.unit_accelerators,
            "pricing_model": o.pricing_model,
            "share": float(sol.shares[o.index]),
            "cost_usd": o.usage_usd_per_unit * int(sol.units[o.index]),
            "co2_location_kg": 0.0,
            "pool": o.pool,
        }
        for o in table.options
        if sol.units[o.index] > 0
    ]
    return {"objective": "cost", "assignments": rows, "runner_ups": ups}


def test_runner_up_difference_is_the_forced_total_less_the_plan_total() -> None:
    spec = scenario([serving("chat"), serving("api")], offers=[LAMBDA_H100, COREWEAVE_H100])
    table = table_for(spec)
    sol = solve_checked(table, spec)
    ups = runner_ups(table, sol, Weights())
    for entry in ups.values():
        forced = entry["forced"]
        assert forced["feasible"]
        assert forced["plan_total"] == pytest.approx(sol.cost_usd)
        assert forced["difference"] == pytest.approx(forced["total"] - sol.cost_usd)
        assert forced["difference"] >= 0  # the plan is optimal
        assert "more" in entry["why_lost"] and "less" not in entry["why_lost"]


def test_a_one_workload_plan_claims_no_sharing() -> None:
    spec = scenario([serving("chat")], offers=[AWS_H100, AWS_H100_RESERVED], horizon_days=365)
    table = table_for(spec)
    sol = solve_checked(table, spec)
    assert used(table, sol) == {AWS_H100_RESERVED: 2}
    ups = runner_ups(table, sol, Weights())
    text = workload_sentences(_plan_dict(table, sol, ups))["chat"]
    assert "other workloads" not in text and "shares" not in text
    assert text.startswith("chat runs on 2 1-year reserved h100-sxm at aws")
    diff = ups["chat"]["forced"]["difference"]
    assert f"raise the plan total by {_money(diff, 'USD')}" in text


def test_the_price_cut_named_in_the_sentence_moves_the_workload() -> None:
    spec = scenario([serving("chat")], offers=[LAMBDA_H100, COREWEAVE_H100])
    table = table_for(spec)
    sol = solve_checked(table, spec)
    assert used(table, sol) == {LAMBDA_H100: 2}
    ups = runner_ups(table, sol, Weights())
    entry = ups["chat"]
    cut = entry["forced"]["difference"] / entry["runner_up"]["alone_value"]
    text = workload_sentences(_plan_dict(table, sol, ups))["chat"]
    assert f"if running there cost {cut:.0%} less" in text
    runner = next(o for o in table.options if o.offer == COREWEAVE_H100)
    for factor, moves in ((1.0 - cut - 0.01, True), (1.0 - cut + 0.01, False)):
        prices = np.ones(len(table.options))
        prices[runner.index] = factor
        new = solve_model(build_model(table, Weights(), price_factor=prices), table)
        assert bool(new.units[runner.index] > 0) is moves
