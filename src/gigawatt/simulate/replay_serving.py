"""The serving placements of a replayed plan: units held and traffic carried hour by hour.

A plan holds each serving placement at its windows (``start_day`` to the horizon) and, for a
profiled workload, a number of units per demand level (the plan JSON's ``levels``). The replay
follows it hour by hour:

- **Units held**: an hour of the run takes the plan's lowest level at or above the workload's
  highest level in that hour (:data:`LEVEL_TOL`), and the units the plan holds there; 0 outside
  the placement's windows. These are the units the plan bills, so cost and energy follow them.
- **Traffic**: the hour's request rate (the workload's mean shaped by its profile), less the
  share the plan sends to per-token services, is split over the placements in proportion to
  the capacity each holds in that hour: units x requests/s per unit at the SLO (the workload's
  peak rate over the units it needs alone at the peak, ``units_needed``). A placement then runs
  at most at its planned rate per unit whenever the plan's units cover the hour.
- **Replicas**: committed capacity (owned, bought, reserved) keeps all its replicas up and
  spreads its traffic over them; pay-per-use capacity runs the replicas it holds. A replica has
  the plan's layout (``layout.accelerators``; the ``basis`` text for plans written before it)
  and runs at most the requests the planner counts for it (:func:`batch_slots`).
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np

from gigawatt.evaluate.demand import peak_to_mean
from gigawatt.evaluate.performance import serving_lengths
from gigawatt.evaluate.replicas import ServingCache, ServingSetup
from gigawatt.models.sizing import Layout
from gigawatt.spec.workloads import AgentWorkload

COMMITTED = ("owned", "purchase", "reserved_1y", "reserved_3y", "contract", "capacity_block")
LEVEL_TOL = 1e-4
"""An hour's level within this of a plan level takes that level (the plan rounds levels to
1e-4 of the peak, :data:`gigawatt.models.demand.LEVEL_DECIMALS`)."""


def mean_rate_per_s(w: Any) -> float:
    """Mean requests (agent steps) per second of a latency-bound workload."""
    if isinstance(w, AgentWorkload):
        return float(w.steps_per_s)
    return float(w.qps)


def replica_accelerators(a: dict[str, Any]) -> int:
    """Accelerators of one replica: the plan's ``layout.accelerators``; for plans without it,
    ``tp`` x ``pp`` of the ``basis`` text; else the unit."""
    layout = a.get("layout")
    if isinstance(layout, dict) and int(layout.get("accelerators") or 0) > 0:
        return int(layout["accelerators"])
    basis = str(a.get("basis") or "")
    tp = re.match(r"tp=(\d+)", basis)
    pp = re.search(r"\bpp=(\d+)", basis)
    if tp is None:
        return max(int(a["unit_accelerators"]), 1)
    return int(tp.group(1)) * (int(pp.group(1)) if pp else 1)


def batch_slots(w: Any, a: dict[str, Any], catalog: Any, default: int) -> int:
    """Requests one replica runs at once, as the planner counts them: the engine's batch cap or
    fewer when the KV cache holds fewer (:meth:`gigawatt.models.serving.Replica.slots`, the
    planner's engine); ``default`` for plans written without a structured ``layout``."""
    layout = a.get("layout")
    lengths = serving_lengths(w)
    if not isinstance(layout, dict) or lengths is None:
        return default
    shape = Layout(
        int(layout["tp"]), int(layout["ep"]), int(layout.get("dp") or 1), int(layout["pp"])
    )
    setup = ServingSetup(str(w.model), str(a["accelerator"]), str(getattr(w, "precision", "bf16")))
    rep = ServingCache(catalog).replica(setup, shape)
    held = float(np.asarray(rep.slots(lengths[0], lengths[1])).reshape(-1)[0])
    return max(1, math.floor(held))


def window_mask(a: dict[str, Any], hours: int) -> np.ndarray:
    """True at the hours of the run inside the placement's windows (all hours without any)."""
    windows = a.get("windows")
    if not windows:
        return np.ones(hours, dtype=bool)
    h = np.arange(hours, dtype=float) + 0.5
    mask = np.zeros(hours, dtype=bool)
    for start, end in windows:
        mask |= (h >= 24.0 * float(start)) & (h < 24.0 * float(end))
    return mask


def units_held(a: dict[str, Any], level_max: np.ndarray) -> np.ndarray:
    """Units the plan holds at each hour whose highest level is ``level_max`` [fraction of the
    peak] (module docstring); the peak's count without ``levels``."""
    levels = a.get("levels") or []
    if not levels:
        return np.full(level_max.size, float(a["count"]) / max(int(a["unit_accelerators"]), 1))
    values = np.array([float(x["level"]) for x in levels])
    units = np.array([float(x["units"]) for x in levels])
    out = np.empty(level_max.size)
    for i, lv in enumerate(level_max):
        above = np.flatnonzero(values >= lv - LEVEL_TOL)
        k = above[np.argmin(values[above])] if above.size else int(np.argmax(values))
        out[i] = units[k]
    return out


def unit_rate_per_s(w: Any, a: dict[str, Any]) -> float:
    """Requests/s one unit carries at the SLO: the peak rate over the units needed alone (plans
    written without ``units_needed``: its share of the peak over its units)."""
    peak = mean_rate_per_s(w) * peak_to_mean(w)
    needed = a.get("units_needed")
    if needed is None:
        units = float(a["count"]) / max(int(a["unit_accelerators"]), 1)
        return peak * float(a["share"]) / units if units > 0 else 0.0
    if float(needed) <= 0 or not math.isfinite(float(needed)):
        return 0.0
    return peak / float(needed)


def split_traffic(
    rate_h: np.ndarray, held: list[np.ndarray], unit_rates: list[float]
) -> list[np.ndarray]:
    """Requests/s each placement carries at every hour: ``rate_h`` split by the capacity held
    (units x rate per unit); nothing where no placement holds capacity."""
    caps = [u * r for u, r in zip(held, unit_rates, strict=True)]
    total = np.sum(caps, axis=0) if caps else np.zeros(rate_h.size)
    safe = np.where(total > 0, total, 1.0)
    return [np.where(total > 0, rate_h * c / safe, 0.0) for c in caps]


def replicas_running(a: dict[str, Any], held: np.ndarray, active: np.ndarray) -> np.ndarray:
    """Replicas up at every hour: committed capacity all of its replicas inside its windows,
    pay-per-use the replicas of the units it holds."""
    per = replica_accelerators(a)
    unit = max(int(a["unit_accelerators"]), 1)
    if str(a["pricing_model"]) in COMMITTED:
        return np.where(active, max(int(a["count"]) // per, 1), 0.0)
    return np.where(active, held * unit / per, 0.0)
