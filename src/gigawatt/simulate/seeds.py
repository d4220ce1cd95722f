"""One scenario over several seeds, in parallel on the local cores, with the spread of its KPIs.

Each seed is an independent run (:func:`gigawatt.simulate.run.simulate`) in its own process
(:class:`concurrent.futures.ProcessPoolExecutor`); a run is deterministic for its seed, so the
results do not depend on the number of workers. The summary gives, for every numeric KPI, the
mean, the sample standard deviation (n - 1) and the range over the seeds.
"""

from __future__ import annotations

import math
import os
import statistics
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from gigawatt.simulate.run import simulate
from gigawatt.spec.simulation import SimulationScenario


@dataclass
class SeedsResult:
    """Per-seed KPIs (each with its ``seed``) and the summary ``kpi -> {mean, sd, min, max}``."""

    runs: list[dict[str, Any]]
    summary: dict[str, dict[str, float]]
    workers: int
    wall_s: float


def _one(args: tuple[SimulationScenario, Any, int, float | None]) -> dict[str, Any]:
    sc, catalog, seed, days = args
    kpis = simulate(sc, catalog, days=days, seed=seed, keep_jobs=False).kpis
    return {"seed": seed, **kpis}


def simulate_seeds(
    sc: SimulationScenario,
    seeds: Sequence[int],
    catalog: Any = None,
    *,
    days: float | None = None,
    workers: int | None = None,
) -> SeedsResult:
    """Run ``sc`` once per seed, ``workers`` processes at a time (default: one per core)."""
    if not seeds:
        raise ValueError("no seeds")
    n = max(1, min(workers or os.cpu_count() or 1, len(seeds)))
    started = time.perf_counter()
    jobs = [(sc, catalog, s, days) for s in seeds]
    if n == 1:
        runs = [_one(j) for j in jobs]
    else:
        with ProcessPoolExecutor(max_workers=n) as pool:
            runs = list(pool.map(_one, jobs))
    return SeedsResult(runs, summarise_runs(runs), n, time.perf_counter() - started)


def summarise_runs(runs: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Mean, sample sd, min and max of every KPI that is a finite number in every run."""
    out: dict[str, dict[str, float]] = {}
    for key, first in runs[0].items():
        if key in ("seed", "events", "wall_s") or isinstance(first, bool):
            continue
        values = [r.get(key) for r in runs]
        nums = [float(v) for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
        if len(nums) != len(runs) or not all(math.isfinite(v) for v in nums):
            continue
        out[key] = {
            "mean": statistics.fmean(nums),
            "sd": statistics.stdev(nums) if len(nums) > 1 else 0.0,
            "min": min(nums),
            "max": max(nums),
        }
    return out
