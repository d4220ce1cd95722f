"""Hand-solvable planning cases: real catalog offers, a stub performance model."""

from __future__ import annotations

import copy
from typing import Any

from gigawatt.catalog import Catalog, load_catalog
from gigawatt.evaluate.performance import Performance
from gigawatt.evaluate.table import Limit, OptionTable, TableOption
from gigawatt.evaluate.table_build import build_option_table
from gigawatt.optimize.build import Weights, build_model
from gigawatt.optimize.check import check_plan
from gigawatt.optimize.solve import Solution, solve_model
from gigawatt.spec import Scenario, parse_scenario

_CATALOG: list[Catalog] = []

LAMBDA_H100 = "lambda-h100-sxm-on-demand-us-south-1"  # 3.99 USD/accelerator-h
COREWEAVE_H100 = "coreweave-h100-sxm-on-demand-us-east"  # 6.155
AWS_H100 = "aws-p5-h100-sxm-on-demand-us-east-1"  # 6.88
AWS_H100_RESERVED = "aws-p5-h100-sxm-reserved-1y-us-east-1"  # 4.128, 12 months
AWS_A100 = "aws-p4de-a100-sxm-80gb-on-demand-us-east-1"  # 3.4309


def catalog() -> Catalog:
    """The bundled catalog, loaded once, with every offer rented per accelerator (instances of
    one accelerator and no capacity limit), so that the hand-solvable cases stay hand-solvable;
    tests of whole instances and capacity use :func:`bundled`."""
    if not _CATALOG:
        cat = load_catalog()
        per_accelerator = copy.deepcopy(cat)
        for row in per_accelerator.tables["offers"].values():
            row["accelerators_per_instance"] = 1
            for key in ("max_accelerators_low", "max_accelerators", "max_accelerators_high"):
                row[key] = None
        _CATALOG.extend([per_accelerator, cat])
    return _CATALOG[0]


def bundled() -> Catalog:
    """The bundled catalog as shipped (whole instances, capacity limits)."""
    catalog()
    return _CATALOG[1]


def price(offer: str) -> float:
    """Catalog price of ``offer`` [USD/accelerator-h]."""
    return float(catalog().get("offers", offer)["price_usd_per_accel_h"])


def serving(name: str, **extra: Any) -> dict[str, Any]:
    """An online workload (the stub decides its size)."""
    return {
        "name": name,
        "kind": "online_inference",
        "model": "llama-3.1-8b",
        "qps": 1,
        "input_tokens_per_request": 100,
        "output_tokens_per_request": 100,
        "slo": {"p95_ttft_s": 1.0},
        **extra,
    }


def training(name: str, deadline_days: float = 7, **extra: Any) -> dict[str, Any]:
    """A fine-tuning job (the stub decides its size)."""
    return {
        "name": name,
        "kind": "finetune",
        "model": "llama-3.1-8b",
        "method": "lora",
        "tokens": 1_000_000,
        "slo": {"deadline_days": deadline_days},
        **extra,
    }


def scenario(workloads: list[dict[str, Any]], **top: Any) -> Scenario:
    """A scenario over explicit offers (default: the H100 offers above)."""
    data: dict[str, Any] = {
        "name": "hand",
        "horizon_days": 30,
        "offers": [LAMBDA_H100, COREWEAVE_H100, AWS_H100],
        "workloads": workloads,
        **top,
    }
    return parse_scenario(data)


class Stub:
    """Performance: ``units[accelerator]`` units of ``unit`` accelerators; serving runs for the
    active hours, training for ``train_h`` hours."""

    def __init__(
        self, units: dict[str, float] | None = None, unit: int = 1, train_h: float = 24.0
    ) -> None:
        self.units = units or {}
        self.unit = unit
        self.train_h = train_h

    def __call__(
        self,
        workload: Any,
        accelerator: str,
        region: str,
        cat: Catalog,
        active_h: float,
        venue: str = "",
    ) -> Performance:
        del region, cat, venue
        need = self.units.get(accelerator, 2.0)
        if workload.kind == "finetune":
            return Performance(self.unit, 1.0, self.train_h, 1.0, True, "stub")
        return Performance(self.unit, need, active_h, 0.5, True, "stub")


def table_for(spec: Scenario, stub: Stub | None = None) -> OptionTable:
    """Option table of ``spec`` with the stub performance."""
    return build_option_table(spec, catalog(), performance=stub or Stub())


def solve_checked(
    table: OptionTable, spec: Scenario, weights: Weights | None = None, **kw: Any
) -> Solution:
    """Solve and run the independent checker (which must pass) on every feasible result."""
    checker = kw.pop("checker_catalog", None)
    m = build_model(table, weights or Weights(), **kw)
    sol = solve_model(m, table)
    if sol.ok:
        kw["checker_catalog"] = checker
        report = check_plan(
            table,
            spec,
            sol.shares,
            sol.units,
            sol.pool_sizes,
            catalog=kw.pop("checker_catalog", None) or catalog(),
            reported_cost_usd=sol.cost_usd,
            reported_co2_kg=sol.co2_location_kg,
            carbon_ceiling_kg=kw.get("carbon_ceiling_kg"),
            time_use=sol.time_use,
        )
        assert report["ok"], report["violations"]
    return sol


def used(table: OptionTable, sol: Solution) -> dict[str | None, int]:
    """Offer (or venue) -> units deployed."""
    out: dict[str | None, int] = {}
    for o in table.options:
        if sol.units[o.index] > 0:
            key = o.offer or o.venue
            out[key] = out.get(key, 0) + int(sol.units[o.index])
    return out


def synthetic_option(
    i: int, w: int, price: float, need: float, unit: int, capped: bool
) -> TableOption:
    """A pay-per-use option of workload ``w`` at a capped or a free venue (hand-built tables)."""
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
        price_usd_per_accel_h=price,
        unit_accelerators=unit,
        units_needed=need,
        hours=1.0,
        usage_usd_per_unit=price * unit,
        energy_kwh_per_unit=1.0,
        co2_location_kg_per_unit=1.0,
        power_kw_per_unit=float(unit),
        it_power_kw_per_unit=float(unit),
        pool=None,
        windows=((0.0, 10.0),),
        slo_met=True,
        detail="synthetic",
    )


def capped_table(options: list[TableOption], workloads: int, cap: float) -> OptionTable:
    """A table of ``options`` with one accelerator cap over the options of venue v-capped."""
    table = OptionTable(
        "synthetic",
        10.0,
        tuple(f"w{w}" for w in range(workloads)),
        options,
        {},
        [],
        [],
        {},
        None,
        {},
    )
    table.accelerator_caps.append(Limit("accelerator_caps[0]", "accelerators", cap, "capped"))
    table.cap_members["accelerator_caps[0]"] = [o.index for o in options if o.venue == "v-capped"]
    return table
