"""Gang-scheduled jobs with checkpoint-restart (training, fine-tuning, batch).

Progress is counted in full-speed work seconds (the power module's work clock), so a throttle
slows every job alike. After resuming with ``committed_s`` of useful work, a job alternates
``interval_s`` of compute with a ``write_s`` checkpoint write (no write after the last segment).
A failure loses everything since the last *completed* checkpoint; a graceful stop (preemption
with enough notice) checkpoints the current progress.
"""

from __future__ import annotations

import math

from gigawatt.models.reliability import optimal_checkpoint_interval_s

QUEUED, RUNNING, RESTARTING, DONE = 0, 1, 2, 3


class Job:
    """One job: its request, its progress state and its accounting (seconds, GPU-seconds)."""

    __slots__ = (
        "alloc",
        "committed_s",
        "end_est_s",
        "end_s",
        "epoch",
        "first_start_s",
        "gpu_s",
        "gpu_w",
        "gpus",
        "id",
        "interruptions",
        "interval_s",
        "kind",
        "last_queued_s",
        "lost_s",
        "pool",
        "pool_pref",
        "preemptible",
        "preemptions",
        "priority",
        "queue_s",
        "racks",
        "seg_raw_w",
        "seg_start_s",
        "seg_w0",
        "seq",
        "state",
        "submit_s",
        "team",
        "useful_at_end",
        "wait_total_s",
        "work_s",
        "write_s",
    )

    def __init__(
        self,
        seq: int,
        job_id: str,
        kind: str,
        team: str,
        priority: int,
        gpus: int,
        work_s: float,
        submit_s: float,
        interval_s: float,
        write_s: float,
        pool_pref: str | None,
        preemptible: bool,
    ) -> None:
        self.seq = seq
        self.id = job_id
        self.kind = kind
        self.team = team
        self.priority = priority
        self.gpus = gpus
        self.work_s = work_s
        self.submit_s = submit_s
        self.interval_s = interval_s if interval_s > 0 else math.inf
        self.write_s = write_s if math.isfinite(self.interval_s) else 0.0
        self.pool_pref = pool_pref
        self.preemptible = preemptible
        self.state = QUEUED
        self.committed_s = 0.0
        self.seg_raw_w = 0.0
        self.seg_start_s = 0.0
        self.epoch = 0
        self.alloc: list[tuple[int, int]] = []
        self.pool: object | None = None
        self.first_start_s = -1.0
        self.end_s = -1.0
        self.end_est_s = -1.0  # expected end while running, if nothing fails (s; World keeps it)
        self.last_queued_s = submit_s
        self.queue_s = -1.0
        self.wait_total_s = 0.0
        self.gpu_s = 0.0
        self.gpu_w = 0.0  # GPU x work-clock seconds held (GPU-s weighted by throttle speed)
        self.seg_w0 = 0.0
        self.lost_s = 0.0
        self.interruptions = 0
        self.preemptions = 0
        self.racks = 0
        self.useful_at_end = 0.0

    # ---- progress math (pure) ----------------------------------------------------------------
    def checkpoints_left(self) -> int:
        """Checkpoint writes still due after resuming from ``committed_s``."""
        if not math.isfinite(self.interval_s):
            return 0
        left = self.work_s - self.committed_s
        return max(0, math.ceil(left / self.interval_s - 1e-12) - 1)

    def raw_to_finish(self) -> float:
        """Work-clock seconds from resume to completion (compute plus checkpoint writes)."""
        if not self.write_s:
            return self.work_s - self.committed_s
        return (self.work_s - self.committed_s) + self.checkpoints_left() * self.write_s

    def committed_after(self, raw: float) -> float:
        """Useful work saved by completed checkpoints ``raw`` work-seconds after resuming."""
        if not math.isfinite(self.interval_s):
            return self.committed_s
        cycle = self.interval_s + self.write_s
        done = min(int(raw // cycle), self.checkpoints_left())
        return self.committed_s + done * self.interval_s

    def useful_after(self, raw: float) -> float:
        """Useful work done (saved or not) ``raw`` work-seconds after resuming."""
        if not math.isfinite(self.interval_s):
            return min(self.work_s, self.committed_s + raw)
        cycle = self.interval_s + self.write_s
        done = min(int(raw // cycle), self.checkpoints_left())
        rest = raw - done * cycle
        return min(
            self.work_s, self.committed_s + done * self.interval_s + min(rest, self.interval_s)
        )


def checkpoint_interval_s(
    setting: float | str | None, write_s: float, gpus: int, rate_per_gpu_s: float
) -> float:
    """Compute time between checkpoints (s): minutes given, Young/Daly, or none (inf).

    ``young-daly`` uses the shared reliability model's interval
    (:func:`gigawatt.models.reliability.optimal_checkpoint_interval_s`, Young 1974 with Daly's
    correction) for the job's mean time between interruptions ``1 / (rate * gpus)``.
    """
    if setting is None:
        return math.inf
    if setting == "young-daly":
        if rate_per_gpu_s <= 0 or write_s <= 0:
            return math.inf
        return optimal_checkpoint_interval_s(write_s, 1.0 / (rate_per_gpu_s * gpus))
    return float(setting) * 60.0
