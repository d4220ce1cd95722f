"""Facility power over time, a power cap that throttles or queues, and the work clock.

Node power is linear in busy GPUs between the pool's idle and busy node power (assumption: a
node draws ``idle_kw + busy_fraction * (busy_kw - idle_kw)``); facility power is IT power times
PUE. Under a cap in ``throttle`` mode every running job slows down by the same factor, with
dynamic power proportional to speed (assumption). The work clock ``W(t) = integral of speed dt``
(s of full-speed work) lets jobs measure progress under throttling.
"""

from __future__ import annotations

from collections.abc import Sequence

from gigawatt.simulate.fleet import Pool


class PowerState:
    """Integrates facility energy (kWh) and keeps the throttle speed and work clock."""

    __slots__ = (
        "_pools",
        "cap_kw",
        "energy_kwh",
        "last_s",
        "mode",
        "peak_kw",
        "pue",
        "speed",
        "work_s",
    )

    def __init__(self, pools: Sequence[Pool], pue: float, cap_kw: float | None, mode: str) -> None:
        self._pools = list(pools)
        self.pue = pue
        self.cap_kw = cap_kw
        self.mode = mode
        self.speed = 1.0
        self.work_s = 0.0
        self.last_s = 0.0
        self.energy_kwh = 0.0
        self.peak_kw = 0.0

    def idle_kw(self) -> float:
        """Facility power with every present node idle (kW)."""
        total = 0.0
        for p in self._pools:
            total += (p.nodes - p.away_nodes) * p.idle_kw
        return self.pue * total

    def dynamic_full_kw(self) -> float:
        """Extra facility power of the busy GPUs at full speed (kW)."""
        total = 0.0
        for p in self._pools:
            total += p.busy_gpus / p.gpus_per_node * (p.busy_kw - p.idle_kw)
        return self.pue * total

    def facility_kw(self) -> float:
        """Facility power now, after throttling (kW)."""
        return self.idle_kw() + self.speed * self.dynamic_full_kw()

    def work_at(self, now_s: float) -> float:
        """Work clock at ``now_s`` (s of full-speed work since the start)."""
        return self.work_s + (now_s - self.last_s) * self.speed

    def advance(self, now_s: float) -> None:
        """Integrate energy and work up to ``now_s`` at the current state."""
        dt = now_s - self.last_s
        if dt > 0:
            kw = self.facility_kw()
            self.energy_kwh += kw * dt / 3600.0
            self.work_s += dt * self.speed
            self.last_s = now_s
            self.peak_kw = max(self.peak_kw, kw)

    def fits(self, extra_gpus: int, pool: Pool) -> bool:
        """Queue mode: would starting ``extra_gpus`` in ``pool`` stay under the cap?"""
        if self.cap_kw is None or self.mode != "queue":
            return True
        extra = self.pue * extra_gpus / pool.gpus_per_node * (pool.busy_kw - pool.idle_kw)
        # idle power of every node, away ones included: returning spot nodes must fit too
        idle_all = self.pue * sum(p.nodes * p.idle_kw for p in self._pools)
        return idle_all + self.dynamic_full_kw() + extra <= self.cap_kw + 1e-9

    def new_speed(self) -> float:
        """Throttle mode: the common speed factor that keeps facility power under the cap."""
        if self.cap_kw is None or self.mode != "throttle":
            return 1.0
        dyn = self.dynamic_full_kw()
        if dyn <= 0:
            return 1.0
        return max(0.05, min(1.0, (self.cap_kw - self.idle_kw()) / dyn))
