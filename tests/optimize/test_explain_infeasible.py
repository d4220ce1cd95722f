"""Infeasibility advice: the least value of a limit that admits a plan is solved for (not read
off a cost-optimal relaxed plan), and fixes name only what the scenario lacks."""

from __future__ import annotations

from typing import Any

import pytest
from helpers_optimize import AWS_A100, LAMBDA_H100, Stub, catalog, scenario, serving, table_for

from gigawatt.evaluate.performance import Performance
from gigawatt.evaluate.table import OptionTable
from gigawatt.optimize.build import build_model
from gigawatt.optimize.explain_infeasible import explain_infeasibility, least_limit
from gigawatt.optimize.solve import solve_model

pytest.importorskip("scipy")


def _power_mw(table: OptionTable, offer: str) -> float:
    o = next(o for o in table.options if o.offer == offer)
    return o.power_kw_per_unit * o.units / 1000.0


def test_least_power_is_the_least_needed_not_the_cheapest_plans_draw() -> None:
    stub = Stub({"h100-sxm": 2.0, "a100-sxm-80gb": 3.0})
    offers = [LAMBDA_H100, AWS_A100]
    free = table_for(scenario([serving("chat")], offers=offers), stub)
    cheap = min(free.options, key=free.alone_cost_usd)
    frugal = min(free.options, key=lambda o: o.power_kw_per_unit * o.units)
    assert cheap.offer == LAMBDA_H100 and frugal.offer == AWS_A100  # the case under test
    least = _power_mw(free, AWS_A100)
    assert least < _power_mw(free, LAMBDA_H100)
    capped = scenario(
        [serving("chat")], offers=offers, limits={"power_caps": [{"power_cap_mw": least / 2}]}
    )
    table = table_for(capped, stub)
    assert not solve_model(build_model(table), table).ok
    assert least_limit(table, "power_caps[0]") == pytest.approx(least, rel=1e-6)
    why = explain_infeasibility(table)
    assert why["conflicts"][0]["needed"] == pytest.approx(least, rel=1e-6)
    assert why["fixes"][0].startswith("raise power_caps[0], the ")


def test_least_accelerator_cap_admits_a_plan_and_one_less_does_not() -> None:
    stub = Stub({"h100-sxm": 3.4})
    spec = scenario([serving("chat")], limits={"accelerator_caps": [{"max_count": 1}]})
    table = table_for(spec, stub)
    need = least_limit(table, "accelerator_caps[0]")
    assert need == pytest.approx(4.0)
    for cap, ok in ((need, True), (need - 1, False)):
        spec = scenario([serving("chat")], limits={"accelerator_caps": [{"max_count": cap}]})
        t = table_for(spec, stub)
        assert solve_model(build_model(t), t).ok is ok


def test_least_owned_count_when_only_owned_hardware_qualifies() -> None:
    owned = [{"accelerator": "h100-sxm", "count": 1, "venue": "onprem", "region": "fr"}]
    chat = serving("chat", venues=["onprem"], accelerators=["h100-sxm"])
    spec = scenario([chat], owned_hardware=owned, venues=["onprem"], offers=None)
    table = table_for(spec, Stub({"h100-sxm": 2.5}))
    owned_only = [o for o in table.options if o.pricing_model == "owned"]
    assert owned_only
    key = owned_only[0].pool
    assert key is not None
    need = least_limit(table, key)
    assert need is not None and need <= 3


def test_fixes_name_only_venues_the_scenario_lacks() -> None:
    data = {"allowed_jurisdictions": ["fr"], "sovereign_only": True}
    spec = scenario([serving("chat", data=data)], venues=["aws", "azure"], offers=None)
    table = table_for(spec)
    assert not table.options
    why = explain_infeasibility(table, None, spec, catalog())
    text = " ".join(why["fixes"])
    assert "onprem" in text
    for present in ("aws", "azure"):
        assert f" {present}," not in text and not text.endswith(f" {present})")


class _SlowOn(Stub):
    """The stub, but ``slow`` misses the SLO."""

    def __init__(self, slow: str) -> None:
        super().__init__()
        self.slow = slow

    def __call__(self, workload: Any, accelerator: str, *rest: Any) -> Performance:
        perf = super().__call__(workload, accelerator, *rest)
        if accelerator == self.slow:
            return Performance(perf.unit_accelerators, perf.units_needed, 1.0, 0.5, False, "slow")
        return perf


def test_pricing_advice_names_only_hardware_that_would_meet_the_slo() -> None:
    # two purchasable accelerators the catalog gives no price (h800 had none until issue 19)
    chat = serving("chat", venues=["onprem"], accelerators=["mi355x", "mi325x"])
    spec = scenario([chat], venues=["onprem"], offers=None)
    table = table_for(spec, _SlowOn("mi325x"))
    assert not table.options
    fixes = " ".join(explain_infeasibility(table, None, spec, catalog())["fixes"])
    assert "give mi355x a purchase_price_usd" in fixes
    assert "mi325x a purchase" not in fixes and "mi325x, " not in fixes
