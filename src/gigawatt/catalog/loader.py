"""Load the bundled catalog, overlay users' own tables on it and check every row against its schema.

Overlays are directories (or single ``<table>.csv`` files) given on the command line (``--catalog``)
or in the ``GIGAWATT_CATALOG_PATH`` environment variable (``os.pathsep``-separated). An overlay row
with an existing id replaces the bundled row; a new id adds a row. Overlays are validated exactly
like bundled data, and cross-table references are checked after merging.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gigawatt.catalog.schema import TableSchema, check_header, parse_cell, table_schema
from gigawatt.errors import CatalogError, InputError, unknown_id_error

TABLES = (
    "accelerators",
    "systems",
    "regions",
    "venues",
    "request_paths",
    "offers",
    "models",
    "cooling",
    "cost_assumptions",
    "water_factors",
    "fallbacks",
    "services",
)
BUNDLED_DIR = Path(__file__).parent / "data"
ENV_VAR = "GIGAWATT_CATALOG_PATH"
Row = dict[str, Any]


@dataclass
class Catalog:
    """All catalog tables, keyed by table then id. Rows are plain dicts of typed values."""

    tables: dict[str, dict[str, Row]]
    origins: dict[tuple[str, str], str] = field(default_factory=dict)
    model_dirs: dict[str, Path] = field(default_factory=dict)

    def ids(self, table: str) -> list[str]:
        """Ids of ``table`` in file order."""
        return list(self._table(table))

    def rows(self, table: str) -> list[Row]:
        """Rows of ``table`` in file order."""
        return list(self._table(table).values())

    def get(self, table: str, entry_id: str, *, field: str | None = None) -> Row:
        """The row ``entry_id`` of ``table``; unknown ids raise InputError with the closest ids."""
        rows = self._table(table)
        if entry_id not in rows:
            raise unknown_id_error(table.rstrip("s"), entry_id, rows, field=field)
        return rows[entry_id]

    def find(self, entry_id: str) -> list[tuple[str, Row]]:
        """Every (table, row) whose id is ``entry_id``."""
        return [(t, rows[entry_id]) for t, rows in self.tables.items() if entry_id in rows]

    def all_ids(self) -> list[str]:
        return [i for rows in self.tables.values() for i in rows]

    def origin(self, table: str, entry_id: str) -> str:
        """File and line the row was read from."""
        return self.origins.get((table, entry_id), "?")

    def model_config_path(self, model_id: str) -> Path:
        """Path of the Hugging Face config.json of catalog model ``model_id``."""
        row = self.get("models", model_id)
        return self.model_dirs.get(model_id, BUNDLED_DIR / "models") / str(row["config_file"])

    def _table(self, table: str) -> dict[str, Row]:
        if table not in self.tables:
            raise unknown_id_error("table", table, self.tables)
        return self.tables[table]


def _names_attribute(schema: TableSchema, name: str) -> bool:
    """True for an attribute of the table; model rows may also name ``config.<key>`` of their
    Hugging Face config.json."""
    return name in schema.names or (schema.table == "models" and name.startswith("config."))


def _check_assumptions(schema: TableSchema, text: str | None, where: str) -> None:
    """Each ``field: rationale`` item (``a/b: rationale`` for several fields) must name attributes
    of the table and give a rationale."""
    for item in (text or "").split("|"):
        if not item.strip():
            continue
        names, sep, why = item.partition(":")
        known = all(_names_attribute(schema, n.strip()) for n in names.split("/"))
        if not known or not sep or not why.strip():
            raise CatalogError(
                f"field 'assumptions': {item.strip()!r} must be '<attribute>[/<attribute>...]: "
                "<rationale>' naming attributes of the table",
                where=where,
            )


def read_rows(path: Path, schema: TableSchema) -> Iterator[tuple[str, Row]]:
    """Yield (where, row) for each data row of a CSV file, parsed and checked against ``schema``."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CatalogError(f"cannot read file: {exc.strerror}", where=str(path)) from None
    reader = csv.DictReader(text.splitlines())
    check_header(schema, list(reader.fieldnames or []), str(path))
    for row in reader:
        where = f"{path}:{reader.line_num}"
        if None in row:
            raise CatalogError("row has more cells than the header", where=where)
        parsed: Row = {}
        for attr in schema.attributes:
            try:
                parsed[attr.name] = parse_cell(attr, row.get(attr.name))
            except ValueError as exc:
                raise CatalogError(f"field {attr.name!r} {exc}", where=where) from None
        _check_assumptions(schema, parsed.get("assumptions"), where)
        yield where, parsed


def _table_files(overlay: Path) -> list[tuple[str, Path]]:
    if overlay.is_file():
        if overlay.suffix != ".csv" or overlay.stem not in TABLES:
            raise InputError(
                f"overlay file {overlay.name!r} must be one of "
                f"{', '.join(t + '.csv' for t in TABLES)}",
                where="catalog overlay",
            )
        return [(overlay.stem, overlay)]
    if not overlay.is_dir():
        raise InputError(f"{str(overlay)!r} is not a file or directory", where="catalog overlay")
    found = [(t, overlay / f"{t}.csv") for t in TABLES if (overlay / f"{t}.csv").is_file()]
    if not found:
        raise InputError(
            f"directory {str(overlay)!r} holds none of {', '.join(t + '.csv' for t in TABLES)}",
            where="catalog overlay",
        )
    return found


def _load_file(catalog: Catalog, table: str, path: Path, *, overlay: bool) -> None:
    rows = catalog.tables.setdefault(table, {})
    seen: set[str] = set()
    for where, row in read_rows(path, table_schema(table)):
        entry_id = row["id"]
        if entry_id in seen:
            raise CatalogError(f"duplicate id {entry_id!r}", where=where)
        seen.add(entry_id)
        rows[entry_id] = row
        catalog.origins[(table, entry_id)] = (
            where if overlay else where.replace(str(BUNDLED_DIR), "bundled")
        )
        if table == "models" and overlay:
            catalog.model_dirs[entry_id] = path.parent / "models"


def _check_refs(catalog: Catalog) -> None:
    for table, rows in catalog.tables.items():
        for attr in table_schema(table).attributes:
            ref = attr.ref_table
            if ref is None:
                continue
            for entry_id, row in rows.items():
                values = row[attr.name] if attr.is_list else [row[attr.name]]
                for value in values or []:
                    if value is not None and value not in catalog.tables.get(ref, {}):
                        where = catalog.origin(table, entry_id)
                        err = unknown_id_error(
                            ref.rstrip("s"),
                            value,
                            catalog.tables.get(ref, {}),
                            field=f"{where}: field {attr.name!r}",
                        )
                        raise CatalogError(str(err)) from None


def overlay_paths_from_env() -> list[Path]:
    """Overlay paths named by the ``GIGAWATT_CATALOG_PATH`` environment variable."""
    return [Path(p) for p in os.environ.get(ENV_VAR, "").split(os.pathsep) if p.strip()]


def load_catalog(overlays: Sequence[Path] = (), *, use_env: bool = True) -> Catalog:
    """Load the bundled tables, then each overlay in order (env overlays first, then ``overlays``).

    Raises CatalogError (an InputError) naming file, line, field and value for any bad row.
    """
    catalog = Catalog(tables={})
    for table in TABLES:
        _load_file(catalog, table, BUNDLED_DIR / f"{table}.csv", overlay=False)
    for overlay in [*(overlay_paths_from_env() if use_env else []), *overlays]:
        for table, path in _table_files(Path(overlay)):
            _load_file(catalog, table, path, overlay=True)
    _check_refs(catalog)
    return catalog
