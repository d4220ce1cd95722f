"""``gigawatt simulate``: run a discrete-event twin of an AI factory over days or weeks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from gigawatt.cli.options import JsonFlag, cli_catalog, print_json

_KPI_ROWS = (
    ("gpu_utilization", "accelerator utilisation (allocated / in service)"),
    ("goodput", "training goodput (useful / allocated GPU-time)"),
    ("effective_training_time", "effective training time ratio"),
    ("interruptions", "job interruptions by failures"),
    ("failures", "node failures"),
    ("preemptions", "preemptions (priority + spot)"),
    ("jobs_completed", "jobs completed"),
    ("queue_time_s_p50", "queue time p50 (s)"),
    ("queue_time_s_p95", "queue time p95 (s)"),
    ("energy_kwh", "facility energy (kWh)"),
    ("peak_facility_kw", "peak facility power (kW)"),
    ("cost_usd", "cost (USD)"),
    ("carbon_kg", "carbon (kg CO2e)"),
    ("ttft_s_p95", "TTFT p95 (s)"),
    ("tpot_s_p95", "TPOT p95 (s)"),
    ("slo_attainment", "SLO attainment"),
    ("tokens_per_s", "output tokens/s"),
)


def simulate(
    ctx: typer.Context,
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    days: Annotated[
        float | None, typer.Option("--days", help="Horizon in days (default: the scenario's).")
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
) -> None:
    """Simulate fleet, jobs, traffic, failures and power over time; print the KPIs."""
    # deferred: engines import numpy/pydantic/rich (~0.3 s); `gigawatt --help` must stay fast
    from gigawatt.cli.simulate_seeds import seeds_command
    from gigawatt.report.simulation import simulation_html
    from gigawatt.simulate.run import simulate as run_sim
    from gigawatt.simulate.run import write_outputs
    from gigawatt.spec.simulation import load_simulation

    sc = load_simulation(scenario)
    catalog = cli_catalog(ctx)
    if seeds is not None:
        seeds_command(sc, catalog, days, seed, seeds, as_json, out, report)
        return
    if as_json:
        result = run_sim(sc, catalog, days=days, seed=seed, keep_jobs=out is not None)
    else:
        result = _with_progress(sc, catalog, days, seed, keep_jobs=out is not None)
    if out is not None:
        write_outputs(result, out)
    if report is not None:
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(simulation_html(sc.name, result.kpis, result.series), encoding="utf-8")
    if as_json:
        print_json({"scenario": sc.name, **result.kpis})
        return
    _print(sc.name, result.kpis)


def _with_progress(
    sc: Any, catalog: Any, days: float | None, seed: int | None, keep_jobs: bool
) -> Any:
    # deferred: engines import numpy/pydantic/rich (~0.3 s); `gigawatt --help` must stay fast
    from rich.progress import Progress

    from gigawatt.simulate.run import simulate as run_sim

    with Progress(transient=True) as bar:
        task = bar.add_task(f"simulating {sc.name}", total=100.0)

        def tick(now_s: float, horizon_s: float) -> None:
            bar.update(task, completed=100.0 * now_s / horizon_s)

        return run_sim(sc, catalog, days=days, seed=seed, keep_jobs=keep_jobs, progress=tick)


def _print(name: str, kpis: dict[str, Any]) -> None:
    # deferred: engines import numpy/pydantic/rich (~0.3 s); `gigawatt --help` must stay fast
    from gigawatt.report.tables import fmt, print_tables, rows_table

    rows = [
        {"kpi": label, "value": fmt(kpis.get(key))}
        for key, label in _KPI_ROWS
        if kpis.get(key) is not None
    ]
    tables = [
        rows_table(
            f"simulate: {name} ({kpis['days']:.4g} days, {kpis['events']} events, "
            f"{kpis['wall_s']:.2f} s)",
            ("kpi", "value"),
            rows,
        )
    ]
    services = kpis.get("services") or []
    if services:
        cols = (
            "id",
            "requests_completed",
            "ttft_s_p95",
            "tpot_s_p95",
            "slo_attainment",
            "output_tokens_per_s",
            "cost_usd_per_1k_output_tokens",
        )
        tables.append(
            rows_table(
                "inference services",
                cols,
                [{c: fmt(s.get(c)) if c != "id" else s["id"] for c in cols} for s in services],
            )
        )
    print_tables(tables)
