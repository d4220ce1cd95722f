"""Training job size: the fewest accelerators whose time-to-train meets a deadline.

Time-to-train (:func:`gigawatt.evaluate.training.evaluate_plan`: the fastest parallel layout
that fits at a count, then failures and checkpoints) is not monotone in the accelerator count:
a count whose factors admit no good layout is slower than a smaller one (Llama 3.1 405B on 15T
tokens: 43,640 = 8 x 5 x 1,091 H100 leave TP=8, PP=1, 82 days; 36,864 run TP=8, PP=16, CP=4 in
36 days). So the size is not found by walking upward but over a fixed set of candidate counts,
every one of which is either evaluated or proven too slow by a lower bound:

- **Candidates** (:func:`candidate_counts`): 1, 2 and 4 accelerators, then whole 8-accelerator
  servers whose number of servers has at most :data:`COUNT_BITS` = 5 significant bits: every
  multiple of 8 below 256, of 16 below 512, of 32 below 1,024 and so on (16 counts per
  doubling above 128, steps of 3 to 6 %), up to :data:`MAX_TRAINING_COUNT`.
- **Lower bound** (:class:`CountBound`): a layout with model-parallel size ``s = TP x PP x CP``
  and micro-batches of ``mb`` sequences spends at least ``s t_mb / mb`` accelerator-seconds per
  sequence, ``t_mb`` the time of one micro-batch on one pipeline stage (compute and exposed
  TP/CP/EP/point-to-point communication, :func:`gigawatt.models.train_step.step_time_breakdown`;
  the step adds the pipeline bubble, exposed data-parallel traffic and the optimizer, each
  >= 0). Failures multiply the ideal time by ``g(N) >= 1``
  (:func:`gigawatt.models.reliability.goodput`, which does not depend on the ideal time). So
  ``T(N) >= g(N) (tokens / seq) min s t_mb / mb / N``, the minimum over every layout of
  :func:`gigawatt.models.layout.candidate_values` at the largest count. It ignores memory,
  divisibility and the global batch, so it holds whatever layout and batch the plan takes.
  Below ``fit_count`` it is infinite: no layout of model-parallel size ``s <= N`` fits with one
  micro-batch in flight at the data-parallel size ``N / s`` (memory per accelerator falls as
  the data-parallel size grows).
- **Fewest** (:meth:`CountSearch.fewest_meeting`): the smallest candidate whose time-to-train
  meets the deadline, evaluating in increasing order only the candidates the bound allows.
  Exact over the candidates; a count between two candidates (a multiple of 8 with more
  significant bits) is not tried.
- **Fastest within a count** (:meth:`CountSearch.fastest_within`): the least time-to-train with
  at most that many accelerators, best-first on the bound (fewer accelerators can be faster).
- **Cheapest** (:meth:`CountSearch.cheapest_meeting`): the fewest accelerator-hours among the
  candidates up to a given count meeting the deadline, best-first on ``N x bound(N)`` (which
  barely grows with ``N``, so nearly every candidate in range is evaluated: not used by the
  option table).

Every evaluated count is kept in the :class:`CountSearch` (one per model, accelerator, options
and tokens; the option table keeps one per plan), so two deadlines of one job share evaluations.
"""

from __future__ import annotations

import math
from dataclasses import astuple, dataclass

import numpy as np
from numpy.typing import NDArray

from gigawatt.errors import InputError
from gigawatt.evaluate.replicas import ServingCache
from gigawatt.evaluate.resolve import model_architecture
from gigawatt.evaluate.train_result import checkpoint_bytes
from gigawatt.evaluate.training import (
    TrainOptions,
    check_options,
    evaluate_plan,
    hardware_for,
    resolve_seq_len,
)
from gigawatt.models.layout import candidate_values
from gigawatt.models.reliability import goodput
from gigawatt.models.train_memory import GIB, memory_per_gpu_bytes
from gigawatt.models.train_step import step_time_breakdown
from gigawatt.models.training import LayoutArrays, TrainHardware, TrainShape, train_shape
from gigawatt.spec import FinetuneWorkload, TrainingWorkload

