"""The ``gigawatt`` command line: parse flags, call one public function, render the result.

Bad input never prints a traceback: every :class:`~gigawatt.errors.InputError` becomes a one-line
``error:`` message on stderr and exit code 2, its field named as the command's flag. Commands
import their engines when they run, so that ``gigawatt --help`` stays fast (bench_cli_startup).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from gigawatt import __version__
from gigawatt.cli.catalog import catalog_app
from gigawatt.cli.check import check, schema, validate
from gigawatt.cli.facility import facility
from gigawatt.cli.infer import infer
from gigawatt.cli.options import CliState
from gigawatt.cli.plan import plan
from gigawatt.cli.simulate import simulate
from gigawatt.cli.tco import tco
from gigawatt.cli.train import train
from gigawatt.errors import InputError

app = typer.Typer(
    help="Planner and digital twin for AI compute.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,  # plain help: rich's help renderer costs ~120 ms of start-up
)
app.add_typer(catalog_app, name="catalog")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"gigawatt {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
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
    ctx.obj = CliState(overlays=list(catalog or []))


app.command("train")(train)
app.command("infer")(infer)
app.command("tco")(tco)
app.command("facility")(facility)
app.command("plan")(plan)
app.command("simulate")(simulate)
app.command("check")(check)
app.command("schema")(schema)
app.command("validate")(validate)


def option_names() -> set[str]:
    """Every ``--flag`` of every command (to name a library field the way the CLI user typed it)."""
    names: set[str] = set()
    stack = [typer.main.get_command(app)]
    while stack:
        command = stack.pop()
        names.update(o for p in command.params for o in p.opts if o.startswith("--"))
        stack.extend(getattr(command, "commands", {}).values())
    return names


def cli_message(exc: InputError) -> str:
    """The error in CLI words: a field the library names (``input_tokens``) becomes its flag."""
    where = exc.where
    if where and where.isidentifier():
        flag = "--" + where.replace("_", "-")
        if flag in option_names():
            return f"{flag}: {exc.message}"
    return str(exc)


def main() -> None:
    """Console entry point: run the app and turn bad input into a one-line error, exit code 2."""
    try:
        app()
    except InputError as exc:
        typer.echo(f"error: {cli_message(exc)}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
