"""Bundled catalog content, overlays and loader errors."""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

import pytest

from gigawatt.catalog import ENV_VAR, TABLES, load_catalog, table_schema
from gigawatt.catalog.loader import BUNDLED_DIR
from gigawatt.errors import CatalogError, InputError

REQUIRED_ACCELERATORS = [
    "a100-sxm-40gb",
    "a100-sxm-80gb",
    "h100-sxm",
    "h100-pcie",
    "h200",
    "h800",
    "b200",
    "gb200",
    "mi300x",
    "mi325x",
    "gaudi2",
    "gaudi3",
    "tpu-v5e",
    "tpu-v5p",
    "tpu-v6e",
    "trainium2",
    "l4",
    "l40s",
    "jetson-agx-orin",
]


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def write_table(
    directory: Path, table: str, rows: list[dict[str, Any]], header: list[str] | None = None
) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{table}.csv"
    names = header or list(table_schema(table).names)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(names)
        for row in rows:
            writer.writerow([cell(row.get(n)) for n in names])
    return path


@pytest.fixture(scope="module")
def bundled() -> Any:
    return load_catalog(use_env=False)


def test_bundled_has_required_accelerators(bundled: Any) -> None:
    missing = set(REQUIRED_ACCELERATORS) - set(bundled.ids("accelerators"))
    assert not missing


def test_every_row_has_source_and_date(bundled: Any) -> None:
    for table in TABLES:
        rows = bundled.rows(table)
        assert rows, f"{table} is empty"
        for row in rows:
            assert row["source"].strip(), (table, row["id"])
            assert re.match(r"^\d{4}", row["as_of"]), (table, row["id"])


def test_catalog_breadth(bundled: Any) -> None:
    assert len(bundled.ids("models")) >= 15
    kinds = {v["kind"] for v in bundled.rows("venues")}
    assert {"hyperscaler", "neocloud", "colocation", "onprem", "edge"} <= kinds
    models = {o["pricing_model"] for o in bundled.rows("offers")}
    assert {"on_demand", "spot", "reserved_1y", "reserved_3y"} <= models
    region_ids = bundled.ids("regions")
    assert {"us", "fr", "de", "ie", "in", "aws:us-east-1", "gcp:europe-west9"} <= set(region_ids)


def test_region_ids_follow_convention(bundled: Any) -> None:
    for row in bundled.rows("regions"):
        if row["kind"] == "country":
            assert re.fullmatch(r"[a-z]{2}", row["id"]), row["id"]
            assert row["country"] == row["id"]
        else:
            assert row["id"].startswith(f"{row['provider']}:"), row["id"]
        assert row["country"] in row["jurisdictions"], row["id"]


def test_unknown_id_suggests_closest(bundled: Any) -> None:
    with pytest.raises(
        InputError, match=r"unknown accelerator id 'h100-sxn'; did you mean 'h100-sxm'"
    ):
        bundled.get("accelerators", "h100-sxn")


def test_overlay_replaces_and_adds_offers(tmp_path: Path, bundled: Any) -> None:
    base = dict(bundled.rows("offers")[0])
    cheaper = {
        **base,
        "price_usd_per_accel_h": base["price_usd_per_accel_h"] / 2,
        "price_usd_per_accel_h_low": None,
        "price_usd_per_accel_h_high": None,
        "source": "negotiated contract",
        "as_of": "2026-11",
    }
    added = {**cheaper, "id": "my-private-deal"}
    write_table(tmp_path, "offers", [cheaper, added])
    cat = load_catalog([tmp_path], use_env=False)
    assert cat.get("offers", base["id"])["price_usd_per_accel_h"] == pytest.approx(
        base["price_usd_per_accel_h"] / 2
    )
    assert cat.get("offers", "my-private-deal")["source"] == "negotiated contract"
    assert len(cat.ids("offers")) == len(bundled.ids("offers")) + 1
    assert cat.origin("offers", "my-private-deal").startswith(str(tmp_path))