F64 = NDArray[np.float64]
MAX_TRAINING_COUNT = 262_144
"""Largest training job searched [accelerators]; beyond it the deadline counts as missed."""
SERVER_ACCELERATORS = 8
"""Accelerators of one server: counts above it are whole servers."""
COUNT_BITS = 5
"""Significant bits of the number of servers of a candidate count (16-32 counts per doubling)."""
SECONDS_PER_DAY = 86_400.0


def candidate_counts(
    limit: int = MAX_TRAINING_COUNT, server: int = SERVER_ACCELERATORS, bits: int = COUNT_BITS
) -> list[int]:
    """Counts searched, ascending, up to ``limit``: powers of two below ``server``, then
    ``server x a x 2^k`` with ``a < 2^bits`` (every multiple of ``server`` below
    ``server x 2^bits``, then ever coarser, 2^(bits-1) counts per doubling)."""
    counts = {c for c in (2**k for k in range(server.bit_length())) if c < server}
    k = 0
    while server << k <= limit:
        first = 1 if k == 0 else 2 ** (bits - 1)
        counts.update(server * (a << k) for a in range(first, 2**bits))
        k += 1
    return sorted(c for c in counts if c <= limit)


@dataclass(frozen=True)
class CountBound:
    """Lower bounds of one job's size and speed (module docstring): nothing fits on fewer than
    ``fit_count`` accelerators, and ``N`` accelerators process one sequence in no less than
    ``accelerator_s_per_sequence / N`` seconds before failures."""

    fit_count: float
    accelerator_s_per_sequence: float


def count_bound(shape: TrainShape, hw: TrainHardware, opts: TrainOptions) -> CountBound:
    """:class:`CountBound` of ``shape`` on ``hw`` with ``opts`` (no user-fixed layout).

    Per sequence, ``s t_mb / mb`` is least at TP = PP = CP = 1, no recomputation, the largest
    micro-batch and VPP = 1, minimised over EP: TP, PP, CP split work without removing any
    (each GEMM's FLOPs and weight traffic, the attention core, element-wise traffic and the
    output head, which every stage holds, are the same or more summed over ``s``), add
    communication >= 0, recomputation adds work, and a larger micro-batch amortises weight
    traffic and latencies (``tests/evaluate/test_training_count.py`` checks this against every
    layout). Memory with one micro-batch in flight is least at the smallest micro-batch and
    VPP = 1 for any TP, PP, CP, EP, ZeRO stage and recomputation, all of which are tried.
    """
    values = candidate_values(shape, hw, MAX_TRAINING_COUNT)
    ep = np.asarray(values["ep"], dtype=np.float64)
    mb = float(max(values["mb"]))
    lay = LayoutArrays.of(
        tp=1.0,
        pp=1.0,
        dp=1.0,
        cp=1.0,
        ep=ep,
        mb=mb,
        recompute=min(values["recompute"]),
        zero=min(values["zero"]),
        vpp=1.0,
    )
    t = step_time_breakdown(shape, hw, lay, mb, opts.constants, opts.finetune, opts.lora_rank)
    busy = t["compute_s"] + t["tp_s"] + t["cp_s"] + t["ep_s"] + t["pp_p2p_s"]
    per_sequence = float(np.min(busy / t["microbatches"])) / mb
    return CountBound(_fit_count(shape, hw, opts, values), per_sequence)


