"""The "what limited this factory" rule: hand-made figures, one case per cause, and a run
where a team quota holds jobs back on a mostly idle fleet."""

from __future__ import annotations

from typing import Any

from gigawatt.report.limits import LimitFacts, findings, limit_facts
from gigawatt.simulate.run import simulate
from gigawatt.spec.simulation import parse_simulation

DAY_S = 86_400.0


def _facts(**kw: Any) -> LimitFacts:
    base: dict[str, Any] = {"gpus": 1024, "hours": 90 * 24.0, "utilization": 0.51}
    return LimitFacts(**{**base, **kw})


def test_quota_binds_a_half_idle_fleet() -> None:
    """The issue's 90-day run: a 6.3-day p95 queue at 51 % utilisation, quotas holding jobs."""
    f = _facts(
        queue_p95_s=6.3 * DAY_S,
        queued_gpu_h={"quota": 900_000.0, "capacity": 40_000.0, "power_cap": 0.0, "order": 0.0},
        team_quota_gpu_h={"research": 850_000.0, "product": 50_000.0},
    )
    first = findings(f)[0]
    assert first.cause == "team quota"
    assert "6.3 days" in first.sentence and "research" in first.sentence
    assert "51 %" in first.sentence


def test_capacity_binds_a_full_fleet() -> None:
    f = _facts(
        utilization=0.97,
        queue_p95_s=2 * DAY_S,
        queued_gpu_h={"quota": 1_000.0, "capacity": 300_000.0, "power_cap": 0.0, "order": 0.0},
        repair_gpu_h=5_000.0,
    )
    assert findings(f)[0].cause == "capacity"


def test_outages_named_when_they_explain_the_shortage() -> None:
    queued = {"quota": 0.0, "capacity": 100_000.0, "power_cap": 0.0, "order": 0.0}
    failures = findings(_facts(queue_p95_s=DAY_S, queued_gpu_h=queued, repair_gpu_h=40_000.0))
    spot = findings(_facts(queue_p95_s=DAY_S, queued_gpu_h=queued, spot_away_gpu_h=60_000.0))
    assert failures[0].cause == "failures"
    assert spot[0].cause == "spot reclaims"


def test_power_cap_and_order() -> None:
    power = {"quota": 0.0, "capacity": 10.0, "power_cap": 500.0, "order": 0.0}
    order = {"quota": 0.0, "capacity": 10.0, "power_cap": 0.0, "order": 500.0}
    assert findings(_facts(queue_p95_s=7200.0, queued_gpu_h=power))[0].cause == "power cap"
    assert findings(_facts(queue_p95_s=7200.0, queued_gpu_h=order))[0].cause == "scheduling order"


def test_short_queues_do_not_bind() -> None:
    """Under an hour at p95, waiting is not named even if some GPU-hours queued."""
    f = _facts(queue_p95_s=1800.0, queued_gpu_h={"quota": 900.0, "capacity": 0.0})
    assert findings(f)[0].cause == "none"
    assert "49 %" in findings(f)[0].sentence  # the spare share of accelerator time


def test_services_under_their_slo() -> None:
    services = [
        {"id": "chat", "slo_attainment": 0.93, "unplaced_scale_ups": 12},
        {"id": "code", "slo_attainment": 0.95, "unplaced_scale_ups": 0},
        {"id": "fine", "slo_attainment": 0.999, "unplaced_scale_ups": 0},
    ]
    out = findings(_facts(services=services))
    assert [x.cause for x in out] == ["capacity", "service replicas"]
    assert "chat" in out[0].sentence and "93 %" in out[0].sentence


def test_losses_throttle_outages_goodput() -> None:
    fleet_h = 1024 * 90 * 24.0
    assert findings(_facts(throttled_gpu_h=0.1 * fleet_h))[0].cause == "power cap"
    assert findings(_facts(repair_gpu_h=0.06 * fleet_h))[0].cause == "failures"
    assert findings(_facts(goodput=0.9))[0].cause == "failures"
    assert findings(_facts(goodput=0.99, repair_gpu_h=0.01 * fleet_h))[0].cause == "none"


def test_a_run_held_by_a_quota() -> None:
    """32 GPUs, team 'a' limited to 8: its 8-GPU jobs queue behind the quota with 3/4 idle."""
    sc = parse_simulation(
        {
            "name": "quota",
            "days": 2,
            "seed": 1,
            "sample_interval_s": 600,
            "failures": {"table": "none"},
            "facility": {"pue": 1.2},
            "fleet": {"pools": [{"id": "p", "system": "dgx-h100", "nodes": 4}]},
            "scheduler": {"quotas_gpus": {"a": 8}},
            "job_streams": [
                {"id": "s", "team": "a", "rate_per_h": 1.0, "gpus": [8], "duration_h_median": 2}
            ],
        }
    )
    kpis = simulate(sc, keep_jobs=False).kpis
    assert kpis["gpu_utilization"] <= 0.25 + 1e-9
    assert kpis["limits"]["queued_gpu_h"]["quota"] > 0
    assert kpis["limits"]["queued_gpu_h"]["capacity"] == 0
    (team,) = kpis["teams"]
    assert team["team"] == "a" and team["quota_gpus"] == 8
    first = findings(limit_facts(kpis))[0]
    assert first.cause == "team quota", first.sentence
