"""Each workload's demand over the planning cycle, reduced to the plan's time blocks.

The cycle is one week of hourly slots (hour 0 = Monday 00:00 UTC), longer when a workload's
hourly CSV is longer (the shorter shapes repeat). Serving workloads follow their ``load``
profile (:mod:`gigawatt.spec.load`); training and batch jobs are not profiled (level 1: they
are placed as jobs in windows, see :mod:`gigawatt.optimize.build`). Bursts are placed on the
portfolio's busiest hours (the sum of the other profiles' levels), one after another.
The shapes and the reduction are pure functions of :mod:`gigawatt.models.demand`.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np

from gigawatt.adapters.demand_csv import read_hourly_demand
from gigawatt.models import demand
from gigawatt.models.demand import F64, Blocks
from gigawatt.spec import Scenario
from gigawatt.spec.load import LoadProfile


def _profile(workload: Any) -> LoadProfile | None:
    """The workload's load profile (None: not profiled, e.g. training and batch)."""
    profile = getattr(workload, "load", None)
    return profile if isinstance(profile, LoadProfile) else None


def _cycle_hours(profiles: list[LoadProfile | None]) -> int:
    """A week, or the longest hourly CSV when longer [h]."""
    hours = demand.HOURS_PER_WEEK
    for p in profiles:
        if p is not None and p.shape == "csv" and p.path is not None:
            hours = max(hours, len(read_hourly_demand(p.path)))
    return hours


def shape_levels(profile: LoadProfile | None, hours: F64) -> F64:
    """Levels of a non-bursty profile at each hour of the cycle [fraction of peak] (bursty:
    ones; :func:`cycle_levels` places its bursts)."""
    if profile is None or profile.shape in ("steady", "bursty"):
        return np.ones(hours.size)
    peak_hour = (
        profile.peak_hour_utc if profile.peak_hour_utc is not None else demand.DEFAULT_PEAK_HOUR_UTC
    )
    ratio = float(profile.peak_to_mean or 1.0)
    if profile.shape == "diurnal":
        return demand.sinusoid_day(ratio, peak_hour, hours)
    if profile.shape == "weekly":
        factor = (
            profile.weekend_factor
            if profile.weekend_factor is not None
            else demand.DEFAULT_WEEKEND_FACTOR
        )
        return demand.weekly(ratio, peak_hour, factor, hours)
    values = np.asarray(read_hourly_demand(str(profile.path)), dtype=np.float64)
    out: F64 = demand.normalised(values)[hours.astype(int) % values.size]
    return out


def cycle_levels(workloads: list[Any]) -> tuple[F64, F64]:
    """(levels, weights): every workload's level in each slot of the cycle (workloads x slots)
    and each slot's hours."""
    hours = np.arange(_cycle_hours([_profile(w) for w in workloads]), dtype=np.float64)
    levels = np.array([shape_levels(_profile(w), hours) for w in workloads]).reshape(
        len(workloads), hours.size
    )
    weights = np.ones(hours.size)
    bursty = [i for i, w in enumerate(workloads) if (p := _profile(w)) and p.shape == "bursty"]
    others = [i for i in range(len(workloads)) if i not in set(bursty)]
    for i in bursty:
        p = _profile(workloads[i])
        assert p is not None and p.peak_to_mean is not None and p.peak_share is not None
        rows = [*others, *[j for j in bursty if j < i]]
        priority = levels[rows].sum(axis=0) if rows else np.zeros(weights.size)
        base = demand.bursty_base(p.peak_to_mean, p.peak_share)
        levels, weights = demand.place_burst(levels, weights, i, p.peak_share, base, priority)
    return levels, weights


def peak_to_mean(workload: Any) -> float:
    """The workload's peak rate over its mean rate [ratio] (1 when not profiled)."""
    profile = _profile(workload)
    if profile is None or profile.shape == "steady":
        return 1.0
    if profile.shape == "bursty":
        return float(profile.peak_to_mean or 1.0)
    return _shape_peak_to_mean(profile)


@cache
def _shape_peak_to_mean(profile: LoadProfile) -> float:
    """Peak over mean of a sampled (diurnal, weekly, csv) profile, once per profile: the
    performance seam asks for it on every evaluation of the workload."""
    hours = np.arange(_cycle_hours([profile]), dtype=np.float64)
    levels = shape_levels(profile, hours)
    return demand.peak_to_mean(levels, np.ones(hours.size))


def scenario_blocks(scenario: Scenario) -> Blocks:
    """The scenario's time blocks (at most ``scenario.time_blocks``)."""
    levels, weights = cycle_levels(list(scenario.workloads))
    return demand.reduce_blocks(levels, weights, scenario.time_blocks)
