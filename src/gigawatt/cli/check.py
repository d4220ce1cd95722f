"""``gigawatt check``, ``gigawatt schema`` and ``gigawatt validate``: inspect inputs and models."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gigawatt.cli.options import JsonFlag, cli_catalog, print_json
from gigawatt.errors import InputError


def validate(
    ctx: typer.Context,
    as_json: JsonFlag = False,
    family: Annotated[
        str | None,
        typer.Option("--family", help="Only families starting with this, e.g. training."),
    ] = None,
    failed: Annotated[bool, typer.Option("--failed", help="List only failing cases.")] = False,
) -> None:
    """Run every validation case: predicted vs published, with the error of each.

    Exit code 1 when any selected case misses its tolerance."""
    # deferred: validation imports numpy and every model (~400 ms); --help must stay < 0.3 s
    from gigawatt.report.tables import print_tables, validation_tables
    from gigawatt.validation import run_validation

    report = run_validation(cli_catalog(ctx))
    if family is not None:
        known = sorted({c.family for c in report.cases})
        report.cases = [c for c in report.cases if c.family.startswith(family)]
        if not report.cases:
            raise InputError(
                f"no family starts with {family!r}; known: {', '.join(known)}", where="family"
            )
    if as_json:
        print_json(report.to_dict())
    else:
        print_tables(validation_tables(report, failed_only=failed))
    if not report.ok:
        raise typer.Exit(1)


def check(
    ctx: typer.Context,
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    as_json: JsonFlag = False,
    top: Annotated[int, typer.Option(min=1, help="Options shown per workload.")] = 8,
) -> None:
    """Validate a scenario against the catalog and screen each workload's options."""
    # deferred: spec (pydantic) and evaluate (numpy) cost ~300 ms; --help must stay < 0.3 s
    from gigawatt.evaluate.screen import screen_scenario
    from gigawatt.report.tables import print_tables, screen_tables
    from gigawatt.spec import check_scenario_refs, load_scenario

    cat = cli_catalog(ctx)
    spec = load_scenario(scenario)
    check_scenario_refs(spec, cat)
    screens = screen_scenario(spec, cat)
    if as_json:
        print_json({"scenario": spec.name, "workloads": [s.to_dict() for s in screens]})
        return
    print_tables(screen_tables(screens, top))


def schema() -> None:
    """Print the JSON Schema of scenario files (for editors and CI validation)."""
    # deferred: spec imports pydantic (~150 ms); --help must stay < 0.3 s
    from gigawatt.spec import scenario_json_schema

    print_json(scenario_json_schema())
