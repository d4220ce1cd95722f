"""The simulated AI factory: fleet, power, scheduler, jobs, services, failures and spot reclaims.

All state changes go through :class:`World` so that energy, GPU-time and the throttle speed are
integrated exactly (piecewise constant between events).
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable
from typing import Any

from gigawatt.simulate.engine import ExpStream, Kernel, UniformStream
from gigawatt.simulate.failures import Cause
from gigawatt.simulate.fleet import AWAY, IN_SERVICE, REPAIR, Pool
from gigawatt.simulate.power import PowerState
from gigawatt.simulate.processes.training import DONE, QUEUED, RESTARTING, RUNNING, Job
from gigawatt.simulate.scheduler import Scheduler


class World:
    """Mutable state of one run plus the handlers that change it."""

    def __init__(
        self,
        kernel: Kernel,
        pools: list[Pool],
        power: PowerState,
        *,
        causes: list[Cause],
        detection_s: float,
        restart_s: float,
        repair_s: float,
        topology_aware: bool,
    ) -> None:
        self.kernel = kernel
        self.pools = pools
        self.pool_by_id = {p.id: p for p in pools}
        self.power = power
        self.causes = causes
        self.downtime_s = detection_s + restart_s
        self.repair_s = repair_s
        self.topology_aware = topology_aware
        self.scheduler: Scheduler = None  # type: ignore[assignment]  # set by build.build_world
        self.jobs: list[Job] = []
        self.running: set[Job] = set()
        self.services: list[Any] = []
        self.seq = itertools.count()
        self.interruptions = 0
        self.failures = 0
        self.failures_by_cause: dict[str, int] = {}
        self.preemptions = 0
        self.spot_reclaims = 0
        self.last_s = 0.0
        self.changes = 0  # unplanned changes (failures, reclaims, repairs, stops, speed)
        self._throttle = power.mode == "throttle" and power.cap_kw is not None
        self._queue_cap = power.mode == "queue" and power.cap_kw is not None
        self.on_sample: list[Callable[[World], None]] = []
        self._uniform = UniformStream(kernel.rng)

    # ---- integration -------------------------------------------------------------------------
    def touch(self) -> None:
        """Integrate energy and GPU-time up to now (call before any state change)."""
        now = self.kernel.now
        dt = now - self.last_s
        if dt <= 0:
            return
        for p in self.pools:
            p.busy_gpu_s += p.busy_gpus * dt
            p.train_gpu_s += p.train_gpus * dt
            p.in_service_gpu_s += p.service_nodes * p.gpus_per_node * dt
            p.away_node_s += p.away_nodes * dt
        self.last_s = now
        self.power.advance(now)

    @property
    def alloc_gpu_s(self) -> float:
        """GPU-seconds held by jobs and replicas so far."""
        return sum(p.busy_gpu_s for p in self.pools)

    @property
    def capacity_gpu_s(self) -> float:
        """GPU-seconds in service (schedulable) so far."""
        return sum(p.in_service_gpu_s for p in self.pools)

    @property
    def training_alloc_gpu_s(self) -> float:
        """GPU-seconds held by training/batch jobs so far."""
        return sum(p.train_gpu_s for p in self.pools)

    def retune(self) -> None:
        """After a change in busy GPUs: recompute the throttle speed, reschedule if it moved."""
        if not self._throttle:
            return
        speed = self.power.new_speed()
        if abs(speed - self.power.speed) > 1e-12:
            self.power.speed = speed
            self.changes += 1
            for job in self.running:
                if job.state == RUNNING:
                    self._schedule_finish(job)

    def free_gpus_total(self) -> int:
        total = 0
        for p in self.pools:
            total += p.service_nodes * p.gpus_per_node - p.busy_gpus
        return total

    def pools_for(self, job: Job) -> list[Pool]:
        if job.pool_pref is not None:
            return [self.pool_by_id[job.pool_pref]]
        return self.pools

    # ---- jobs --------------------------------------------------------------------------------
    def submit(self, job: Job) -> None:
        self.jobs.append(job)
        self.scheduler.submit(job)

    def try_start(self, job: Job, keep_out: tuple[Pool, set[int]] | None = None) -> bool:
        """Place and start ``job`` now if some allowed pool has room (and power allows); the
        nodes in ``keep_out`` (a pool and node indices: a reservation) are not used."""
        gpus = job.gpus
        for pool in self.pools_for(job):
            if pool.service_nodes * pool.gpus_per_node - pool.busy_gpus < gpus:
                continue
            if self._queue_cap and not self.power.fits(gpus, pool):
                continue
            avoid = keep_out[1] if keep_out is not None and keep_out[0] is pool else None
            if avoid and pool.free_gpus - pool.free_on(avoid) < gpus:
                continue  # not enough room outside the reserved nodes
            self.touch()  # integrate the old state up to now before busy GPUs change
            alloc = pool.allocate(job, gpus, self.topology_aware, avoid)
            if alloc is not None:
                self._start(job, pool, alloc)
                return True
        return False

    def _start(self, job: Job, pool: Pool, alloc: list[tuple[int, int]]) -> None:
        now = self.kernel.now
        job.pool = pool
        job.alloc = alloc
        job.racks = 1 if len(alloc) == 1 else pool.racks_spanned(alloc)
        if job.first_start_s < 0:
            job.first_start_s = now
            job.queue_s = now - job.submit_s
        job.wait_total_s += now - job.last_queued_s
        job.seg_start_s = now
        job.seg_w0 = self.power.work_s  # == work_at(now): touch() just advanced the clock
        self.running.add(job)
        pool.train_gpus += job.gpus
        if self.scheduler.quotas:
            self.scheduler.charge(job, +1)
        if self._throttle:
            self.retune()
        job.state = RUNNING
        job.seg_raw_w = job.seg_w0
        job.epoch += 1
        left_s = job.raw_to_finish() / self.power.speed
        job.end_est_s = now + left_s
        self.kernel.after(left_s, self._finish, (job, job.epoch))

    def _resume(self, job: Job) -> None:
        job.state = RUNNING
        job.seg_raw_w = self.power.work_at(self.kernel.now)
        self._schedule_finish(job)

    def _schedule_finish(self, job: Job) -> None:
        job.epoch += 1
        done_w = self.power.work_at(self.kernel.now) - job.seg_raw_w
        left_s = max(0.0, job.raw_to_finish() - done_w) / self.power.speed
        job.end_est_s = self.kernel.now + left_s
        self.kernel.after(left_s, self._finish, (job, job.epoch))

    def _raw_done(self, job: Job) -> float:
        return self.power.work_at(self.kernel.now) - job.seg_raw_w

    def _finish(self, arg: tuple[Job, int]) -> None:
        job, epoch = arg
        if epoch != job.epoch or job.state != RUNNING:
            return
        self.touch()
        job.committed_s = job.work_s
        job.useful_at_end = job.work_s
        job.state = DONE
        job.end_s = self.kernel.now
        self._release(job)
        if self._throttle:
            self.retune()
        if self.scheduler.queue:
            self.scheduler.request_pass()

    def _release(self, job: Job) -> None:
        """Give back ``job``'s GPUs and close its GPU-time ledgers (call after touch())."""
        pool = job.pool
        assert isinstance(pool, Pool)
        pool.release(job, job.alloc)
        gpus = job.gpus
        job.gpu_s += gpus * (self.kernel.now - job.seg_start_s)
        job.gpu_w += gpus * (self.power.work_s - job.seg_w0)  # touch() advanced the work clock
        job.alloc = []
        self.running.discard(job)
        pool.train_gpus -= gpus
        if self.scheduler.quotas:
            self.scheduler.charge(job, -1)

    def _save_progress(self, job: Job, graceful: bool) -> None:
        """Fold the running segment into ``committed_s``; count the work lost."""
        if job.state != RUNNING:
            return
        raw = self._raw_done(job)
        useful = job.useful_after(raw)
        kept = useful if graceful else job.committed_after(raw)
        job.lost_s += useful - kept
        job.committed_s = kept

    def stop_job(self, job: Job, *, graceful: bool, reason: str) -> None:
        """Stop a running/restarting job and put it back in the queue."""
        if job.state not in (RUNNING, RESTARTING):
            return
        self.touch()
        self.changes += 1
        self._save_progress(job, graceful)
        job.epoch += 1
        self._release(job)
        job.state = QUEUED
        job.last_queued_s = self.kernel.now
        if reason in ("preempted", "spot"):
            job.preemptions += 1
            self.preemptions += 1
        self.retune()
        self.scheduler.submit(job)

    def interrupt(self, job: Job) -> None:
        """A failure hit ``job``: lose work since the last checkpoint, restart after downtime."""
        self._save_progress(job, graceful=False)
        job.state = RESTARTING
        job.epoch += 1
        job.end_est_s = self.kernel.now + self.downtime_s + job.raw_to_finish() / self.power.speed
        self.kernel.after(self.downtime_s, self._restarted, (job, job.epoch))

    def _restarted(self, arg: tuple[Job, int]) -> None:
        job, epoch = arg
        if epoch != job.epoch or job.state != RESTARTING:
            return
        self._resume(job)

    # ---- failures ----------------------------------------------------------------------------
    def start_failures(self) -> None:
        """Superposed Poisson failures over all nodes, thinned to nodes that can fail."""
        rate = sum(c.rate_per_gpu_hour for c in self.causes) / 3600.0
        weights = [p.nodes * p.gpus_per_node * rate for p in self.pools]
        total = sum(weights)
        if total <= 0:
            return
        self._fail_cum = list(itertools.accumulate(w / total for w in weights))
        self._cause_cum = list(
            itertools.accumulate(c.rate_per_gpu_hour / (rate * 3600.0) for c in self.causes)
        )
        self._fail_gap = ExpStream(self.kernel.rng, 1.0 / total)
        self.kernel.after(self._fail_gap(), self._failure, None, 1)

    def _pick(self, cum: list[float]) -> int:
        return min(bisect.bisect_right(cum, self._uniform()), len(cum) - 1)

    def _failure(self, _: Any) -> None:
        self.kernel.after(self._fail_gap(), self._failure, None, 1)
        pool = self.pools[self._pick(self._fail_cum)]
        node = min(int(self._uniform() * pool.nodes), pool.nodes - 1)
        if pool.state[node] in (REPAIR, AWAY):
            return  # thinning: a node already out cannot fail
        cause = self.causes[self._pick(self._cause_cum)]
        self.failures += 1
        self.changes += 1
        self.failures_by_cause[cause.component] = self.failures_by_cause.get(cause.component, 0) + 1
        self.touch()
        if cause.needs_repair:
            occupants = pool.take_out(node, REPAIR)
            self.kernel.after(self.repair_s, self._repaired, (pool, node), 2)
        else:
            occupants = dict(pool.occupants[node])
        for occ, k in occupants.items():
            if isinstance(occ, Job):
                self._job_hit(occ, pool, node, k, cause.needs_repair)
            else:
                occ.on_failure(node, cause.needs_repair)
        self.retune()
        self.scheduler.request_pass()

    def _job_hit(self, job: Job, pool: Pool, node: int, k: int, node_lost: bool) -> None:
        if job.state not in (RUNNING, RESTARTING):
            return
        job.interruptions += 1
        self.interruptions += 1
        if node_lost:
            job.alloc = [(n, g) for n, g in job.alloc if n != node]
            new = pool.swap_in_spare(job, k)
            if new is not None:
                job.alloc.append((new, k))
            else:
                extra = pool.allocate(job, k, self.topology_aware)
                if extra is None:
                    # no replacement: back to the queue with what was checkpointed
                    self.stop_job(job, graceful=False, reason="failure")
                    return
                job.alloc.extend(extra)
        self.interrupt(job)

    def _repaired(self, arg: tuple[Pool, int]) -> None:
        pool, node = arg
        self.touch()
        self.changes += 1
        pool.bring_back(node)
        self.scheduler.request_pass()

    # ---- spot --------------------------------------------------------------------------------
    def start_spot(
        self, pool: Pool, per_node_day: float, notice_s: float, unavailable_s: float
    ) -> None:
        """Spot reclaims on ``pool``: a notice, then the node leaves for ``unavailable_s``."""
        total = pool.nodes * per_node_day / 86_400.0
        if total <= 0:
            return
        gap = ExpStream(self.kernel.rng, 1.0 / total)
        pending: set[int] = set()

        def notice(_: Any) -> None:
            self.kernel.after(gap(), notice, None, 1)
            node = min(int(self._uniform() * pool.nodes), pool.nodes - 1)
            if pool.state[node] != IN_SERVICE or node in pending:
                return
            pending.add(node)
            self.kernel.after(notice_s, reclaim, node, 1)

        def reclaim(node: int) -> None:
            pending.discard(node)
            if pool.state[node] != IN_SERVICE:
                return
            self.spot_reclaims += 1
            self.touch()
            self.changes += 1
            occupants = pool.take_out(node, AWAY)
            for occ in occupants:
                if isinstance(occ, Job):
                    if occ.state in (RUNNING, RESTARTING):
                        occ.alloc = [(n, g) for n, g in occ.alloc if n != node]
                        self.stop_job(occ, graceful=notice_s >= occ.write_s, reason="spot")
                else:
                    occ.on_failure(node, True)
            self.kernel.after(unavailable_s, back, node, 2)
            self.retune()
            self.scheduler.request_pass()

        def back(node: int) -> None:
            self.touch()
            self.changes += 1
            pool.bring_back(node)
            self.scheduler.request_pass()

        self.kernel.after(gap(), notice, None, 1)

    # ---- sampling ----------------------------------------------------------------------------
    def start_sampling(self, interval_s: float) -> None:
        def sample(_: Any) -> None:
            self.touch()
            for fn in self.on_sample:
                fn(self)
            self.kernel.after(interval_s, sample, None, 5)

        self.kernel.at(0.0, sample, None, 5)

    def job_useful_s(self, job: Job) -> float:
        """Useful work of ``job`` so far (s of full-speed compute)."""
        if job.state == DONE:
            return job.work_s
        if job.state == RUNNING:
            return job.useful_after(self._raw_done(job))
        return job.committed_s
