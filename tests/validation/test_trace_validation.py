"""Trace validation cases against ../shared/sim-traces: counts, replay figures, CLI listing."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from gigawatt.catalog import load_catalog
from gigawatt.validation import simulate_traces as st

Run = Callable[..., tuple[int, str, str]]


def test_alibaba_replay_figures(shared: Path) -> None:
    r = st.alibaba_replay(shared / "sim-traces" / "alibaba-gpu-v2023", load_catalog())
    # 8,152 pods (README): 1,088 request no GPU, 861 GPU pods were never scheduled
    assert (r["pods"], r["cpu_only"], r["never_scheduled"]) == (6203, 1088, 861)
    assert r["gpus"] == 6212  # sum of the gpu column of openb_node_list_gpu_node.csv
    assert r["util_twin"] == pytest.approx(r["util_recorded"], rel=0.05)
    assert r["queue_mean_twin_s"] == 0.0  # no contention: at most ~66 GPUs busy
    assert r["peak_busy_gpus"] < 70


def test_helios_recorded_utilisation(shared: Path) -> None:
    from gigawatt.adapters.traces_helios import read_helios_summary

    clusters = read_helios_summary(shared / "sim-traces/helios/helios_cluster_summary.csv")
    assert [c.id for c in clusters] == ["Venus", "Earth", "Saturn", "Uranus"]
    for c in clusters:
        assert 0.6 < c.utilisation < 0.9
        assert c.classes()[0][1] >= 0.5  # published median size is 1 GPU


def test_trace_cases_listed_in_validate(
    run_cli: Run, shared: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The simulate family (as registered) carries the trace cases into `gigawatt validate`;
    the other families are left out to keep the test short."""
    from gigawatt.validation import report, simulate

    monkeypatch.setattr(report, "_families", lambda: [simulate.simulate_cases])
    code, out, _ = run_cli("validate", "--family", "simulate.traces", "--json")
    report = json.loads(out)
    ids = [c["case_id"] for c in report["cases"]]
    assert ids == ["TRC001", "TRC002", *(f"TRC{k:03d}" for k in range(10, 18)), "TRC020",
                   "TRC021", "TRC022", "TRC023"]  # fmt: skip
    assert code == (0 if report["ok"] else 1)
    graded = [c for c in report["cases"] if c["tolerance_rel"] is not None]
    assert all(c["error_rel"] is not None for c in graded)
    ungraded = [c for c in report["cases"] if c["published"] is not None and c not in graded]
    assert ungraded and all(c["detail"].startswith("not graded") for c in ungraded)


def test_without_traces_one_not_run_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(st, "traces_dir", lambda: None)
    (case,) = list(st.trace_cases(load_catalog()))
    assert case.case_id == "TRC000" and "not run" in case.detail


def test_env_var_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(st.ENV, str(tmp_path))
    assert st.traces_dir() == tmp_path
    monkeypatch.setenv(st.ENV, str(tmp_path / "missing"))
    assert st.traces_dir() is None


def test_philly_runtime_rows(shared: Path) -> None:
    from gigawatt.adapters.traces_fit import read_runtimes

    rt = read_runtimes(shared / "sim-traces/philly-derived/philly_runtime.csv")
    assert len(rt) == 83_154  # README row count
    assert float(np.median(rt)) == 1186.0
