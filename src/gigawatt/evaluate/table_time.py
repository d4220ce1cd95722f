"""When and in what sizes an option holds capacity: job windows (recurring jobs too), demand
levels per time block, and whole instances.

- **Windows**: serving holds capacity from ``start_day`` to the horizon; a training job runs
  within ``[start, start + deadline]`` (each recurrence ``every_days`` apart, runs that would
  end after the horizon dropped), or, with a fixed size and no deadline, for its time to train.
- **Levels**: a profiled serving workload's demand in each time block
  (:func:`gigawatt.evaluate.demand.scenario_blocks`) as distinct levels; edge sites own their
  hardware per site, so edge workloads are planned flat at their peak.
- **Whole instances**: rented capacity comes in instances of ``accelerators_per_instance``
  (offers table); a unit (replica or training job) smaller than an instance is packed
  ``floor(instance / unit)`` to an instance, a larger one takes whole instances; bought hardware
  comes in whole systems (``accelerators_per_system``), committed offers in whole instances.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from gigawatt.catalog import Catalog
from gigawatt.catalog.lookup import find_system
from gigawatt.evaluate.performance import HOURS_PER_DAY, Performance
from gigawatt.evaluate.screen import Option
from gigawatt.evaluate.table import Levels
from gigawatt.models.demand import LEVEL_DECIMALS, Blocks
from gigawatt.spec import EdgeInferenceWorkload, Scenario, TrainingWorkload

Windows = tuple[tuple[float, float], ...]


def job_windows(w: Any, horizon_days: float, run_days: float | None) -> Windows:
    """The windows [days] in which workload ``w`` holds capacity (module docstring);
    ``run_days`` is one run's time to train (used when the job has no deadline). Empty when no
    run fits in the horizon."""
    if not isinstance(w, TrainingWorkload):
        return ((w.start_day, horizon_days),)
    length = w.deadline_days if w.deadline_days is not None else run_days
    if length is None or not math.isfinite(length):
        return ()
    every = w.every_days
    out: list[tuple[float, float]] = []
    start = w.start_day
    while start + length <= horizon_days + 1e-9:
        out.append((start, start + length))
        if every is None:
            break
        start += every
    return tuple(out)


def workload_levels(scenario: Scenario, blocks: Blocks) -> list[Levels]:
    """Each workload's :class:`Levels` over the time blocks (flat for unprofiled workloads,
    training, batch and edge)."""
    out: list[Levels] = []
    blocks_n = blocks.share.size
    for i, w in enumerate(scenario.workloads):
        exact = blocks.levels[i]
        row = np.round(exact, LEVEL_DECIMALS)
        flat = isinstance(w, TrainingWorkload | EdgeInferenceWorkload) or np.all(row == row.max())
        if flat:
            out.append(Levels((1.0,), (1.0,), (0,) * blocks_n))
            continue
        keys = sorted({float(v) for v in row}, reverse=True)
        index = {v: k for k, v in enumerate(keys)}
        of_block = tuple(index[float(v)] for v in row)
        values = [0.0] * len(keys)
        for b, k in enumerate(of_block):
            values[k] = max(values[k], float(exact[b]))
        hours = [0.0] * len(values)
        for b, k in enumerate(of_block):
            hours[k] += float(blocks.share[b])
        top = values[0]
        out.append(Levels(tuple(v / top for v in values), tuple(hours), of_block))
    return out


def instance_accelerators(catalog: Catalog, opt: Option, payment: str) -> int:
    """Accelerators in one rentable instance (offers) or purchasable system (1 for owned
    hardware and when the catalog says nothing)."""
    if payment in ("pay_per_use", "committed") and opt.offer is not None:
        row = catalog.tables["offers"].get(opt.offer) or {}
        return max(1, int(row.get("accelerators_per_instance") or 1))
    if payment == "purchase":
        system = find_system(catalog, opt.accelerator)
        if system is not None and system.get("accelerators_per_system"):
            return max(1, int(system["accelerators_per_system"]))
    return 1


def in_whole_instances(
    perf: Performance, instance: int, splittable: bool
) -> tuple[Performance, str]:
    """``perf`` with its unit made of whole instances of ``instance`` accelerators (module
    docstring; a training job, not ``splittable``, is never packed with another), and a note
    for the detail ('' when nothing changed)."""
    unit = perf.unit_accelerators
    if instance <= 1 or unit <= 0 or unit % instance == 0:
        return perf, ""
    if unit < instance and splittable:
        per_instance = instance // unit
        units = perf.units_needed / per_instance
        util = perf.utilization * unit * per_instance / instance
        note = f"{per_instance} unit(s) of {unit} per {instance}-accelerator instance"
        return Performance(instance, units, perf.hours, util, perf.slo_met, perf.detail), note
    whole = math.ceil(unit / instance) * instance
    util = perf.utilization * unit / whole
    note = f"{unit} accelerators billed as {whole // instance} x {instance}-accelerator instances"
    return Performance(whole, perf.units_needed, perf.hours, util, perf.slo_met, perf.detail), note


def duty(windows: Windows, hours_per_run: float) -> float:
    """Share of each window's hours one run must run [fraction]."""
    if not windows:
        return 1.0
    length_h = (windows[0][1] - windows[0][0]) * HOURS_PER_DAY
    return hours_per_run / length_h if length_h > 0 else 1.0
