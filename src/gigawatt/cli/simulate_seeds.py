"""``gigawatt simulate --seeds N``: one scenario over N seeds in parallel, KPIs' mean and spread."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gigawatt.cli.options import print_json
from gigawatt.errors import InputError


def seeds_command(
    sc: Any,
    catalog: Any,
    days: float | None,
    seed: int | None,
    n: int,
    as_json: bool,
    out: Path | None,
    report: Path | None,
) -> None:
    """Run seeds ``seed`` (default: the scenario's) .. ``seed + n - 1``; print the summary."""
    # deferred: engines import numpy/pydantic/rich (~0.3 s); `gigawatt --help` must stay fast
    from gigawatt.report.tables import fmt, print_tables, rows_table
    from gigawatt.simulate.seeds import simulate_seeds

    if out is not None or report is not None:
        raise InputError(
            f"{n} seeds give a summary, not one run's files; drop --out/--report", where="seeds"
        )
    first = sc.seed if seed is None else seed
    res = simulate_seeds(sc, list(range(first, first + n)), catalog, days=days)
    if as_json:
        print_json({"scenario": sc.name, "summary": res.summary, "runs": res.runs})
        return
    rows = [{"kpi": key, **{k: fmt(v) for k, v in s.items()}} for key, s in res.summary.items()]
    title = (
        f"simulate: {sc.name}, {n} seeds from {first} ({res.workers} processes, {res.wall_s:.1f} s)"
    )
    print_tables([rows_table(title, ("kpi", "mean", "sd", "min", "max"), rows)])
