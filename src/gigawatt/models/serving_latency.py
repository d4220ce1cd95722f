"""Latency distributions and SLO capacity of one serving replica.

Built on the steady states of :mod:`gigawatt.models.serving`: a seeded Monte Carlo over requests
(:func:`latency_samples`) gives TTFT and TPOT percentiles; the highest Poisson rate whose p95
TTFT and TPOT meet an SLO comes either from a bisection on the rate (:func:`max_rate_at_slo`,
exact to the bisection's resolution) or from a fixed grid of rates (:class:`RateGrid`, rounded
down to the grid, conservative, one vectorised steady-state call for every rate so that many
SLO budgets reuse it). Times in s, rates in requests/s per replica.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from dataclasses import fields as dc_fields

import numpy as np
from numpy.typing import NDArray

from gigawatt.models.serving import (
    Replica,
    SteadyState,
    offline,
    poisson,
    prefill_wave,
    wave_mean_steps,
)

F64 = NDArray[np.float64]


@dataclass(frozen=True)
class LatencyStats:
    """TTFT and TPOT mean and percentiles (s) over requests."""

    ttft_mean: float
    ttft_p50: float
    ttft_p95: float
    ttft_p99: float
    tpot_mean: float
    tpot_p50: float
    tpot_p95: float
    tpot_p99: float

    def as_dict(self) -> dict[str, float | None]:
        """JSON-friendly dict (infinite -> None)."""
        out: dict[str, float | None] = {}
        for key in ("ttft", "tpot"):
            for stat in ("mean", "p50", "p95", "p99"):
                v = float(getattr(self, f"{key}_{stat}"))
                out[f"{key}_s_{stat}"] = v if math.isfinite(v) else None
        return out


@dataclass(frozen=True)
class RequestWork:
    """What requests of prompt lengths ``isl`` cost one replica whatever the load: own prefill
    time per request [s], mean batched prefill time [s] and KV-cache transfer time per request
    [s] (0 unless disaggregated)."""

    prefill_s: F64
    batched_prefill_mean_s: float
    kv_transfer_s: F64


def request_work(r: Replica, isl: F64) -> RequestWork:
    """The load-independent part of :func:`latency_samples` (computed once per rate grid)."""
    return RequestWork(
        np.asarray(r.prefill(isl), dtype=float),
        float(np.mean(np.asarray(r.prefill(isl, batched=True), dtype=float))),
        np.asarray(r.kv_transfer(isl), dtype=float),
    )


def latency_samples(
    r: Replica,
    state: SteadyState,
    isl: F64,
    osl: F64,
    *,
    closed: bool,
    rng: np.random.Generator,
    work: RequestWork | None = None,
) -> tuple[F64, F64]:
    """Per-request TTFT and TPOT (s) for requests of lengths ``isl``/``osl`` in ``state``.

    ``state`` is a scalar steady state (from the mean lengths). Closed loop: a request is in a
    synchronised wave with probability ``burst_share`` and then gets its first token after the
    wave's prefill step holding it (uniform position in the wave, :func:`prefill_wave`),
    otherwise its own prefill plus a uniform residual of the running step, plus the benchmark
    harness overhead ``ttft_overhead_s``; requests beyond the free slots add the slot wait of
    ``state``. Poisson: own prefill, residual step and a queue wait (0 with probability
    ``1 - rho`` else exponential) and the wait for a free batch slot (with probability
    ``slot_wait_share``, exponential of mean ``slot_wait_given_s``), the engine's own time
    without a front end (see :func:`~gigawatt.models.serving.poisson`). TPOT: a Poisson number of
    interleaved prefills during the decode. ``work`` is :func:`request_work` of ``isl``
    when the caller keeps it across loads.
    """
    n = isl.size
    td = float(state.decode_step_s)
    w = request_work(r, isl) if work is None else work
    tp_i, tp_mean, kv = w.prefill_s, w.batched_prefill_mean_s, w.kv_transfer_s
    residual = 2.0 * r.engine.ttft_steps * td * rng.random(n)
    if closed:
        c = float(state.concurrency)
        mean_i = float(np.mean(isl))
        beta = float(r.engine.burst_share)
        burst_mean, _, x = (float(np.asarray(v)) for v in prefill_wave(r, c, mean_i, td))
        per_prompt = x / max(c, 1.0)
        step = burst_mean / float(wave_mean_steps(x, per_prompt))
        position = np.maximum(1.0, np.ceil(np.ceil(rng.random(n) * c) * per_prompt - 1e-9))
        in_wave = rng.random(n) < beta
        first = np.where(in_wave, step * position, tp_i + residual)
        steady_mean = float(state.prefill_s) + r.engine.ttft_steps * td
        model_mean = r.engine.ttft_overhead_s + beta * burst_mean + (1.0 - beta) * steady_mean
        slot_wait = max(float(state.ttft_s) - model_mean - float(np.mean(kv)), 0.0)
        ttft = r.engine.ttft_overhead_s + first + slot_wait + kv
    else:
        rho = float(state.rho)
        mean_wait = float(state.wait_s)
        if not math.isfinite(mean_wait) or rho >= 1.0:
            inf_arr = np.full(n, np.inf)
            return inf_arr, inf_arr
        busy = rng.random(n) < rho
        wait = np.where(busy, rng.exponential(max(mean_wait / max(rho, 1e-12), 1e-15), n), 0.0)
        ttft = tp_i + residual + wait + kv
    o = np.maximum(osl, 1.0)
    mean_o = float(np.mean(o))
    expected = float(state.interleaved_prefills) * o / mean_o
    hits = rng.poisson(np.maximum(expected, 0.0))
    tpot = td + hits * tp_mean / o
    if not closed and not r.options.disaggregated:
        tpot = np.maximum(tpot, td)
    if not closed:  # drawn last: the other draws stay those of the same seed without it
        share, given = float(state.slot_wait_share), float(state.slot_wait_given_s)
        if share > 0:
            waits = rng.random(n) < share
            ttft = ttft + np.where(waits, rng.exponential(max(given, 1e-15), n), 0.0)
    return ttft, tpot


def summarise(ttft: F64, tpot: F64) -> LatencyStats:
    """Mean, p50, p95, p99 of the samples."""

    def q(x: F64, p: float) -> float:
        return float(np.percentile(x, p)) if np.all(np.isfinite(x)) else math.inf

    def mean(x: F64) -> float:
        return float(np.mean(x)) if np.all(np.isfinite(x)) else math.inf

    return LatencyStats(
        mean(ttft),
        q(ttft, 50),
        q(ttft, 95),
        q(ttft, 99),
        mean(tpot),
        q(tpot, 50),
        q(tpot, 95),
        q(tpot, 99),
    )


@dataclass(frozen=True)
class SloCapacity:
    """Highest Poisson rate (requests/s per replica) whose p95 TTFT and TPOT meet the SLO, and
    the goodput there (requests/s per replica meeting both targets)."""

    max_rate: float
    goodput: float
    stats: LatencyStats | None


def max_rate_at_slo(
    r: Replica,
    isl: F64,
    osl: F64,
    slo_ttft_s: float | None,
    slo_tpot_s: float | None,
    seed: int = 0,
    iterations: int = 30,
) -> SloCapacity:
    """Bisection on the arrival rate with common random numbers (same seed every rate)."""
    mi, mo = float(np.mean(isl)), float(np.mean(osl))
    cap = offline(r, mi, mo)
    hi = float(cap.output_tokens_per_s) / mo
    ttft_lim = math.inf if slo_ttft_s is None else slo_ttft_s
    tpot_lim = math.inf if slo_tpot_s is None else slo_tpot_s
    work = request_work(r, isl)

    def evaluate(rate: float) -> tuple[bool, float, LatencyStats]:
        st = poisson(r, rate, mi, mo)
        rng = np.random.default_rng(seed)
        ttft, tpot = latency_samples(
            r, scalar_state(st), isl, osl, closed=False, rng=rng, work=work
        )
        stats = summarise(ttft, tpot)
        ok = stats.ttft_p95 <= ttft_lim and stats.tpot_p95 <= tpot_lim
        share = float(np.mean((ttft <= ttft_lim) & (tpot <= tpot_lim)))
        return ok, share, stats

    ok, share, stats = evaluate(hi * 1e-6)
    if not ok:
        return SloCapacity(0.0, 0.0, stats)
    lo_rate, best = hi * 1e-6, (share, stats)
    hi_rate = hi
    for _ in range(iterations):
        mid = 0.5 * (lo_rate + hi_rate)
        ok, share, stats = evaluate(mid)
        if ok:
            lo_rate, best = mid, (share, stats)
        else:
            hi_rate = mid
    return SloCapacity(lo_rate, lo_rate * best[0], best[1])


def scalar_state(state: SteadyState) -> SteadyState:
    """A steady state with every field reduced to a Python float."""
    return SteadyState(
        *(
            float(np.asarray(getattr(state, f)).reshape(-1)[0])
            for f in SteadyState.__dataclass_fields__
        )
    )


RATE_GRID = np.unique(
    np.concatenate([np.geomspace(1e-3, 0.3, 13), np.arange(0.325, 1.0 + 1e-9, 0.025)])
)
"""Arrival rates tried by :class:`RateGrid`, as fractions of the replica's offline (maximum)
rate: geometric up to 0.3, then steps of 0.025; the SLO rate is rounded down to this grid
(conservative)."""


def steady_columns(state: SteadyState, shape: tuple[int, ...]) -> dict[str, F64]:
    """Every field of ``state`` as a float array broadcast to ``shape``."""
    return {
        f.name: np.broadcast_to(np.asarray(getattr(state, f.name), dtype=float), shape)
        for f in dc_fields(SteadyState)
    }


class RateGrid:
    """p95 TTFT and TPOT [s] of one replica over a grid of Poisson rates [requests/s]: one
    vectorised :func:`~gigawatt.models.serving.poisson` call for every rate, and a seeded Monte
    Carlo (:func:`latency_samples`) per rate only when a search needs it, so that every SLO
    budget reuses them.

    ``isl`` / ``osl`` are the Monte Carlo requests' prompt and output lengths [tokens] (a
    constant array for fixed lengths, draws from a trace otherwise); the steady state is taken
    at their means. ``state`` (offline rate, steady-state columns over :data:`RATE_GRID`) is
    given when many replicas were evaluated in one vectorised call.
    """

    def __init__(
        self,
        replica: Replica,
        isl: F64,
        osl: F64,
        *,
        seed: int = 0,
        state: tuple[float, dict[str, F64]] | None = None,
    ) -> None:
        self.replica = replica
        mi, mo = float(np.mean(isl)), float(np.mean(osl))
        if state is None:
            off = offline(replica, mi, mo)
            offline_rate = float(np.asarray(off.output_tokens_per_s)) / mo
            rates = offline_rate * RATE_GRID
            state = (offline_rate, steady_columns(poisson(replica, rates, mi, mo), rates.shape))
        self.offline_rate: float = state[0]
        self._cols = state[1]
        self.rates = self.offline_rate * RATE_GRID
        self._isl, self._osl, self._seed = isl, osl, seed
        self._p95: dict[int, tuple[float, float]] = {}
        self._work: RequestWork | None = None

    def p95(self, i: int) -> tuple[float, float]:
        """(p95 TTFT, p95 TPOT) at rate ``rates[i]`` [s] (infinite when overloaded)."""
        if i not in self._p95:
            scalar = SteadyState(**{k: float(v[i]) for k, v in self._cols.items()})
            rng = np.random.default_rng(self._seed)
            if self._work is None:
                self._work = request_work(self.replica, self._isl)
            ttft, tpot = latency_samples(
                self.replica, scalar, self._isl, self._osl, closed=False, rng=rng, work=self._work
            )
            if np.all(np.isfinite(ttft)) and np.all(np.isfinite(tpot)):
                self._p95[i] = (p95(ttft), p95(tpot))
            else:
                self._p95[i] = (math.inf, math.inf)
        return self._p95[i]

    def max_rate(self, ttft_s: float | None, tpot_s: float | None) -> float:
        """Highest grid rate meeting both p95 targets (binary search: latencies grow with the
        rate); the offline rate without targets; 0 when even the lowest rate misses them."""
        if ttft_s is None and tpot_s is None:
            return self.offline_rate

        def ok(i: int) -> bool:
            ttft, tpot = self.p95(i)
            return (ttft_s is None or ttft <= ttft_s) and (tpot_s is None or tpot <= tpot_s)

        if not ok(0):
            return 0.0
        lo, hi = 0, self.rates.size - 1
        if ok(hi):
            return float(self.rates[hi])
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if ok(mid):
                lo = mid
            else:
                hi = mid
        return float(self.rates[lo])


def p95(x: F64) -> float:
    """``np.percentile(x, 95)`` (linear interpolation, same arithmetic, bit-identical) by
    partial sort: finite ``x`` only."""
    n = x.size
    virtual = (n - 1) * 0.95
    lo = math.floor(virtual)
    hi = min(lo + 1, n - 1)
    gamma = virtual - lo
    part = np.partition(x, (lo, hi))
    a, b = float(part[lo]), float(part[hi])
    diff = b - a
    return a + diff * gamma if gamma < 0.5 else b - diff * (1.0 - gamma)
