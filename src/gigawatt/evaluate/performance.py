"""Performance seam of the planner: accelerators, hours and utilisation of one workload on one
accelerator type, from the project's performance models.

- Training (``pretrain``, ``finetune``): :func:`gigawatt.evaluate.training.plan_training`
  (FLOPs, layout search, MFU, failures). The count is the smallest (searched from 1 by
  proportional scaling, see :func:`_next_count`) whose time-to-train meets
  ``slo.deadline_days``; the job holds that many accelerators for its time-to-train.
- Serving (``online_inference``, ``rag``, ``agent``, ``edge_inference``): one replica is a tensor
  parallel group (``tp`` = the smallest power of two, up to :data:`MAX_TP`, whose memory holds the
  weights and at least one sequence, or twice that when cheaper per request) run by the vLLM
  engine constants; :func:`gigawatt.models.serving.max_rate_at_slo` gives the highest Poisson
  request rate per replica whose p95 TTFT and TPOT meet the SLO (network round trip and retrieval
  time taken out of the TTFT budget), and replicas carry the peak rate.
- Batch inference: :func:`gigawatt.models.serving.offline` throughput; the daily volume must be
  processed within ``min(turnaround_h, 24)`` hours each day, for which the replicas are held.

Everything is cached per distinct (model, accelerator, precision, shape, SLO) so that a portfolio
of many workloads sharing a few models costs a few model evaluations per accelerator type.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from dataclasses import fields as dc_fields
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gigawatt.catalog import Catalog
from gigawatt.errors import InputError
from gigawatt.evaluate.resolve import model_architecture
from gigawatt.evaluate.training import TrainOptions, plan_training
from gigawatt.models import inference as inf
from gigawatt.models import serving as srv
from gigawatt.spec import (
    AgentWorkload,
    BatchInferenceWorkload,
    EdgeInferenceWorkload,
    FinetuneWorkload,
    RagWorkload,
    TrainingWorkload,
)
from gigawatt.spec.workloads import InteractiveWorkload, Workload

SECONDS_PER_DAY = 86_400.0
HOURS_PER_DAY = 24.0
MAX_TP = 64
"""Largest serving tensor-parallel group tried [accelerators]."""
MAX_TRAINING_COUNT = 262_144
"""Largest training job searched [accelerators]; beyond it the deadline counts as missed."""
ENGINE = "vllm"
"""Serving engine whose fitted constants size replicas (docs/models/inference.md)."""
RATE_GRID = np.unique(
    np.concatenate([np.geomspace(1e-3, 0.3, 13), np.arange(0.325, 1.0 + 1e-9, 0.025)])
)
"""Arrival rates tried, as fractions of the replica's offline (maximum) rate: geometric up to 0.3,
then steps of 0.025; the SLO rate is rounded down to this grid (conservative)."""
FIBRE_KM_PER_S = 2.0e5
"""Light in optical fibre, about 2/3 of c (refractive index ~1.47) [km/s]."""
EARTH_RADIUS_KM = 6371.0


MEMO_MAX_ENTRIES = 200_000
"""Entries kept by the performance memo before it is cleared."""
_MEMO: dict[tuple[Any, ...], Any] = {}
_CATALOGS: dict[int, Catalog] = {}
"""Catalogs seen by the memo (kept alive so that their ``id`` is never reused for another)."""


def clear_memo() -> None:
    """Forget every memoised evaluation (benchmarks; catalogs edited in place)."""
    _MEMO.clear()
    _CATALOGS.clear()


def _memo(catalog: Catalog, name: str, args: tuple[Any, ...], compute: Any) -> Any:
    """Memoise ``compute(catalog, *args)`` per catalog object (catalogs are unhashable)."""
    if len(_MEMO) > MEMO_MAX_ENTRIES:  # a long-running process: start again
        _MEMO.clear()
    _CATALOGS.setdefault(id(catalog), catalog)
    key = (id(catalog), name, *args)
    if key not in _MEMO:
        _MEMO[key] = compute(catalog, *args)
    return _MEMO[key]


@dataclass(frozen=True)
class Performance:
    """How one workload runs on one accelerator type (units in the names).

    ``unit_accelerators`` is the smallest deployable group (a serving replica or the whole
    training job); ``units_needed`` how many such groups carry the whole workload (fractional:
    the exact need, rounded up by the optimiser); ``hours`` how long each group runs within the
    horizon; ``utilization`` the mean busy share of the accelerators while they run (for energy).
    """

    unit_accelerators: int
    units_needed: float
    hours: float
    utilization: float
    slo_met: bool
    detail: str


def _rtt_s(a: dict[str, Any] | None, b: dict[str, Any] | None) -> float:
    """Round trip over a straight fibre path between two regions (a lower bound) [s]."""
    if a is None or b is None or a["id"] == b["id"]:
        return 0.0
    keys = ("latitude_deg", "longitude_deg")
    if any(r.get(k) is None for r in (a, b) for k in keys):
        return 0.0
    la1, lo1, la2, lo2 = (math.radians(float(r[k])) for r in (a, b) for k in keys)
    h = (
        math.sin((la2 - la1) / 2) ** 2
        + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    )
    km = 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))
    return 2.0 * km / FIBRE_KM_PER_S


def network_rtt_s(catalog: Catalog, users_region: str | None, region: str) -> float:
    """Round trip between users and the serving region [s] (0 when either has no coordinates)."""
    if users_region is None:
        return 0.0
    regions = catalog.tables["regions"]
    return _rtt_s(regions.get(users_region), regions.get(region))


# --- training -------------------------------------------------------------------------------


def _training(
    catalog: Catalog,
    model: str,
    accelerator: str,
    precision: str,
    finetune: str,
    rank: int,
    seq_len: int,
    tokens: float,
    deadline_days: float,
) -> Performance:

    opts = TrainOptions(precision=precision, finetune=finetune, lora_rank=rank, seq_len=seq_len)
    try:
        first = plan_training(model, accelerator, 1, tokens, opts, catalog=catalog)
    except InputError as exc:
        return Performance(0, math.inf, 0.0, 0.0, False, f"training model: {exc}")
    count = 1
    if not first.fits:
        need = first.smallest_count_that_fits
        if need is None or need > MAX_TRAINING_COUNT:
            return Performance(0, math.inf, 0.0, 0.0, False, "model state does not fit")
        count = need
    result = (
        first
        if count == 1
        else plan_training(model, accelerator, count, tokens, opts, catalog=catalog)
    )
    for _ in range(12):
        days = result.time_to_train_days
        if result.fits and days is not None and days <= deadline_days:
            break
        if result.fits and days is not None and math.isfinite(days):
            scale = max(1.05, days / deadline_days * 1.02)
        else:
            scale = 2.0
        count = _next_count(count, scale)
        if count > MAX_TRAINING_COUNT:
            return Performance(
                0,
                math.inf,
                0.0,
                0.0,
                False,
                f"deadline needs more than {MAX_TRAINING_COUNT} accelerators",
            )
        result = plan_training(model, accelerator, count, tokens, opts, catalog=catalog)
    days = result.time_to_train_days
    if not result.fits or days is None or days > deadline_days:
        return Performance(0, math.inf, 0.0, 0.0, False, "deadline not met by the count search")
    mfu = result.mfu or 0.0
    return Performance(
        count,
        1.0,
        days * HOURS_PER_DAY,
        1.0,
        True,
        f"{count} accelerators, {days:.2f} days, MFU {mfu:.2f} (training model)",
    )


def _next_count(count: int, scale: float) -> int:
    """Next job size: ``count x scale`` rounded up to a power of two up to 8, then to a multiple
    of 8 (whole 8-accelerator servers), always larger than ``count``."""
    target = count * scale
    if target <= 8:
        nxt = 1 << max(0, math.ceil(math.log2(max(target, 1.0))))
    else:
        nxt = math.ceil(target / 8.0) * 8
    return max(nxt, count + 1)


def training_performance(
    workload: TrainingWorkload, accelerator: str, catalog: Catalog
) -> Performance:
    """Smallest job meeting the deadline on ``accelerator`` (see module docstring)."""
    finetune, rank = "full", 16
    if isinstance(workload, FinetuneWorkload):
        finetune = workload.method
        rank = workload.adapter_rank or 16
    result: Performance = _memo(
        catalog,
        "training",
        (
            workload.model,
            accelerator,
            workload.precision,
            finetune,
            rank,
            workload.sequence_length_tokens,
            workload.total_tokens,
            workload.slo.deadline_days,
        ),
        _training,
    )
    return result


# --- serving --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Replica:
    tp: int
    rate_per_s: float
    offline_rate_per_s: float


def _shapes(catalog: Catalog, model: str, accelerator: str) -> tuple[Any, Any]:

    m = inf.model_shape(model_architecture(model, catalog, field="model"))
    h = inf.hardware_shape(catalog.get("accelerators", accelerator, field="accelerator"))
    return m, h


def _replica(catalog: Catalog, model: str, accelerator: str, precision: str, tp: int) -> Any:

    m, h = _memo(catalog, "shapes", (model, accelerator), _shapes)
    wb, code = inf.precision_codes([precision])
    return srv.Replica(
        m,
        h,
        float(wb[0]),
        float(code[0]),
        inf.default_kv_bytes(ENGINE, precision),
        float(tp),
        float(tp),
        1.0,
        inf.engine_constants(ENGINE),
        srv.ENGINE_MAX_BATCH.get(ENGINE, 2048.0),
    )


def _fitting_tps(
    catalog: Catalog, model: str, accelerator: str, precision: str, seq_tokens: float
) -> list[int]:
    """The smallest tensor-parallel size holding one sequence, and twice it."""
    tp = 1
    while tp <= MAX_TP:
        r = _replica(catalog, model, accelerator, precision, tp)
        if float(np.asarray(r.max_sequences(seq_tokens))) >= 1.0:
            return [t for t in (tp, 2 * tp) if t <= MAX_TP]
        tp *= 2
    return []


class _RateGrid:
    """p95 TTFT and TPOT [s] of one replica over a grid of Poisson rates [requests/s]: one
    vectorised :func:`gigawatt.models.serving.poisson` call for every rate, and a seeded Monte
    Carlo (:func:`~gigawatt.models.serving.latency_samples`) per rate only when a search needs it,
    so that every SLO budget of a portfolio reuses them."""

    def __init__(
        self,
        replica: Any,
        tp: int,
        isl: float,
        osl: float,
        state: tuple[float, dict[str, Any]] | None = None,
    ) -> None:

        self.replica = replica
        self.tp = tp
        if state is None:
            off = srv.offline(replica, isl, osl)
            self.offline_rate = float(np.asarray(off.output_tokens_per_s)) / osl
            self.rates = self.offline_rate * RATE_GRID
            st = srv.poisson(replica, self.rates, isl, osl)
            self._cols = {
                f.name: np.broadcast_to(
                    np.asarray(getattr(st, f.name), dtype=float), self.rates.shape
                )
                for f in dc_fields(srv.SteadyState)
            }
        else:  # computed for many replicas at once by prefetch_grids
            self.offline_rate, self._cols = state
            self.rates = self.offline_rate * RATE_GRID
        self._isl = np.full(srv.MC_SAMPLES, isl)
        self._osl = np.full(srv.MC_SAMPLES, osl)
        self._p95: dict[int, tuple[float, float]] = {}

    def p95(self, i: int) -> tuple[float, float]:
        """(p95 TTFT, p95 TPOT) at rate ``rates[i]`` [s] (infinite when overloaded)."""

        if i not in self._p95:
            scalar = srv.SteadyState(**{k: float(v[i]) for k, v in self._cols.items()})
            ttft, tpot = srv.latency_samples(
                self.replica,
                scalar,
                self._isl,
                self._osl,
                closed=False,
                rng=np.random.default_rng(0),
            )
            if np.all(np.isfinite(ttft)) and np.all(np.isfinite(tpot)):
                self._p95[i] = (_p95(ttft), _p95(tpot))
            else:
                self._p95[i] = (math.inf, math.inf)
        return self._p95[i]

    def max_rate(self, ttft_s: float | None, tpot_s: float | None) -> float:
        """Highest grid rate meeting both p95 targets (binary search: latencies grow with the
        rate); 0 when even the lowest rate misses them."""

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


def _p95(x: NDArray[np.float64]) -> float:
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


def _rate_grid(
    catalog: Catalog,
    model: str,
    accelerator: str,
    precision: str,
    tp: int,
    isl: float,
    osl: float,
) -> _RateGrid:
    return _RateGrid(_replica(catalog, model, accelerator, precision, tp), tp, isl, osl)


def prefetch_grids(catalog: Catalog, shapes: set[tuple[str, str, str, float, float]]) -> None:
    """Evaluate, in one vectorised :func:`~gigawatt.models.serving.offline` and one
    :func:`~gigawatt.models.serving.poisson` call, the rate grids of every (model, accelerator,
    precision, prompt, output) in ``shapes`` and every tensor-parallel size tried, and memoise
    them: the same numbers as one call per replica, without the per-call overhead."""

    todo: list[tuple[str, str, str, int, float, float]] = []
    for model, accelerator, precision, isl, osl in sorted(shapes):
        try:
            tps = _memo(catalog, "tps", (model, accelerator, precision, isl + osl), _fitting_tps)
        except InputError:
            continue
        for tp in tps:
            key = (model, accelerator, precision, tp, isl, osl)
            if (id(catalog), "grid", *key) not in _MEMO:
                todo.append(key)
    if not todo:
        return
    models = sorted({k[0] for k in todo})
    accels = sorted({k[1] for k in todo})
    m_all = inf.stack_models([_memo(catalog, "shapes", (m, accels[0]), _shapes)[0] for m in models])
    h_all = inf.stack_hardware(
        [_memo(catalog, "shapes", (models[0], a), _shapes)[1] for a in accels]
    )
    col = (len(todo), 1)
    mi = np.array([models.index(k[0]) for k in todo]).reshape(col)
    hi = np.array([accels.index(k[1]) for k in todo]).reshape(col)
    wb, code = inf.precision_codes([k[2] for k in todo])
    kv = np.array([inf.default_kv_bytes(ENGINE, k[2]) for k in todo]).reshape(col)
    tps_arr = np.array([float(k[3]) for k in todo]).reshape(col)
    isl_arr = np.array([k[4] for k in todo]).reshape(col)
    osl_arr = np.array([k[5] for k in todo]).reshape(col)
    stacked = srv.Replica(
        m_all.take(mi),
        h_all.take(hi),
        wb.reshape(col),
        code.reshape(col),
        kv,
        tps_arr,
        tps_arr,
        1.0,
        inf.engine_constants(ENGINE),
        srv.ENGINE_MAX_BATCH.get(ENGINE, 2048.0),
    )
    off = srv.offline(stacked, isl_arr, osl_arr)
    offline_rate = np.broadcast_to(np.asarray(off.output_tokens_per_s, dtype=float), col) / osl_arr
    rates = offline_rate * RATE_GRID[None, :]
    st = srv.poisson(stacked, rates, isl_arr, osl_arr)
    cols = {
        f.name: np.broadcast_to(np.asarray(getattr(st, f.name), dtype=float), rates.shape)
        for f in dc_fields(srv.SteadyState)
    }
    for i, key in enumerate(todo):
        model, accelerator, precision, t, i_len, o_len = key
        replica = _replica(catalog, model, accelerator, precision, t)
        state = (float(offline_rate[i, 0]), {k: v[i] for k, v in cols.items()})
        _MEMO[(id(catalog), "grid", *key)] = _RateGrid(replica, t, i_len, o_len, state)


def serving_lengths(workload: Workload) -> tuple[float, float] | None:
    """(prompt, output) tokens of one request or agent step as the serving model sees them;
    None for training."""
    if isinstance(workload, TrainingWorkload):
        return None
    if isinstance(workload, AgentWorkload):
        return float(workload.input_tokens_per_step), float(workload.output_tokens_per_step)
    if isinstance(workload, RagWorkload):
        return float(workload.prompt_tokens_per_request), float(workload.output_tokens_per_request)
    return float(getattr(workload, "input_tokens_per_request", 0)), float(
        getattr(workload, "output_tokens_per_request", 0)
    )


def _serving(
    catalog: Catalog,
    model: str,
    accelerator: str,
    precision: str,
    isl: float,
    osl: float,
    ttft_s: float | None,
    tpot_s: float | None,
) -> tuple[_Replica, ...]:
    """Replicas that meet the SLO, fewest accelerators per request/s first (empty: none does)."""

    try:
        tps = _memo(catalog, "tps", (model, accelerator, precision, isl + osl), _fitting_tps)
    except InputError:
        return ()
    found: list[_Replica] = []
    for tp in tps:
        grid: _RateGrid = _memo(
            catalog, "grid", (model, accelerator, precision, tp, isl, osl), _rate_grid
        )
        if ttft_s is None and tpot_s is None:
            rate = grid.offline_rate
        else:
            rate = grid.max_rate(ttft_s, tpot_s)
        if rate > 0 and math.isfinite(rate):
            found.append(_Replica(tp, rate, grid.offline_rate))
    return tuple(sorted(found, key=lambda r: r.tp / r.rate_per_s))


def _pick_replica(reps: tuple[_Replica, ...], peak_per_s: float | None) -> _Replica | None:
    """The replica needing the fewest accelerators for ``peak_per_s`` whole replicas (ties: fewer
    accelerators per request/s); the most efficient one when the load is not given. A small load
    (an edge site) thus gets the smallest replica rather than the most efficient large one."""
    if not reps:
        return None
    if peak_per_s is None:
        return reps[0]
    return min(reps, key=lambda r: (r.tp * math.ceil(peak_per_s / r.rate_per_s - 1e-9), r.tp))


def _budget(target: float | None, spent: float) -> float | None:
    if target is None:
        return None
    return max(target - spent, 0.0)


def _quantise(value: float | None) -> float | None:
    """Round a latency budget down to 5 ms so that nearby regions share one evaluation."""
    if value is None:
        return None
    return math.floor(value / 0.005) * 0.005


def serving_performance(
    workload: Workload, accelerator: str, region: str, catalog: Catalog, active_h: float
) -> Performance:
    """Replicas carrying the peak request rate within the latency SLO (module docstring)."""
    precision = str(getattr(workload, "precision", "bf16"))
    rtt = 0.0
    if isinstance(workload, BatchInferenceWorkload):
        isl, osl = (
            float(workload.input_tokens_per_request),
            float(workload.output_tokens_per_request),
        )
        rep = _pick_replica(
            _memo(
                catalog,
                "serving",
                (workload.model, accelerator, precision, isl, osl, None, None),
                _serving,
            ),
            None,
        )
        if rep is None:
            return Performance(0, math.inf, 0.0, 0.0, False, "model does not fit")
        window_h = min(workload.slo.turnaround_h, HOURS_PER_DAY)
        units = workload.requests_per_day / (rep.rate_per_s * window_h * 3600.0)
        hours = active_h * window_h / HOURS_PER_DAY
        util = units / max(math.ceil(units - 1e-9), 1)
        return Performance(
            rep.tp,
            units,
            hours,
            util,
            True,
            f"tp={rep.tp}, {rep.rate_per_s:.3g} req/s per replica offline, {window_h:g} h/day",
        )
    ttft: float | None
    tpot: float | None
    latency: float | None
    if isinstance(workload, AgentWorkload):
        isl, osl = float(workload.input_tokens_per_step), float(workload.output_tokens_per_step)
        peak = workload.steps_per_s * workload.peak_to_mean_ratio
        mean = workload.steps_per_s
        ttft, tpot = workload.slo.p95_ttft_s, workload.slo.p95_tpot_s
        task = workload.slo.p95_task_latency_s
        latency = None
        if task is not None:
            latency = (task - workload.steps_per_task * workload.tool_latency_s) / float(
                workload.steps_per_task
            )
        rtt = network_rtt_s(catalog, workload.users_region, region)
    elif isinstance(workload, EdgeInferenceWorkload):
        isl, osl = (
            float(workload.input_tokens_per_request),
            float(workload.output_tokens_per_request),
        )
        peak = workload.qps_per_site * workload.peak_to_mean_ratio
        mean = workload.qps_per_site
        ttft, tpot, latency = (
            workload.slo.p95_ttft_s,
            workload.slo.p95_tpot_s,
            (workload.slo.p95_latency_s),
        )
    elif isinstance(workload, InteractiveWorkload):
        isl = float(workload.input_tokens_per_request)
        osl = float(workload.output_tokens_per_request)
        retrieval = 0.0
        if isinstance(workload, RagWorkload):
            isl = float(workload.prompt_tokens_per_request)
            retrieval = workload.retrieval_latency_s
        peak, mean = workload.peak_qps, workload.qps
        rtt = network_rtt_s(catalog, workload.users_region, region)
        ttft = _budget(workload.slo.p95_ttft_s, retrieval)
        tpot = workload.slo.p95_tpot_s
        latency = _budget(workload.slo.p95_latency_s, retrieval)
    else:  # pragma: no cover - training handled elsewhere
        return Performance(0, math.inf, 0.0, 0.0, False, f"unsupported kind {workload.kind}")
    ttft = _quantise(_budget(ttft, rtt))
    latency = _quantise(_budget(latency, rtt))
    if latency is not None:
        # an end-to-end budget caps TPOT once the first token is out: (latency - ttft) / (O - 1)
        first = ttft if ttft is not None else latency / 2.0
        per_token = (latency - first) / max(osl - 1.0, 1.0)
        tpot = per_token if tpot is None else min(tpot, per_token)
        ttft = first
    if (ttft is not None and ttft <= 0) or (tpot is not None and tpot <= 0):
        return Performance(
            0, math.inf, 0.0, 0.0, False, f"network round trip {rtt * 1e3:.1f} ms uses the SLO"
        )
    key = (workload.model, accelerator, precision, isl, osl, ttft, _q(tpot))
    rep = _pick_replica(_memo(catalog, "serving", key, _serving), peak)
    if rep is None:
        return Performance(
            0,
            math.inf,
            0.0,
            0.0,
            False,
            f"no replica meets p95 TTFT {_g(ttft)} s / TPOT {_g(tpot)} s (RTT {rtt * 1e3:.1f} ms)",
        )
    per_site = rep.tp * math.ceil(peak / rep.rate_per_s - 1e-9)
    units = peak / rep.rate_per_s
    util = min(1.0, mean / rep.offline_rate_per_s / max(units, 1.0))
    detail = f"tp={rep.tp}, {rep.rate_per_s:.3g} req/s per replica at SLO, RTT {rtt * 1e3:.1f} ms"
    if isinstance(workload, EdgeInferenceWorkload):
        # every site holds whole replicas of its own
        units = float(workload.sites * math.ceil(peak / rep.rate_per_s - 1e-9))
        cap_w = workload.power_cap_w_per_site
        tdp = float(catalog.get("accelerators", accelerator)["tdp_w"])
        if cap_w is not None and per_site * tdp > cap_w:
            return Performance(
                rep.tp,
                units,
                active_h,
                util,
                False,
                f"{per_site} accelerators x {tdp:g} W per site exceed {cap_w:g} W",
            )
    return Performance(rep.tp, units, active_h, util, True, detail)


def _g(value: float | None) -> str:
    return "-" if value is None else f"{value:.3g}"


def _q(value: float | None) -> float | None:
    """Round a TPOT budget down to 0.1 ms (shared cache entries)."""
    if value is None:
        return None
    return math.floor(value / 1e-4) * 1e-4


def workload_performance(
    workload: Workload, accelerator: str, region: str, catalog: Catalog, active_h: float
) -> Performance:
    """Dispatch on the workload kind (module docstring)."""
    if isinstance(workload, TrainingWorkload):
        return training_performance(workload, accelerator, catalog)
    return serving_performance(workload, accelerator, region, catalog, active_h)
