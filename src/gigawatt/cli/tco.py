"""``gigawatt tco``: own vs colocate vs rent for N accelerators."""

from __future__ import annotations

from typing import Annotated

import typer

from gigawatt.cli.options import JsonFlag, cli_catalog, print_json


def tco(
    ctx: typer.Context,
    accelerator: Annotated[
        str, typer.Option("--accelerator", help="Accelerator id, e.g. h100-sxm.")
    ],
    count: Annotated[int, typer.Option("--count", help="Number of accelerators.")],
    utilization: Annotated[
        float, typer.Option("--utilization", help="Share of hours doing useful work (0-1].")
    ] = 0.7,
    years: Annotated[
        float, typer.Option("--years", help="Ownership period and life (years).")
    ] = 4.0,
    region: Annotated[
        str, typer.Option("--region", help="Region id for power price and colo.")
    ] = "us",
    cooling: Annotated[
        str | None,
        typer.Option(
            "--cooling",
            help="Cooling id (air, rear-door, direct-liquid|liquid, immersion); default: "
            "the system's.",
        ),
    ] = None,
    egress_gb_per_month: Annotated[
        float,
        typer.Option("--egress-gb-per-month", help="Data moved out of rented clouds, GB/month."),
    ] = 0.0,
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            help="Catalog model id: also $ per 1M tokens of each option serving it, next to the "
            "model's per-token services, and the break-even volumes between them.",
        ),
    ] = None,
    input_tokens: Annotated[
        int, typer.Option("--input-tokens", min=1, help="With --model: prompt tokens per request.")
    ] = 1024,
    output_tokens: Annotated[
        int, typer.Option("--output-tokens", min=1, help="With --model: output tokens per request.")
    ] = 256,
    as_json: JsonFlag = False,
) -> None:
    """Compare owning, colocating, reserving, on-demand, spot and contracts ($/useful GPU-hour);
    with --model, per-token services too ($/1M tokens, break-even tokens/month)."""
    # deferred: engines import numpy/pydantic/rich (~0.3 s); `gigawatt --help` must stay fast
    from gigawatt.evaluate.economics import compare

    catalog = cli_catalog(ctx)
    result = compare(
        catalog,
        accelerator,
        count,
        utilization,
        years,
        region,
        cooling,
        egress_gb_per_month,
    )
    if model is not None:
        # deferred: the inference engine costs ~0.3 s of imports; only --model needs it
        from gigawatt.evaluate.services import services_for_tco

        result["services"] = services_for_tco(catalog, result, model, input_tokens, output_tokens)
    if as_json:
        print_json(result)
        return
    # deferred: engines import numpy/pydantic/rich (~0.3 s); `gigawatt --help` must stay fast
    from gigawatt.report.decision import tco_tables
    from gigawatt.report.tables import print_tables

    print_tables(tco_tables(result))
    for note in result["notes"]:
        typer.echo(f"note: {note}", err=True)
    if "services" in result:
        from gigawatt.report.services import service_tables  # deferred: as above

        print_tables(service_tables(result["services"]))
        for note in result["services"]["notes"]:
            typer.echo(f"note: {note}", err=True)
