"""Several seeds of one scenario in parallel: same KPIs as serial runs, and their spread."""

from __future__ import annotations

import statistics

import pytest

from gigawatt.simulate.run import simulate
from gigawatt.simulate.seeds import simulate_seeds, summarise_runs
from gigawatt.spec.simulation import parse_simulation

SC = parse_simulation(
    {
        "days": 2,
        "fleet": {"pools": [{"id": "p", "system": "dgx-h100", "nodes": 2}]},
        "failures": {"table": "llama3", "rate_scale": 50},
        "job_streams": [{"id": "s", "rate_per_h": 2.0, "gpus": [1, 8], "duration_h_median": 1.0}],
    }
)


def test_parallel_seeds_match_serial_runs_and_summarise_them() -> None:
    res = simulate_seeds(SC, [3, 4, 5], workers=2)
    assert res.workers == 2
    assert [r["seed"] for r in res.runs] == [3, 4, 5]
    utils = []
    for run in res.runs:
        serial = simulate(SC, seed=run["seed"], keep_jobs=False).kpis
        assert run["gpu_utilization"] == serial["gpu_utilization"]
        assert run["energy_kwh"] == serial["energy_kwh"]
        utils.append(serial["gpu_utilization"])
    assert len(set(utils)) == 3  # the seeds do differ
    s = res.summary["gpu_utilization"]
    assert s["mean"] == pytest.approx(statistics.fmean(utils))
    assert s["sd"] == pytest.approx(statistics.stdev(utils))
    assert (s["min"], s["max"]) == (min(utils), max(utils))


def test_summary_skips_kpis_that_are_not_numbers_in_every_run() -> None:
    runs = [{"seed": 0, "a": 1.0, "b": None, "c": "x"}, {"seed": 1, "a": 3.0, "b": 2.0, "c": "y"}]
    assert summarise_runs(runs) == {
        "a": {"mean": 2.0, "sd": pytest.approx(2**0.5), "min": 1.0, "max": 3.0}
    }
