"""Performance seam of the planner: accelerators, hours and utilisation of one workload on one
accelerator type, from the project's performance models.

- Training (``pretrain``, ``finetune``): :mod:`gigawatt.evaluate.training_count` (the training
  model over a set of candidate counts with a lower bound): the fewest accelerators whose
  time-to-train meets ``slo.deadline_days``, or the workload's fixed ``accelerator_count``;
  the job holds that many accelerators for its time-to-train.
- Serving (``online_inference``, ``rag``, ``agent``, ``edge_inference``): the layout and the
  replicas carrying the peak request rate within the latency SLO (the request path of
  :mod:`gigawatt.evaluate.network` and retrieval time taken out of the TTFT budget) come from
  :func:`gigawatt.evaluate.replicas.size_replicas`, the rule ``gigawatt infer`` uses too, with
  the vLLM engine constants.
- Batch inference: the most efficient layout at its offline throughput; the daily volume must be
  processed within ``min(turnaround_h, 24)`` hours each day, for which the replicas are held.

Every evaluation is kept in an explicit :class:`PerformanceCache`, one per option table, so that
a portfolio of many workloads sharing a few models costs a few model evaluations per accelerator
type.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from gigawatt.catalog import Catalog
from gigawatt.errors import InputError
from gigawatt.evaluate.demand import peak_to_mean
from gigawatt.evaluate.network import request_path_s
from gigawatt.evaluate.replicas import Lengths, ServingCache, ServingSetup, size_replicas
from gigawatt.evaluate.screen import one_device_per_replica
from gigawatt.evaluate.training_count import training_size
from gigawatt.models.sizing import Layout, ReplicaSizing
from gigawatt.spec import (
    AgentWorkload,
    BatchInferenceWorkload,
    EdgeInferenceWorkload,
    RagWorkload,
    TrainingWorkload,
)
from gigawatt.spec.workloads import InteractiveWorkload, Workload

SECONDS_PER_DAY = 86_400.0
HOURS_PER_DAY = 24.0
ONE_DEVICE = (Layout(tp=1, ep=1),)
"""The serving layout at venues whose sites run each replica on one device (edge)."""


@dataclass(frozen=True)
class Performance:
    """How one workload runs on one accelerator type (units in the names).

    ``unit_accelerators`` is the smallest deployable group (a serving replica or the whole
    training job); ``units_needed`` how many such groups carry the whole workload (fractional:
    the exact need, rounded up by the optimiser); ``hours`` how long each group runs within the
    horizon; ``utilization`` the mean busy share of the accelerators while they run (for energy);
    ``layout`` the parallel layout of one serving replica (None for training and services).
    """

    unit_accelerators: int
    units_needed: float
    hours: float
    utilization: float
    slo_met: bool
    detail: str
    layout: Layout | None = None


# --- training -------------------------------------------------------------------------------


def training_performance(
    workload: TrainingWorkload, accelerator: str, cache: ServingCache
) -> Performance:
    """The job sized by :func:`gigawatt.evaluate.training_count.training_size` (its fixed
    ``accelerator_count`` when it has one, else the fewest accelerators meeting its deadline),
    held for its time-to-train."""
    size = training_size(workload, accelerator, cache)
    run = size.run
    if not size.met or run is None:
        return Performance(0, math.inf, 0.0, 0.0, False, size.reason)
    detail = f"{run.count} accelerators, {run.days:.2f} days, MFU {run.mfu:.2f} (training model)"
    return Performance(run.count, 1.0, run.days * HOURS_PER_DAY, 1.0, True, detail)


# --- serving --------------------------------------------------------------------------------


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


@dataclass(frozen=True)
class _Load:
    """A latency-bound serving load: requests/s at the peak and on average, p95 targets [s]
    (``latency_s`` end to end, per request or agent step) and the request path [s]."""

    peak_per_s: float
    mean_per_s: float
    ttft_s: float | None
    tpot_s: float | None
    latency_s: float | None
    rtt_s: float


def _budget(target: float | None, spent: float) -> float | None:
    if target is None:
        return None
    return max(target - spent, 0.0)


def _quantise(value: float | None) -> float | None:
    """Round a latency budget down to 5 ms (0.5 ms below 100 ms, so that sub-10 ms objectives
    keep their meaning) so that nearby regions share one evaluation."""
    if value is None:
        return None
    step = 0.005 if value >= 0.1 else 0.0005
    return math.floor(value / step) * step


def _load(workload: Workload, region: str, venue: str, catalog: Catalog) -> _Load | None:
    """Rates, targets and request path (:func:`~gigawatt.evaluate.network.request_path_s`) of a
    latency-bound workload on ``venue`` in ``region``; None for other kinds."""
    if isinstance(workload, AgentWorkload):
        slo = workload.slo
        latency = None
        if slo.p95_task_latency_s is not None:
            tools = workload.steps_per_task * workload.tool_latency_s
            latency = (slo.p95_task_latency_s - tools) / float(workload.steps_per_task)
        return _Load(
            workload.steps_per_s * peak_to_mean(workload),
            workload.steps_per_s,
            slo.p95_ttft_s,
            slo.p95_tpot_s,
            latency,
            request_path_s(catalog, workload.users_region, region, venue),
        )
    if isinstance(workload, EdgeInferenceWorkload):
        slo_e = workload.slo
        peak = workload.qps_per_site * peak_to_mean(workload)
        return _Load(
            peak,
            workload.qps_per_site,
            slo_e.p95_ttft_s,
            slo_e.p95_tpot_s,
            slo_e.p95_e2e_s,
            request_path_s(catalog, workload.sites_region, region, venue),
        )
    if isinstance(workload, InteractiveWorkload):
        retrieval = workload.retrieval_latency_s if isinstance(workload, RagWorkload) else 0.0
        return _Load(
            workload.qps * peak_to_mean(workload),
            workload.qps,
            _budget(workload.slo.p95_ttft_s, retrieval),
            workload.slo.p95_tpot_s,
            _budget(workload.slo.p95_e2e_s, retrieval),
            request_path_s(catalog, workload.users_region, region, venue),
        )
    return None


def _targets(load: _Load, osl: float) -> tuple[float | None, float | None] | None:
    """p95 (TTFT, TPOT) targets of the replica [s] once the round trip is taken out (TTFT
    quantised so that nearby budgets share one evaluation); an end-to-end budget caps TPOT once
    the first token is out: ``(latency - ttft) / (O - 1)``. None when the round trip uses the
    SLO."""
    ttft = _quantise(_budget(load.ttft_s, load.rtt_s))
    latency = _quantise(_budget(load.latency_s, load.rtt_s))
    tpot = load.tpot_s
    if latency is not None:
        first = ttft if ttft is not None else latency / 2.0
        per_token = (latency - first) / max(osl - 1.0, 1.0)
        tpot = per_token if tpot is None else min(tpot, per_token)
        ttft = first
    if (ttft is not None and ttft <= 0) or (tpot is not None and tpot <= 0):
        return None
    return ttft, tpot


def _layout_text(sized: ReplicaSizing) -> str:
    layout = sized.rate.layout
    return f"tp={layout.tp}" + (f" pp={layout.pp}" if layout.pp > 1 else "")


def _layouts(catalog: Catalog, venue: str) -> tuple[Layout, ...] | None:
    """:data:`ONE_DEVICE` at a one-device-per-replica venue, else None (every fitting layout)."""
    return ONE_DEVICE if one_device_per_replica(catalog.get("venues", venue)) else None


def _batch_performance(
    workload: BatchInferenceWorkload,
    accelerator: str,
    cache: ServingCache,
    active_h: float,
    layouts: tuple[Layout, ...] | None,
) -> Performance:
    """Replicas of the most efficient layout processing the daily volume in the window."""
    isl, osl = float(workload.input_tokens_per_request), float(workload.output_tokens_per_request)
    setup = ServingSetup(workload.model, accelerator, str(workload.precision))
    try:
        lengths = Lengths.fixed(isl, osl)
        sized = size_replicas(cache, setup, lengths, None, None, None, layouts=layouts)
    except InputError:
        sized = None
    if sized is None:
        return Performance(0, math.inf, 0.0, 0.0, False, "model does not fit")
    rate = sized.rate.rate_per_s
    window_h = min(workload.slo.turnaround_h, HOURS_PER_DAY)
    units = workload.requests_per_day / (rate * window_h * 3600.0)
    hours = active_h * window_h / HOURS_PER_DAY
    util = units / max(math.ceil(units - 1e-9), 1)
    detail = f"{_layout_text(sized)}, {rate:.3g} req/s per replica offline, {window_h:g} h/day"
    return Performance(sized.rate.accelerators, units, hours, util, True, detail, sized.rate.layout)


def serving_performance(
    workload: Workload,
    accelerator: str,
    region: str,
    cache: ServingCache,
    active_h: float,
    venue: str,
) -> Performance:
    """Replicas carrying the peak request rate within the latency SLO (module docstring)."""
    if isinstance(workload, BatchInferenceWorkload):
        return _batch_performance(
            workload, accelerator, cache, active_h, _layouts(cache.catalog, venue)
        )
    load = _load(workload, region, venue, cache.catalog)
    lengths = serving_lengths(workload)
    if load is None or lengths is None:  # pragma: no cover - training handled elsewhere
        return Performance(0, math.inf, 0.0, 0.0, False, f"unsupported kind {workload.kind}")
    isl, osl = lengths
    targets = _targets(load, osl)
    rtt_ms = load.rtt_s * 1e3
    if targets is None:
        return Performance(
            0, math.inf, 0.0, 0.0, False, f"request path {rtt_ms:.1f} ms uses the SLO"
        )
    ttft, tpot = targets
    setup = ServingSetup(workload.model, accelerator, str(getattr(workload, "precision", "bf16")))
    try:
        sized = size_replicas(
            cache,
            setup,
            Lengths.fixed(isl, osl),
            load.peak_per_s,
            ttft,
            _q(tpot),
            layouts=_layouts(cache.catalog, venue),
        )
    except InputError:
        sized = None
    if sized is None:
        why = f"no replica meets p95 TTFT {_g(ttft)} s / TPOT {_g(tpot)} s (path {rtt_ms:.1f} ms)"
        return Performance(0, math.inf, 0.0, 0.0, False, why)
    return _replicas_performance(workload, sized, load, accelerator, cache.catalog, active_h)


def _replicas_performance(
    workload: Workload,
    sized: ReplicaSizing,
    load: _Load,
    accelerator: str,
    catalog: Catalog,
    active_h: float,
) -> Performance:
    """Units, utilisation and (edge sites) the power check of the chosen replicas."""
    rate = sized.rate
    units = load.peak_per_s / rate.rate_per_s
    util = min(1.0, load.mean_per_s / rate.offline_rate_per_s / max(units, 1.0))
    detail = (
        f"{_layout_text(sized)}, {rate.rate_per_s:.3g} req/s per replica at SLO, "
        f"request path {load.rtt_s * 1e3:.1f} ms"
    )
    if isinstance(workload, EdgeInferenceWorkload):
        # every site holds whole replicas of its own
        units = float(workload.sites * sized.replicas)
        cap_w = workload.power_cap_w_per_site
        tdp = float(catalog.get("accelerators", accelerator)["tdp_w"])
        if cap_w is not None and sized.accelerators * tdp > cap_w:
            why = f"{sized.accelerators} accelerators x {tdp:g} W per site exceed {cap_w:g} W"
            return Performance(rate.accelerators, units, active_h, util, False, why)
    return Performance(rate.accelerators, units, active_h, util, True, detail, rate.layout)


def _g(value: float | None) -> str:
    return "-" if value is None else f"{value:.3g}"


def _q(value: float | None) -> float | None:
    """Round a TPOT budget down to 0.1 ms (shared cache entries)."""
    if value is None:
        return None
    return math.floor(value / 1e-4) * 1e-4


def workload_performance(
    workload: Workload,
    accelerator: str,
    region: str,
    cache: ServingCache,
    active_h: float,
    venue: str,
) -> Performance:
    """Dispatch on the workload kind (module docstring)."""
    if isinstance(workload, TrainingWorkload):
        return training_performance(workload, accelerator, cache)
    return serving_performance(workload, accelerator, region, cache, active_h, venue)


class PerformanceCache(ServingCache):
    """The option table's performance seam over one explicit cache (create one per plan):
    ``cache(workload, accelerator, region, catalog, active_h, venue)`` is
    :func:`workload_performance` with every evaluation kept in this object (no global state)."""

    def __call__(
        self,
        workload: Workload,
        accelerator: str,
        region: str,
        catalog: Catalog,
        active_h: float,
        venue: str,
    ) -> Performance:
        """:func:`workload_performance` of ``workload`` (``catalog`` must be the cache's)."""
        if catalog is not self.catalog:
            raise ValueError("a PerformanceCache serves the catalog it was created for")
        return workload_performance(workload, accelerator, region, self, active_h, venue)

    def prefetch(self, shapes: set[tuple[str, str, str, float, float]]) -> None:
        """Rate grids of every (model, accelerator, precision, prompt, output) in ``shapes``,
        in one vectorised call (:meth:`ServingCache.prefetch_grids`)."""
        self.prefetch_grids(
            (ServingSetup(model, accelerator, precision), isl, osl)
            for model, accelerator, precision, isl, osl in shapes
        )
