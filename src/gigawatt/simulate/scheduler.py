"""Job queue and scheduling policy: FIFO/priority/shortest-job-first, backfill, quotas, preemption.

A policy is a key function over jobs (smaller runs first); register more in :data:`POLICIES`.
One pass walks the queue in policy order, starts every job that fits (pool, per-team GPU quota,
power cap), and after the first blocked job keeps looking at up to ``backfill_depth`` more.
Plain backfill is aggressive (no reservation: a backfilled job can delay the blocked head job).
``easy_backfill`` is FIFO with EASY backfilling (Lifka 1995; Mu'alem & Feitelson, IEEE TPDS
12(6), 2001): the head job gets a reservation, the earliest time enough nodes free up for it
given the running jobs' remaining failure-free run times (``Job.end_est_s``), on
chosen nodes; a later job may start only if it is expected to end by then or leaves the
reserved nodes alone. Reservations cover GPUs, not power. With preemption on, a blocked job
may evict lower-priority preemptible jobs.
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
    "easy_backfill": lambda j: (j.submit_s, j.seq),
}

#: A head job's reservation: the pool, the time it can start (s) and the nodes held for it.
Reservation = tuple[Pool, float, set[int]]


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
        self.easy = policy == "easy_backfill"
        self.backfill = backfill or self.easy
        self.depth = depth
        self.preemption = preemption
        self.quotas = quotas
        self.team_gpus: dict[str, int] = {}
        self.queue: list[tuple[tuple[Any, ...], int, Job]] = []
        self.pass_pending = False
        self.passes = 0
        self.reserved_s: dict[int, float] = {}  # job seq -> start time first reserved (s)
        self._held_key: tuple[Any, ...] = ()
        self._held: Reservation | None = None

    def submit(self, job: Job) -> None:
        """Start ``job`` at once if nothing waits and it fits; else queue it and ask for a pass."""
        if (
            not self.queue
            and not self.pass_pending
            and (not self.quotas or self._quota_ok(job))
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
        held: Reservation | None = None
        # shapes that did not fit in this pass: starts only take room, so they still do not
        failed: set[tuple[int, str | None, bool]] = set()
        i = 0
        while i < len(queue):
            if world.free_gpus_total() <= 0 and not self.preemption:
                break
            job = queue[i][2]
            if not self._quota_ok(job):
                i += 1
                continue
            keep_out = None if held is None else self._keep_out(job, held)
            shape = (job.gpus, job.pool_pref, keep_out is None)
            if shape not in failed:
                if world.try_start(job, keep_out):
                    del queue[i]
                    continue
                failed.add(shape)
            if blocked == 0 and self.preemption and self._preempt_for(job) and world.try_start(job):
                del queue[i]
                failed.clear()
                continue
            blocked += 1
            if blocked == 1 and self.easy:
                held = self._held_for(job)
            if not self.backfill or blocked > self.depth:
                break
            i += 1

    def _keep_out(self, job: Job, held: Reservation) -> tuple[Pool, set[int]] | None:
        """Nodes ``job`` must not use: the reserved ones, unless it ends before they are due."""
        pool, start_s, nodes = held
        if self.world.kernel.now + job.raw_to_finish() / self.world.power.speed <= start_s:
            return None
        return pool, nodes

    def _held_for(self, job: Job) -> Reservation | None:
        """``job``'s reservation: the last one while nothing unplanned happened, else anew.

        Without surprises (failures, reclaims, repairs, stops, speed changes, serving replicas
        coming or going) running jobs end when expected and backfilled ones keep off the
        reserved nodes, so the reservation stays feasible and cannot move earlier.
        """
        world = self.world
        key = (job.seq, world.changes, tuple(p.busy_gpus - p.train_gpus for p in world.pools))
        if self._held_key != key:
            self._held_key = key
            self._held = self.reserve(job)
            if self._held is not None:
                self.reserved_s.setdefault(job.seq, self._held[1])
        return self._held

    def reserve(self, job: Job) -> Reservation | None:
        """The earliest start of blocked ``job`` over its pools, and the nodes to hold for it."""
        world = self.world
        best: Reservation | None = None
        for pool in world.pools_for(job):
            ends = sorted([(r.end_est_s, r.seq, r.alloc) for r in world.running if r.pool is pool])
            found = _earliest_fit(pool, job.gpus, ends, world.kernel.now)
            if found is not None and (best is None or found[0] < best[1]):
                best = (pool, found[0], found[1])
        return best

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
    free = {n: pool.free[n] + k for n, k in freed.items() if pool.state[n] == IN_SERVICE}
    return _fits(pool, gpus, free) is not None


def _shape(pool: Pool, gpus: int) -> tuple[int, int]:
    """(whole nodes, GPUs on one more node) of a job of ``gpus`` in ``pool``."""
    g = pool.gpus_per_node
    return divmod(gpus, g) if gpus > g else (0, gpus)


def _fits(pool: Pool, gpus: int, changed: dict[int, int]) -> set[int] | None:
    """Nodes that would hold ``gpus`` if the in-service nodes in ``changed`` had that many free
    GPUs (the others as now): whole free nodes plus one for the remainder; None if no fit."""
    g = pool.gpus_per_node
    whole, rem = _shape(pool, gpus)
    full = [n for n, f in changed.items() if f == g]
    for n in pool.by_free[g]:
        if len(full) >= whole + 1:
            break
        if n not in changed:
            full.append(n)
    if len(full) < whole:
        return None
    chosen = set(full[:whole])
    if not rem:
        return chosen
    part = next((n for n, f in changed.items() if rem <= f < g), None)
    if part is None:
        for k in range(rem, g):
            part = next((n for n in pool.by_free[k] if n not in changed), None)
            if part is not None:
                break
    if part is None and len(full) > whole:
        part = full[whole]
    return None if part is None else chosen | {part}


def _earliest_fit(
    pool: Pool, gpus: int, ends: list[tuple[float, int, list[tuple[int, int]]]], now_s: float
) -> tuple[float, set[int]] | None:
    """Walk the running jobs' expected ends (sorted) until ``gpus`` fit: (time s, nodes).

    Counts are kept incrementally (wholly free nodes, nodes with room for the remainder), so
    the walk is linear in the ends visited; the nodes are picked once, by :func:`_fits`.
    """
    g = pool.gpus_per_node
    whole, rem = _shape(pool, gpus)
    full = len(pool.by_free[g])
    part = sum(len(pool.by_free[k]) for k in range(rem, g)) if rem else 0
    changed: dict[int, int] = {}

    def fits() -> bool:
        return full >= whole and (not rem or part > 0 or full > whole)

    if fits():
        nodes = _fits(pool, gpus, changed)
        return None if nodes is None else (now_s, nodes)
    for end_s, _, alloc in ends:
        for n, k in alloc:
            if pool.state[n] != IN_SERVICE:
                continue
            old = changed.get(n, pool.free[n])
            new = old + k
            changed[n] = new
            full += (new == g) - (old == g)
            if rem:
                part += (rem <= new < g) - (rem <= old < g)
        if fits():
            nodes = _fits(pool, gpus, changed)
            if nodes is not None:
                return end_s, nodes
    return None
