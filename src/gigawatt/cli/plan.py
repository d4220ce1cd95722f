"""``gigawatt plan``: optimal placement of a scenario's workloads, with reasons and reports."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gigawatt.cli.options import JsonFlag, add_unvalidated_notes, cli_catalog, print_json

EXIT_INFEASIBLE = 3


ScenarioArg = Annotated[Path, typer.Argument(help="Scenario YAML file (docs/scenarios.md).")]
ObjectiveOption = Annotated[
    str | None,
    typer.Option("--objective", help="cost, carbon or weighted; default: the scenario's."),
]
MarkdownFlag = Annotated[bool, typer.Option("--markdown", help="Print a Markdown report.")]
ReportOption = Annotated[
    Path | None,
    typer.Option("--report", help="Write a self-contained HTML report (charts inline)."),
]
ExplainFlag = Annotated[
    bool,
    typer.Option(
        "--explain/--no-explain",
        help="Runner-ups, price sensitivity and Pareto front (extra solves).",
    ),
]


def plan(
    ctx: typer.Context,
    scenario: ScenarioArg,
    objective: ObjectiveOption = None,
    as_json: JsonFlag = False,
    markdown: MarkdownFlag = False,
    report: ReportOption = None,
    explain: ExplainFlag = True,
    simulate_days: Annotated[
        float | None,
        typer.Option("--simulate", help="Replay the plan in the twin for this many days."),
    ] = None,
) -> None:
    """Place every workload (venue, offer, accelerator, count, pricing) at least cost or carbon.

    Exit code 0 with a plan, 3 when no plan exists (conflicts and fixes are printed), 2 for bad
    input. Method: docs/models/plan.md.
    """
    # deferred: engines import numpy/pydantic/rich (~0.3 s); `gigawatt --help` must stay fast
    from gigawatt.optimize.plan import plan_scenario
    from gigawatt.optimize.solve import SolverMissingError
    from gigawatt.spec import load_scenario

    spec = load_scenario(scenario)
    cat = cli_catalog(ctx)
    try:
        result = plan_scenario(spec, cat, objective=objective, explain=explain)
    except SolverMissingError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    d = result.to_dict()
    add_unvalidated_notes(d, cat, (a["accelerator"] for a in d["assignments"]), "notes")
    d["scenario_file"] = str(scenario.resolve())
    replay = None
    if simulate_days is not None and result.feasible:
        # deferred: the twin imports numpy/pydantic (~0.3 s); `gigawatt --help` must stay fast
        from gigawatt.cli.replay import run_replay

        replay = run_replay(ctx, spec, d, simulate_days, None).to_dict()
        d["replay"] = replay
    if report is not None:
        # deferred: engines import numpy/pydantic/rich (~0.3 s); `gigawatt --help` must stay fast
        from gigawatt.report.html import plan_html

        report.write_text(plan_html(d), encoding="utf-8")
    if as_json:
        print_json(d)
    elif markdown:
        # deferred: engines import numpy/pydantic/rich (~0.3 s); `gigawatt --help` must stay fast
        from gigawatt.report.markdown import plan_markdown

        typer.echo(plan_markdown(d))
    else:
        # deferred: rich tables cost ~100 ms of imports; `gigawatt --help` must stay fast
        from gigawatt.report.decision import plan_tables
        from gigawatt.report.tables import print_tables

        print_tables(plan_tables(d))
        if replay is not None:
            # deferred: rich tables cost ~100 ms of imports; `gigawatt --help` must stay fast
            from gigawatt.cli.replay import print_replay

            print_replay(replay)
        if report is not None:
            typer.echo(f"report written to {report}")
    if not result.feasible:
        raise typer.Exit(EXIT_INFEASIBLE)
