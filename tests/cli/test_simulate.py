"""``gigawatt simulate``: bundled examples, --json fields, outputs, and bad scenarios."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((REPO / "examples" / "simulate").glob("*.yaml"))
FIELDS = (
    "gpu_utilization",
    "goodput",
    "interruptions",
    "preemptions",
    "queue_time_s_p50",
    "queue_time_s_p95",
    "jobs_completed",
    "energy_kwh",
    "cost_usd",
    "ttft_s_p95",
    "tpot_s_p95",
    "slo_attainment",
)
Run = Callable[..., tuple[int, str, str]]


def test_three_examples_exist() -> None:
    names = {p.stem for p in EXAMPLES}
    assert {"training_cluster", "inference_trace", "mixed_fleet_spot_power_cap"} <= names


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_runs(run_cli: Run, path: Path) -> None:
    code, out, err = run_cli("simulate", str(path), "--days", "0.1", "--json")
    assert code == 0, err
    data = json.loads(out)
    for key in FIELDS:
        assert key in data
    assert 0.0 <= data["gpu_utilization"] <= 1.0
    assert data["energy_kwh"] > 0 and data["cost_usd"] >= 0


def test_inference_example_kpis(run_cli: Run) -> None:
    code, out, err = run_cli(
        "simulate", str(REPO / "examples/simulate/inference_trace.yaml"), "--json"
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["requests_completed"] > 30_000
    assert 0.9 <= data["slo_attainment"] <= 1.0
    assert data["ttft_s_p95"] < 2.0


def test_seed_changes_and_repeats(run_cli: Run) -> None:
    path = str(REPO / "examples/simulate/training_cluster.yaml")
    runs = [
        json.loads(run_cli("simulate", path, "--days", "1", "--seed", s, "--json")[1])
        for s in ("1", "1", "2")
    ]
    drop = ("wall_s",)
    a, b, c = ({k: v for k, v in r.items() if k not in drop} for r in runs)
    assert a == b
    assert a != c


def test_outputs_and_report(run_cli: Run, tmp_path: Path) -> None:
    path = str(REPO / "examples/simulate/mixed_fleet_spot_power_cap.yaml")
    report = tmp_path / "r.html"
    code, out, err = run_cli(
        "simulate", path, "--days", "0.5", "--out", str(tmp_path / "o"), "--report", str(report)
    )
    assert code == 0, err
    assert "accelerator utilisation" in out
    for name in ("timeseries.csv", "jobs.csv", "services.csv"):
        assert (tmp_path / "o" / name).read_text().count("\n") >= 2
    html = report.read_text()
    # five charts: allocation, GPUs in service, power, jobs, inference
    charts = 5 if _has_matplotlib() else 0  # without the [report] extra: tables, no charts
    assert html.count("<svg") == charts and "http" not in html.replace("http://www.w3.org", "")


BAD = [
    ("fleet: {pools: []}", "fleet.pools"),
    ("fleet: {pools: [{id: a, system: dgx-h100, nodes: 0}]}", "fleet.pools[0].nodes"),
    ("fleet: {pools: [{id: a, system: dgx-h100, nodes: 2, colour: red}]}", "fleet.pools[0].colour"),
    ("fleet: {pools: [{id: a, system: dgx-h999, nodes: 2}]}", "fleet.pools[0].system"),
    (
        "fleet: {pools: [{id: a, system: dgx-h100, nodes: 2}]}\njobs: [{id: j, gpus: 24, "
        "duration_h: 1}]",
        "jobs[0].gpus",
    ),
    ("fleet: {pools: [{id: a, system: dgx-h100, nodes: 2}]}\njobs: [{id: j, gpus: 8}]", "jobs[0]"),
    (
        "fleet: {pools: [{id: a, system: dgx-h100, nodes: 2}]}\njobs: [{id: j, gpus: 8, "
        "duration_h: 1, pool: b}]",
        "unknown pool",
    ),
    (
        "fleet: {pools: [{id: a, system: dgx-h100, nodes: 2}]}\nscheduler: {policy: lifo}",
        "scheduler.policy",
    ),
    (
        "fleet: {pools: [{id: a, system: dgx-h100, nodes: 2}]}\ninference: [{id: s, "
        "model: llama-3.1-8b}]",
        "inference[0]",
    ),
    ("days: -1\nfleet: {pools: [{id: a, system: dgx-h100, nodes: 2}]}", "days"),
    ("[1, 2]", "mapping"),
]


@pytest.mark.parametrize(("text", "field"), BAD)
def test_bad_scenario_exits_2_naming_the_field(
    run_cli: Run, tmp_path: Path, text: str, field: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text + "\n")
    code, _out, err = run_cli("simulate", str(path), "--json")
    assert code == 2
    assert err.startswith("error:") and err.count("\n") == 1
    assert field in err


def test_yaml_error_has_line_and_column(run_cli: Run, tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("fleet:\n  pools: [\n  - id: a\n")
    code, _, err = run_cli("simulate", str(path))
    assert code == 2
    assert f"{path}:3:3: expected the node content" in err


def test_missing_file_and_bad_days(run_cli: Run, tmp_path: Path) -> None:
    assert run_cli("simulate", str(tmp_path / "nope.yaml"))[0] == 2
    code, _, err = run_cli("simulate", str(EXAMPLES[0]), "--days", "0")
    assert code == 2 and "--days" in err


def test_missing_trace_names_field(run_cli: Run, tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(
        "fleet: {pools: [{id: a, system: dgx-h100, nodes: 2}]}\n"
        "inference: [{id: s, model: llama-3.1-8b, gpus_per_replica: 1,\n"
        "  trace: {path: nope.csv, format: azure-llm-2023}}]\n"
    )
    code, _, err = run_cli("simulate", str(path))
    assert code == 2 and "inference.trace.path" in err


def _has_matplotlib() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True
