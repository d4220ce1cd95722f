"""``gigawatt simulate``: run a discrete-event twin of an AI factory over days or weeks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from gigawatt.cli.options import JsonFlag, cli_catalog, print_json
from gigawatt.cli.progress import QuietFlag, progress_bar


@dataclass(frozen=True)
class _Run:
    """The flags of one ``gigawatt simulate`` run of a simulation scenario."""

    days: float | None
    seed: int | None
    seeds: int | None
    as_json: bool
    out: Path | None
    report: Path | None
    quiet: bool
    trace: Path | None


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
        typer.Option(
            "--days",
            help="Horizon in days (default: the scenario's; replays: a week from the latest "
            "serving start_day).",
        ),
    ] = None,
    seed: Annotated[
        int | None, typer.Option("--seed", help="Random seed (default: the scenario's).")
    ] = None,
    seeds: Annotated[
        int | None,
        typer.Option(
            "--seeds",
            min=1,
            help="Run N seeds (from --seed on) in parallel on the local cores; print each "
            "KPI's mean, sd and range.",
        ),
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
    trace: Annotated[
        Path | None,
        typer.Option(
            "--trace",
            help="Replay the jobs of a job-trace CSV (job_id,submit_s,start_s,end_s,gpus,pool; "
            "see docs/traces.md) on the scenario's fleet, added to its jobs.",
        ),
    ] = None,
    quiet: QuietFlag = False,
    lengths: Annotated[
        str,
        typer.Option(
            "--lengths",
            help="Plan replays: request lengths spread as a conversation trace ('trace') or "
            "all at the workload's means ('mean', the plan's own assumption).",
        ),
    ] = "trace",
) -> None:
    """Simulate fleet, jobs, traffic, failures and power over time; print the KPIs.

    With --plan (or a plan scenario), replay the fleet the plan chose: per-workload SLO
    attainment, latency percentiles, cost, energy and carbon next to the plan's estimate, and
    where its static assumptions break (docs/models/simulate.md, "Replaying a plan").
    """
    # deferred: engines import numpy/pydantic/rich (~0.3 s); `gigawatt --help` must stay fast
    from gigawatt.cli.replay import is_plan_scenario, replay_command

    if plan is not None or (scenario is not None and is_plan_scenario(scenario)):
        for flag, value in (("--trace", trace), ("--seeds", seeds)):
            if value is not None:
                typer.echo(f"error: {flag}: applies to a simulation scenario, not a plan", err=True)
                raise typer.Exit(2)
        replay_command(ctx, scenario, plan, days, seed, as_json, out, report, quiet, lengths)
        return
    if scenario is None:
        typer.echo("error: give a scenario file, or --plan PLAN.json", err=True)
        raise typer.Exit(2)
    run = _Run(days, seed, seeds, as_json, out, report, quiet, trace)
    _simulate_file(ctx, scenario, run)


def _simulate_file(ctx: typer.Context, scenario: Path, run: _Run) -> None:
    # deferred: engines import numpy/pydantic/rich (~0.3 s); `gigawatt --help` must stay fast
    from gigawatt.cli.simulate_seeds import seeds_command
    from gigawatt.report.simulation import simulation_html
    from gigawatt.simulate.run import simulate as run_sim
    from gigawatt.simulate.run import write_outputs
    from gigawatt.spec.simulation import load_simulation

    sc = load_simulation(scenario)
    if run.trace is not None:
        sc = _with_trace(sc, run.trace, run.days)
    catalog = cli_catalog(ctx)
    if run.seeds is not None:
        seeds_command(sc, catalog, run.days, run.seed, run.seeds, run.as_json, run.out, run.report)
        return
    with progress_bar(f"simulating {sc.name}", enabled=not (run.as_json or run.quiet)) as tick:
        result = run_sim(
            sc, catalog, days=run.days, seed=run.seed, keep_jobs=run.out is not None, progress=tick
        )
    if run.out is not None:
        write_outputs(result, run.out)
    if run.report is not None:
        run.report.parent.mkdir(parents=True, exist_ok=True)
        run.report.write_text(simulation_html(sc, result.kpis, result.series), encoding="utf-8")
    if run.as_json:
        print_json({"scenario": sc.name, **result.kpis})
        return
    _print(sc.name, result.kpis)


def _print(name: str, kpis: dict[str, Any]) -> None:
    # deferred: engines import numpy/pydantic/rich (~0.3 s); `gigawatt --help` must stay fast
    from gigawatt.report.limits import findings, limit_facts
    from gigawatt.report.sim_summary import simulation_tables
    from gigawatt.report.tables import print_tables

    print_tables(simulation_tables(name, kpis, findings(limit_facts(kpis))[0]))


def _with_trace(sc: Any, trace: Path, days: float | None) -> Any:
    """``sc`` with the jobs of the job-trace CSV ``trace`` added (notes on stderr)."""
    # deferred: the adapter imports numpy (~0.1 s); `gigawatt --help` must stay fast
    from gigawatt.adapters.traces_jobs import read_job_trace, with_trace_jobs

    jobs = read_job_trace(trace)
    sc, zero = with_trace_jobs(sc, jobs)
    if zero:
        typer.echo(f"note: {zero} job(s) of {trace} with a zero run time left out", err=True)
    run_days = days if days is not None else sc.days
    if jobs.span_s > run_days * 86_400.0:
        typer.echo(
            f"note: {trace} spans {jobs.span_s / 86_400.0:.3g} days, the run "
            f"{run_days:.3g} (--days to cover it)",
            err=True,
        )
    return sc
