"""The replay report (gigawatt simulate --plan P.json --report R.html --out DIR)."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from gigawatt.catalog import load_catalog
from gigawatt.cli.app import app
from gigawatt.optimize.plan import plan_scenario
from gigawatt.report.replay import money_rows, replay_html, summary_sentences
from gigawatt.simulate.replay_outputs import FILES, write_replay_outputs
from gigawatt.simulate.replay_report import ReplayResult, replay_plan
from gigawatt.spec import load_scenario

pytest.importorskip("scipy")  # replays plan first: the [plan] extra

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "plan"


@cache
def _replayed(stem: str, days: float) -> tuple[dict[str, Any], ReplayResult]:
    spec = load_scenario(EXAMPLES / f"{stem}.yaml")
    plan = plan_scenario(spec, load_catalog(), explain=False).to_dict()
    plan["scenario_file"] = str(EXAMPLES / f"{stem}.yaml")
    return plan, replay_plan(spec, plan, load_catalog(), days=days)


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _workload(d: dict[str, Any], name: str) -> dict[str, Any]:
    return next(w for w in d["workloads"] if w["workload"] == name)


def test_report_has_summary_tables_and_charts() -> None:
    _, result = _replayed("frontier-lab", 1.0)
    page = replay_html(result.to_dict(), result.series)
    for heading in (
        "Summary",
        "Where the plan's static assumptions break",
        "Workloads: service levels",
        "Cost, energy and carbon: twin against the plan",
        "Serving over the day and over the run",
        "Assumptions",
    ):
        assert f"<h2>{heading}" in page
    assert "hour of the day [UTC]" in page and "p95 time to first token [s]" in page
    assert "accelerators billed" in page and "requests/s" in page
    assert "nan" not in page.lower().replace("nanosecond", "")
    assert not re.search(r"\d\.\d{5,}", re.sub(r"<svg.*?</svg>", "", page, flags=re.S))
    assert "http://" not in page.replace("http://www.w3.org", "")


def test_summary_says_whether_slos_hold_and_the_cost() -> None:
    _, result = _replayed("frontier-lab", 1.0)
    d = result.to_dict()
    text = " ".join(summary_sentences(d))
    assert re.search(r"The plan (holds|does not hold) its p95 latency objectives", text)
    assert "against the plan's" in text


def test_workload_outside_the_replayed_days_is_named() -> None:
    _, result = _replayed("startup", 2.0)  # support-chat starts on day 7
    d = result.to_dict()
    chat = _workload(d, "support-chat")
    assert chat["window_h"] == 0 and chat["cost_usd"] == 0 and chat["plan_cost_usd"] == 0
    text = " ".join(summary_sentences(d))
    assert "support-chat starts on day 7" in text


def test_serving_cost_follows_the_plans_billed_hours() -> None:
    """Pay-per-use serving: the twin bills the units the plan holds per level, so cost,
    energy and carbon equal the plan's pro-rated figures to the hour mapping (a whole cycle)."""
    _, result = _replayed("startup", 14.0)
    chat = _workload(result.to_dict(), "support-chat")
    assert chat["cost_usd"] == pytest.approx(chat["plan_cost_usd"], rel=0.02)
    assert chat["energy_kwh"] == pytest.approx(chat["plan_energy_kwh"], rel=0.02)
    row = next(r for r in money_rows([chat]))
    assert row["difference"].endswith("%")


def test_cli_writes_report_and_csvs(tmp_path: Path) -> None:
    plan, _ = _replayed("services-crossover", 0.25)
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan), encoding="utf-8")
    report, out = tmp_path / "r" / "replay.html", tmp_path / "csv"
    args = ["simulate", "--plan", str(path), "--days", "0.25", "--report", str(report)]
    r = CliRunner().invoke(app, [*args, "--out", str(out), "--quiet"])
    assert r.exit_code == 0, r.output
    assert report.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in out.iterdir()) == sorted(FILES)
    rows = _csv(out / "workloads.csv")
    assert {r["workload"] for r in rows} == {"bulk-chat"}
    hours = _csv(out / "by_hour.csv")
    assert len(hours) == 24 and {h["workload"] for h in hours} == {"bulk-chat"}
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp left


def test_out_is_all_or_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, result = _replayed("services-crossover", 0.25)
    out = tmp_path / "csv"
    out.mkdir()
    (out / "workloads.csv").write_text("old", encoding="utf-8")

    def broken(*_: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("gigawatt.simulate.metrics.write_csv", broken)
    with pytest.raises(OSError):
        write_replay_outputs(result, out)
    assert (out / "workloads.csv").read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["csv"]


def test_out_that_is_a_file_is_a_one_line_error(tmp_path: Path) -> None:
    plan, _ = _replayed("services-crossover", 0.25)
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan), encoding="utf-8")
    target = tmp_path / "taken"
    target.write_text("x", encoding="utf-8")
    args = ["simulate", "--plan", str(path), "--days", "0.1", "--out", str(target)]
    r = subprocess.run(
        [sys.executable, "-m", "gigawatt", *args], capture_output=True, text=True, check=False
    )
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith("error: --out") and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_plan_report_carries_the_replay_section() -> None:
    from gigawatt.report.html import plan_html

    plan, result = _replayed("services-crossover", 0.25)
    page = plan_html({**plan, "replay": result.to_dict()})
    assert "<h2>Replayed in the twin over 6 h</h2>" in page
    assert "Cost, energy and carbon" not in page  # tables only, under the replay heading
    assert page.count("<table>") >= 3


def test_cost_difference_reads_as_a_signed_percentage() -> None:
    from gigawatt.report.replay import _pct_diff

    assert _pct_diff(100.0001, 100.0) == "0 %"
    assert _pct_diff(101.0, 100.0) == "+1 %" and _pct_diff(98.45, 100.0) == "-1.55 %"
    assert _pct_diff(None, 1.0) == "-" and _pct_diff(1.0, 0.0) == "-"
