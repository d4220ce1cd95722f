"""CLI shapes and exit codes of tco, facility and catalog import-skypilot."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

import pytest

Run = Callable[..., tuple[int, str, str]]
KINDS = {"owned", "colo", "reserved", "on_demand", "spot", "contract"}


def test_tco_json_shape(run_cli: Run) -> None:
    code, out, err = run_cli("tco", "--accelerator", "h100-sxm", "--count", "1000", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert {"options", "break_even", "notes"} <= set(data)
    kinds = {o["kind"] for o in data["options"]}
    assert kinds == KINDS
    for o in data["options"]:
        assert {
            "id",
            "kind",
            "usd_per_useful_gpu_hour",
            "total_usd",
            "capex_usd",
            "opex_usd_per_year",
        } <= set(o)
        assert o["usd_per_useful_gpu_hour_low"] <= o["usd_per_useful_gpu_hour"] + 1e-9
    assert {"owned", "versus", "utilization", "months"} <= set(data["break_even"][0])


def test_tco_rentals_only_when_no_purchase_price(run_cli: Run) -> None:
    code, out, _ = run_cli("tco", "--accelerator", "tpu-v6e", "--count", "256", "--json")
    assert code == 0
    data = json.loads(out)
    assert {o["kind"] for o in data["options"]} <= {"on_demand", "spot", "reserved"}
    assert data["notes"] and data["break_even"] == []


def test_tco_readable_and_options(run_cli: Run) -> None:
    code, out, _ = run_cli(
        "tco",
        "--accelerator",
        "mi300x",
        "--count",
        "64",
        "--utilization",
        "0.5",
        "--years",
        "3",
        "--region",
        "us",
    )
    assert code == 0 and "colo" in out


@pytest.mark.parametrize(
    "args",
    [
        ("--accelerator", "h100-sxx", "--count", "8"),
        ("--accelerator", "h100-sxm", "--count", "0"),
        ("--accelerator", "h100-sxm", "--count", "8", "--utilization", "1.5"),
        ("--accelerator", "h100-sxm", "--count", "8", "--region", "jp"),
        ("--accelerator", "h100-pcie", "--count", "8"),
    ],
)
def test_tco_bad_input_exit_2(run_cli: Run, args: tuple[str, ...]) -> None:
    code, _, err = run_cli("tco", *args)
    assert code == 2 and err.startswith("error:")


def test_facility_json_shape(run_cli: Run) -> None:
    code, out, _ = run_cli(
        "facility", "--accelerator", "gb200", "--count", "720", "--cooling", "air", "--json"
    )
    assert code == 0
    plan = json.loads(out)
    assert {"racks", "kw_per_rack", "it_power_kw", "facility_power_kw", "pue", "warnings"} <= set(
        plan
    )
    assert plan["warnings"]
    code, out, _ = run_cli(
        "facility", "--accelerator", "gb200", "--count", "720", "--cooling", "liquid", "--json"
    )
    assert code == 0 and json.loads(out)["warnings"] == []
    assert (
        run_cli("facility", "--accelerator", "h100-sxm", "--count", "8", "--cooling", "water")[0]
        == 2
    )


SKY = "cost-data/gpu-prices/skypilot-catalog-v8"


def test_import_mithril_is_caught(run_cli: Run, shared: Path, tmp_path: Path) -> None:
    out_dir = tmp_path / "overlay"
    code, out, _ = run_cli(
        "catalog",
        "import-skypilot",
        str(shared / SKY / "mithril_vms.csv"),
        "--out",
        str(out_dir),
        "--json",
    )
    assert code == 0
    data = json.loads(out)
    assert not data["imported"] and len(data["rejected"]) == 4
    assert all("spot" in r["reason"] and "median" in r["reason"] for r in data["rejected"])
    assert not out_dir.exists()


@pytest.mark.parametrize("cloud", ["nebius", "verda", "hyperstack"])
def test_import_clean_files(run_cli: Run, shared: Path, tmp_path: Path, cloud: str) -> None:
    out_dir = tmp_path / cloud
    code, out, err = run_cli(
        "catalog",
        "import-skypilot",
        str(shared / SKY / f"{cloud}_vms.csv"),
        "--out",
        str(out_dir),
        "--as-of",
        "2026-11-01",
        "--json",
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["imported"] and data["rejected"] == []
    rows = list(csv.DictReader((out_dir / "offers.csv").read_text().splitlines()))
    assert len(rows) == len(data["imported"])
    code, out, _ = run_cli("--catalog", str(out_dir), "catalog", "offers", "--json")
    assert code == 0
    assert {r["id"] for r in rows} <= {o["id"] for o in json.loads(out)}


def test_import_bad_file_writes_nothing(run_cli: Run, tmp_path: Path) -> None:
    bad = tmp_path / "x_vms.csv"
    bad.write_text("InstanceType,Price\na,1\n")
    code, _, err = run_cli("catalog", "import-skypilot", str(bad), "--out", str(tmp_path / "o"))
    assert code == 2 and "missing column" in err
    assert not (tmp_path / "o").exists()


def test_import_rejects_zero_and_missing(run_cli: Run, tmp_path: Path) -> None:
    f = tmp_path / "nebius_vms.csv"
    f.write_text(
        "InstanceType,AcceleratorName,AcceleratorCount,Price,Region,SpotPrice\n"
        "a,H100,1,0,eu-north1,\nb,H100,1,,eu-north1,\nc,H100,1,3.0,eu-north1,2.0\n"
    )
    code, out, _ = run_cli("catalog", "import-skypilot", str(f), "--json")
    data = json.loads(out)
    assert code == 0 and len(data["rejected"]) == 2 and len(data["imported"]) == 2
    assert "$0" in data["rejected"][0]["reason"] and "missing" in data["rejected"][1]["reason"]


@pytest.mark.parametrize("table", ["cooling", "cost_assumptions"])
def test_economics_tables_listed(run_cli: Run, table: str) -> None:
    code, out, _ = run_cli("catalog", table)
    assert code == 0
    assert ("typical" in out) or ("air" in out)
    code, out, _ = run_cli("catalog", table, "--json")
    assert code == 0 and json.loads(out)
