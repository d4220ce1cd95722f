"""Table schemas: one CSV per table (attribute, type, unit, required, default, min, max, allowed,
description) that drives loading, validation and the docs, as PyPSA's component attribute files do.

Cell types
----------
``id``, ``str``, ``int``, ``float``, ``bool``, ``date`` (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``),
``enum`` (values listed in ``allowed``, separated by ``|``), ``ref:<table>`` (an id of another
table), ``list[str]`` and ``list[ref:<table>]`` (items separated by ``;``). An empty cell is null.
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from gigawatt.errors import CatalogError, closest

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9.\-]*(:[a-z0-9][a-z0-9.\-]*)?$")
DATE_PATTERN = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
SCHEMA_COLUMNS = (
    "attribute",
    "type",
    "unit",
    "required",
    "default",
    "min",
    "max",
    "allowed",
    "description",
)
TRUE_WORDS = {"true", "yes", "1"}
FALSE_WORDS = {"false", "no", "0"}

# Pricing-model families of the offers table (its ``pricing_model`` enum): how an offer is paid.
# ``pay_per_use``: per accelerator-hour used (``spot`` is pay-per-use capacity the provider may
# reclaim, see PREEMPTIBLE_PRICING); ``committed``: a term paid whether used or not.
PAY_PER_USE_PRICING: tuple[str, ...] = ("on_demand", "spot")
COMMITTED_PRICING: tuple[str, ...] = ("reserved_1y", "reserved_3y", "contract", "capacity_block")
PREEMPTIBLE_PRICING: tuple[str, ...] = ("spot",)
PRICING_FAMILIES: dict[str, tuple[str, ...]] = {
    "pay_per_use": PAY_PER_USE_PRICING,
    "committed": COMMITTED_PRICING,
}
PRICING_FAMILY: dict[str, str] = {
    model: family for family, models in PRICING_FAMILIES.items() for model in models
}


@dataclass(frozen=True)
class Attribute:
    """One column of a catalog table."""

    name: str
    type: str
    unit: str
    required: bool
    default: str
    min: float | None
    max: float | None
    allowed: tuple[str, ...]
    description: str

    @property
    def ref_table(self) -> str | None:
        """Table referenced by a ``ref:`` or ``list[ref:]`` attribute, else None."""
        match = re.search(r"ref:([a-z_]+)", self.type)
        return match.group(1) if match else None

    @property
    def is_list(self) -> bool:
        return self.type.startswith("list[")

    @property
    def is_numeric(self) -> bool:
        return self.type in ("int", "float")


@dataclass(frozen=True)
class TableSchema:
    """The ordered attributes of one table."""

    table: str
    attributes: tuple[Attribute, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.attributes)

    def attribute(self, name: str) -> Attribute:
        for attr in self.attributes:
            if attr.name == name:
                return attr
        raise KeyError(name)


def _float_or_none(text: str) -> float | None:
    return float(text) if text.strip() else None


def _attribute_from_row(row: dict[str, str]) -> Attribute:
    return Attribute(
        name=row["attribute"],
        type=row["type"],
        unit=row["unit"],
        required=row["required"].strip().lower() in TRUE_WORDS,
        default=row["default"],
        min=_float_or_none(row["min"]),
        max=_float_or_none(row["max"]),
        allowed=tuple(v for v in row["allowed"].split("|") if v),
        description=row["description"],
    )


@cache
def table_schema(table: str) -> TableSchema:
    """Load the bundled schema of ``table`` (e.g. ``"accelerators"``)."""
    text = resources.files("gigawatt.catalog").joinpath("schema", f"{table}.csv").read_text("utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    return TableSchema(table, tuple(_attribute_from_row(r) for r in rows))


def _parse_number(attr: Attribute, text: str) -> float | int:
    try:
        value: float | int = int(text) if attr.type == "int" else float(text)
    except ValueError:
        kind = "an integer" if attr.type == "int" else "a number"
        raise ValueError(f"{text!r} is not {kind}") from None
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{text!r} is not a finite number")
    if attr.min is not None and value < attr.min:
        raise ValueError(f"{text} is below the minimum {attr.min:g}")
    if attr.max is not None and value > attr.max:
        raise ValueError(f"{text} is above the maximum {attr.max:g}")
    return value


def _parse_scalar(attr: Attribute, text: str) -> Any:
    kind = attr.type.removeprefix("list[").removesuffix("]")
    if attr.is_numeric:
        return _parse_number(attr, text)
    if kind == "bool":
        lowered = text.lower()
        if lowered not in TRUE_WORDS | FALSE_WORDS:
            raise ValueError(f"{text!r} is not a boolean (allowed: true, false)")
        return lowered in TRUE_WORDS
    if kind == "date" and not DATE_PATTERN.match(text):
        raise ValueError(f"{text!r} is not a date (allowed: YYYY, YYYY-MM, YYYY-MM-DD)")
    if kind == "enum" and text not in attr.allowed:
        raise ValueError(f"{text!r} is not allowed (allowed: {', '.join(attr.allowed)})")
    if (kind == "id" or kind.startswith("ref:")) and not ID_PATTERN.match(text):
        raise ValueError(
            f"{text!r} is not a valid id (lowercase letters, digits, '-', '.', "
            "optional '<provider>:' prefix)"
        )
    return text


def parse_cell(attr: Attribute, text: str | None) -> Any:
    """Parse one CSV cell according to its attribute; raise ValueError with a readable reason."""
    text = (text or "").strip()
    if not text:
        text = attr.default
    if not text:
        if attr.required:
            raise ValueError("is required but empty")
        return None
    if attr.is_list:
        return [_parse_scalar(attr, item.strip()) for item in text.split(";") if item.strip()]
    return _parse_scalar(attr, text)


def check_header(schema: TableSchema, header: list[str], where: str) -> None:
    """Check a data header against the schema: known columns, required ones present."""
    unknown = [h for h in header if h not in schema.names]
    if unknown:
        near = closest(unknown[0], schema.names)
        hint = f"did you mean {near[0]!r}?" if near else f"allowed: {', '.join(schema.names)}"
        raise CatalogError(f"unknown column {unknown[0]!r}; {hint}", where=where)
    missing = [
        a.name for a in schema.attributes if a.required and not a.default and a.name not in header
    ]
    if missing:
        raise CatalogError(f"missing required column {missing[0]!r}", where=where)
