"""Plan replay (gigawatt simulate --plan): every bundled plan example, the hourly arrival
process, the per-workload statistics and bad input."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from gigawatt.catalog import load_catalog
from gigawatt.cli.app import app
from gigawatt.errors import InputError
from gigawatt.optimize.plan import plan_scenario
from gigawatt.simulate.replay import _hourly_levels, plan_replay
from gigawatt.simulate.replay_report import _hours_text, replay_plan, weighted_pct
from gigawatt.simulate.run import simulate
from gigawatt.spec import load_scenario
from gigawatt.spec.simulation import parse_simulation

pytest.importorskip("scipy")  # replays plan first: the [plan] extra

EXAMPLES = sorted(Path(__file__).resolve().parents[2].glob("examples/plan/*.yaml"))


@cache
def _planned(path: Path) -> tuple[Any, dict[str, Any]]:
    spec = load_scenario(path)
    return spec, plan_scenario(spec, load_catalog(), explain=False).to_dict()


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_plan_example_replays(path: Path) -> None:
    spec, plan = _planned(path)
    start = max(float(a["windows"][0][0]) for a in plan["assignments"])
    result = replay_plan(spec, plan, load_catalog(), days=start + 0.25)
    d = result.to_dict()
    names = {a["workload"] for a in plan["assignments"] if a["accelerator"] != "per-token"}
    assert {w["workload"] for w in d["workloads"]} == names
    for a in plan["assignments"]:
        if a["accelerator"] == "per-token":  # a per-token service: named, not replayed
            assert any(a["workload"] in n and "per-token service" in n for n in d["assumptions"])
    for w in d["workloads"]:
        assert w["window_h"] > 0
        assert w["cost_usd"] >= 0 and w["energy_kwh"] > 0
        assert w["plan_cost_usd"] >= 0
        if "requests_simulated" in w:
            assert w["requests_simulated"] > 0
            assert 0.0 <= w["slo_attainment"] <= 1.0
            assert 0 < w["ttft_s_p50"] <= w["ttft_s_p95"] <= w["ttft_s_p99"]
            assert 0 < w["tpot_s_p50"] <= w["tpot_s_p95"] <= w["tpot_s_p99"]
    text = json.dumps(d)
    assert "NaN" not in text and "Infinity" not in text


def test_fleet_is_the_plans() -> None:
    spec, plan = _planned(EXAMPLES[0])
    replay = plan_replay(spec, plan, load_catalog(), days=1.0)
    pools = {p.id: p for p in replay.scenario.fleet.pools}
    for place in replay.placements:
        a = place.plan
        pool = pools[place.sim_id]
        assert pool.accelerator == a["accelerator"]
        assert (pool.kind == "spot") == (a["pricing_model"] == "spot")
        if pool.kind == "spot":
            assert pool.spot is not None and pool.spot.preemptions_per_node_day > 0
    jobs = {j.id: j for j in replay.scenario.jobs}
    for place in replay.placements:
        if place.sim_id in jobs:
            assert jobs[place.sim_id].gpus == place.count


def test_serving_load_follows_the_profile() -> None:
    """A diurnal workload's placements together carry its rate at every hour (the peak rate
    times the hour's level), and its committed replicas carry load at every hour."""
    spec, plan = _planned(next(p for p in EXAMPLES if p.stem == "frontier-lab"))
    replay = plan_replay(spec, plan, load_catalog(), days=1.0)
    mine = [p for p in replay.placements if p.workload == "api-70b"]
    carried = np.sum([p.rate_h for p in mine], axis=0)
    level = _hourly_levels(spec, 24, "api-70b")[0]
    peak = float(spec.workload("api-70b").qps) * 1.8  # the example's peak_to_mean
    np.testing.assert_allclose(carried, peak * level, rtol=1e-9)
    owned = [p for p in mine if p.pricing_model == "owned"]
    assert owned and all(min(p.rate_h) > 0 for p in owned)


def _hourly_service(rates: list[float], active_s: float) -> Any:
    return parse_simulation(
        {
            "days": len(rates) / 24.0,
            "failures": {"table": "none"},
            "fleet": {"pools": [{"id": "a", "accelerator": "h100-sxm", "nodes": 1}]},
            "inference": [
                {
                    "id": "s",
                    "gpus_per_replica": 8,
                    "latency": {"prefill_tokens_per_s": 1e6, "decode_step_s": 1e-4},
                    "rate": {"hourly_rps": rates, "active_s_per_h": active_s},
                    "slo": {"ttft_s": 1.0, "tpot_s": 1.0},
                }
            ],
        }
    )


def test_hourly_arrivals_match_the_rates_in_their_windows() -> None:
    rates = [2.0, 0.0, 5.0, 1.0] * 6
    sc = _hourly_service(rates, 600.0)
    res = simulate(sc, load_catalog(), seed=3)
    expected = sum(rates) * 600.0
    arrived = res.kpis["services"][0]["requests_arrived"]
    assert abs(arrived - expected) < 4 * math.sqrt(expected)
    recorded = res.kpis["services"][0]["requests_completed"]
    assert recorded == pytest.approx(arrived * 0.8, rel=0.05)  # warm-up fifth not recorded


def test_rate_needs_one_curve() -> None:
    with pytest.raises(InputError, match="hourly_rps"):
        parse_simulation(
            {
                "fleet": {"pools": [{"id": "a", "accelerator": "h100-sxm", "nodes": 1}]},
                "inference": [
                    {"id": "s", "model": "llama-3.1-8b", "rate": {"base_rps": 1.0}},
                ],
            }
        )


def test_weighted_percentile_and_hours() -> None:
    v = np.array([1.0, 2.0, 3.0, 4.0])
    assert weighted_pct(v, np.ones(4), 50) == 2.0
    assert weighted_pct(v, np.array([0.0, 0.0, 0.0, 1.0]), 50) == 4.0
    assert weighted_pct(np.zeros(0), np.zeros(0), 95) is None
    assert _hours_text([0, 1, 2, 5, 18, 19]) == "0-2, 5, 18-19"


def test_plan_of_another_scenario_is_refused() -> None:
    _spec, plan = _planned(EXAMPLES[0])
    other = load_scenario(EXAMPLES[1])
    with pytest.raises(InputError, match="plan is of scenario"):
        plan_replay(other, plan, load_catalog(), days=1.0)


def test_cli_errors_are_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "p.json"
    bad.write_text("{not json", encoding="utf-8")
    for args in (
        ["simulate", "--plan", str(tmp_path / "none.json")],
        ["simulate", "--plan", str(bad)],
        ["simulate"],
    ):
        r = subprocess.run(
            [sys.executable, "-m", "gigawatt", *args], capture_output=True, text=True, check=False
        )
        assert r.returncode == 2, r.stderr
        assert r.stderr.startswith("error: ") and "Traceback" not in r.stderr
        assert len(r.stderr.strip().splitlines()) == 1


def test_cli_replays_a_plan_json(tmp_path: Path) -> None:
    _spec, plan = _planned(next(p for p in EXAMPLES if p.stem == "startup"))
    plan = {**plan, "scenario_file": str(next(p for p in EXAMPLES if p.stem == "startup"))}
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan), encoding="utf-8")
    r = CliRunner().invoke(app, ["simulate", "--plan", str(path), "--days", "0.1", "--json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    assert {w["workload"] for w in d["workloads"]} == {"support-lora", "support-chat"}
