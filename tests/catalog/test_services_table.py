"""The ``services`` table (per-token AI services): schema, sourced rows, sanity, CLI."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gigawatt.catalog import load_catalog, table_schema
from gigawatt.errors import InputError
from gigawatt.validation.catalog_checks import spec_sanity_cases

PRICE_COLUMNS = ("input_usd_per_m_tokens", "output_usd_per_m_tokens")


@pytest.fixture(scope="module")
def catalog() -> Any:
    return load_catalog(use_env=False)


def test_schema_has_prices_limits_residency_and_provenance() -> None:
    names = set(table_schema("services").names)
    assert {
        "venue",
        "model",
        "region",
        "residency_published",
        "input_usd_per_m_tokens",
        "cached_input_usd_per_m_tokens",
        "output_usd_per_m_tokens",
        "max_requests_per_min",
        "max_tokens_per_min",
        "ttft_s",
        "source",
        "as_of",
    } <= names
    assert table_schema("services").attribute("model").ref_table == "models"


def test_rows_are_sourced_priced_and_reference_catalog_models(catalog: Any) -> None:
    rows = catalog.rows("services")
    assert len(rows) >= 10
    assert {r["model"] for r in rows} >= {"llama-3.1-8b", "llama-3.1-70b", "deepseek-v3"}
    assert len({r["venue"] for r in rows}) >= 5
    for row in rows:
        assert row["source"].startswith(("https://", "github:")), row["id"]
        assert row["as_of"], row["id"]
        for col in PRICE_COLUMNS:
            assert row[col] > 0, (row["id"], col)
        assert row["model"] in catalog.tables["models"]


def test_issue_19_platforms_and_qwen3_are_offered(catalog: Any) -> None:
    """Groq (the platform the seed claim names) sells Llama 3.1 8B and Qwen3 30B-A3B has a
    per-token offer: each priced from a dated, pinned or official source, output dearer than
    input, a cached-input price never above the input price."""
    groq = catalog.get("services", "groq-llama-3.1-8b")
    assert (groq["venue"], groq["model"]) == ("groq", "llama-3.1-8b")
    assert (groq["input_usd_per_m_tokens"], groq["output_usd_per_m_tokens"]) == (0.05, 0.08)
    assert re.search(
        r"github:pydantic/genai-prices@[0-9a-f]{40}:prices/providers/groq.yml", groq["source"]
    )
    qwen = [r for r in catalog.rows("services") if r["model"] == "qwen3-30b-a3b"]
    assert qwen and all(r["precision"] == "fp8" for r in qwen)
    for venue in ("groq", "cloudflare"):
        row = catalog.get("venues", venue)
        assert row["source"].startswith("https://") and row["as_of"]
    for row in catalog.rows("services"):
        cached = row["cached_input_usd_per_m_tokens"]
        assert cached is None or 0 < cached <= row["input_usd_per_m_tokens"], row["id"]
        assert row["output_usd_per_m_tokens"] >= row["input_usd_per_m_tokens"], row["id"]


def test_sanity_cases_cover_every_row_and_pass(catalog: Any) -> None:
    cases = [c for c in spec_sanity_cases(catalog) if "price_order" in c.case_id]
    assert len(cases) == 2 * len(catalog.rows("services"))
    assert all(c.passed for c in cases), [c.case_id for c in cases if not c.passed]


def _overlay(tmp_path: Path, **cells: str) -> Path:
    base = {
        "id": "x-svc",
        "venue": "deepinfra",
        "model": "llama-3.1-8b",
        "region": "us",
        "input_usd_per_m_tokens": "0.1",
        "output_usd_per_m_tokens": "0.2",
        "source": "https://example.org/pricing",
        "as_of": "2026-01",
    } | cells
    path = tmp_path / "services.csv"
    path.write_text(",".join(base) + "\n" + ",".join(base.values()) + "\n", encoding="utf-8")
    return path


def test_bad_overlay_rows_are_one_line_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="below the minimum"):
        load_catalog([_overlay(tmp_path, input_usd_per_m_tokens="-1")], use_env=False)
    with pytest.raises(InputError, match=r"llama-3\.1-8b"):
        load_catalog([_overlay(tmp_path, model="llama-3.1-8c")], use_env=False)
    assert "x-svc" in load_catalog([_overlay(tmp_path)], use_env=False).tables["services"]


def test_a_low_end_above_typical_fails_its_sanity_case(tmp_path: Path) -> None:
    cat = load_catalog([_overlay(tmp_path, input_usd_per_m_tokens_low="0.5")], use_env=False)
    failed = [c.case_id for c in spec_sanity_cases(cat) if not c.passed]
    assert failed == ["input_price_order-x-svc"]


def test_catalog_cli_lists_and_shows_services(run_cli: Callable[..., Any]) -> None:
    code, out, _ = run_cli("catalog", "services")
    assert code == 0 and "fireworks-llama-3.1-70b" in out
    code, out, _ = run_cli("catalog", "show", "deepinfra-llama-3.1-8b", "--json")
    row = json.loads(out)[0]
    assert code == 0 and row["table"] == "services" and row["input_usd_per_m_tokens"] == 0.055