def _fit_count(
    shape: TrainShape, hw: TrainHardware, opts: TrainOptions, values: dict[str, list[int]]
) -> float:
    """A count below which no layout fits: one more than the largest candidate count ``N`` at
    which no layout of model-parallel size ``s <= N`` fits at ``dp = N / s`` with one
    micro-batch of the smallest size in flight (1 when one fits on 1 accelerator; inf when none
    fits on :data:`MAX_TRAINING_COUNT`). Memory falls as ``dp`` grows, so fitting is monotone
    in ``N``: bisection over the candidates."""
    names = ("tp", "pp", "cp", "ep", "recompute", "zero")
    grids = np.meshgrid(*[np.asarray(values[n], dtype=np.float64) for n in names])
    cols = {n: g.ravel() for n, g in zip(names, grids, strict=True)}
    size = cols["tp"] * cols["pp"] * cols["cp"]
    cap_b = hw.memory_gib * opts.constants.memory_usable_fraction * GIB
    least = {"mb": float(min(values["mb"])), "vpp": float(min(values["vpp"]))}

    def fits(count: int) -> bool:
        rows = size <= count
        lay = LayoutArrays.of(
            dp=count / size[rows], **least, **{n: c[rows] for n, c in cols.items()}
        )
        mem = memory_per_gpu_bytes(
            shape, lay, np.ones(len(lay)), opts.precision, opts.finetune, opts.lora_rank
        )
        return bool(np.any(mem["total"] <= cap_b))

    counts = candidate_counts()
    if fits(counts[0]):
        return float(counts[0])
    if not fits(counts[-1]):
        return math.inf
    lo, hi = 0, len(counts) - 1  # no fit at counts[lo], fit at counts[hi]
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if fits(counts[mid]) else (mid, hi)
    return float(counts[lo] + 1)


@dataclass(frozen=True)
class CountTime:
    """Time-to-train of one job at one count: ``days`` with failures (inf when nothing fits),
    accelerator-hours and MFU (0 when nothing fits)."""

    count: int
    days: float
    gpu_hours: float
    mfu: float


class CountSearch:
    """One job (shape, hardware, options, tokens) at any count: time-to-train kept per count,
    the bound, and the searches over the candidate counts up to ``limit`` (module docstring)."""

    def __init__(
        self,
        shape: TrainShape,
        hw: TrainHardware,
        tokens: float,
        opts: TrainOptions,
        bound: CountBound,
        limit: int = MAX_TRAINING_COUNT,
    ) -> None:
        self.shape, self.hw, self.tokens, self.opts, self.bound = shape, hw, tokens, opts, bound
        self.limit = limit
        self.candidates = candidate_counts(limit)
        self._times: dict[int, CountTime] = {}
        self._state_bytes = checkpoint_bytes(shape, opts.finetune, opts.lora_rank, opts.reliability)

    @property
    def evaluated(self) -> int:
        """Counts evaluated by the training model so far."""
        return len(self._times)

    def at(self, count: int) -> CountTime:
        """Time-to-train on ``count`` accelerators (the training model's layout search)."""
        if count not in self._times:
            self._times[count] = self._evaluate(count)
        return self._times[count]

    def _evaluate(self, count: int) -> CountTime:
        try:
            r = evaluate_plan(self.shape, self.hw, count, self.tokens, self.opts)
        except InputError:  # no layout splits this count and batch
            return CountTime(count, math.inf, math.inf, 0.0)
        if not r.fits or r.time_to_train_days is None or r.gpu_hours is None:
            return CountTime(count, math.inf, math.inf, 0.0)
        return CountTime(count, r.time_to_train_days, r.gpu_hours, r.mfu or 0.0)

    def bound_days(self, count: int) -> float:
        """Lower bound of the time-to-train on ``count`` accelerators [days] (inf: cannot
        fit)."""
        if count < self.bound.fit_count:
            return math.inf
        slowdown = goodput(
            1.0, count, self.hw.accelerators_per_node, self._state_bytes, self.opts.reliability
        ).wall_clock_s
        sequences = self.tokens / self.shape.seq_len
        per_sequence = self.bound.accelerator_s_per_sequence
        return slowdown * sequences * per_sequence / count / SECONDS_PER_DAY

    def fewest_meeting(self, deadline_days: float) -> CountTime | None:
        """The fewest candidate accelerators whose time-to-train is at most ``deadline_days``;
        None when no candidate up to the limit meets it."""
        for count in self.candidates:
            if self.bound_days(count) > deadline_days:
                continue
            run = self.at(count)
            if run.days <= deadline_days:
                return run
        return None

    def fastest_within(self, max_count: int) -> CountTime | None:
        """The least time-to-train on at most ``max_count`` accelerators (candidates and
        ``max_count`` itself; ties to fewer accelerators); None when nothing fits."""
        counts = [c for c in self.candidates if c < max_count] + [max_count]
        best: CountTime | None = None
        for low, count in sorted((self.bound_days(c), c) for c in counts):
            if math.isinf(low) or (best is not None and low > best.days):
                break
            run = self.at(count)
            if math.isfinite(run.days) and (
                best is None or (run.days, run.count) < (best.days, best.count)
            ):
                best = run
        return best

    def cheapest_meeting(self, deadline_days: float, max_count: int) -> CountTime | None:
        """The fewest accelerator-hours among the candidates up to ``max_count`` meeting
        ``deadline_days`` (ties to fewer accelerators); None when none does."""
        best: CountTime | None = None
        bounded = ((c * self.bound_days(c) * 24.0, c) for c in self.candidates if c <= max_count)
        for low, count in sorted(bounded):
            if math.isinf(low) or (best is not None and low > best.gpu_hours):
                break
            if self.bound_days(count) > deadline_days:
                continue
            run = self.at(count)
            if run.days <= deadline_days and (
                best is None or (run.gpu_hours, run.count) < (best.gpu_hours, best.count)
            ):
                best = run
        return best


