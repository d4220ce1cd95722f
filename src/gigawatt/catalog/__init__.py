"""The bundled catalog: accelerators, systems, regions, venues, offers and LLM architectures."""

from gigawatt.catalog.loader import ENV_VAR, TABLES, Catalog, load_catalog
from gigawatt.catalog.schema import Attribute, TableSchema, table_schema

__all__ = [
    "ENV_VAR",
    "TABLES",
    "Attribute",
    "Catalog",
    "TableSchema",
    "load_catalog",
    "table_schema",
]
