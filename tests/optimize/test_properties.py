"""Property: more capacity never raises the optimal cost (synthetic option tables)."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gigawatt.evaluate.table import Limit, OptionTable, TableOption
from gigawatt.optimize.build import build_model
from gigawatt.optimize.solve import solve_model

pytest.importorskip("scipy")


def _option(i: int, w: int, cost: float, need: float, unit: int, capped: bool) -> TableOption:
    return TableOption(
        index=i,
        workload=f"w{w}",
        workload_index=w,
        kind="online_inference",
        splittable=True,
        venue="v-capped" if capped else "v-free",
        offer=f"o{i}",
        accelerator="a",
        region="r",
        pricing_model="on_demand",
        payment="pay_per_use",
        price_usd_per_accel_h=cost,
        unit_accelerators=unit,
        units_needed=need,
        hours=1.0,
        usage_usd_per_unit=cost * unit,
        energy_kwh_per_unit=1.0,
        co2_location_kg_per_unit=1.0,
        power_kw_per_unit=float(unit),
        it_power_kw_per_unit=float(unit),
        pool=None,
        windows=((0.0, 10.0),),
        slo_met=True,
        detail="synthetic",
    )


@st.composite
def tables(draw: st.DrawFn) -> tuple[OptionTable, int, int]:
    n_work = draw(st.integers(1, 3))
    options: list[TableOption] = []
    for w in range(n_work):
        for _ in range(draw(st.integers(1, 3))):
            options.append(
                _option(
                    len(options),
                    w,
                    draw(st.floats(0.5, 10.0)),
                    draw(st.floats(0.2, 5.0)),
                    draw(st.sampled_from([1, 2, 4])),
                    draw(st.booleans()),
                )
            )
    table = OptionTable(
        "synthetic",
        10.0,
        tuple(f"w{w}" for w in range(n_work)),
        options,
        {},
        [],
        [],
        {},
        None,
        {},
    )
    table.accelerator_caps.append(Limit("accelerator_caps[0]", "accelerators", 0.0, "capped"))
    table.cap_members["accelerator_caps[0]"] = [o.index for o in options if o.venue == "v-capped"]
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
