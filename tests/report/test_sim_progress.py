"""The progress bar of long simulations: silent off a terminal, shown only for runs projected
past two seconds, and free of effects on the run itself."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import pytest
from rich.console import Console

from gigawatt.cli.progress import progress_bar
from gigawatt.simulate import run
from gigawatt.simulate.run import simulate
from gigawatt.spec.simulation import load_simulation

REPO = Path(__file__).resolve().parents[2]


def _clock(times: list[float]) -> Iterator[float]:
    yield from times


def test_silent_when_not_a_terminal() -> None:
    out = io.StringIO()
    with progress_bar("x", console=Console(file=out)) as tick:
        assert tick is None
    assert out.getvalue() == ""


def test_silent_when_disabled() -> None:
    out = io.StringIO()
    with progress_bar("x", enabled=False, console=Console(file=out, force_terminal=True)) as tick:
        assert tick is None
    assert out.getvalue() == ""


def test_shown_for_a_long_run_only() -> None:
    """1 s in at 10 % done projects 10 s: the bar shows. 1 s in at 90 % projects 1.1 s: not."""
    for done, shown in ((0.1, True), (0.9, False)):
        out = io.StringIO()
        clock = partial(next, _clock([0.0, 1.0, 1.0, 1.0]))
        console = Console(file=out, force_terminal=True, width=100)
        with progress_bar("simulating demo", console=console, clock=clock) as tick:
            assert tick is not None
            tick(done * 86_400.0, 86_400.0)
        assert ("simulating demo" in out.getvalue()) is shown


def test_progress_changes_nothing_in_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """The periodic progress events touch no state: same KPIs, same event count. (Wall-time
    throttling off, so every one of the 1,000 ticks calls back.)"""
    monkeypatch.setattr(run, "_progress_ticks", partial(run._progress_ticks, min_wall_s=0.0))
    sc = load_simulation(REPO / "examples/simulate/training_cluster.yaml")
    calls: list[tuple[float, float]] = []
    quiet = simulate(sc, days=2, keep_jobs=False).kpis
    loud = simulate(sc, days=2, keep_jobs=False, progress=lambda n, h: calls.append((n, h))).kpis
    drop = ("wall_s",)
    assert {k: v for k, v in quiet.items() if k not in drop} == {
        k: v for k, v in loud.items() if k not in drop
    }
    assert 990 <= len(calls) <= 1000
    assert all(0 < n <= h == 2 * 86_400.0 for n, h in calls)
    assert [n for n, _ in calls] == sorted(n for n, _ in calls)


def test_cli_prints_no_bar_off_a_terminal(run_cli: Callable[..., tuple[int, str, str]]) -> None:
    """Captured output is not a terminal: stderr stays empty; stdout has labelled units."""
    path = str(REPO / "examples/simulate/training_cluster.yaml")
    code, out, err = run_cli("simulate", path, "--days", "3")
    assert code == 0 and err == ""
    assert "3 days simulated" in out and "queue time p95" in out
    assert "what limited this factory" in out
