"""Issue 19: the 2026 accelerators, their availability and validation status, and the checks that
guard them (schema of the new columns, sanity cases, notes on unvalidated hardware)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from test_loader import write_table

from gigawatt.catalog import load_catalog, table_schema
from gigawatt.catalog.lookup import find_system, unvalidated_notes
from gigawatt.errors import CatalogError
from gigawatt.validation.catalog_checks import spec_sanity_cases, validated_accelerators

Run = Callable[..., tuple[int, str, str]]
NEW_2026 = ("b300", "gb300", "mi355x", "tpu7x", "trainium3", "inferentia2", "rubin")


@pytest.fixture(scope="module")
def bundled() -> Any:
    return load_catalog(use_env=False)


def failed(catalog: Any, metric: str) -> list[str]:
    return [c.subject for c in spec_sanity_cases(catalog) if c.metric == metric and not c.passed]


def test_new_accelerators_have_systems_and_honest_status(bundled: Any) -> None:
    for aid in NEW_2026:
        row = bundled.get("accelerators", aid)
        assert row["validation_status"] == "unvalidated", aid  # no measured case yet
        assert find_system(bundled, aid) is not None, aid
        assert row["tdp_w"] > 0 and row["memory_gib"] > 0, aid


def test_new_columns_in_schema() -> None:
    schema = table_schema("accelerators")
    availability = schema.attribute("availability")
    assert availability.allowed == ("available", "announced")
    assert availability.default == "available" and not availability.required
    assert schema.attribute("announced_date").type == "date"
    status = schema.attribute("validation_status")
    assert status.allowed == ("measured", "unvalidated") and status.default == "unvalidated"


def test_overlay_without_new_columns_gets_safe_defaults(bundled: Any, tmp_path: Path) -> None:
    base = {**bundled.get("accelerators", "h100-sxm"), "id": "my-chip"}
    names = [n for n in table_schema("accelerators").names if n not in NEW_COLUMNS]
    write_table(tmp_path, "accelerators", [base], header=names)
    row = load_catalog([tmp_path], use_env=False).get("accelerators", "my-chip")
    assert row["availability"] == "available"
    assert row["validation_status"] == "unvalidated"  # a user's new chip has no evidence
    assert row["announced_date"] is None


NEW_COLUMNS = ("availability", "announced_date", "validation_status")


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("availability", "soon", "not allowed"),
        ("validation_status", "probably", "not allowed"),
        ("announced_date", "next spring", "not a date"),
    ],
)
def test_bad_new_column_values_are_named(
    bundled: Any, tmp_path: Path, column: str, value: str, reason: str
) -> None:
    row = {**bundled.get("accelerators", "h100-sxm"), "id": "my-chip", column: value}
    write_table(tmp_path, "accelerators", [row])
    with pytest.raises(CatalogError, match=f"field '{column}' '{value}' is {reason}"):
        load_catalog([tmp_path], use_env=False)


def test_bundled_status_matches_validation_cases(bundled: Any) -> None:
    measured = {
        a["id"] for a in bundled.rows("accelerators") if a["validation_status"] == "measured"
    }
    assert measured == validated_accelerators()
    assert measured == {"a100-sxm-40gb", "a100-sxm-80gb", "h100-sxm", "b200", "gb200"}
    assert failed(bundled, "validation_status_matches_cases") == []


def test_measured_claim_without_cases_fails_the_check(bundled: Any, tmp_path: Path) -> None:
    row = {**bundled.get("accelerators", "b300"), "validation_status": "measured"}
    write_table(tmp_path, "accelerators", [row])
    overlay = load_catalog([tmp_path], use_env=False)
    assert failed(overlay, "validation_status_matches_cases") == ["b300"]


def test_announced_without_date_fails_the_check(bundled: Any, tmp_path: Path) -> None:
    row = {**bundled.get("accelerators", "rubin"), "announced_date": None}
    write_table(tmp_path, "accelerators", [row])
    assert failed(load_catalog([tmp_path], use_env=False), "announced_has_date") == ["rubin"]
    assert failed(bundled, "announced_has_date") == []


def test_zero_price_fails_the_check(bundled: Any, tmp_path: Path) -> None:
    assert failed(bundled, "price_positive") == []
    offer = {**bundled.get("offers", "coreweave-b300-spot-us-east"), "price_usd_per_accel_h": 0}
    write_table(tmp_path, "offers", [offer])
    assert failed(load_catalog([tmp_path], use_env=False), "price_positive") == [offer["id"]]


def test_every_bundled_sanity_case_passes(bundled: Any) -> None:
    bad = [c.case_id for c in spec_sanity_cases(bundled) if not c.passed]
    assert bad == []


def test_unvalidated_notes(bundled: Any) -> None:
    notes = unvalidated_notes(bundled, ["h100-sxm", "mi355x", "b300", "b300", "./config.json"])
    assert [n.split(" ")[0] for n in notes] == ["b300", "mi355x"]
    assert all("unvalidated" in n and "measurements" in n for n in notes)
    assert unvalidated_notes(bundled, ["h100-sxm", "b200"]) == []


def test_catalog_show_and_infer_say_unvalidated(run_cli: Run) -> None:
    code, out, _ = run_cli("catalog", "show", "mi355x")
    assert code == 0 and "note: mi355x is unvalidated" in out
    code, out, _ = run_cli("catalog", "show", "h100-sxm")
    assert code == 0 and "note: h100-sxm" not in out
    args = ("infer", "--model", "llama-3.1-8b", "--count", "8", "--qps", "2", "--json")
    code, out, _ = run_cli(*args, "--accelerator", "b300")
    assert code == 0
    assert any("b300 is unvalidated" in a for a in json.loads(out)["assumptions"])
    code, out, _ = run_cli(*args, "--accelerator", "h100-sxm")
    assert not any("unvalidated" in a for a in json.loads(out)["assumptions"])


def test_plan_notes_name_unvalidated_choices(run_cli: Run, tmp_path: Path) -> None:
    pytest.importorskip("scipy")  # the [plan] extra
    spec = tmp_path / "s.yaml"
    spec.write_text(
        "name: t\nvenues: [nebius]\nworkloads:\n  - name: w\n    kind: online_inference\n"
        "    model: llama-3.1-8b\n    qps: 1\n    input_tokens_per_request: 100\n"
        "    output_tokens_per_request: 100\n    accelerators: [h200]\n"
        "    slo: {p95_ttft_s: 2}\n",
        encoding="utf-8",
    )
    code, out, err = run_cli("plan", str(spec), "--json", "--no-explain")
    assert code == 0, err
    d = json.loads(out)
    assert {a["accelerator"] for a in d["assignments"]} == {"h200"}
    assert [n for n in d["notes"] if "unvalidated" in n] == unvalidated_notes(
        load_catalog(use_env=False), ["h200"]
    )
