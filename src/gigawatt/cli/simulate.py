"""``gigawatt simulate``: run a discrete-event twin of an AI factory over days or weeks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from gigawatt.cli.options import JsonFlag, cli_catalog, print_json
from gigawatt.cli.progress import QuietFlag, progress_bar


def simulate(
    ctx: typer.Context,
    scenario: Annotated[
        Path | None,
        typer.Argument(
            help="Simulation scenario YAML, or a plan scenario (planned, then replayed)."
        ),
    ] = None,
    plan: Annotated[
        Path | None,
        typer.Option("--plan", help="Replay this plan (JSON of `gigawatt plan --json`)."),
    ] = None,
    days: Annotated[
        float | None,
        typer.Option("--days", help="Horizon in days (default: the scenario's; replays: 7)."),
    ] = None,
    seed: Annotated[
        int | None, typer.Option("--seed", help="Random seed (default: the scenario's).")
    ] = None,
    as_json: JsonFlag = False,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Write timeseries.csv, jobs.csv and services.csv into this folder."
        ),
    ] = None,
    report: Annotated[
        Path | None,
        typer.Option("--report", help="Write a self-contained HTML report with charts."),
    ] = None,
    quiet: QuietFlag = False,
) -> None:
    """Simulate fleet, jobs, traffic, failures and power over time; print the KPIs.

    With --plan (or a plan scenario), replay the fleet the plan chose: per-workload SLO
    attainment, latency percentiles, cost, energy and carbon next to the plan's estimate, and
    where its static assumptions break (docs/models/simulate.md, "Replaying a plan").
    """
    # deferred: engines import numpy/pydantic/rich (~0.3 s); `gigawatt --help` must stay fast
    from gigawatt.cli.replay import is_plan_scenario, replay_command

    if plan is not None or (scenario is not None and is_plan_scenario(scenario)):
        replay_command(ctx, scenario, plan, days, seed, as_json, out, report)
        return
    if scenario is None:
        typer.echo("error: give a scenario file, or --plan PLAN.json", err=True)
        raise typer.Exit(2)
    _simulate_file(ctx, scenario, days, seed, as_json, out, report, quiet)


def _simulate_file(
    ctx: typer.Context,
    scenario: Path,
    days: float | None,
    seed: int | None,
    as_json: bool,
    out: Path | None,
    report: Path | None,
    quiet: bool,
) -> None:
    # deferred: engines import numpy/pydantic/rich (~0.3 s); `gigawatt --help` must stay fast
    from gigawatt.report.simulation import simulation_html
    from gigawatt.simulate.run import simulate as run_sim
    from gigawatt.simulate.run import write_outputs
    from gigawatt.spec.simulation import load_simulation

    sc = load_simulation(scenario)
    catalog = cli_catalog(ctx)
    with progress_bar(f"simulating {sc.name}", enabled=not (as_json or quiet)) as tick:
        result = run_sim(
            sc, catalog, days=days, seed=seed, keep_jobs=out is not None, progress=tick
        )
    if out is not None:
        write_outputs(result, out)
    if report is not None:
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(simulation_html(sc, result.kpis, result.series), encoding="utf-8")
    if as_json:
        print_json({"scenario": sc.name, **result.kpis})
        return
    _print(sc.name, result.kpis)


def _print(name: str, kpis: dict[str, Any]) -> None:
    # deferred: engines import numpy/pydantic/rich (~0.3 s); `gigawatt --help` must stay fast
    from gigawatt.report.limits import findings, limit_facts
    from gigawatt.report.sim_summary import simulation_tables
    from gigawatt.report.tables import print_tables

    print_tables(simulation_tables(name, kpis, findings(limit_facts(kpis))[0]))
