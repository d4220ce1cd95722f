"""EASY backfill (reservation for the head job) and gangs of any size across nodes."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gigawatt.catalog import load_catalog
from gigawatt.simulate.build import build_world
from gigawatt.simulate.run import SimResult, simulate
from gigawatt.simulate.world import World
from gigawatt.spec.simulation import parse_simulation


def _sc(jobs: list[dict[str, Any]], policy: str, nodes: int = 2, days: float = 2.0) -> Any:
    return parse_simulation(
        {
            "days": days,
            "sample_interval_s": 3600,
            "fleet": {"pools": [{"id": "p", "system": "dgx-h100", "nodes": nodes}]},
            "failures": {"table": "none"},
            "scheduler": {"policy": policy},
            "jobs": [{"checkpoint_interval_min": None, **j} for j in jobs],
        }
    )


def _start_h(res: SimResult) -> dict[str, float]:
    return {j["id"]: j["start_h"] for j in res.jobs}


# node 0 is busy for 10 h; the 16-GPU head needs both nodes
JOBS = [
    {"id": "a", "gpus": 8, "duration_h": 10},
    {"id": "head", "gpus": 16, "duration_h": 1, "submit_h": 0.1},
    {"id": "long", "gpus": 8, "duration_h": 20, "submit_h": 0.2},
    {"id": "short", "gpus": 8, "duration_h": 1, "submit_h": 0.3},
]


def test_easy_backfill_honours_the_head_jobs_reservation() -> None:
    easy = _start_h(simulate(_sc(JOBS, "easy_backfill")))
    assert easy["head"] == pytest.approx(10.0)  # the reservation: when job a ends
    assert easy["short"] == pytest.approx(0.3)  # ends by 10 h: backfilled at once
    assert easy["long"] == pytest.approx(11.0)  # would delay the head: waits for it


def test_aggressive_backfill_delays_the_head_job() -> None:
    fifo = _start_h(simulate(_sc(JOBS, "fifo")))
    assert fifo["long"] == pytest.approx(0.2)
    assert fifo["head"] > 20.0


def test_gang_of_twelve_gpus_spans_two_nodes_and_shares_the_second() -> None:
    jobs = [
        {"id": "g12", "gpus": 12, "duration_h": 1},
        {"id": "g4", "gpus": 4, "duration_h": 1},
    ]
    res = simulate(_sc(jobs, "fifo"))
    assert _start_h(res) == {"g12": 0.0, "g4": 0.0}
    rows = {j["id"]: j for j in res.jobs}
    assert rows["g12"]["gpu_hours"] == pytest.approx(12.0)
    assert rows["g12"]["racks"] == 1
    assert res.kpis["busy_gpu_hours"] == pytest.approx(16.0)


def _run_world(sc: Any) -> World:
    horizon = sc.days * 86_400.0
    world = build_world(sc, load_catalog(), horizon, sc.seed)
    world.kernel.run(horizon)
    return world


job_st = st.fixed_dictionaries(
    {
        "gpus": st.sampled_from([1, 2, 4, 8, 12, 16, 20, 32]),
        "duration_h": st.floats(0.1, 12.0),
        "submit_h": st.floats(0.0, 6.0),
    }
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(jobs=st.lists(job_st, min_size=2, max_size=14))
def test_no_job_starts_after_its_reservation(jobs: list[dict[str, Any]]) -> None:
    """Without failures run times are known exactly, so a reservation is a promise: every job
    that was given one starts no later (aggressive backfill breaks this, see above)."""
    jobs = [{"id": f"j{i}", **j} for i, j in enumerate(jobs)]
    world = _run_world(_sc(jobs, "easy_backfill", nodes=4, days=10.0))
    reserved = world.scheduler.reserved_s
    for job in world.jobs:
        assert job.first_start_s >= 0  # 10 days is enough for everything
        if job.seq in reserved:
            assert job.first_start_s <= reserved[job.seq] + 1e-6
