"""Job-trace adapter: scheduler logs -> a table of GPU jobs -> simulation jobs.

The **gigawatt job trace** is one plain CSV (header required, extra columns ignored, one job a
line, ``#`` lines skipped)::

    job_id,submit_s,start_s,end_s,gpus,pool
    train-1,0,12,3600,8,h100
    eval-7,30,,95.5,0.5,

=========  ==========  ====================================================================
column     unit        meaning
=========  ==========  ====================================================================
job_id     text        unique, non-empty
submit_s   s           submission time, from any origin (the replay starts at the first one)
start_s    s           optional (column or cell may be empty): when the recorded scheduler
                       started the job, ``>= submit_s``; gives the recorded queue time
end_s      s           when the job ended; run time = ``end_s - start_s`` (or ``end_s -
                       submit_s`` when ``start_s`` is empty, i.e. a recorded queue of 0)
gpus       GPUs        > 0; a fraction (``0.5``) is a share of one GPU (see below)
pool       pool id     optional: pins the job to that pool of the scenario's fleet
=========  ==========  ====================================================================

Fractions: the simulator places whole *units*. :func:`job_specs` turns ``gpus`` into
``ceil(gpus * units_per_gpu)`` units; with ``units_per_gpu = 1`` (the default) a fractional job
takes a whole GPU (conservative: utilisation is over-stated by the unused share). A fleet whose
pools count ``units_per_gpu`` units per GPU (:func:`gigawatt.adapters.traces_alibaba.node_pools`
with ``units_per_gpu=100``) packs shares of a node's GPUs, ignoring GPU boundaries inside a node
(optimistic: two 0.6 shares fit into two GPUs' worth of units on one node).

Replayed jobs are whole, non-preemptible ``batch`` jobs without checkpoints: each runs for its
recorded run time once the simulated scheduler starts it. Errors name ``file:line``, the column
and the bad value.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from gigawatt.errors import InputError, closest
from gigawatt.spec.simulation import JobSpec, SimulationScenario

F64 = NDArray[np.float64]
COLUMNS = ("job_id", "submit_s", "start_s", "end_s", "gpus", "pool")
REQUIRED = ("job_id", "submit_s", "end_s", "gpus")


@dataclass(frozen=True)
class JobTrace:
    """Jobs of a trace: times in s (``start_s`` NaN when not recorded), GPUs (may be fractional),
    optional pool per job."""

    job_id: tuple[str, ...]
    submit_s: F64
    start_s: F64
    end_s: F64
    gpus: F64
    pool: tuple[str | None, ...]
    source: str
    lines: tuple[int, ...] = ()

    @property
    def jobs(self) -> int:
        """Number of jobs."""
        return len(self.job_id)

    @property
    def began_s(self) -> F64:
        """When each job began (s): its recorded start, else its submission."""
        return np.asarray(np.where(np.isnan(self.start_s), self.submit_s, self.start_s), float)

    @property
    def run_s(self) -> F64:
        """Run time of each job (s): end - start, or end - submit when start is not recorded."""
        return np.asarray(self.end_s - self.began_s, dtype=float)

    @property
    def queue_s(self) -> F64:
        """Recorded queue times (s) of the jobs whose start is recorded."""
        known = ~np.isnan(self.start_s)
        return np.asarray(self.start_s[known] - self.submit_s[known], dtype=float)

    @property
    def span_s(self) -> float:
        """From the first submission to the last end (s)."""
        return float(self.end_s.max() - self.submit_s.min()) if self.jobs else 0.0

    def busy_gpu_s(self) -> float:
        """GPU-seconds the recorded jobs held (fractions counted as fractions)."""
        return float(np.sum(self.gpus * self.run_s))

    def utilisation(self, capacity_gpus: float) -> float:
        """Recorded mean utilisation of ``capacity_gpus`` GPUs over :attr:`span_s`."""
        return self.busy_gpu_s() / (capacity_gpus * self.span_s)


def _bad(where: str, column: str, value: str, allowed: str) -> InputError:
    return InputError(f"column {column!r} = {value[:40]!r}: {allowed}", where=where)


def _num(where: str, column: str, value: str) -> float:
    try:
        x = float(value)
    except ValueError:
        raise _bad(where, column, value, "expected a number of seconds") from None
    if not math.isfinite(x):
        raise _bad(where, column, value, "expected a finite number")
    return x


def _rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row by column) of a CSV with a header naming the required columns."""
    where = str(path)
    if not path.is_file():
        raise InputError(f"job trace {where!r} does not exist", where="trace")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read job trace: {exc}", where=where) from None
    lines = [(n, s) for n, s in enumerate(text.splitlines(), 1) if s.strip() and s[0] != "#"]
    if not lines:
        raise InputError("job trace is empty", where=where)
    head_line, head = lines[0]
    header = [h.strip() for h in next(csv.reader([head]))]
    for col in REQUIRED:
        if col not in header:
            near = closest(col, header, n=1)
            hint = f" (is {near[0]!r} meant?)" if near else ""
            raise InputError(
                f"missing column {col!r}{hint}; required: {', '.join(REQUIRED)}",
                where=f"{where}:{head_line}",
            )
    numbers = [n for n, _ in lines[1:]]
    for n, row in zip(numbers, csv.reader(s for _, s in lines[1:]), strict=True):
        if len(row) < len(header):
            raise InputError(f"expected {len(header)} fields, got {len(row)}", where=f"{where}:{n}")
        yield n, {h: c.strip() for h, c in zip(header, row, strict=False)}