# --- a training workload on a catalog accelerator ------------------------------------------


@dataclass(frozen=True)
class TrainingJob:
    """What the count search needs of a training workload: catalog ids (or a config.json
    path), training options and tokens."""

    model: str
    accelerator: str
    precision: str
    finetune: str
    lora_rank: int
    seq_len: int
    tokens: float

    @classmethod
    def of(cls, workload: TrainingWorkload, accelerator: str) -> TrainingJob:
        """The job of ``workload`` on ``accelerator`` (LoRA rank 16 unless the workload
        gives one)."""
        finetune, rank = "full", 16
        if isinstance(workload, FinetuneWorkload):
            finetune = workload.method
            rank = workload.adapter_rank or 16
        return cls(
            workload.model,
            accelerator,
            workload.precision,
            finetune,
            rank,
            workload.sequence_length_tokens,
            workload.total_tokens,
        )


@dataclass(frozen=True)
class TrainingSize:
    """Size of a training job: ``run`` is the job (the fewest candidate accelerators meeting the
    deadline, or the fixed count), None when there is none; ``met`` whether it meets the
    deadline (True without one); ``reason`` says why not; ``cheapest`` is a run of fewer
    accelerator-hours meeting the deadline when one was searched for and found."""

    run: CountTime | None
    met: bool
    reason: str
    cheapest: CountTime | None = None


def count_search(job: TrainingJob, cache: ServingCache) -> CountSearch:
    """The :class:`CountSearch` of ``job``, one per cache (its bound shared by every token
    count). Raises InputError for a model, accelerator or option the training model rejects."""

    def build() -> CountSearch:
        opts = TrainOptions(
            precision=job.precision,
            finetune=job.finetune,
            lora_rank=job.lora_rank,
            seq_len=job.seq_len,
        )
        check_options(opts, 1)
        arch = model_architecture(job.model, cache.catalog)
        hw, _ = hardware_for(cache.catalog, job.accelerator, job.precision)
        shape = train_shape(arch, resolve_seq_len(arch, job.seq_len))
        bound = cache.get(
            ("training-bound", *astuple(job)[:-1]), lambda: count_bound(shape, hw, opts)
        )
        return CountSearch(shape, hw, job.tokens, opts, bound)

    return cache.get(("training-search", *astuple(job)), build)


