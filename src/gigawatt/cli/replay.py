"""``gigawatt simulate --plan`` and ``gigawatt plan --simulate``: replay a plan in the twin.

The glue between the planner and the twin sits here (the surface layer): the twin reads the
plan's JSON, never :mod:`gigawatt.optimize` (they are on one floor of the import graph).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from gigawatt.cli.options import cli_catalog, print_json
from gigawatt.errors import InputError

DEFAULT_REPLAY_DAYS = 7.0


def is_plan_scenario(path: Path) -> bool:
    """True when the YAML at ``path`` is a plan scenario (``workloads``, no ``fleet``)."""
    # deferred: YAML reader imports pydantic (~0.2 s); `gigawatt --help` must stay fast
    from gigawatt.spec.loading import read_yaml

    data, _ = read_yaml(Path(path))
    return isinstance(data, dict) and "workloads" in data and "fleet" not in data


def _scenario_and_plan(ctx: typer.Context, scenario: Path | None, plan: Path | None) -> Any:
    """(plan scenario, plan JSON dict): the plan file's, else a fresh plan of ``scenario``."""
    # deferred: engines import numpy/pydantic/rich (~0.3 s); `gigawatt --help` must stay fast
    from gigawatt.simulate.replay import load_plan_json
    from gigawatt.spec import load_scenario

    if plan is not None:
        d = load_plan_json(plan)
        if scenario is None:
            named = d.get("scenario_file")
            if not named or not Path(str(named)).is_file():
                raise InputError(
                    "the plan names no scenario file that exists; give it: "
                    "gigawatt simulate SCENARIO.yaml --plan PLAN.json",
                    where="--plan",
                )
            scenario = Path(str(named))
        return load_scenario(scenario), d
    assert scenario is not None
    spec = load_scenario(scenario)
    return spec, plan_dict(ctx, spec, scenario)


def plan_dict(ctx: typer.Context, spec: Any, path: Path) -> dict[str, Any]:
    """Plan ``spec`` (no explanations) and return its JSON dict, naming its scenario file."""
    # deferred: engines import numpy/pydantic/rich (~0.3 s); `gigawatt --help` must stay fast
    from gigawatt.optimize.plan import plan_scenario

    d = plan_scenario(spec, cli_catalog(ctx), explain=False).to_dict()
    d["scenario_file"] = str(Path(path).resolve())
    if d["status"] != "plan":
        raise InputError(
            f"no plan to replay (status {d['status']!r}); run `gigawatt plan {path}` for why",
            where="scenario",
        )
    return d


def replay_command(
    ctx: typer.Context,
    scenario: Path | None,
    plan: Path | None,
    days: float | None,
    seed: int | None,
    as_json: bool,
    out: Path | None,
    report: Path | None,
    quiet: bool = False,
    lengths: str = "trace",
) -> None:
    """``gigawatt simulate --plan`` (or on a plan scenario): replay and print the workloads;
    ``out`` gets the CSV files, ``report`` the HTML report."""
    # deferred: engines import numpy/pydantic/rich (~0.3 s); `gigawatt --help` must stay fast
    from gigawatt.cli.progress import progress_bar
    from gigawatt.simulate.replay_outputs import check_out_dir

    if out is not None:
        check_out_dir(out)
    spec, d = _scenario_and_plan(ctx, scenario, plan)
    with progress_bar(f"replaying {spec.name}", enabled=not (as_json or quiet)) as tick:
        result = run_replay(ctx, spec, d, days, seed, tick, lengths)
    write_replay_files(result, out, report)
    if as_json:
        print_json(result.to_dict())
        return
    print_replay(result.to_dict())


def write_replay_files(result: Any, out: Path | None, report: Path | None) -> None:
    """The CSV files into ``out`` and the HTML report to ``report`` (each all-or-nothing)."""
    # deferred: matplotlib and the CSV writers load only when files are asked for
    from gigawatt.report.replay import replay_html
    from gigawatt.simulate.replay_outputs import write_replay_outputs

    if out is not None:
        write_replay_outputs(result, out)
    if report is not None:
        page = replay_html(result.to_dict(), result.series)
        report.parent.mkdir(parents=True, exist_ok=True)
        tmp = report.with_name(f".{report.name}.tmp")
        tmp.write_text(page, encoding="utf-8")
        tmp.replace(report)


def default_days(spec: Any, d: dict[str, Any]) -> float:
    """Days replayed without ``--days``: a week from the latest start among the serving
    placements (``start_day``), within the plan's horizon."""
    starts = [
        float((a.get("windows") or [[0.0]])[0][0])
        for a in d["assignments"]
        if a.get("layout") is not None
    ]
    horizon = float(d.get("horizon_days") or DEFAULT_REPLAY_DAYS)
    return min(max(starts, default=0.0) + DEFAULT_REPLAY_DAYS, horizon)


def run_replay(
    ctx: typer.Context,
    spec: Any,
    d: dict[str, Any],
    days: float | None,
    seed: int | None,
    progress: Any = None,
    lengths: str = "trace",
) -> Any:
    """Replay plan dict ``d`` of ``spec`` for ``days`` (default :func:`default_days`), requests
    of ``lengths`` (``trace`` or ``mean``)."""
    # deferred: engines import numpy/pydantic/rich (~0.3 s); `gigawatt --help` must stay fast
    from gigawatt.simulate.replay_report import replay_plan

    run_days = default_days(spec, d) if days is None else days
    return replay_plan(
        spec, d, cli_catalog(ctx), run_days, seed or 0, progress=progress, lengths=lengths
    )


_COLUMNS = (
    ("workload", "workload"),
    ("slo_attainment", "SLO met"),
    ("ttft_s_p95", "TTFT p95 s"),
    ("tpot_s_p95", "TPOT p95 s"),
    ("queue_time_s_p95", "queue p95 s"),
    ("preemptions", "preempt."),
    ("cost_usd", "cost USD"),
    ("plan_cost_usd", "plan USD"),
    ("energy_kwh", "kWh"),
    ("plan_energy_kwh", "plan kWh"),
)


def print_replay(d: dict[str, Any]) -> None:
    """Per-workload table, broken assumptions and the replay's assumptions."""
    # deferred: rich tables cost ~100 ms of imports; `gigawatt --help` must stay fast
    from gigawatt.report.tables import fmt, print_tables, rows_table

    rows = [
        {label: (w[key] if key == "workload" else fmt(w.get(key))) for key, label in _COLUMNS}
        for w in d["workloads"]
    ]
    title = f"replay of {d['scenario']} over {d['days']:g} days (twin vs plan estimate)"
    print_tables([rows_table(title, tuple(label for _, label in _COLUMNS), rows)])
    for w in d["workloads"]:
        for line in w.get("breaks", []):
            typer.echo(f"breaks: {w['workload']}: {line}")
    for note in d["assumptions"]:
        typer.echo(f"assumption: {note}")
