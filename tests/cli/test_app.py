"""CLI output, --json shapes and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from gigawatt.catalog import TABLES

Run = Callable[..., tuple[int, str, str]]


def test_version(run_cli: Run) -> None:
    code, out, _ = run_cli("--version")
    assert code == 0 and out.strip().startswith("gigawatt ")


@pytest.mark.parametrize("table", list(TABLES))
def test_catalog_table_json_has_id_and_source(run_cli: Run, table: str) -> None:
    code, out, err = run_cli("catalog", table, "--json")
    assert code == 0, err
    rows = json.loads(out)
    assert isinstance(rows, list) and rows
    assert all(r["id"] and r["source"] for r in rows)


def test_catalog_table_readable(run_cli: Run) -> None:
    code, out, _ = run_cli("catalog", "accelerators")
    assert code == 0
    assert "h100-sxm" in out and "bf16_dense" in out and "_tflops" in out


def test_catalog_models_shows_derived_params(run_cli: Run) -> None:
    _code, out, _ = run_cli("catalog", "models", "--json")
    rows = {r["id"]: r for r in json.loads(out)}
    row = rows["llama-3.1-405b"]
    assert row["derived_total_params_b"] == pytest.approx(row["published_total_params_b"], rel=0.02)


def test_catalog_show_entry(run_cli: Run) -> None:
    code, out, _ = run_cli("catalog", "show", "h100-sxm", "--json")
    assert code == 0
    (entry,) = json.loads(out)
    assert entry["table"] == "accelerators" and entry["id"] == "h100-sxm"
    assert entry["offers_referencing"]
    code, out, _ = run_cli("catalog", "show", "h100-sxm")
    assert code == 0 and "memory_gib" in out and "GiB" in out


def test_catalog_show_unknown_id_suggests_and_exits_2(run_cli: Run) -> None:
    code, out, err = run_cli("catalog", "show", "h100-sxn")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "'h100-sxm'" in err and "Traceback" not in err


def test_catalog_schema_command(run_cli: Run) -> None:
    code, out, _ = run_cli("catalog", "schema", "offers", "--json")
    assert code == 0
    names = [a["name"] for a in json.loads(out)]
    assert "price_usd_per_accel_h" in names
    code, _, err = run_cli("catalog", "schema", "ofers")
    assert code == 2 and "'offers'" in err


def test_bad_overlay_exits_2_with_one_line(run_cli: Run, tmp_path: Path) -> None:
    (tmp_path / "offers.csv").write_text("id,price\nx,1\n", encoding="utf-8")
    code, _, err = run_cli("--catalog", str(tmp_path), "catalog", "offers")
    assert code == 2 and err.startswith("error: ") and err.count("\n") == 1
    assert "unknown column 'price'" in err


def test_validate_family_filter(run_cli: Run) -> None:
    code, out, _ = run_cli("validate", "--family", "catalog", "--json")
    report = json.loads(out)
    assert code == 0 and report["ok"]
    assert {c["family"] for c in report["cases"]} == {
        "catalog.parameter_counts",
        "catalog.spec_sanity",
    }
    code, _, err = run_cli("validate", "--family", "trainnig")
    assert code == 2 and "known:" in err


def test_unknown_command_and_flag_exit_2(run_cli: Run) -> None:
    assert run_cli("catalog", "gpus")[0] == 2
    assert run_cli("validate", "--jsn")[0] == 2


def test_validate_json_shape(run_cli: Run) -> None:
    code, out, _ = run_cli("validate", "--json")
    report = json.loads(out)
    assert set(report) == {"ok", "summary", "summary_by_metric", "cases"}
    assert code == (0 if report["ok"] else 1)
    by_metric = {(s["family"], s["metric"]) for s in report["summary_by_metric"]}
    assert ("training", "gpu_hours") in by_metric and ("inference", "ttft_s") in by_metric
    families = {s["family"] for s in report["summary"]}
    assert {"catalog.parameter_counts", "catalog.spec_sanity"} <= families
    case = report["cases"][0]
    assert {
        "case_id",
        "predicted",
        "published",
        "error_rel",
        "tolerance_rel",
        "passed",
        "source",
    } <= set(case)


def test_cli_import_stays_light() -> None:
    """--help must not pay for pydantic, yaml, numpy or the catalog (lazy imports)."""
    code = (
        "import sys, gigawatt.cli.app; heavy = {'pydantic', 'yaml', 'numpy', 'scipy', "
        "'gigawatt.catalog'} & set(sys.modules); print(sorted(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_python_m_entry_point() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "gigawatt", "catalog", "show", "nope-x"],
        capture_output=True,
        text=True,
    )
    assert (
        out.returncode == 2 and out.stderr.startswith("error: ") and "Traceback" not in out.stderr
    )


def test_every_catalog_table_has_a_listing_command() -> None:
    from gigawatt.cli.catalog import CATALOG_TABLES

    assert set(CATALOG_TABLES) == set(TABLES)


def test_table_headers_break_at_underscores() -> None:
    from gigawatt.report.tables import header

    assert header("bf16_dense_tflops") == "bf16_dense\n_tflops"
    assert header("id") == "id"
    assert header("memory_bandwidth_gb_per_s").replace("\n", "") == "memory_bandwidth_gb_per_s"


def test_library_names_fields_and_the_cli_names_flags(run_cli: Run) -> None:
    """The library says ``count``; the CLI user reads ``--count``."""
    from gigawatt.catalog import load_catalog
    from gigawatt.errors import InputError
    from gigawatt.evaluate.economics import compare

    cat = load_catalog(use_env=False)
    with pytest.raises(InputError) as exc:
        compare(cat, "h100-sxm", 0)
    assert exc.value.where == "count" and not str(exc.value).startswith("--")
    with pytest.raises(InputError) as exc:
        compare(cat, "h100", 1)
    assert exc.value.where == "accelerator"
    code, _, err = run_cli("tco", "--accelerator", "h100-sxm", "--count", "0")
    assert code == 2 and err.startswith("error: --count: ")
    code, _, err = run_cli("tco", "--accelerator", "h100", "--count", "1")
    assert code == 2 and err.startswith("error: --accelerator: ") and "h100-sxm" in err


def test_cli_message_keeps_places_that_are_not_flags() -> None:
    from gigawatt.cli.app import cli_message
    from gigawatt.errors import InputError

    assert cli_message(InputError("bad", where="input_tokens")) == "--input-tokens: bad"
    assert cli_message(InputError("bad", where="workloads[0].slo")) == "workloads[0].slo: bad"
    assert cli_message(InputError("bad", where="not_a_flag")) == "not_a_flag: bad"
    assert cli_message(InputError("bad")) == "bad"


def test_plan_objective_is_checked_by_the_library() -> None:
    from gigawatt.catalog import load_catalog
    from gigawatt.errors import InputError
    from gigawatt.optimize.plan import plan_scenario
    from gigawatt.spec import load_scenario

    repo = Path(__file__).resolve().parents[2]
    spec = load_scenario(repo / "examples" / "plan" / "startup.yaml")
    with pytest.raises(InputError, match="unknown objective") as exc:
        plan_scenario(spec, load_catalog(use_env=False), objective="cheapest")
    assert exc.value.where == "objective"
