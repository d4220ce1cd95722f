"""The simulation report of every bundled example: human units, charts with axes and units,
notes for empty series, no 'nan' or '1e-12', the inputs and the binding cause."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

from gigawatt.report.simulation import simulation_html
from gigawatt.simulate.run import simulate
from gigawatt.spec.simulation import load_simulation

pytest.importorskip("matplotlib")  # chart checks: the [report] extra

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((REPO / "examples" / "simulate").glob("*.yaml"))
DAYS = {"mixed_fleet_spot_power_cap": 0.5}  # shortened: the full 2 days take ~5 s
EXPONENT = re.compile(r"\d(\.\d+)?e[+-]?\d", re.IGNORECASE)


@cache
def _report(path: Path) -> str:
    sc = load_simulation(path)
    result = simulate(sc, days=DAYS.get(path.stem), keep_jobs=False)
    return simulation_html(sc, result.kpis, result.series)


def _visible_text(page: str) -> str:
    """Text outside tags and style (SVG text included: fonts are kept as text)."""
    page = re.sub(r"<style>.*?</style>", "", page, flags=re.S)
    return " ".join(re.findall(r">([^<]+)<", page))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_report_reads_well(path: Path) -> None:
    page = _report(path)
    text = _visible_text(page)
    assert not re.search(r"\bnan\b", text, re.IGNORECASE)
    assert "1e-12" not in page
    assert not EXPONENT.search(text), EXPONENT.search(text)
    for heading in ("Summary", "What limited this factory", "Over time", "Key figures", "Inputs"):
        assert f"<h2>{heading}" in page
    assert "Binding:" in page
    assert re.search(r"time \[(min|h|days)\]", text)
    assert "facility power [kW]" in text and "allocated / in service [%]" in text
    assert page.count("<svg") >= 3
    assert "http" not in page.replace("http://www.w3.org", "")


def test_two_hour_run_says_two_hours() -> None:
    page = _report(REPO / "examples/simulate/inference_trace.yaml")
    assert "2 h simulated" in page and "0.08333" not in page


def test_empty_series_become_notes() -> None:
    """The inference example has no jobs: a note, not an empty 'jobs' chart."""
    page = _report(REPO / "examples/simulate/inference_trace.yaml")
    assert "No job was queued or running at any sample" in page
    assert "<h3>Jobs queued and running</h3>" not in page
    assert "Inference services: latency objectives" in page


def test_training_example_tables() -> None:
    page = _report(REPO / "examples/simulate/training_cluster.yaml")
    assert "Teams: queues and use" in page
    for team in ("core", "product", "research"):
        assert f"<td>{team}</td>" in page
    assert "queue time p95" in page and "Binding: team quota." in page
