"""Scheduler, fleet and power behaviour on tiny deterministic scenarios."""

from __future__ import annotations

from typing import Any

import pytest

from gigawatt.simulate.run import SimResult, simulate
from gigawatt.spec.simulation import parse_simulation


def _run(
    jobs: list[dict[str, Any]],
    *,
    nodes: int = 2,
    days: float = 1.0,
    scheduler: dict[str, Any] | None = None,
    facility: dict[str, Any] | None = None,
    pools: list[dict[str, Any]] | None = None,
    failures: dict[str, Any] | None = None,
    streams: list[dict[str, Any]] | None = None,
) -> SimResult:
    sc = parse_simulation(
        {
            "days": days,
            "sample_interval_s": 600,
            "fleet": {
                "pools": pools
                or [{"id": "p", "system": "dgx-h100", "nodes": nodes, "nodes_per_rack": 4}]
            },
            "failures": failures or {"table": "none"},
            "scheduler": scheduler or {},
            "facility": facility or {},
            "jobs": jobs,
            "job_streams": streams or [],
        }
    )
    return simulate(sc)


def _job(res: SimResult, job_id: str) -> dict[str, Any]:
    return next(j for j in res.jobs if j["id"] == job_id)


def test_gang_is_packed_into_one_rack() -> None:
    res = _run(
        [{"id": "small", "gpus": 8, "duration_h": 5}, {"id": "gang", "gpus": 32, "duration_h": 1}],
        nodes=16,
    )
    assert _job(res, "gang")["racks"] == 1


def test_team_quota_delays_the_third_job() -> None:
    jobs = [
        {"id": f"j{i}", "team": "a", "gpus": 8, "duration_h": 1, "checkpoint_interval_min": None}
        for i in range(3)
    ]
    res = _run(jobs, nodes=4, scheduler={"quotas_gpus": {"a": 16}})
    assert sorted(_job(res, f"j{i}")["queue_s"] for i in range(3)) == [0, 0, 3600]


def test_backfill_starts_small_job_behind_blocked_gang() -> None:
    jobs = [
        {"id": "a", "gpus": 8, "duration_h": 10},
        {"id": "b", "gpus": 16, "duration_h": 1, "submit_h": 0.1},
        {"id": "c", "gpus": 8, "duration_h": 1, "submit_h": 0.2},
    ]
    on = _run(jobs)
    off = _run(jobs, scheduler={"backfill": False})
    assert _job(on, "c")["queue_s"] == 0
    assert _job(off, "c")["queue_s"] > 3600


def test_priority_preemption() -> None:
    jobs = [
        {
            "id": "low",
            "gpus": 16,
            "duration_h": 10,
            "priority": 0,
            "checkpoint_interval_min": 30,
            "checkpoint_write_s": 0,
        },
        {"id": "high", "gpus": 8, "duration_h": 1, "priority": 5, "submit_h": 1.25},
    ]
    res = _run(jobs, scheduler={"policy": "priority", "preemption": True})
    assert res.kpis["preemptions"] == 1
    assert _job(res, "high")["queue_s"] == 0
    low = _job(res, "low")
    assert low["preemptions"] == 1
    assert low["lost_h"] == pytest.approx(0.25)  # work since the 1.0 h checkpoint


def test_power_cap_queues_jobs() -> None:
    pool = [
        {
            "id": "p",
            "system": "dgx-h100",
            "nodes": 2,
            "node_power_kw": 10.0,
            "node_idle_power_kw": 2.0,
        }
    ]
    jobs = [
        {"id": "a", "gpus": 8, "duration_h": 1, "checkpoint_interval_min": None},
        {"id": "b", "gpus": 8, "duration_h": 1, "checkpoint_interval_min": None},
    ]
    res = _run(jobs, pools=pool, facility={"power_cap_kw": 15.0, "cap_mode": "queue"})
    assert sorted(_job(res, j)["queue_s"] for j in "ab") == [0, 3600]
    assert res.kpis["peak_facility_kw"] <= 15.0


def test_power_cap_throttles_jobs() -> None:
    pool = [
        {
            "id": "p",
            "system": "dgx-h100",
            "nodes": 2,
            "node_power_kw": 10.0,
            "node_idle_power_kw": 2.0,
        }
    ]
    jobs = [{"id": "a", "gpus": 16, "duration_h": 1, "checkpoint_interval_min": None}]
    res = _run(jobs, pools=pool, facility={"power_cap_kw": 12.0, "cap_mode": "throttle"})
    # idle 4 kW, full dynamic 16 kW -> speed 0.5 -> 2 h
    assert _job(res, "a")["end_h"] == pytest.approx(2.0)
    assert res.kpis["peak_facility_kw"] == pytest.approx(12.0)


def test_energy_is_power_times_time() -> None:
    pool = [
        {
            "id": "p",
            "system": "dgx-h100",
            "nodes": 1,
            "node_power_kw": 10.0,
            "node_idle_power_kw": 2.0,
        }
    ]
    res = _run(
        [{"id": "a", "gpus": 8, "duration_h": 6, "checkpoint_interval_min": None}],
        pools=pool,
        facility={"pue": 1.5},
    )
    assert res.kpis["energy_kwh"] == pytest.approx(1.5 * (10.0 * 6 + 2.0 * 18))


