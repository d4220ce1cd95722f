"""Philly per-minute node occupancy: summary of the trace and a replay.

The shared data has the per-minute active/total node counts and the job runtimes, not job sizes
or arrival times, so the replay is a calibration check: one node per job (assumption), runtimes
resampled from ``philly_runtime.csv``, Poisson arrivals at the rate that Little's law gives for the
trace's mean occupancy, on the trace's 420-node cluster. The mean occupancy must come back; the
spread is much narrower than the trace's (the real load varies over days), which we only report.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from gigawatt.simulate.run import simulate
from gigawatt.spec.simulation import parse_simulation


def _occupancy(shared: Path) -> tuple[np.ndarray, np.ndarray]:
    path = shared / "sim-traces/philly-derived/philly_node_sequence.csv"
    with path.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    return (
        np.array([float(r["active"]) for r in rows]),
        np.array([float(r["total"]) for r in rows]),
    )


def test_philly_summary(shared: Path) -> None:
    active, total = _occupancy(shared)
    assert len(active) == 105_644  # README.md
    assert np.all(active <= total)
    occ = float((active / total).mean())
    assert 0.70 < occ < 0.78  # summary: mean per-minute occupancy 0.739


def test_philly_replay_mean_occupancy(shared: Path) -> None:
    active, total = _occupancy(shared)
    runtimes_s = np.loadtxt(shared / "sim-traces/philly-derived/philly_runtime.csv", skiprows=1)
    cap = np.percentile(runtimes_s, 99.5)  # cut the tail so a 20-day replay reaches steady state
    runtimes_s = runtimes_s[runtimes_s <= cap]
    nodes = 420  # the cluster size of most of the trace
    mean_active = float(active[total == nodes].mean())
    rate_per_h = mean_active / float(runtimes_s.mean()) * 3600.0  # Little's law
    sc = parse_simulation(
        {
            "days": 20,
            "sample_interval_s": 60,
            "fleet": {
                "pools": [
                    {"id": "philly", "accelerator": "h100-sxm", "gpus_per_node": 1, "nodes": nodes}
                ]
            },
            "failures": {"table": "none"},
            "job_streams": [
                {
                    "id": "philly",
                    "rate_per_h": rate_per_h,
                    "gpus": [1],
                    "duration_h_samples": (runtimes_s / 3600.0).tolist(),
                    "checkpoint_interval_min": None,
                }
            ],
        }
    )
    res = simulate(sc, keep_jobs=False)
    busy = np.array([r["gpus_allocated"] for r in res.series if r["time_h"] >= 5 * 24])
    assert abs(busy.mean() - mean_active) / mean_active < 0.05
    assert busy.std() < active[total == nodes].std()  # the trace's load varies more
