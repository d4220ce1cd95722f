"""Command-line options shared by several commands, and the catalog of one invocation.

The root ``--catalog`` overlays live on the command context (``ctx.obj``), not in a module
global, so two invocations in one process (tests, the API later) never see each other's overlays.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from gigawatt.catalog import Catalog

JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
OfferOption = Annotated[
    str | None, typer.Option("--offer", help="Offer id: adds cost (see `gigawatt catalog offers`).")
]
VenueOption = Annotated[
    str | None, typer.Option("--venue", help="Venue id: cost from its cheapest on-demand offer.")
]
RegionOption = Annotated[
    str | None,
    typer.Option("--region", help="Region id for energy and carbon (default: the offer's)."),
]


@dataclass
class CliState:
    """What the root command parsed for every sub-command: the catalog overlay paths."""

    overlays: list[Path] = field(default_factory=list)


def overlay_paths(ctx: typer.Context) -> list[Path]:
    """The ``--catalog`` overlay paths given to the root command of this invocation."""
    state = ctx.find_root().obj
    return list(state.overlays) if isinstance(state, CliState) else []


def cli_catalog(ctx: typer.Context) -> Catalog:
    """The catalog of this invocation: bundled tables plus its ``--catalog`` overlays."""
    # deferred: loading the catalog costs ~120 ms of imports; `gigawatt --help` must stay < 0.3 s
    from gigawatt.catalog import load_catalog

    return load_catalog(overlay_paths(ctx))


def print_json(obj: Any) -> None:
    """Print ``obj`` as indented JSON (numbers and strings as they are, others via ``str``)."""
    typer.echo(json.dumps(obj, indent=2, default=str))


def add_unvalidated_notes(
    result: dict[str, Any], catalog: Catalog, accelerator_ids: Iterable[str], key: str
) -> dict[str, Any]:
    """``result`` with one note per unvalidated accelerator among ``accelerator_ids`` appended to
    its ``key`` list (``assumptions`` of train/infer, ``notes`` of plan), so every output on an
    accelerator the models have not checked against measurements says so."""
    # deferred: the catalog costs ~120 ms of imports; `gigawatt --help` must stay < 0.3 s
    from gigawatt.catalog.lookup import unvalidated_notes

    result[key] = [*(result.get(key) or []), *unvalidated_notes(catalog, accelerator_ids)]
    return result
