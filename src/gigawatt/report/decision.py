"""Terminal tables of the decision commands: ``gigawatt plan`` and ``gigawatt tco``.

Each function takes the command's result dict (what ``--json`` prints) and returns rich tables;
the CLI only prints them.
"""

from __future__ import annotations

from typing import Any

from rich.table import Table

from gigawatt.report.markdown import (
    BASELINE_COLUMNS,
    BINDING_COLUMNS,
    baseline_rows,
    explanation_rows,
    infeasibility_rows,
    runner_up_rows,
    sensitivity_rows,
    totals_rows,
)
from gigawatt.report.tables import rows_table

PLAN_COLUMNS = (
    "workload",
    "where",
    "accelerator",
    "count",
    "mean",
    "pricing",
    "share",
    "cost_usd",
    "co2_kg",
    "slo_met",
)
TCO_COLUMNS = (
    "id",
    "kind",
    "usd_per_useful_gpu_hour",
    "usd_per_useful_gpu_hour_low",
    "usd_per_useful_gpu_hour_high",
    "total_usd",
    "capex_usd",
    "opex_usd_per_year",
)


def plan_tables(plan: dict[str, Any]) -> list[Table]:
    """The plan (or, without one, the conflicts and fixes) as terminal tables."""
    head = f"{plan['scenario']}: objective {plan['objective']}, {plan['horizon_days']:g} days"
    if plan["status"] != "plan":
        return _infeasible_tables(plan, head)
    return [*_plan_core_tables(plan, head), *_plan_explain_tables(plan)]


def _infeasible_tables(plan: dict[str, Any], head: str) -> list[Table]:
    info = plan.get("infeasibility") or {}
    return [
        rows_table(
            f"{head}: no feasible plan",
            ("constraint", "limit", "needed", "unit", "reason"),
            infeasibility_rows(plan),
        ),
        rows_table(
            "what would make it feasible", ("fix",), [{"fix": f} for f in info.get("fixes", [])]
        ),
    ]


def _plan_core_tables(plan: dict[str, Any], head: str) -> list[Table]:
    rows = [
        {
            **a,
            "where": a["offer"] or f"{a['venue']} {a['region']}",
            "pricing": a["pricing_model"],
            "mean": a.get("mean_count"),
            "co2_kg": a["co2_location_kg"],
        }
        for a in plan["assignments"]
    ]
    return [
        rows_table(f"{head}: plan", PLAN_COLUMNS, rows),
        rows_table(
            "why each workload runs where it does", ("workload", "why"), explanation_rows(plan)
        ),
        rows_table("totals", ("quantity", "value"), totals_rows(plan)),
        rows_table("baselines", BASELINE_COLUMNS, baseline_rows(plan)),
        rows_table(
            "commitment pools",
            ("pool", "accelerators", "cost_usd", "max_count"),
            plan.get("pools") or [],
        ),
        rows_table("binding constraints", BINDING_COLUMNS, plan.get("binding_constraints") or []),
        rows_table(
            "runner-up per workload", ("workload", "runner_up", "why_lost"), runner_up_rows(plan)
        ),
    ]


def _plan_explain_tables(plan: dict[str, Any]) -> list[Table]:
    tables = []
    if plan.get("price_sensitivity"):
        tables.append(
            rows_table(
                "price sensitivity",
                ("prices", "move", "total_cost_usd", "changed_workloads"),
                sensitivity_rows(plan),
            )
        )
    if plan.get("pareto_front"):
        tables.append(
            rows_table(
                "cost vs carbon (Pareto front)",
                ("cost_usd", "co2_location_kg", "carbon_ceiling_kg"),
                plan["pareto_front"],
            )
        )
    if plan.get("notes"):
        tables.append(rows_table("notes", ("note",), [{"note": n} for n in plan["notes"]]))
    return tables


def tco_tables(result: dict[str, Any]) -> list[Table]:
    """Options by $/useful GPU-hour, and the lowest break-even utilisation of each owned option."""
    inputs = result["inputs"]
    title = (
        f"{inputs['count']} x {inputs['accelerator']} at {inputs['utilization']:.0%} "
        f"utilisation, {inputs['years']:g} years, region {inputs['region']}"
    )
    return [
        rows_table(title, TCO_COLUMNS, result["options"]),
        rows_table(
            "lowest break-even utilisation vs pay-per-use renting",
            ("owned", "versus", "utilization", "months"),
            lowest_break_even(result["break_even"]),
        ),
    ]


def lowest_break_even(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per owned option, the break-even row of lowest utilisation (rows without one skipped)."""
    best: dict[str, dict[str, Any]] = {}
    for row in rows:
        key = row["owned"]
        if row["utilization"] is not None and (
            key not in best or row["utilization"] < best[key]["utilization"]
        ):
            best[key] = row
    return list(best.values())
