"""Pool dominance (cheaper equal committed pools) and the units' upper bounds remove no optimum."""

from __future__ import annotations

import dataclasses
import random

import numpy as np
import pytest
from helpers_optimize import AWS_H100, AWS_H100_RESERVED, Stub, catalog, scenario, serving

from gigawatt.evaluate.table import OptionTable, Pool, TableOption
from gigawatt.evaluate.table_build import build_option_table
from gigawatt.optimize.build import build_model
from gigawatt.optimize.prune import prune_dominated
from gigawatt.optimize.prune_pools import dominated_pools
from gigawatt.optimize.solve import solve_model

pytest.importorskip("scipy")

POOLS = {
    "offer:cheap": (30.0, None),
    "offer:dear": (40.0, None),
    "offer:capped": (20.0, 6),  # cheapest, but its count limit keeps it from dominating
}


def _option(
    i: int, w: int, units: float, start: float, pool: str | None, usd: float
) -> TableOption:
    return TableOption(
        index=i,
        workload=f"w{w}",
        workload_index=w,
        kind="finetune",
        splittable=False,
        venue="v",
        offer=None if pool is None else pool.split(":")[1],
        accelerator="a",
        region="r",
        pricing_model="on_demand" if pool is None else "reserved_1y",
        payment="pay_per_use" if pool is None else "committed",
        price_usd_per_accel_h=1.0,
        unit_accelerators=1,
        units_needed=units,
        hours=10.0,
        usage_usd_per_unit=usd,
        energy_kwh_per_unit=1.0,
        co2_location_kg_per_unit=1.0,
        power_kw_per_unit=1.0,
        it_power_kw_per_unit=1.0,
        pool=pool,
        windows=((start, start + 10.0),),
        slo_met=True,
        detail="synthetic",
    )


def _table(seed: int, twin_missing: bool = False) -> OptionTable:
    """30 jobs at two start days, each on every pool and on demand; with ``twin_missing`` one
    job cannot use the cheap pool."""
    rng = random.Random(seed)
    options: list[TableOption] = []
    for w in range(30):
        units, start = float(rng.randint(1, 4)), float(rng.choice([0, 10]))
        options.append(_option(len(options), w, units, start, None, rng.uniform(20, 60)))
        for key in POOLS:
            if twin_missing and w == 0 and key == "offer:cheap":
                continue
            options.append(_option(len(options), w, units, start, key, 0.0))
    pools = {
        k: Pool(k, "committed", "v", "a", "r", k.split(":")[1], usd, cap, "test")
        for k, (usd, cap) in POOLS.items()
    }
    workloads = tuple(f"w{w}" for w in range(30))
    return OptionTable("pools", 20.0, workloads, options, pools, [], [], {}, None, {})


def test_a_cheaper_equal_uncapped_pool_dominates() -> None:
    assert dominated_pools(_table(1), {}) == {"offer:dear"}


def test_no_dominance_without_a_twin_for_every_user() -> None:
    assert dominated_pools(_table(1, twin_missing=True), {}) == set()


def test_no_dominance_across_different_shared_limits() -> None:
    table = _table(1)
    in_cap = {o.index: ["accelerator_caps[0]"] for o in table.options if o.pool == "offer:cheap"}
    assert dominated_pools(table, in_cap) == set()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_pruned_pools_keep_the_optimum(seed: int) -> None:
    table = _table(seed)
    full = solve_model(build_model(table), table, mip_rel_gap=1e-9)
    pruned = prune_dominated(table, 0, carbon=True)
    assert not any(o.pool == "offer:dear" for o in pruned.options)
    assert "committed pools dominated" in pruned.notes[-1]
    both = solve_model(build_model(pruned), pruned, mip_rel_gap=1e-9)
    assert full.ok and both.ok
    assert both.cost_usd == pytest.approx(full.cost_usd, rel=1e-9)


def _profiled_table() -> OptionTable:
    spec = scenario(
        [
            serving("chat", load={"shape": "diurnal", "peak_to_mean": 1.8}),
            serving("rag", qps=2, load={"shape": "bursty", "peak_to_mean": 5, "peak_share": 0.1}),
        ],
        offers=[AWS_H100, AWS_H100_RESERVED],
        horizon_days=365,
    )
    return build_option_table(spec, catalog(), performance=Stub({"h100-sxm": 7.3}))


def test_unit_bounds_keep_the_optimum_of_a_profiled_table() -> None:
    table = _profiled_table()
    bounded = build_model(table)
    free = dataclasses.replace(bounded, ub=np.where(bounded.ub < 1.5, bounded.ub, np.inf))
    n_cols = [bounded.n(o.index) for o in table.options]
    assert np.all(np.isfinite(bounded.ub[n_cols])) and not np.all(np.isfinite(free.ub[n_cols]))
    a = solve_model(bounded, table, mip_rel_gap=1e-9)
    b = solve_model(free, table, mip_rel_gap=1e-9)
    assert a.ok and b.ok
    assert a.cost_usd == pytest.approx(b.cost_usd, rel=1e-9)
    for o in table.options:  # the bound is the whole units of the workload alone
        assert bounded.ub[bounded.n(o.index)] == np.ceil(o.units_needed - 1e-9)
