"""``gigawatt catalog ...``: list a table, show one entry, print a table's schema."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

import typer

from gigawatt.cli.import_skypilot import import_skypilot
from gigawatt.cli.options import JsonFlag, cli_catalog, print_json

catalog_app = typer.Typer(
    help="Browse the bundled catalog (plus overlays).", no_args_is_help=True, rich_markup_mode=None
)

CATALOG_TABLES = (
    "accelerators",
    "systems",
    "venues",
    "request_paths",
    "offers",
    "regions",
    "models",
    "cooling",
    "cost_assumptions",
    "water_factors",
    "fallbacks",
    "services",
)
"""Tables listed by ``gigawatt catalog <table>`` (all of gigawatt.catalog.TABLES; a test checks)."""


def _list_table(ctx: typer.Context, table: str, as_json: bool) -> None:
    # deferred: the resolver and rich tables cost ~250 ms of imports; --help must stay < 0.3 s
    from gigawatt.evaluate.resolve import catalog_rows_with_derived
    from gigawatt.report.tables import catalog_table, print_tables

    rows = catalog_rows_with_derived(cli_catalog(ctx), table)
    if as_json:
        print_json(rows)
        return
    print_tables([catalog_table(table, rows)])


def _register_table_command(table: str) -> None:
    def command(ctx: typer.Context, as_json: JsonFlag = False) -> None:
        _list_table(ctx, table, as_json)

    command.__doc__ = f"List {table} (readable table, or --json)."
    catalog_app.command(table)(command)


for _table in CATALOG_TABLES:
    _register_table_command(_table)


@catalog_app.command("show")
def catalog_show(
    ctx: typer.Context,
    entry_id: Annotated[str, typer.Argument(help="Catalog id, e.g. h100-sxm.")],
    as_json: JsonFlag = False,
) -> None:
    """Show one catalog entry in full (every table that has the id)."""
    # deferred: the resolver and rich tables cost ~250 ms of imports; --help must stay < 0.3 s
    from gigawatt.errors import unknown_id_error
    from gigawatt.evaluate.resolve import entry_details
    from gigawatt.report.tables import entry_table, print_tables

    cat = cli_catalog(ctx)
    found = cat.find(entry_id)
    if not found:
        raise unknown_id_error("catalog", entry_id, cat.all_ids(), field="catalog show")
    details = [(table, row, entry_details(cat, table, row)) for table, row in found]
    if as_json:
        print_json([{"table": t, **row, **extra} for t, row, extra in details])
        return
    print_tables([entry_table(t, row, extra) for t, row, extra in details])
    _echo_unvalidated(cat, [row["id"] for t, row, _ in details if t == "accelerators"])


def _echo_unvalidated(cat: Any, accelerator_ids: list[str]) -> None:
    # deferred: the catalog costs ~120 ms of imports; `gigawatt --help` must stay < 0.3 s
    from gigawatt.catalog.lookup import unvalidated_notes

    for note in unvalidated_notes(cat, accelerator_ids):
        typer.echo(f"note: {note}")


@catalog_app.command("schema")
def catalog_schema(
    table: Annotated[str, typer.Argument(help="Table name.")], as_json: JsonFlag = False
) -> None:
    """Show a table's schema: attribute, type, unit, required, description."""
    # deferred: the catalog and rich tables cost ~200 ms of imports; --help must stay < 0.3 s
    from gigawatt.catalog import TABLES, table_schema
    from gigawatt.errors import unknown_id_error
    from gigawatt.report.tables import print_tables, rows_table

    if table not in TABLES:
        raise unknown_id_error("table", table, TABLES, field="catalog schema")
    attrs = [asdict(a) for a in table_schema(table).attributes]
    if as_json:
        print_json(attrs)
        return
    cols = ("name", "type", "unit", "required", "min", "max", "description")
    print_tables([rows_table(f"schema: {table}", cols, attrs)])


catalog_app.command("import-skypilot")(import_skypilot)
