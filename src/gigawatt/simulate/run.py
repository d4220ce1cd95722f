"""Thin orchestration: scenario -> world (:mod:`gigawatt.simulate.build`) -> run -> KPIs, time
series, tables."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gigawatt.catalog import load_catalog
from gigawatt.errors import InputError
from gigawatt.simulate import metrics
from gigawatt.simulate.build import build_world, resolve_site
from gigawatt.simulate.waits import WaitSampler
from gigawatt.simulate.world import World
from gigawatt.spec.simulation import SimulationScenario


@dataclass
class SimResult:
    """Everything a run produces."""

    kpis: dict[str, Any]
    series: list[dict[str, float]]
    jobs: list[dict[str, Any]] = field(default_factory=list)
    events: int = 0
    wall_s: float = 0.0


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the block, then restore its previous state.

    A run creates millions of long-lived objects (jobs, events, requests) that the collector
    would traverse again and again without finding garbage: one million jobs on 16,384 GPUs
    (``bench/bench_simulate.py --gc-compare``) take 1.6x the CPU time with the collector on
    (49 s against 30 s). Reference counting still frees everything that is not in a cycle.

    On the way out the objects made in the block are moved straight to the oldest generation
    (``gc.freeze`` then ``gc.unfreeze``): re-enabled as is, the collector's first young
    collection would walk all of them at once (0.4 s for 100,000 jobs, seconds for a million).
    They are still collected, in a later full collection.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.freeze()
            gc.unfreeze()
            gc.enable()


def simulate(
    sc: SimulationScenario,
    catalog: Any = None,
    *,
    days: float | None = None,
    seed: int | None = None,
    keep_jobs: bool = True,
    progress: Callable[[float, float], None] | None = None,
    observe: Callable[[World], None] | None = None,
) -> SimResult:
    """Run scenario ``sc`` for ``days`` (default: the scenario's) and summarise it;
    ``observe`` sees the closed world before the summary (e.g. per-request statistics)."""
    if catalog is None:
        catalog = load_catalog()
    horizon_s = (days if days is not None else sc.days) * 86_400.0
    if horizon_s <= 0:
        raise InputError(f"must be > 0, got {days!r}", where="days")
    started = time.perf_counter()
    world = build_world(sc, catalog, horizon_s, sc.seed if seed is None else seed)
    recorder = metrics.Recorder()
    world.on_sample.append(recorder)
    waits = WaitSampler(sc.sample_interval_s)
    world.on_sample.append(waits)
    world.start_sampling(sc.sample_interval_s)
    ticks = [] if progress is None else _progress_ticks(world, horizon_s, progress)
    with gc_paused():
        events = world.kernel.run(horizon_s) - len(ticks)
    _close(world, horizon_s)
    if observe is not None:
        observe(world)
    site = resolve_site(sc.facility, catalog)
    kpis = metrics.summarise(
        world, horizon_s, site.pue, site.electricity_usd_per_kwh, site.grid_gco2_per_kwh
    )
    kpis["limits"] = waits.summary()
    kpis["teams"] = waits.team_rows(world, horizon_s)
    kpis["assumptions"] = list(site.assumptions)
    wall = time.perf_counter() - started
    kpis["events"] = events
    kpis["wall_s"] = wall
    jobs = (
        metrics.job_rows(world, horizon_s, site.pue, site.electricity_usd_per_kwh)
        if keep_jobs
        else []
    )
    return SimResult(kpis, recorder.rows, jobs, events, wall)


def _progress_ticks(
    world: World,
    horizon_s: float,
    progress: Callable[[float, float], None],
    ticks: int = 1000,
    min_wall_s: float = 0.2,
) -> list[float]:
    """Schedule ``ticks`` events evenly over the horizon that call ``progress(now_s,
    horizon_s)``, at most once per ``min_wall_s`` of wall time; they change no state. Returns
    the list the fired ticks are appended to (to leave them out of the event count)."""
    kernel = world.kernel
    step_s = horizon_s / ticks
    fired: list[float] = []
    last = [time.perf_counter()]

    def tick(_: Any) -> None:
        fired.append(kernel.now)
        wall = time.perf_counter()
        if wall - last[0] >= min_wall_s:
            last[0] = wall
            progress(kernel.now, horizon_s)
        if kernel.now + step_s <= horizon_s:
            kernel.after(step_s, tick, None, 100)

    kernel.at(step_s, tick, None, 100)
    return fired


def _close(world: World, horizon_s: float) -> None:
    """Bring every integral (energy, GPU-time, service statistics) up to the horizon."""
    world.kernel.now = horizon_s
    world.touch()
    for service in world.services:
        service.finish(horizon_s)


def write_outputs(result: SimResult, out_dir: Path) -> list[Path]:
    """Write timeseries.csv, jobs.csv and services.csv into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / "timeseries.csv", out_dir / "jobs.csv", out_dir / "services.csv"]
    metrics.write_csv(paths[0], metrics.SERIES_COLUMNS, result.series)
    metrics.write_csv(paths[1], metrics.JOB_COLUMNS, result.jobs)
    services = result.kpis.get("services", [])
    cols = tuple(services[0].keys()) if services else ("id",)
    metrics.write_csv(paths[2], cols, services)
    return paths
