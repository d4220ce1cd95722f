"""Replica choice for a given load: the fewest accelerators for the peak, not only the most
efficient replica per request/s (an edge site must not get a 2-device replica it cannot power)."""

from __future__ import annotations

from pathlib import Path

from gigawatt.catalog import load_catalog
from gigawatt.evaluate.performance import _pick_replica, _Replica
from gigawatt.optimize.plan import plan_scenario
from gigawatt.spec import load_scenario

EDGE = Path(__file__).resolve().parents[2] / "examples" / "scenarios" / "edge.yaml"


def test_small_load_takes_the_smallest_replica() -> None:
    one = _Replica(tp=1, rate_per_s=1.0, offline_rate_per_s=2.0)
    two = _Replica(tp=2, rate_per_s=3.0, offline_rate_per_s=6.0)  # more req/s per accelerator
    reps = (two, one)
    assert _pick_replica(reps, None) is two
    assert _pick_replica(reps, 0.8) is one  # 1 accelerator instead of 2
    assert _pick_replica(reps, 300.0) is two  # 200 accelerators instead of 300
    assert _pick_replica((), 1.0) is None


def test_edge_example_runs_one_device_per_site() -> None:
    plan = plan_scenario(load_scenario(EDGE), load_catalog(use_env=False), explain=False)
    d = plan.to_dict()
    store = [a for a in d["assignments"] if a["workload"] == "store-assistant"]
    assert store and d["check"]["ok"]
    assert sum(a["count"] for a in store) == 1200  # 1,200 sites x 1 device within 60 W