def test_spot_reclaims_preempt_and_jobs_still_finish() -> None:
    pools = [
        {
            "id": "spot",
            "system": "hgx-h200",
            "nodes": 8,
            "kind": "spot",
            "spot": {"preemptions_per_node_day": 6, "notice_s": 60, "unavailable_h": 1},
        }
    ]
    streams = [
        {
            "id": "b",
            "rate_per_h": 4,
            "gpus": [1, 8],
            "duration_h_median": 1,
            "checkpoint_interval_min": 10,
            "checkpoint_write_s": 30,
            "count": 40,
        }
    ]
    res = _run([], pools=pools, streams=streams, days=2)
    assert res.kpis["spot_reclaims"] > 5
    assert res.kpis["preemptions"] > 0
    assert res.kpis["jobs_completed"] == 40
    assert all(j["lost_h"] == 0 for j in res.jobs)  # 60 s notice > 30 s write: graceful


def test_failures_without_spares_requeue_and_finish() -> None:
    res = _run(
        [{"id": "a", "gpus": 16, "duration_h": 20}],
        nodes=3,
        days=4,
        failures={"table": "llama3", "rate_scale": 2000, "repair_h": 1},
    )
    job = _job(res, "a")
    assert res.kpis["interruptions"] > 3
    assert job["state"] == "done"
    assert res.kpis["goodput"] < 1.0


def test_inference_replicas_survive_failures() -> None:
    sc = parse_simulation(
        {
            "days": 0.5,
            "sample_interval_s": 600,
            "fleet": {"pools": [{"id": "p", "system": "dgx-h100", "nodes": 6}]},
            "failures": {"table": "llama3", "rate_scale": 3000, "repair_h": 0.5},
            "inference": [
                {
                    "id": "s",
                    "gpus_per_replica": 8,
                    "replicas": 2,
                    "max_batch": 32,
                    "latency": {"prefill_tokens_per_s": 20_000, "decode_step_s": 0.02},
                    "rate": {"base_rps": 2, "peak_rps": 2},
                    "autoscale": {"min_replicas": 2, "max_replicas": 3, "cold_start_s": 60},
                }
            ],
        }
    )
    res = simulate(sc)
    svc = res.kpis["services"][0]
    assert svc["replica_failures"] > 0
    assert svc["requests_completed"] >= 0.99 * svc["requests_arrived"]


def test_training_model_sets_job_length() -> None:
    res = _run([{"id": "m", "model": "llama-3.1-8b", "tokens": "10B", "gpus": 16}], days=2)
    job = _job(res, "m")
    assert job["state"] == "done"
    assert 0.5 < job["work_h"] < 24


def test_sjf_runs_short_job_first() -> None:
    jobs = [
        {"id": "block", "gpus": 16, "duration_h": 1},
        {"id": "long", "gpus": 16, "duration_h": 5, "submit_h": 0.1},
        {"id": "short", "gpus": 16, "duration_h": 1, "submit_h": 0.2},
    ]
    res = _run(jobs, scheduler={"policy": "sjf"})
    assert _job(res, "short")["start_h"] < _job(res, "long")["start_h"]


def test_cost_owned_pays_always_on_demand_pays_when_used() -> None:
    pools = [
        {"id": "own", "system": "dgx-h100", "nodes": 1, "price_usd_per_gpu_hour": 2.0},
        {
            "id": "od",
            "system": "dgx-h100",
            "nodes": 1,
            "kind": "on_demand",
            "price_usd_per_gpu_hour": 4.0,
        },
    ]
    jobs = [{"id": "a", "gpus": 8, "duration_h": 2, "pool": "od", "checkpoint_interval_min": None}]
    res = _run(jobs, pools=pools, days=1)
    assert res.kpis["cost_gpu_usd"] == pytest.approx(8 * 24 * 2.0 + 8 * 2 * 4.0)


def test_preemption_frees_whole_nodes_for_a_gang() -> None:
    jobs = [{"id": f"small{i}", "gpus": 4, "duration_h": 10, "priority": 0} for i in range(4)]
    jobs.append({"id": "gang", "gpus": 16, "duration_h": 1, "priority": 5, "submit_h": 1})
    res = _run(jobs, scheduler={"policy": "priority", "preemption": True})
    assert _job(res, "gang")["queue_s"] == 0
    assert res.kpis["preemptions"] == 4


def test_preemption_evicts_only_what_is_needed() -> None:
    jobs = [{"id": f"small{i}", "gpus": 4, "duration_h": 10, "priority": 0} for i in range(4)]
    jobs.append({"id": "node", "gpus": 8, "duration_h": 1, "priority": 5, "submit_h": 1})
    res = _run(jobs, scheduler={"policy": "priority", "preemption": True})
    assert _job(res, "node")["queue_s"] == 0
    assert res.kpis["preemptions"] == 2
