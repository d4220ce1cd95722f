"""The schema files drive the catalog docs: docs/catalog.md must be regenerated when they change."""

from __future__ import annotations

from pathlib import Path

from gigawatt.catalog import TABLES, table_schema
from gigawatt.catalog.docs import schema_markdown

DOC = Path(__file__).resolve().parents[2] / "docs" / "catalog.md"


def test_catalog_doc_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == schema_markdown(), (
        "docs/catalog.md is stale: run `python -m gigawatt.catalog.docs > docs/catalog.md`"
    )


def test_doc_lists_every_attribute() -> None:
    text = schema_markdown()
    for table in TABLES:
        assert f"## {table}" in text
        for name in table_schema(table).names:
            assert f"| `{name}` |" in text
