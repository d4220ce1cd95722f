"""Render the catalog schemas as Markdown (``python -m gigawatt.catalog.docs > docs/catalog.md``).

The schema files drive loading, validation and these docs; a test keeps docs/catalog.md current.
"""

from __future__ import annotations

from gigawatt.catalog.loader import TABLES
from gigawatt.catalog.schema import PREEMPTIBLE_PRICING, PRICING_FAMILIES, table_schema


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def schema_markdown() -> str:
    """One Markdown section per table: attribute, type, unit, required, bounds, description."""
    lines = [
        "# Catalog tables",
        "",
        "Generated from `src/gigawatt/catalog/schema/*.csv` by "
        "`python -m gigawatt.catalog.docs`; do not edit by hand.",
    ]
    for table in TABLES:
        lines += [
            "",
            f"## {table}",
            "",
            "| attribute | type | unit | required | range | description |",
            "|---|---|---|---|---|---|",
        ]
        for a in table_schema(table).attributes:
            bounds = "" if a.min is None and a.max is None else f"{_num(a.min)} .. {_num(a.max)}"
            kind = f"{a.type}: {', '.join(a.allowed)}" if a.allowed else a.type
            required = "yes" if a.required else "no"
            lines.append(
                f"| `{a.name}` | {_cell(kind)} | {a.unit} | {required} | {bounds} | "
                f"{_cell(a.description)} |"
            )
        if table == "offers":
            lines += ["", _pricing_families()]
        if table == "request_paths":
            lines += ["", EDGE_NOTE]
        if table == "services":
            lines += ["", SERVICES_NOTE]
    return "\n".join(lines) + "\n"


EDGE_NOTE = """### Edge: devices, memory and the request path

- **Device classes.** `accelerators.device_class` says where a device is deployed and bought:
  `datacenter` (default), `edge` (Jetson modules) or both (`l4`, a 72 W card also fitted in edge
  servers). A user-operated venue (on-prem, colocation, edge) sells for purchase the accelerators
  of the classes in its `venues.device_classes` (default `datacenter`; the `edge` venue holds
  `edge`), with their own purchase price and power: an edge site buys a Jetson or an L4, never a
  B200, and a data centre never buys a Jetson module.
- **Memory.** An edge site runs each replica on one device (assumption on the `edge` venue row),
  so a model whose state exceeds one device's memory is excluded there with the reason
  `memory: llama-3.1-70b (70.6B params, bf16 weights) needs 131 GiB; jetson-agx-orin has 64 GiB`.
- **Request path.** A served request spends, outside the accelerators, the venue kind's
  `front_end_s` (API front end; 0 for a runtime in the application's process) plus, when the
  workload names its users' region, the kind's `access_rtt_s` and the straight-fibre round trip
  between the users' and the serving region. Cloud, colocation and on-prem paths start at about
  29 ms (20 ms access + 9 ms front end), the edge path at 0.5 ms: a sub-5 ms (or sub-10 ms) TTFT
  objective can only be met at the edge, and only where the device itself is fast enough.
"""


SERVICES_NOTE = """Per-token AI services (serverless inference priced per million tokens) of the
same open-weight models a user could self-host. Prices are the provider's published list prices
for the plan the row names; a `_low`/`_high` end is another source's figure where sources
disagree; an empty cell is unknown (a cached-input price not published is billed as input).
`region` is where requests are processed; unless `residency_published` is true the service
qualifies only for workloads without `allowed_jurisdictions`. `gigawatt infer` and `gigawatt tco
--model` show these services beside self-hosting with break-even volumes; `gigawatt plan` weighs
them by default and places workloads on them where they cost less (scenario
`per_token_services: false` plans self-hosting only; docs/models/economics.md, "Token-priced
services")."""


def _pricing_families() -> str:
    """One line naming the family of each ``pricing_model`` (``gigawatt.catalog.schema``)."""
    families = "; ".join(
        f"`{family}`: {', '.join(f'`{m}`' for m in models)}"
        for family, models in PRICING_FAMILIES.items()
    )
    preemptible = ", ".join(f"`{m}`" for m in PREEMPTIBLE_PRICING)
    return (
        f"Pricing-model families: {families}. Preemptible (pay-per-use capacity the provider "
        f"may reclaim): {preemptible}."
    )


if __name__ == "__main__":
    print(schema_markdown(), end="")
