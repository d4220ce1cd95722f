"""Demand over time: load-profile shapes on an hourly cycle and their reduction to time blocks.

Pure functions on numpy arrays. A *cycle* is a sequence of slots (hours, possibly split), each
with a weight in hours; a profile gives every slot a demand level relative to the workload's peak
(1 at the peak). The planner sizes committed capacity once and pay-per-use capacity per block, a
block being a group of slots billed for their hours (docs/models/plan.md, "Demand over time").

References: the sinusoidal day is the usual first-order model of diurnal web and inference
traffic (e.g. the Azure LLM inference traces in ``../shared/sim-traces``); time-series
aggregation to representative periods follows PyPSA / tsam practice (merge similar hours, keep
the peak).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

F64 = NDArray[np.float64]
HOURS_PER_DAY = 24
HOURS_PER_WEEK = 168
LEVEL_DECIMALS = 4
"""Levels are rounded to 1e-4 of the peak before hours are grouped (exact grouping of equal
hours despite floating-point noise)."""
DEFAULT_PEAK_HOUR_UTC = 14.0
DEFAULT_WEEKEND_FACTOR = 0.5


def sinusoid_day(peak_to_mean: float, peak_hour_utc: float, hours: F64) -> F64:
    """Levels of a daily sinusoid with the given peak over mean (<= 2), peaking at
    ``peak_hour_utc``, at hour-of-cycle ``hours`` (hour 0 = Monday 00:00 UTC) [fraction of
    peak]. Sampled at the start of each hour, so that 24 hourly samples keep the mean (the
    cosine sums to zero over a day) and a whole peak hour hits the peak."""
    amplitude = peak_to_mean - 1.0
    phase = 2.0 * math.pi * (hours - peak_hour_utc) / HOURS_PER_DAY
    level: F64 = (1.0 + amplitude * np.cos(phase)) / (1.0 + amplitude)
    return level


def weekly(peak_to_mean: float, peak_hour_utc: float, weekend_factor: float, hours: F64) -> F64:
    """The daily sinusoid on weekdays, times ``weekend_factor`` on Saturday and Sunday (hour
    120 to 167 of each week) [fraction of peak]."""
    level = sinusoid_day(peak_to_mean, peak_hour_utc, hours)
    weekend = (hours % HOURS_PER_WEEK) >= 5 * HOURS_PER_DAY
    out: F64 = np.where(weekend, level * weekend_factor, level)
    return out


def bursty_base(peak_to_mean: float, peak_share: float) -> float:
    """Base level of a two-level profile whose mean is ``1 / peak_to_mean`` of its peak while
    at the peak a share ``peak_share`` of the time [fraction of peak]:
    ``p + (1 - p) b = 1 / r``."""
    return (1.0 / peak_to_mean - peak_share) / (1.0 - peak_share)


def normalised(values: F64) -> F64:
    """Hourly values scaled to a peak of 1 (ValueError when all are zero or any is negative)."""
    if values.size == 0 or not np.all(np.isfinite(values)) or np.any(values < 0):
        raise ValueError("demand values must be finite and >= 0")
    peak = float(values.max())
    if peak <= 0:
        raise ValueError("demand values are all zero")
    out: F64 = values / peak
    return out


def peak_to_mean(levels: F64, weights: F64) -> float:
    """Peak over the weighted mean of levels [ratio]."""
    mean = float(np.dot(levels, weights) / weights.sum())
    return float(levels.max()) / mean


def split_slot(levels: F64, weights: F64, slot: int, share: float) -> tuple[F64, F64]:
    """Split cycle slot ``slot`` into two slots holding ``share`` and ``1 - share`` of its hours
    (``levels`` is workloads x slots; both halves keep the slot's levels)."""
    new_levels = np.insert(levels, slot + 1, levels[:, slot], axis=1)
    new_weights = np.insert(weights, slot + 1, weights[slot] * (1.0 - share))
    new_weights[slot] = weights[slot] * share
    return new_levels, new_weights


def place_burst(
    levels: F64, weights: F64, row: int, peak_share: float, base: float, priority: F64
) -> tuple[F64, F64]:
    """Set workload ``row`` to 1 on the slots of highest ``priority`` (ties: earliest) holding a
    share ``peak_share`` of the cycle's hours and to ``base`` elsewhere, splitting one slot when
    the share falls inside it. Returns the new (levels, weights)."""
    order = sorted(range(weights.size), key=lambda j: (-priority[j], j))
    target = peak_share * float(weights.sum())
    done = 0.0
    peak = np.zeros(weights.size, dtype=bool)
    for j in order:
        if done >= target - 1e-12:
            break
        if done + weights[j] > target + 1e-12:
            share = (target - done) / float(weights[j])
            levels, weights = split_slot(levels, weights, j, share)
            peak = np.insert(peak, j + 1, False)
            peak[j] = True
            break
        peak[j] = True
        done += float(weights[j])
    levels[row] = np.where(peak, 1.0, base)
    return levels, weights


@dataclass(frozen=True)
class Blocks:
    """Time blocks: ``share[k]`` of the cycle's hours in block ``k`` (summing to 1) and
    ``levels[w, k]`` each workload's demand there [fraction of its peak]; ``excess`` is the
    hours-weighted mean level added by merging unlike hours (0 when the reduction is exact)
    [fraction of peak]."""

    share: F64
    levels: F64
    excess: float


def reduce_blocks(levels: F64, weights: F64, most: int) -> Blocks:
    """Group the cycle's slots into at most ``most`` blocks.

    Slots with the same levels for every workload (equal once rounded to
    :data:`LEVEL_DECIMALS`) form one block at their highest exact level, which is exact. Beyond
    ``most`` distinct slots, the distinct slots are sorted by their total level and cut into
    ``most`` runs of equal hours; each block holds the peak of its slots for every workload
    (never less capacity than any hour needs; pay-per-use hours are overstated by
    ``excess``)."""
    rounded = np.round(levels, LEVEL_DECIMALS)
    grouped, inverse = np.unique(rounded, axis=1, return_inverse=True)
    inverse = np.asarray(inverse).reshape(-1)
    hours = np.bincount(inverse, weights=weights, minlength=grouped.shape[1])
    unique: F64 = np.zeros((levels.shape[0], hours.size))  # each group at its highest level
    for row in range(levels.shape[0]):
        np.maximum.at(unique[row], inverse, levels[row])
    total = float(weights.sum())
    if unique.shape[1] <= most:
        return Blocks(hours / total, unique, 0.0)
    order = np.argsort(unique.sum(axis=0), kind="stable")
    cumulative = np.cumsum(hours[order]) / total
    group = np.minimum((cumulative * most - 1e-9).astype(int), most - 1)
    share = np.bincount(group, weights=hours[order], minlength=most) / total
    merged = np.zeros((unique.shape[0], most))
    for g in range(most):
        members = order[group == g]
        if members.size:
            merged[:, g] = unique[:, members].max(axis=1)
    mean_before = unique @ hours / total
    mean_after = merged @ share
    keep = share > 0
    excess = float(np.mean(mean_after - mean_before)) if unique.shape[0] else 0.0
    return Blocks(share[keep], merged[:, keep], excess)