def test_overlay_from_environment_and_single_file(
    tmp_path: Path, bundled: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    row = {**bundled.rows("accelerators")[0], "id": "my-asic", "name": "My ASIC"}
    path = write_table(tmp_path / "hw", "accelerators", [row])
    monkeypatch.setenv(ENV_VAR, str(path.parent))
    assert "my-asic" in load_catalog().ids("accelerators")
    monkeypatch.delenv(ENV_VAR)
    assert "my-asic" in load_catalog([path], use_env=False).ids("accelerators")
    assert "my-asic" not in load_catalog().ids("accelerators")


def test_overlay_bad_value_names_file_line_field_value(tmp_path: Path, bundled: Any) -> None:
    good = dict(bundled.rows("offers")[0])
    bad = {**good, "id": "bad-one", "price_usd_per_accel_h": -3}
    path = write_table(tmp_path, "offers", [good, bad])
    with pytest.raises(CatalogError) as err:
        load_catalog([tmp_path], use_env=False)
    msg = str(err.value)
    assert f"{path}:3" in msg and "price_usd_per_accel_h" in msg and "-3" in msg
    assert "\n" not in msg


def test_overlay_bad_enum_lists_allowed(tmp_path: Path, bundled: Any) -> None:
    bad = {**bundled.rows("offers")[0], "pricing_model": "yearly"}
    write_table(tmp_path, "offers", [bad])
    with pytest.raises(CatalogError, match=r"'yearly' is not allowed \(allowed: on_demand, spot"):
        load_catalog([tmp_path], use_env=False)


def test_overlay_unknown_reference_suggests(tmp_path: Path, bundled: Any) -> None:
    bad = {**bundled.rows("offers")[0], "accelerator": "h100-sxn"}
    write_table(tmp_path, "offers", [bad])
    with pytest.raises(CatalogError, match=r"field 'accelerator'.*'h100-sxn'.*'h100-sxm'"):
        load_catalog([tmp_path], use_env=False)


def test_overlay_unknown_column_and_missing_required(tmp_path: Path, bundled: Any) -> None:
    row = bundled.rows("offers")[0]
    names = list(table_schema("offers").names)
    write_table(
        tmp_path / "a",
        "offers",
        [row],
        header=[("price_usd_per_acel_h" if n == "price_usd_per_accel_h" else n) for n in names],
    )
    with pytest.raises(
        CatalogError,
        match="unknown column 'price_usd_per_acel_h'; did you mean 'price_usd_per_accel_h",
    ):
        load_catalog([tmp_path / "a"], use_env=False)
    write_table(tmp_path / "b", "offers", [row], header=[n for n in names if n != "source"])
    with pytest.raises(CatalogError, match="missing required column 'source'"):
        load_catalog([tmp_path / "b"], use_env=False)


def test_overlay_duplicate_ids_and_bad_assumptions(tmp_path: Path, bundled: Any) -> None:
    row = bundled.rows("offers")[0]
    write_table(tmp_path / "dup", "offers", [row, row])
    with pytest.raises(CatalogError, match="duplicate id"):
        load_catalog([tmp_path / "dup"], use_env=False)
    write_table(tmp_path / "asm", "offers", [{**row, "assumptions": "speed: guessed"}])
    with pytest.raises(CatalogError, match="assumptions"):
        load_catalog([tmp_path / "asm"], use_env=False)


def test_overlay_path_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is not a file or directory"):
        load_catalog([tmp_path / "nope"], use_env=False)
    with pytest.raises(InputError, match="holds none of"):
        load_catalog([tmp_path], use_env=False)
    other = tmp_path / "prices.csv"
    other.write_text("id\n", encoding="utf-8")
    with pytest.raises(InputError, match="must be one of"):
        load_catalog([other], use_env=False)


def test_bundled_files_match_schema_header_order() -> None:
    for table in TABLES:
        with (BUNDLED_DIR / f"{table}.csv").open(encoding="utf-8") as fh:
            header = next(csv.reader(fh))
        assert tuple(header) == table_schema(table).names, table


def test_model_overlay_reads_its_config_from_overlay_dir(tmp_path: Path, bundled: Any) -> None:
    import shutil

    from gigawatt.evaluate.resolve import model_architecture
    from gigawatt.models.params import parameter_counts

    base = bundled.get("models", "llama-3.1-8b")
    (tmp_path / "models").mkdir()
    shutil.copy(bundled.model_config_path("llama-3.1-8b"), tmp_path / "models" / "mine.json")
    write_table(tmp_path, "models", [{**base, "id": "my-8b", "config_file": "mine.json"}])
    cat = load_catalog([tmp_path], use_env=False)
    assert cat.model_config_path("my-8b") == tmp_path / "models" / "mine.json"
    counts = parameter_counts(model_architecture("my-8b", cat))
    assert counts.total == parameter_counts(model_architecture("llama-3.1-8b", cat)).total
    (tmp_path / "models" / "mine.json").unlink()
    with pytest.raises(InputError, match=r"mine\.json"):
        model_architecture("my-8b", cat)
