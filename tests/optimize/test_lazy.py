"""Large tables: dominance pruning and lazy caps give the same optimum as the full model."""

from __future__ import annotations

import random
import sys

import numpy as np
import pytest

from gigawatt.evaluate.table import Limit, OptionTable, Pool, TableOption
from gigawatt.optimize import lazy as lazy_module
from gigawatt.optimize.build import Weights, build_model
from gigawatt.optimize.explain import limit_usage
from gigawatt.optimize.lazy import (
    BASELINE_PATH,
    DEFAULT_PATH,
    repair_plan,
    solve_with_lazy_limits,
)
from gigawatt.optimize.prune import prune_dominated
from gigawatt.optimize.solve import SolverMissingError, solve_model

pytest.importorskip("scipy")


def _table(seed: int, cap: float) -> OptionTable:
    """40 unsplittable jobs x 30 options (whole units, so pruning is exact), a pool shared over
    time, and a power cap on half of the options."""
    rng = random.Random(seed)
    options: list[TableOption] = []
    for w in range(40):
        start = float(rng.choice([0, 0, 10]))
        for _ in range(30):
            pooled = rng.random() < 0.2
            units = float(rng.randint(1, 4))
            options.append(
                TableOption(
                    index=len(options),
                    workload=f"w{w}",
                    workload_index=w,
                    kind="finetune",
                    splittable=False,
                    venue="v",
                    offer=None,
                    accelerator="a",
                    region="r",
                    pricing_model="reserved_1y" if pooled else "on_demand",
                    payment="committed" if pooled else "pay_per_use",
                    price_usd_per_accel_h=1.0,
                    unit_accelerators=1,
                    units_needed=units,
                    hours=10.0,
                    usage_usd_per_unit=0.0 if pooled else rng.uniform(5, 50),
                    energy_kwh_per_unit=1.0,
                    co2_location_kg_per_unit=rng.uniform(1, 10),
                    power_kw_per_unit=rng.uniform(1, 10),
                    it_power_kw_per_unit=1.0,
                    pool="offer:p" if pooled else None,
                    windows=((start, start + 10.0),),
                    slo_met=True,
                    detail="synthetic",
                )
            )
    pools = {"offer:p": Pool("offer:p", "committed", "v", "a", "r", "p", 30.0, None, "test")}
    table = OptionTable(
        "lazy", 20.0, tuple(f"w{w}" for w in range(40)), options, pools, [], [], {}, None, {}
    )
    table.power_caps.append(Limit("power_caps[0]", "facility", cap, "half"))
    table.cap_members["power_caps[0]"] = [o.index for o in options if o.index % 2 == 0]
    return table


@pytest.mark.parametrize(("seed", "cap"), [(1, 1e9), (2, 60.0), (3, 30.0)])
def test_lazy_pruned_solve_matches_the_full_model(seed: int, cap: float) -> None:
    table = _table(seed, cap)
    full = solve_model(build_model(table), table, mip_rel_gap=1e-9)
    used, _, lazy, rounds = solve_with_lazy_limits(table, Weights(), carbon=False, above=0)
    assert full.ok and lazy.ok
    assert lazy.cost_usd == pytest.approx(full.cost_usd, rel=1e-6)
    assert len(used.options) < len(table.options)
    if cap > 1e8:
        assert rounds == []
    if cap == 30.0:  # binds: enforced after the relaxed plan broke it
        assert rounds == [["power_caps[0]"]]
    pruned = prune_dominated(table, 0, carbon=True)
    both = solve_model(build_model(pruned), pruned, mip_rel_gap=1e-9)
    assert both.cost_usd == pytest.approx(full.cost_usd, rel=1e-6)


def test_missing_solver_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    table = _table(1, 1e9)
    monkeypatch.setitem(sys.modules, "scipy", None)
    monkeypatch.setitem(sys.modules, "highspy", None)
    with pytest.raises(SolverMissingError, match=r"gigawatt\[plan\]"):
        solve_model(build_model(table), table)


@pytest.mark.parametrize(("seed", "cap"), [(2, 60.0), (3, 30.0)])
def test_backends_and_cover_cuts_give_the_same_optimum(seed: int, cap: float) -> None:
    pytest.importorskip("highspy")
    table = _table(seed, cap)
    plain = solve_model(
        build_model(table, cover_cuts=False), table, mip_rel_gap=1e-9, backend="scipy"
    )
    cuts = solve_model(build_model(table), table, mip_rel_gap=1e-9, backend="highspy")
    assert plain.ok and cuts.ok
    assert cuts.cost_usd == pytest.approx(plain.cost_usd, rel=1e-6)


def test_new_and_baseline_paths_agree_on_a_binding_cap() -> None:
    table = _table(3, 30.0)
    base = solve_with_lazy_limits(table, Weights(), carbon=False, above=0, path=BASELINE_PATH)
    new = solve_with_lazy_limits(table, Weights(), carbon=False, above=0, path=DEFAULT_PATH)
    assert base[2].ok and new[2].ok
    assert new[2].cost_usd == pytest.approx(base[2].cost_usd, rel=1e-6)
    assert new[3] == base[3] == [["power_caps[0]"]]


def test_repaired_plan_meets_every_cap_and_its_certified_gap(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    table = _table(3, 30.0)
    exact = solve_model(build_model(table), table, mip_rel_gap=1e-9)
    relaxed_table = prune_dominated(table, 0, carbon=False, limits=frozenset())
    relaxed_model = build_model(relaxed_table, relax=frozenset({"power_caps[0]"}))
    relaxed = solve_model(relaxed_model, relaxed_table, mip_rel_gap=1e-9)
    capped_table = prune_dominated(table, 0, carbon=False)
    capped = build_model(capped_table)
    z = repair_plan(capped, capped_table, np.zeros(len(capped_table.options), dtype=np.int64))
    assert z is not None and not z.any()  # nothing deployed breaks no cap: nothing moved
    # accept any repaired plan within 50 %: it must be feasible and honest about its gap
    monkeypatch.setattr(lazy_module, "default_gap", lambda m: 0.5)
    used, model, sol, rounds = solve_with_lazy_limits(table, Weights(), carbon=False, above=0)
    assert rounds == [["power_caps[0]"]]
    assert "repaired" in sol.message  # accepted without a second MILP
    assert sol.ok and sol.mip_gap is not None and sol.dual_bound is not None
    assert sol.dual_bound <= exact.cost_usd * (1 + 1e-9)
    assert sol.cost_usd >= exact.cost_usd * (1 - 1e-9)
    assert (sol.cost_usd - exact.cost_usd) / sol.cost_usd <= sol.mip_gap + 1e-9
    assert limit_usage(used, model, sol, "power_caps[0]") <= 30.0 / 1000.0 + 1e-12  # MW
    assert relaxed.ok and relaxed.cost_usd <= exact.cost_usd * (1 + 1e-9)
