"""Why jobs wait and where capacity goes: the figures behind a report's "what limited this
factory" section, and per-team queue statistics.

At every sampling tick :class:`WaitSampler` looks at the queued jobs and charges each one's GPUs
for the sampling interval to the first reason that keeps it from starting now:

- ``quota``: its team's running GPUs plus its own would exceed the team's GPU quota;
- ``capacity``: no pool it may use has that many free in-service GPUs;
- ``power_cap``: a pool has room, but starting it there would exceed the facility power cap
  (``cap_mode: queue``);
- ``order``: it would fit now and waits behind other jobs (queue order, backfill depth,
  nodes too fragmented for its shape).

It also charges the GPUs out of service (nodes under repair after a failure, spot nodes reclaimed)
and the GPU-time a throttling power cap takes from running jobs (busy GPUs x (1 - speed)).
A queue longer than :data:`MAX_EXAMINED` is examined on an even stride and scaled up, so a
sample costs a bounded time (an estimate then, exact below that length).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gigawatt.simulate.fleet import REPAIR
from gigawatt.simulate.metrics import pct
from gigawatt.simulate.processes.training import DONE, Job

if TYPE_CHECKING:
    from gigawatt.simulate.world import World

REASONS = ("quota", "capacity", "power_cap", "order")
MAX_EXAMINED = 64
"""Queued jobs examined per sample at most (an even stride through a longer queue)."""


def wait_reason(world: World, job: Job) -> str:
    """The first of :data:`REASONS` that keeps queued ``job`` from starting now."""
    if not world.scheduler._quota_ok(job):
        return "quota"
    room = [p for p in world.pools_for(job) if p.free_gpus >= job.gpus]
    if not room:
        return "capacity"
    if not any(world.power.fits(job.gpus, p) for p in room):
        return "power_cap"
    return "order"


class WaitSampler:
    """Queued, out-of-service and throttled GPU-seconds, accumulated at each sample of a run
    taken every ``interval_s`` seconds (each sample stands for one interval)."""

    def __init__(self, interval_s: float) -> None:
        self.interval_s = interval_s
        self.queued_gpu_s: dict[str, float] = dict.fromkeys(REASONS, 0.0)
        self.team_queued_gpu_s: dict[str, dict[str, float]] = {}
        self.repair_gpu_s = 0.0
        self.spot_away_gpu_s = 0.0
        self.throttled_gpu_s = 0.0

    def __call__(self, world: World) -> None:
        dt = self.interval_s
        queue = world.scheduler.queue
        if queue:
            step = max(1, -(-len(queue) // MAX_EXAMINED))
            examined = queue[::step]
            weight = dt * len(queue) / len(examined)
            for _, _, job in examined:
                reason = wait_reason(world, job)
                gpu_s = job.gpus * weight
                self.queued_gpu_s[reason] += gpu_s
                team = self.team_queued_gpu_s.setdefault(job.team, dict.fromkeys(REASONS, 0.0))
                team[reason] += gpu_s
        for p in world.pools:
            self.repair_gpu_s += p.state.count(REPAIR) * p.gpus_per_node * dt
            self.spot_away_gpu_s += p.away_nodes * p.gpus_per_node * dt
            self.throttled_gpu_s += p.busy_gpus * (1.0 - world.power.speed) * dt

    def summary(self) -> dict[str, Any]:
        """GPU-hours: queued by reason, out of service (repair, spot), lost to throttling."""
        return {
            "queued_gpu_h": {r: v / 3600.0 for r, v in self.queued_gpu_s.items()},
            "repair_gpu_h": self.repair_gpu_s / 3600.0,
            "spot_away_gpu_h": self.spot_away_gpu_s / 3600.0,
            "throttled_gpu_h": self.throttled_gpu_s / 3600.0,
        }

    def team_rows(self, world: World, horizon_s: float) -> list[dict[str, Any]]:
        """Per team: jobs, queue time p50/p95 (s), GPU-hours, preemptions, interruptions, quota
        (GPUs) and queued GPU-hours by reason."""
        by_team: dict[str, list[Job]] = {}
        for job in world.jobs:
            by_team.setdefault(job.team, []).append(job)
        quotas = world.scheduler.quotas
        rows = []
        for team, jobs in sorted(by_team.items()):
            started = [j for j in jobs if j.first_start_s >= 0]
            queue = [j.queue_s for j in started]
            # jobs never started have waited from submission to the horizon (a lower bound)
            waiting = [horizon_s - j.submit_s for j in jobs if j.first_start_s < 0]
            gpu_s = sum(
                j.gpu_s + (j.gpus * (horizon_s - j.seg_start_s) if j.alloc else 0.0) for j in jobs
            )
            queued = self.team_queued_gpu_s.get(team, dict.fromkeys(REASONS, 0.0))
            rows.append(
                {
                    "team": team,
                    "quota_gpus": quotas.get(team),
                    "jobs_submitted": len(jobs),
                    "jobs_started": len(started),
                    "jobs_completed": sum(1 for j in jobs if j.state == DONE),
                    "queue_time_s_p50": pct(queue, 50),
                    "queue_time_s_p95": pct(queue, 95),
                    "never_started_wait_s_max": max(waiting) if waiting else None,
                    "gpu_hours": gpu_s / 3600.0,
                    "preemptions": sum(j.preemptions for j in jobs),
                    "interruptions": sum(j.interruptions for j in jobs),
                    "queued_gpu_h": {r: v / 3600.0 for r, v in queued.items()},
                }
            )
        return rows
