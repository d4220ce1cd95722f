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
    return "\n".join(lines) + "\n"


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
