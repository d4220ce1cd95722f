"""Schema files and cell parsing."""

from __future__ import annotations

import re

import pytest

from gigawatt.catalog import TABLES, table_schema
from gigawatt.catalog.schema import Attribute, parse_cell

UNIT_SUFFIXES = re.compile(
    r"_(tflops|tops|gib|gb_per_s|gbit_per_s|w|kw|usd|usd_low|usd_high|usd_per_accel_h(_low|_high)?"
    r"|usd_per_kwh|usd_per_kw_month|usd_per_gb|gco2_per_kwh|l_per_kwh|fraction|params_b|deg|size"
    r"|months|year|years|kw_per_rack|usd_per_mw|mw|kwh|kg|kgco2e|l|s|h|days|tb"
    r"|usd_per_m_tokens|per_min|tokens)(_low|_high)?$"
)
COUNT_NAMES = re.compile(
    r"^accelerators_per_(system|instance)$|^max_accelerators(_low|_high)?$"
    r"|^pue(_low|_high)?$|^rack_units$"
)


def attr(**kw: object) -> Attribute:
    base: dict[str, object] = {
        "name": "x",
        "type": "float",
        "unit": "W",
        "required": True,
        "default": "",
        "min": 0.0,
        "max": None,
        "allowed": (),
        "description": "",
    }
    base.update(kw)
    return Attribute(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize("table", TABLES)
def test_schema_has_provenance_columns(table: str) -> None:
    names = table_schema(table).names
    assert names[0] == "id"
    assert names[-4:] == ("source", "as_of", "assumptions", "notes")
    assert table_schema(table).attribute("source").required
    assert table_schema(table).attribute("as_of").required


@pytest.mark.parametrize("table", TABLES)
def test_numeric_attributes_carry_units_in_their_names(table: str) -> None:
    for a in table_schema(table).attributes:
        if a.is_numeric:
            assert a.unit, f"{table}.{a.name} has no unit"
            assert UNIT_SUFFIXES.search(a.name) or COUNT_NAMES.match(a.name), (
                f"{table}.{a.name}: unit {a.unit!r} not in the name (docs/nomenclature.md)"
            )


def test_parse_numbers_and_bounds() -> None:
    assert parse_cell(attr(), "700") == 700.0
    assert parse_cell(attr(type="int"), "8") == 8
    with pytest.raises(ValueError, match="below the minimum 0"):
        parse_cell(attr(), "-1")
    with pytest.raises(ValueError, match="above the maximum 1"):
        parse_cell(attr(max=1.0), "1.5")
    with pytest.raises(ValueError, match="not a number"):
        parse_cell(attr(), "fast")
    with pytest.raises(ValueError, match="not an integer"):
        parse_cell(attr(type="int"), "8.5")
    with pytest.raises(ValueError, match="finite"):
        parse_cell(attr(), "nan")


def test_parse_required_default_and_optional() -> None:
    with pytest.raises(ValueError, match="required"):
        parse_cell(attr(), "  ")
    assert parse_cell(attr(required=False), "") is None
    assert parse_cell(attr(default="3"), "") == 3.0


def test_parse_enum_date_id_bool_lists() -> None:
    enum = attr(type="enum", allowed=("air", "liquid"))
    assert parse_cell(enum, "air") == "air"
    with pytest.raises(ValueError, match="allowed: air, liquid"):
        parse_cell(enum, "water")
    assert parse_cell(attr(type="date"), "2024-08") == "2024-08"
    with pytest.raises(ValueError, match="not a date"):
        parse_cell(attr(type="date"), "Aug 2024")
    assert parse_cell(attr(type="id"), "aws:us-east-1") == "aws:us-east-1"
    with pytest.raises(ValueError, match="not a valid id"):
        parse_cell(attr(type="id"), "H100 SXM")
    assert parse_cell(attr(type="bool"), "Yes") is True
    refs = attr(type="list[ref:regions]")
    assert parse_cell(refs, "us; fr ;") == ["us", "fr"]
    assert refs.ref_table == "regions"
    with pytest.raises(ValueError, match="not a valid id"):
        parse_cell(refs, "us;Fr")
