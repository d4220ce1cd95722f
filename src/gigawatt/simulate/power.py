"""Facility power over time, a power cap that throttles or queues, and the work clock.

Node power is linear in busy GPUs between the pool's idle and busy node power (assumption: a
node draws ``idle_kw + busy_fraction * (busy_kw - idle_kw)``); facility power is IT power times
PUE.

Power-cap policy (serving first). In ``queue`` mode nothing starts, training job or serving
replica, unless the facility stays under the cap at full speed. In ``throttle`` mode serving
replicas keep full speed and full power (their latency SLOs bind), and every training/batch job
slows down by one common factor, chosen so that idle power + serving power + throttled training
power meets the cap; dynamic power is proportional to speed (assumption). The floor is
:data:`MIN_SPEED`: when serving alone (or the floor) does not fit, power goes over the cap and
the time over it is counted (``over_cap_s``). The work clock ``W(t) = integral of speed dt``
(s of full-speed work) lets jobs measure progress under throttling.
"""

from __future__ import annotations

from collections.abc import Sequence

from gigawatt.simulate.fleet import Pool

#: Lowest throttle speed (fraction of full speed); below it power goes over the cap (assumption:
#: GPUs cannot be clocked down further than about 5 % of full throughput).
MIN_SPEED = 0.05

#: The power-cap policy in one line, quoted in the run's KPIs.
CAP_POLICY = {
    "queue": "queue: jobs and serving replicas start only if facility power stays under the cap",
    "throttle": "throttle: serving keeps full speed; training/batch jobs slow down by one common "
    "factor (>= 0.05) to keep facility power under the cap",
}


class PowerState:
    """Integrates facility energy (kWh) and keeps the throttle speed and work clock."""

    __slots__ = (
        "_pools",
        "cap_kw",
        "energy_kwh",
        "last_s",
        "mode",
        "over_cap_s",
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
        self.over_cap_s = 0.0

    def idle_kw(self) -> float:
        """Facility power with every present node idle (kW)."""
        total = 0.0
        for p in self._pools:
            total += (p.nodes - p.away_nodes) * p.idle_kw
        return self.pue * total

    def dynamic_kw(self) -> tuple[float, float]:
        """Extra facility power over idle at full speed (kW): (serving replicas, training jobs)."""
        serving = 0.0
        training = 0.0
        for p in self._pools:
            serving += (p.busy_gpus - p.train_gpus) * p.dyn_kw_per_gpu
            training += p.train_gpus * p.dyn_kw_per_gpu
        return self.pue * serving, self.pue * training

    def facility_kw(self) -> float:
        """Facility power now, after throttling the training jobs (kW)."""
        slow = 1.0 - self.speed
        total = 0.0
        for p in self._pools:
            total += (p.nodes - p.away_nodes) * p.idle_kw
            total += (p.busy_gpus - slow * p.train_gpus) * p.dyn_kw_per_gpu
        return self.pue * total

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
            if kw > self.peak_kw:
                self.peak_kw = kw
            if self.cap_kw is not None and kw > self.cap_kw + 1e-9:
                self.over_cap_s += dt

    def fits(self, extra_gpus: int, pool: Pool) -> bool:
        """Queue mode: would starting ``extra_gpus`` in ``pool`` stay under the cap?"""
        if self.cap_kw is None or self.mode != "queue":
            return True
        extra = self.pue * extra_gpus / pool.gpus_per_node * (pool.busy_kw - pool.idle_kw)
        # idle power of every node, away ones included: returning spot nodes must fit too
        idle_all = self.pue * sum(p.nodes * p.idle_kw for p in self._pools)
        serving, training = self.dynamic_kw()
        return idle_all + serving + training + extra <= self.cap_kw + 1e-9

    def new_speed(self) -> float:
        """Throttle mode: the training speed factor that keeps facility power under the cap."""
        if self.cap_kw is None or self.mode != "throttle":
            return 1.0
        serving, training = self.dynamic_kw()
        if training <= 0:
            return 1.0
        return max(MIN_SPEED, min(1.0, (self.cap_kw - self.idle_kw() - serving) / training))