def _job(where: str, row: dict[str, str]) -> tuple[str, float, float, float, float, str | None]:
    """One checked row: (job_id, submit_s, start_s or NaN, end_s, gpus, pool or None)."""
    job_id = row["job_id"]
    if not job_id:
        raise _bad(where, "job_id", job_id, "expected a non-empty id")
    submit = _num(where, "submit_s", row["submit_s"])
    start = math.nan
    if row.get("start_s"):
        start = _num(where, "start_s", row["start_s"])
        if start < submit:
            raise _bad(where, "start_s", row["start_s"], f"must be >= submit_s ({submit:g})")
    end = _num(where, "end_s", row["end_s"])
    began = submit if math.isnan(start) else start
    if end < began:
        name = "submit_s" if math.isnan(start) else "start_s"
        raise _bad(where, "end_s", row["end_s"], f"must be >= {name} ({began:g})")
    gpus = _num(where, "gpus", row["gpus"])
    if gpus <= 0:
        raise _bad(where, "gpus", row["gpus"], "expected a number of GPUs > 0")
    return job_id, submit, start, end, gpus, row.get("pool") or None


def build_trace(
    rows: Iterable[tuple[str, float, float, float, float, str | None]],
    source: str,
    lines: Iterable[int] = (),
) -> JobTrace:
    """A :class:`JobTrace` from checked rows, in submission order (stable)."""
    table = list(rows)
    if not table:
        raise InputError("job trace has no jobs", where=source)
    ids, submit, start, end, gpus, pools = (list(c) for c in zip(*table, strict=True))
    order = np.argsort(np.asarray(submit, dtype=float), kind="stable")
    at = [int(i) for i in order]
    line_list = list(lines)
    return JobTrace(
        tuple(str(ids[i]) for i in at),
        np.asarray(submit, dtype=float)[order],
        np.asarray(start, dtype=float)[order],
        np.asarray(end, dtype=float)[order],
        np.asarray(gpus, dtype=float)[order],
        tuple(pools[i] for i in at),
        source,
        tuple(line_list[i] for i in at) if line_list else (),
    )


def read_job_trace(path: str | Path) -> JobTrace:
    """Read a gigawatt job trace CSV (see the module docstring)."""
    p = Path(path)
    rows: list[tuple[str, float, float, float, float, str | None]] = []
    lines: list[int] = []
    seen: dict[str, int] = {}
    for n, row in _rows(p):
        where = f"{p}:{n}"
        job = _job(where, row)
        if job[0] in seen:
            raise _bad(where, "job_id", job[0], f"duplicate; already on line {seen[job[0]]}")
        seen[job[0]] = n
        rows.append(job)
        lines.append(n)
    return build_trace(rows, str(p), lines)


def job_specs(
    trace: JobTrace, pools: Iterable[str] | None = None, units_per_gpu: int = 1
) -> tuple[list[JobSpec], int]:
    """(simulation jobs, jobs skipped for a zero run time) of ``trace``.

    Submit times are shifted so the first submission is at 0. ``pools``: the fleet's pool ids,
    checked against the trace's ``pool`` column. GPUs become ``ceil(gpus * units_per_gpu)``
    units (module docstring).
    """
    known = None if pools is None else list(pools)
    t0 = float(trace.submit_s.min()) if trace.jobs else 0.0
    specs: list[JobSpec] = []
    skipped = 0
    for k, run in enumerate(trace.run_s.tolist()):
        pool = trace.pool[k]
        if pool is not None and known is not None and pool not in known:
            near = closest(pool, known, n=1)
            hint = f"did you mean {near[0]!r}?" if near else f"pools: {', '.join(known)}"
            line = trace.lines[k] if trace.lines else k + 2
            raise _bad(f"{trace.source}:{line}", "pool", pool, f"unknown pool; {hint}")
        if run <= 0:
            skipped += 1
            continue
        specs.append(
            JobSpec(
                id=trace.job_id[k],
                kind="batch",
                gpus=max(1, math.ceil(float(trace.gpus[k]) * units_per_gpu - 1e-9)),
                duration_h=run / 3600.0,
                submit_h=(float(trace.submit_s[k]) - t0) / 3600.0,
                pool=pool,
                checkpoint_interval_min=None,
                preemptible=False,
            )
        )
    return specs, skipped


def with_trace_jobs(
    sc: SimulationScenario, trace: JobTrace, units_per_gpu: int = 1
) -> tuple[SimulationScenario, int]:
    """``sc`` with the jobs of ``trace`` added (ids must not clash with the scenario's jobs);
    also returns the number of zero-length jobs left out."""
    specs, skipped = job_specs(trace, [p.id for p in sc.fleet.pools], units_per_gpu)
    own = {j.id for j in sc.jobs}
    line_of = dict(zip(trace.job_id, trace.lines, strict=False))
    for spec in specs:
        if spec.id in own:
            raise _bad(
                f"{trace.source}:{line_of.get(spec.id, '?')}",
                "job_id",
                spec.id,
                "already a job id of the scenario",
            )
    return sc.model_copy(update={"jobs": [*sc.jobs, *specs]}), skipped
