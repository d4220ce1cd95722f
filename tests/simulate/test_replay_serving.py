"""Serving placements of a replayed plan: units held per demand level and window, traffic split
by capacity, layouts read from the plan JSON, and cost following billed accelerator-hours."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from gigawatt.catalog import load_catalog
from gigawatt.optimize.plan import plan_scenario
from gigawatt.simulate.replay import _batch_busy, plan_replay
from gigawatt.simulate.replay_serving import (
    replica_accelerators,
    split_traffic,
    units_held,
    window_mask,
)
from gigawatt.spec import load_scenario

pytest.importorskip("scipy")  # replays plan first: the [plan] extra

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "plan"


@cache
def _planned(stem: str) -> tuple[Any, dict[str, Any]]:
    spec = load_scenario(EXAMPLES / f"{stem}.yaml")
    return spec, plan_scenario(spec, load_catalog(), explain=False).to_dict()


def test_units_follow_the_plans_levels() -> None:
    a = {
        "count": 3,
        "unit_accelerators": 1,
        "levels": [
            {"level": 1.0, "units": 3.0, "hours_share": 0.1},
            {"level": 0.5, "units": 1.0, "hours_share": 0.5},
            {"level": 0.2, "units": 0.0, "hours_share": 0.4},
        ],
    }
    got = units_held(a, np.array([1.0, 0.7, 0.5, 0.49995, 0.3, 0.2, 0.05]))
    # an hour takes the lowest plan level at or above its own (1e-4 tolerance)
    np.testing.assert_array_equal(got, [3.0, 3.0, 1.0, 1.0, 1.0, 0.0, 0.0])


def test_units_without_levels_are_the_peaks() -> None:
    a = {"count": 8, "unit_accelerators": 2}
    np.testing.assert_array_equal(units_held(a, np.array([0.1, 1.0])), [4.0, 4.0])


def test_windows_mask_hours() -> None:
    a = {"windows": [[1.0, 2.0], [3.0, 3.5]]}
    mask = window_mask(a, 96)
    assert not mask[:24].any() and mask[24:48].all() and not mask[48:72].any()
    assert mask[72:84].all() and not mask[84:].any()
    assert window_mask({}, 5).all()


def test_traffic_split_by_capacity() -> None:
    rate = np.array([10.0, 10.0, 10.0])
    held = [np.array([2.0, 1.0, 0.0]), np.array([1.0, 1.0, 0.0])]
    a, b = split_traffic(rate, held, [2.0, 6.0])
    np.testing.assert_allclose(a, [4.0, 2.5, 0.0])
    np.testing.assert_allclose(b, [6.0, 7.5, 0.0])
    np.testing.assert_allclose(a + b, [10.0, 10.0, 0.0])  # no capacity: nothing carried


def test_layout_is_read_from_the_structured_field_then_the_text() -> None:
    a = {"unit_accelerators": 8, "basis": "tp=4, ...", "layout": {"accelerators": 2}}
    assert replica_accelerators(a) == 2
    assert replica_accelerators({"unit_accelerators": 8, "basis": "tp=4 pp=2, x"}) == 8
    assert replica_accelerators({"unit_accelerators": 8, "basis": "tp=2, x"}) == 2
    assert replica_accelerators({"unit_accelerators": 3, "basis": "1920 accelerators"}) == 3


def test_plan_json_carries_layout_levels_and_windows() -> None:
    _, plan = _planned("frontier-lab")
    for a in plan["assignments"]:
        assert a["windows"] and a["levels"] and a["levels"][0]["level"] == pytest.approx(1.0)
        if a["kind"] in ("online_inference", "batch_inference"):
            lay = a["layout"]
            assert lay["accelerators"] == lay["tp"] * lay["pp"] * lay["dp"]
            assert f"tp={lay['tp']}" in a["basis"]
            assert a["replicas"] * lay["accelerators"] == a["count"]
            assert a["units_needed"] > 0
        else:
            assert a["layout"] is None and a["replicas"] is None


def test_pay_per_use_holds_nothing_where_the_plan_bills_nothing() -> None:
    """startup: the TPU placement holds one unit at the peak level and none below it; the
    twin holds it exactly then, so its cost equals the plan's pro-rated cost."""
    spec, plan = _planned("startup")
    replay = plan_replay(spec, plan, load_catalog(), days=14.0)
    chat = [p for p in replay.placements if p.workload == "support-chat"]
    zero = [p for p in chat if any(x["units"] == 0 for x in p.plan["levels"])]
    assert zero, "the example plan bills zero units at some level"
    for p in zero:
        units = np.array(p.units_h)
        assert (units == 0).any() and (units > 0).any()
        rate = np.array(p.rate_h)
        assert np.all(rate[units == 0] == 0)


def test_serving_starts_on_its_start_day() -> None:
    """startup's support-chat starts on day 7: no units, requests or cost before."""
    spec, plan = _planned("startup")
    replay = plan_replay(spec, plan, load_catalog(), days=9.0)
    for p in replay.placements:
        if p.workload == "support-chat":
            assert sum(p.units_h[: 7 * 24]) == 0 and sum(p.rate_h[: 7 * 24]) == 0
            assert sum(p.rate_h[7 * 24 :]) > 0
    svc = {s.id: s for s in replay.scenario.inference}
    for s in svc.values():
        assert s.rate is not None and s.rate.hourly_rps is not None
        assert sum(s.rate.hourly_rps[: 7 * 24]) == 0


def test_carried_traffic_never_exceeds_planned_capacity() -> None:
    """Every hour, a placement carries at most its units times its planned rate per unit."""
    spec, plan = _planned("frontier-lab")
    replay = plan_replay(spec, plan, load_catalog(), days=2.0)
    for p in replay.placements:
        if not p.rate_h:
            continue
        w = spec.workload(p.workload)
        peak = float(w.qps) * 2.0 if p.workload == "chat-deepseek" else float(w.qps) * 1.8
        per_unit = peak / float(p.plan["units_needed"])
        rate, units = np.array(p.rate_h), np.array(p.units_h)
        assert np.all(rate <= units * per_unit * (1 + 1e-9) + 1e-12)


def test_batch_works_its_share_of_the_day() -> None:
    a = {"count": 84, "unit_accelerators": 4, "share": 0.5, "units_needed": 21.0}
    assert _batch_busy(a) == pytest.approx(0.5)
    assert _batch_busy({"count": 8, "unit_accelerators": 4, "share": 1.0}) == 1.0


def test_an_hour_breaks_only_beyond_sampling_noise() -> None:
    from gigawatt.simulate.replay_report import over_p95

    assert not over_p95(0.06, 100)  # 6 of 100 over: within two standard errors of 5 %
    assert over_p95(0.06, 100_000)
    assert over_p95(0.5, 20) and not over_p95(None, 10) and not over_p95(0.9, 0)
