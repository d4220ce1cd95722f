"""Event kernel: ordering, determinism, speed sanity, and M/M/c against Erlang C."""

from __future__ import annotations

from typing import Any

import pytest

from gigawatt.simulate.engine import Kernel
from gigawatt.simulate.queueing import erlang_c_wait_s, mmc_simulate
from gigawatt.validation.simulate import mmc_case


def test_ties_break_by_priority_then_insertion() -> None:
    k = Kernel(0)
    seen: list[str] = []
    k.at(1.0, seen.append, "b", priority=1)
    k.at(1.0, seen.append, "a", priority=0)
    k.at(1.0, seen.append, "c", priority=1)
    k.at(0.5, seen.append, "first")
    k.run(10.0)
    assert seen == ["first", "a", "b", "c"]
    assert k.now == 10.0


def test_run_stops_at_horizon_and_resumes() -> None:
    k = Kernel(0)
    seen: list[float] = []

    def tick(_: Any) -> None:
        seen.append(k.now)
        k.after(1.0, tick)

    k.at(0.0, tick)
    assert k.run(2.5) == 3
    assert k.run(4.0) == 2
    assert seen == [0.0, 1.0, 2.0, 3.0, 4.0]


def test_same_seed_same_result() -> None:
    a = mmc_simulate(3.0, 1.0, 4, 20_000, seed=5, warmup=0)
    b = mmc_simulate(3.0, 1.0, 4, 20_000, seed=5, warmup=0)
    c = mmc_simulate(3.0, 1.0, 4, 20_000, seed=6, warmup=0)
    assert a == b
    assert a != c


def test_erlang_c_known_value() -> None:
    # M/M/1: Wq = rho / (mu - lambda)
    assert erlang_c_wait_s(0.5, 1.0, 1) == pytest.approx(1.0)
    with pytest.raises(ValueError):
        erlang_c_wait_s(4.0, 1.0, 4)


def test_mmc_matches_erlang_c_within_2_percent() -> None:
    sim, ref = mmc_case()
    assert abs(sim - ref) / ref < 0.02
