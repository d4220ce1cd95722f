"""``gigawatt catalog import-skypilot``: SkyPilot vms.csv -> a checked offers overlay."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gigawatt.cli.options import JsonFlag, cli_catalog, overlay_paths, print_json


def import_skypilot(
    ctx: typer.Context,
    vms_csv: Annotated[Path, typer.Argument(help="A SkyPilot catalogs/v8/<cloud>/vms.csv file.")],
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Overlay directory to write offers.csv (and venues.csv) into."),
    ] = None,
    venue: Annotated[
        str | None, typer.Option("--venue", help="Venue id (default: the file name without _vms).")
    ] = None,
    source: Annotated[
        str | None,
        typer.Option(
            "--source",
            help="Source to record, e.g. github:skypilot-org/skypilot-catalog@<commit>:"
            "catalogs/v8/<cloud>/vms.csv.",
        ),
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Date of the prices (YYYY-MM-DD; default today).")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Import GPU offers from a SkyPilot catalog file; bad prices are rejected with a reason."""
    # deferred: engines import numpy/pydantic/rich (~0.3 s); `gigawatt --help` must stay fast
    from gigawatt.adapters.skypilot import import_skypilot as run
    from gigawatt.adapters.skypilot import write_overlay

    result = run(vms_csv, cli_catalog(ctx), venue=venue, source=source, as_of=as_of)
    written = write_overlay(result, out, overlay_paths(ctx)) if out and result.imported else []
    if as_json:
        print_json({**result.to_dict(), "written": [str(p) for p in written]})
        return
    # deferred: engines import numpy/pydantic/rich (~0.3 s); `gigawatt --help` must stay fast
    from gigawatt.report.tables import print_tables, rows_table

    rejected = [
        {"instance": r["row"].get("InstanceType"), "line": r["row"]["line"], "reason": r["reason"]}
        for r in result.rejected
    ]
    print_tables(
        [
            rows_table(
                f"imported ({len(result.imported)})",
                ("id", "accelerator", "pricing_model", "region", "price_usd_per_accel_h"),
                result.imported,
            ),
            rows_table(f"rejected ({len(rejected)})", ("line", "instance", "reason"), rejected),
        ]
    )
    typer.echo(f"{len(result.skipped)} rows skipped (accelerator or region not in the catalog)")
    for path in written:
        typer.echo(f"wrote {path}")
