"""The "nothing bound" finding still names what held queued jobs when waits stayed short."""

from __future__ import annotations

from gigawatt.report.limits import LimitFacts, findings


def test_short_waits_still_name_the_reason_that_held_queued_jobs() -> None:
    facts = LimitFacts(
        gpus=768,
        hours=24.0,
        utilization=0.3,
        queue_p95_s=1500.0,
        queued_gpu_h={"power_cap": 662.0, "quota": 0.0},
    )
    (f,) = findings(facts)
    assert f.cause == "none"
    assert "power cap held queued jobs" in f.sentence and "100 %" in f.sentence


def test_nothing_queued_says_headroom_only() -> None:
    (f,) = findings(LimitFacts(gpus=8, hours=24.0, utilization=0.5, queue_p95_s=0.0))
    assert f.cause == "none" and "held queued jobs" not in f.sentence
