"""``gigawatt plan``: optimal placement of a scenario's workloads, with reasons and reports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from gigawatt.cli.options import JsonFlag

OBJECTIVES = ("cost", "carbon", "weighted")
EXIT_INFEASIBLE = 3


def _terminal(d: dict[str, Any]) -> None:
    # deferred: engines import numpy/pydantic/rich (~0.3 s); `gigawatt --help` must stay fast
    from gigawatt.report.markdown import (
        infeasibility_rows,
        runner_up_rows,
        sensitivity_rows,
        totals_rows,
    )
    from gigawatt.report.tables import print_tables, rows_table

    head = f"{d['scenario']}: objective {d['objective']}, {d['horizon_days']:g} days"
    if d["status"] != "plan":
        info = d.get("infeasibility") or {}
        print_tables(
            [
                rows_table(
                    f"{head}: no feasible plan",
                    ("constraint", "limit", "needed", "unit", "reason"),
                    infeasibility_rows(d),
                ),
                rows_table(
                    "what would make it feasible",
                    ("fix",),
                    [{"fix": f} for f in info.get("fixes", [])],
                ),
            ]
        )
        return
    cols = (
        "workload",
        "where",
        "accelerator",
        "count",
        "pricing",
        "share",
        "cost_usd",
        "co2_kg",
        "slo_met",
    )
    rows = [
        {
            **a,
            "where": a["offer"] or f"{a['venue']} {a['region']}",
            "pricing": a["pricing_model"],
            "co2_kg": a["co2_location_kg"],
        }
        for a in d["assignments"]
    ]
    tables = [
        rows_table(f"{head}: plan", cols, rows),
        rows_table("totals", ("quantity", "value"), totals_rows(d)),
        rows_table(
            "commitment pools",
            ("pool", "accelerators", "cost_usd", "max_count"),
            d.get("pools") or [],
        ),
        rows_table(
            "binding constraints",
            ("constraint", "limit", "used", "unit", "saving_if_relaxed_usd"),
            d.get("binding_constraints") or [],
        ),
        rows_table(
            "runner-up per workload", ("workload", "runner_up", "why_lost"), runner_up_rows(d)
        ),
    ]
    if d.get("price_sensitivity"):
        tables.append(
            rows_table(
                "price sensitivity",
                ("prices", "move", "total_cost_usd", "changed_workloads"),
                sensitivity_rows(d),
            )
        )
    if d.get("pareto_front"):
        tables.append(
            rows_table(
                "cost vs carbon (Pareto front)",
                ("cost_usd", "co2_location_kg", "carbon_ceiling_kg"),
                d["pareto_front"],
            )
        )
    if d.get("notes"):
        tables.append(rows_table("notes", ("note",), [{"note": n} for n in d["notes"]]))
    print_tables(tables)


def plan(
    ctx: typer.Context,
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file (docs/scenarios.md).")],
    objective: Annotated[
        str | None,
        typer.Option("--objective", help="cost, carbon or weighted; default: the scenario's."),
    ] = None,
    as_json: JsonFlag = False,
    markdown: Annotated[bool, typer.Option("--markdown", help="Print a Markdown report.")] = False,
    report: Annotated[
        Path | None,
        typer.Option("--report", help="Write a self-contained HTML report (charts inline)."),
    ] = None,
    explain: Annotated[
        bool,
        typer.Option(
            "--explain/--no-explain",
            help="Runner-ups, price sensitivity and Pareto front (extra solves).",
        ),
    ] = True,
) -> None:
    """Place every workload (venue, offer, accelerator, count, pricing) at least cost or carbon.

    Exit code 0 with a plan, 3 when no plan exists (conflicts and fixes are printed), 2 for bad
    input. Method: docs/models/plan.md.
    """
    # deferred: engines import numpy/pydantic/rich (~0.3 s); `gigawatt --help` must stay fast
    from gigawatt.cli.options import cli_catalog
    from gigawatt.errors import InputError

    if objective is not None and objective not in OBJECTIVES:
        raise InputError(
            f"unknown objective {objective!r}; allowed: {', '.join(OBJECTIVES)}",
            where="--objective",
        )
    # deferred: engines import numpy/pydantic/rich (~0.3 s); `gigawatt --help` must stay fast
    from gigawatt.optimize.plan import plan_scenario
    from gigawatt.optimize.solve import SolverMissingError
    from gigawatt.spec import load_scenario

    spec = load_scenario(scenario)
    if objective == "weighted" and spec.weights is None:
        raise InputError(
            "needs weights: {cost: ..., carbon: ...} in the scenario", where="--objective"
        )
    try:
        result = plan_scenario(spec, cli_catalog(ctx), objective=objective, explain=explain)
    except SolverMissingError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    d = result.to_dict()
    if report is not None:
        # deferred: engines import numpy/pydantic/rich (~0.3 s); `gigawatt --help` must stay fast
        from gigawatt.report.html import plan_html

        report.write_text(plan_html(d), encoding="utf-8")
    if as_json:
        typer.echo(json.dumps(d, indent=2))
    elif markdown:
        # deferred: engines import numpy/pydantic/rich (~0.3 s); `gigawatt --help` must stay fast
        from gigawatt.report.markdown import plan_markdown

        typer.echo(plan_markdown(d))
    else:
        _terminal(d)
        if report is not None:
            typer.echo(f"report written to {report}")
    if not result.feasible:
        raise typer.Exit(EXIT_INFEASIBLE)
