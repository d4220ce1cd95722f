"""The ``gigawatt`` command line: parse flags, call one public function, render the result.

Bad input never prints a traceback: every :class:`~gigawatt.errors.InputError` becomes a one-line
``error:`` message on stderr and exit code 2. Heavy imports happen inside commands so that
``gigawatt --help`` stays fast.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from gigawatt import __version__
from gigawatt.commands.facility import facility as facility_command
from gigawatt.commands.import_skypilot import import_skypilot as import_skypilot_command
from gigawatt.commands.infer import infer as infer_command
from gigawatt.commands.options import JsonFlag
from gigawatt.commands.plan import plan as plan_command
from gigawatt.commands.simulate import simulate as simulate_command
from gigawatt.commands.tco import tco as tco_command
from gigawatt.commands.train import train as train_command
from gigawatt.errors import InputError

app = typer.Typer(
    help="Planner and digital twin for AI compute.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
catalog_app = typer.Typer(help="Browse the bundled catalog (plus overlays).", no_args_is_help=True)
app.add_typer(catalog_app, name="catalog")

_overlays: list[Path] = []


def _version(value: bool) -> None:
    if value:
        typer.echo(f"gigawatt {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    catalog: Annotated[
        list[Path] | None,
        typer.Option(
            "--catalog",
            help="Overlay catalog directory or <table>.csv (repeatable); also "
            "GIGAWATT_CATALOG_PATH.",
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """gigawatt: where AI workloads should run and what an AI factory will deliver."""
    _overlays[:] = catalog or []


def _catalog() -> Any:
    from gigawatt.catalog import load_catalog

    return load_catalog(_overlays)


def _print_json(obj: Any) -> None:
    typer.echo(json.dumps(obj, indent=2, default=str))


def _list_table(table: str, as_json: bool) -> None:
    from gigawatt.resolve import catalog_rows_with_derived

    rows = catalog_rows_with_derived(_catalog(), table)
    if as_json:
        _print_json(rows)
        return
    from gigawatt.report.tables import catalog_table, print_tables

    print_tables([catalog_table(table, rows)])


def _register_table_command(table: str) -> None:
    def command(as_json: JsonFlag = False) -> None:
        _list_table(table, as_json)

    command.__doc__ = f"List {table} (readable table, or --json)."
    catalog_app.command(table)(command)


CATALOG_TABLES = (
    "accelerators",
    "systems",
    "venues",
    "offers",
    "regions",
    "models",
    "cooling",
    "cost_assumptions",
    "water_factors",
)
"""Tables listed by ``gigawatt catalog <table>`` (all of gigawatt.catalog.TABLES; a test checks)."""

for _table in CATALOG_TABLES:
    _register_table_command(_table)


@catalog_app.command("show")
def catalog_show(
    entry_id: Annotated[str, typer.Argument(help="Catalog id, e.g. h100-sxm.")],
    as_json: JsonFlag = False,
) -> None:
    """Show one catalog entry in full (every table that has the id)."""
    from gigawatt.errors import unknown_id_error
    from gigawatt.resolve import entry_details

    cat = _catalog()
    found = cat.find(entry_id)
    if not found:
        raise unknown_id_error("catalog", entry_id, cat.all_ids(), field="catalog show")
    details = [(table, row, entry_details(cat, table, row)) for table, row in found]
    if as_json:
        _print_json([{"table": t, **row, **extra} for t, row, extra in details])
        return
    from gigawatt.report.tables import entry_table, print_tables

    print_tables([entry_table(t, row, extra) for t, row, extra in details])


@catalog_app.command("schema")
def catalog_schema(
    table: Annotated[str, typer.Argument(help="Table name.")], as_json: JsonFlag = False
) -> None:
    """Show a table's schema: attribute, type, unit, required, description."""
    from dataclasses import asdict

    from gigawatt.catalog import TABLES, table_schema
    from gigawatt.errors import unknown_id_error

    if table not in TABLES:
        raise unknown_id_error("table", table, TABLES, field="catalog schema")
    attrs = [asdict(a) for a in table_schema(table).attributes]
    if as_json:
        _print_json(attrs)
        return
    from gigawatt.report.tables import print_tables, rows_table

    cols = ("name", "type", "unit", "required", "min", "max", "description")
    print_tables([rows_table(f"schema: {table}", cols, attrs)])


@app.command("validate")
def validate(
    as_json: JsonFlag = False,
    family: Annotated[
        str | None,
        typer.Option("--family", help="Only families starting with this, e.g. training."),
    ] = None,
    failed: Annotated[bool, typer.Option("--failed", help="List only failing cases.")] = False,
) -> None:
    """Run every validation case: predicted vs published, with the error of each.

    Exit code 1 when any selected case misses its tolerance."""
    from gigawatt.validation import run_validation

    report = run_validation(_catalog())
    if family is not None:
        known = sorted({c.family for c in report.cases})
        report.cases = [c for c in report.cases if c.family.startswith(family)]
        if not report.cases:
            raise InputError(
                f"no family starts with {family!r}; known: {', '.join(known)}", where="--family"
            )
    if as_json:
        _print_json(report.to_dict())
    else:
        from gigawatt.report.tables import print_tables, validation_tables

        print_tables(validation_tables(report, failed_only=failed))
    if not report.ok:
        raise typer.Exit(1)


@app.command("check")
def check(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    as_json: JsonFlag = False,
    top: Annotated[int, typer.Option(min=1, help="Options shown per workload.")] = 8,
) -> None:
    """Validate a scenario against the catalog and screen each workload's options."""
    from gigawatt.evaluate import screen_scenario
    from gigawatt.spec import check_scenario_refs, load_scenario

    cat = _catalog()
    spec = load_scenario(scenario)
    check_scenario_refs(spec, cat)
    screens = screen_scenario(spec, cat)
    if as_json:
        _print_json({"scenario": spec.name, "workloads": [s.to_dict() for s in screens]})
        return
    from gigawatt.report.tables import print_tables, screen_tables

    print_tables(screen_tables(screens, top))


@app.command("schema")
def schema() -> None:
    """Print the JSON Schema of scenario files (for editors and CI validation)."""
    from gigawatt.spec import scenario_json_schema

    _print_json(scenario_json_schema())


app.command("train")(train_command)
app.command("infer")(infer_command)
app.command("tco")(tco_command)
app.command("facility")(facility_command)
app.command("simulate")(simulate_command)
app.command("plan")(plan_command)
catalog_app.command("import-skypilot")(import_skypilot_command)


def main() -> None:
    """Console entry point: run the app and turn bad input into a one-line error, exit code 2."""
    try:
        app()
    except InputError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
