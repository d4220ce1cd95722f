"""Job queue and scheduling policy: FIFO/priority/shortest-job-first, backfill, quotas, preemption.

A policy is a key function over jobs (smaller runs first); register more in :data:`POLICIES`.
One pass walks the queue in policy order, starts every job that fits (pool, per-team GPU quota,
power cap), and after the first blocked job keeps looking at up to ``backfill_depth`` more
(aggressive backfill without reservations: it can delay the blocked head job; documented
limitation). With preemption on, a blocked job may evict lower-priority preemptible jobs.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from gigawatt.simulate.fleet import IN_SERVICE, Pool
from gigawatt.simulate.processes.training import Job

if TYPE_CHECKING:
    from gigawatt.simulate.world import World

PolicyKey = Callable[[Job], tuple[Any, ...]]

POLICIES: dict[str, PolicyKey] = {
    "fifo": lambda j: (j.submit_s, j.seq),
    "priority": lambda j: (-j.priority, j.submit_s, j.seq),
    "sjf": lambda j: (j.work_s - j.committed_s, j.seq),
}


class Scheduler:
    """Ordered queue plus one scheduling pass per batch of events at the same instant."""

    def __init__(
        self,
        world: World,
        policy: str,
        backfill: bool,
        depth: int,
        preemption: bool,
        quotas: dict[str, int],
    ) -> None:
        self.world = world
        self.key = POLICIES[policy]
        self.backfill = backfill
        self.depth = depth
        self.preemption = preemption
        self.quotas = quotas
        self.team_gpus: dict[str, int] = {}
        self.queue: list[tuple[tuple[Any, ...], int, Job]] = []
        self.pass_pending = False
        self.passes = 0

    def submit(self, job: Job) -> None:
        """Start ``job`` at once if nothing waits and it fits; else queue it and ask for a pass."""
        if (
            not self.queue
            and not self.pass_pending
            and self._quota_ok(job)
            and self.world.try_start(job)
        ):
            return
        bisect.insort(self.queue, (self.key(job), job.seq, job))
        self.request_pass()

    def request_pass(self) -> None:
        """Schedule one pass at the current instant (after the other events of that instant)."""
        if self.queue and not self.pass_pending:
            self.pass_pending = True
            self.world.kernel.at(self.world.kernel.now, self._pass, None, 10)

    def _quota_ok(self, job: Job) -> bool:
        limit = self.quotas.get(job.team)
        return limit is None or self.team_gpus.get(job.team, 0) + job.gpus <= limit

    def _pass(self, _: Any) -> None:
        self.pass_pending = False
        self.passes += 1
        world = self.world
        queue = self.queue
        blocked = 0
        i = 0
        while i < len(queue):
            if world.free_gpus_total() <= 0 and not self.preemption:
                break
            job = queue[i][2]
            if not self._quota_ok(job):
                i += 1
                continue
            if world.try_start(job):
                del queue[i]
                continue
            if blocked == 0 and self.preemption and self._preempt_for(job) and world.try_start(job):
                del queue[i]
                continue
            blocked += 1
            if not self.backfill or blocked > self.depth:
                break
            i += 1

    def _preempt_for(self, job: Job) -> bool:
        """Evict lower-priority preemptible jobs in one pool until ``job`` fits there."""
        world = self.world
        for pool in world.pools_for(job):
            victims = sorted(
                (
                    v
                    for v in world.running
                    if v.pool is pool and v.preemptible and v.priority < job.priority
                ),
                key=lambda v: (v.priority, -v.seq),
            )
            freed: dict[int, int] = {}
            chosen: list[Job] = []
            for v in victims:
                if _fits_after(pool, job.gpus, freed):
                    break
                chosen.append(v)
                for node, k in v.alloc:
                    freed[node] = freed.get(node, 0) + k
            if chosen and _fits_after(pool, job.gpus, freed):
                for v in chosen:
                    world.stop_job(v, graceful=False, reason="preempted")
                return True
        return False

    def charge(self, job: Job, sign: int) -> None:
        """Account ``job``'s GPUs to its team (sign +1 on start, -1 on stop)."""
        self.team_gpus[job.team] = self.team_gpus.get(job.team, 0) + sign * job.gpus


def _fits_after(pool: Pool, gpus: int, freed: dict[int, int]) -> bool:
    """Would ``gpus`` fit in ``pool`` once ``freed`` (node -> GPUs) are released?"""
    g = pool.gpus_per_node
    live = [(pool.free[n] + k) for n, k in freed.items() if pool.state[n] == IN_SERVICE]
    if gpus <= g:
        return any(f >= gpus for f in live) or any(pool.by_free[k] for k in range(gpus, g + 1))
    extra = sum(
        1
        for n, k in freed.items()
        if pool.state[n] == IN_SERVICE and pool.free[n] < g <= pool.free[n] + k
    )
    return len(pool.by_free[g]) + extra >= -(-gpus // g)
