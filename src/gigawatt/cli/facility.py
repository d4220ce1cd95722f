"""``gigawatt facility``: racks, power and PUE for N accelerators."""

from __future__ import annotations

from typing import Annotated

import typer

from gigawatt.cli.options import JsonFlag, cli_catalog, print_json


def facility(
    ctx: typer.Context,
    accelerator: Annotated[
        str, typer.Option("--accelerator", help="Accelerator id, e.g. h100-sxm.")
    ],
    count: Annotated[int, typer.Option("--count", help="Number of accelerators.")],
    cooling: Annotated[
        str | None,
        typer.Option(
            "--cooling",
            help="air, rear-door, liquid (direct-liquid) or immersion; default: the system's.",
        ),
    ] = None,
    site_power_mw: Annotated[
        float | None, typer.Option("--site-power-mw", help="Site power cap (MW) to warn against.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Size racks, IT and facility power for N accelerators, with warnings."""
    # deferred: engines import numpy/pydantic/rich (~0.3 s); `gigawatt --help` must stay fast
    from gigawatt.evaluate.economics import facility_plan

    plan = facility_plan(cli_catalog(ctx), accelerator, count, cooling, site_power_mw)
    if as_json:
        print_json(plan)
        return
    # deferred: engines import numpy/pydantic/rich (~0.3 s); `gigawatt --help` must stay fast
    from gigawatt.report.tables import print_tables, rows_table

    rows = [{"quantity": k, "value": v} for k, v in plan.items() if k != "warnings"]
    print_tables([rows_table(f"facility for {count} x {accelerator}", ("quantity", "value"), rows)])
    for warning in plan["warnings"]:
        typer.echo(f"warning: {warning}", err=True)