def size_training(
    search: CountSearch,
    deadline_days: float | None,
    fixed_count: int | None = None,
    *,
    cheapest_within: float | None = None,
) -> TrainingSize:
    """The job on ``fixed_count`` accelerators when given (the deadline, if any, is checked),
    else the fewest candidate accelerators meeting ``deadline_days``. With
    ``cheapest_within`` (a factor >= 1), also the fewest accelerator-hours among candidates up
    to that factor times the fewest count."""
    if fixed_count is not None:
        return _fixed_size(search, deadline_days, fixed_count)
    if deadline_days is None:
        raise InputError("give a deadline or an accelerator count", where="deadline_days")
    run = search.fewest_meeting(deadline_days)
    if run is None:
        why = f"no count up to {search.limit} accelerators meets {deadline_days:g} days"
        if search.bound.fit_count > search.limit:
            why = f"model state does not fit on {search.limit} accelerators"
        return TrainingSize(None, False, why)
    cheapest = None
    if cheapest_within is not None:
        found = search.cheapest_meeting(deadline_days, int(run.count * cheapest_within))
        cheapest = found if found is not None and found.count != run.count else None
    return TrainingSize(run, True, "", cheapest)


def _fixed_size(search: CountSearch, deadline_days: float | None, count: int) -> TrainingSize:
    """The job on exactly ``count`` accelerators."""
    if count < 1:
        raise InputError(f"must be >= 1, got {count}", where="accelerator_count")
    run = search.at(count)
    if not math.isfinite(run.days):
        return TrainingSize(None, False, f"model state does not fit on {count} accelerators")
    if deadline_days is not None and run.days > deadline_days:
        why = f"{count} accelerators take {run.days:.2f} days, over {deadline_days:g} days"
        return TrainingSize(run, False, why)
    return TrainingSize(run, True, "")


def training_size(
    workload: TrainingWorkload, accelerator: str, cache: ServingCache
) -> TrainingSize:
    """Size of ``workload`` on ``accelerator``: its ``accelerator_count`` when it has one (the
    deadline, if any, checked), else the fewest accelerators meeting ``slo.deadline_days``.
    Either may be missing or None (read with ``getattr``)."""
    job = TrainingJob.of(workload, accelerator)
    deadline = getattr(getattr(workload, "slo", None), "deadline_days", None)
    fixed = getattr(workload, "accelerator_count", None)

    def compute() -> TrainingSize:
        try:
            search = count_search(job, cache)
        except InputError as exc:
            return TrainingSize(None, False, f"training model: {exc}")
        return size_training(search, deadline, fixed)

    return cache.get(("training", job, deadline, fixed), compute)


def min_accelerators_for_deadline(
    workload: TrainingWorkload, accelerator: str, cache: ServingCache, deadline_days: float
) -> CountTime | None:
    """The fewest candidate accelerators training ``workload`` on ``accelerator`` within
    ``deadline_days`` (for advice: "needs N accelerators"); None when no count up to
    :data:`MAX_TRAINING_COUNT` does. Raises InputError when the training model rejects it."""
    return count_search(TrainingJob.of(workload, accelerator), cache).fewest_meeting(deadline_days)


def min_days_within(
    workload: TrainingWorkload, accelerator: str, cache: ServingCache, max_count: int
) -> CountTime | None:
    """The least time-to-train of ``workload`` on at most ``max_count`` accelerators (for
    advice: "with a cap of N the job takes at least D days"; fewer accelerators can be faster
    than exactly ``max_count``); None when it fits on none. Raises InputError when the
    training model rejects it."""
    search = count_search(TrainingJob.of(workload, accelerator), cache)
    return search.fastest_within(max_count)
