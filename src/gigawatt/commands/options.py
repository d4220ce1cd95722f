"""Command-line options shared by several commands (one definition each)."""

from __future__ import annotations

from typing import Annotated

import typer

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
