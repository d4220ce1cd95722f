"""Resolve user references (catalog ids or files) into model objects.

Thin orchestration only: the parsing lives in :mod:`gigawatt.models.architecture`.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from gigawatt.adapters.hf_config import load_hf_config
from gigawatt.catalog import Catalog, load_catalog
from gigawatt.errors import InputError
from gigawatt.models.architecture import ModelArchitecture
from gigawatt.models.params import parameter_counts


def looks_like_path(reference: str) -> bool:
    """True when ``reference`` names a file rather than a catalog id."""
    return reference.endswith(".json") or "/" in reference or "\\" in reference


def model_architecture(
    model: str, catalog: Catalog | None = None, *, field: str = "model"
) -> ModelArchitecture:
    """Architecture of ``model``: a catalog model id or a path to a Hugging Face config.json."""
    if looks_like_path(model):
        path = Path(model)
        if not path.is_file():
            raise InputError(f"config file {model!r} does not exist", where=field)
        return load_hf_config(path)
    catalog = catalog or load_catalog()
    catalog.get("models", model, field=field)
    return load_hf_config(catalog.model_config_path(model))


def catalog_rows_with_derived(catalog: Catalog, table: str) -> list[dict[str, object]]:
    """Rows of ``table`` plus derived columns (models: parameter counts derived from config)."""
    rows: list[dict[str, object]] = list(catalog.rows(table))
    if table != "models":
        return rows

    out = []
    for row in rows:
        counts = parameter_counts(load_hf_config(catalog.model_config_path(str(row["id"]))))
        out.append(
            {
                **row,
                "derived_total_params_b": counts.total / 1e9,
                "derived_active_params_b": counts.active / 1e9,
            }
        )
    return out


def entry_details(catalog: Catalog, table: str, row: dict[str, object]) -> dict[str, object]:
    """Derived facts shown beside a catalog entry (``gigawatt catalog show``)."""
    entry_id = str(row["id"])
    if table == "models":
        arch = load_hf_config(catalog.model_config_path(entry_id))
        counts = parameter_counts(arch)
        return {
            "derived_total_params_b": counts.total / 1e9,
            "derived_active_params_b": counts.active / 1e9,
            "architecture": asdict(arch),
        }
    refs = {"accelerators": ("systems", "offers"), "venues": ("offers",), "regions": ("offers",)}
    key = {"accelerators": "accelerator", "venues": "venue", "regions": "region"}.get(table, "")
    return {
        f"{other}_referencing": [
            str(r["id"]) for r in catalog.rows(other) if r.get(key) == entry_id
        ]
        for other in refs.get(table, ())
    }
