"""Inference planning: resolve inputs, pick the best layout for the accelerators given, run the
serving model, size the accelerators an SLO needs, add the footprint, return one result.

Thin orchestration over :mod:`gigawatt.models.inference`, :mod:`gigawatt.models.serving`,
:mod:`gigawatt.models.serving_latency`, the replica-sizing rule the planner shares
(:func:`gigawatt.evaluate.replicas.size_replicas`) and
:func:`gigawatt.evaluate.footprint.serving_footprint`; the CLI (``gigawatt infer``) renders
:class:`InferenceResult`.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gigawatt.adapters.traces import read_trace
from gigawatt.catalog import Catalog, load_catalog
from gigawatt.errors import InputError
from gigawatt.evaluate.footprint import serving_footprint
from gigawatt.evaluate.replicas import Lengths, ServingCache, ServingSetup, size_replicas
from gigawatt.evaluate.resolve import model_architecture
from gigawatt.models import inference as inf
from gigawatt.models import serving as srv
from gigawatt.models import serving_latency as lat
from gigawatt.models import sizing
from gigawatt.models.precision import peak_tflops

F64 = NDArray[np.float64]
DEFAULT_INPUT_TOKENS = 1024
DEFAULT_OUTPUT_TOKENS = 256
DEFAULT_ENGINE = "vllm"


@dataclass(frozen=True)
class InferenceRequest:
    """What the user asks (see ``gigawatt infer --help``); lengths in tokens, times in s."""

    model: str
    accelerator: str
    count: int
    precision: str = "bf16"
    input_tokens: int | None = None
    output_tokens: int | None = None
    trace: str | None = None
    offline: bool = False
    qps: float | None = None
    concurrency: int | None = None
    slo_ttft_s: float | None = None
    slo_tpot_s: float | None = None
    tp: int | None = None
    ep: int | None = None
    pp: int | None = None
    engine: str = DEFAULT_ENGINE
    options: srv.ServingOptions = field(default_factory=srv.ServingOptions)
    seed: int = 0


@dataclass
class InferenceResult:
    """Answer of :func:`plan_inference`; ``to_dict`` gives the JSON of ``gigawatt infer --json``.

    Throughputs in tokens/s for the whole system, latencies in s, memory in GiB;
    ``accelerators_needed`` from the sizing rule (independent of ``count``); ``footprint`` the
    energy, carbon, water and cost fields of :func:`~gigawatt.evaluate.footprint.
    serving_footprint` (None when nothing is served).
    """

    model: str
    accelerator: str
    count: int
    precision: str
    engine: str
    mode: str
    fits: bool
    message: str
    weights_gib: float
    kv_cache_gib: float | None
    max_concurrent_sequences: int | None
    layout: dict[str, Any]
    input_tokens_mean: float
    output_tokens_mean: float
    request_rate_per_s: float | None = None
    concurrency: float | None = None
    throughput_output_tokens_per_s: float | None = None
    throughput_input_tokens_per_s: float | None = None
    latency: dict[str, float | None] = field(default_factory=dict)
    max_qps_at_slo: float | None = None
    goodput_requests_per_s: float | None = None
    accelerators_needed: int | None = None
    slo: dict[str, float | None] = field(default_factory=dict)
    trace: dict[str, Any] | None = None
    footprint: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """Flat JSON object (latency and footprint fields at top level)."""
        d = asdict(self)
        latency = d.pop("latency")
        footprint = d.pop("footprint")
        for key in ("ttft", "tpot"):
            for stat in ("mean", "p50", "p95", "p99"):
                d[f"{key}_s_{stat}"] = latency.get(f"{key}_s_{stat}")
        return d | (footprint or {})


def _check_positive(name: str, value: float | None, *, integer: bool = False) -> None:
    if value is None:
        return
    if value <= 0 or (integer and int(value) != value):
        kind = "an integer >= 1" if integer else "a number > 0"
        raise InputError(f"must be {kind}, got {value!r}", where=name)


def _validate(req: InferenceRequest) -> None:
    _check_positive("count", req.count, integer=True)
    for name, v in (
        ("input_tokens", req.input_tokens),
        ("output_tokens", req.output_tokens),
        ("concurrency", req.concurrency),
        ("tp", req.tp),
        ("ep", req.ep),
        ("pp", req.pp),
    ):
        _check_positive(name, v, integer=True)
    for name, f in (
        ("qps", req.qps),
        ("slo_ttft_s", req.slo_ttft_s),
        ("slo_tpot_s", req.slo_tpot_s),
    ):
        _check_positive(name, f)
    modes = sum([req.offline, req.qps is not None, req.concurrency is not None])
    if modes > 1:
        raise InputError("give at most one of offline, qps, concurrency", where="mode")
    if req.trace and (req.input_tokens or req.output_tokens):
        raise InputError("give either trace or input_tokens/output_tokens, not both", where="trace")
    if req.precision not in inf.INFERENCE_PRECISIONS:
        raise InputError(
            f"unknown precision {req.precision!r}; allowed: {', '.join(inf.INFERENCE_PRECISIONS)}",
            where="precision",
        )
    o = req.options
    if not 0.0 <= o.prefix_hit_rate < 1.0:
        raise InputError(f"must be in [0, 1), got {o.prefix_hit_rate!r}", where="prefix_hit_rate")
    if not 0.0 <= o.spec_acceptance < 1.0:
        raise InputError(f"must be in [0, 1), got {o.spec_acceptance!r}", where="spec_acceptance")
    if o.spec_tokens < 0:
        raise InputError(f"must be >= 0, got {o.spec_tokens!r}", where="spec_tokens")


@dataclass(frozen=True)
class _Inputs:
    """A request resolved against the catalog: shapes, lengths [tokens] (every request of a
    trace, or the one length), mode and arrival rate [requests/s] (None: not rate-driven)."""

    shape: inf.ModelShape
    hw: inf.HardwareShape
    row: dict[str, Any]
    isl: F64
    osl: F64
    mode: str
    qps: float | None
    base: dict[str, Any]

    @property
    def means(self) -> tuple[float, float]:
        """Mean prompt and output lengths [tokens]."""
        return float(np.mean(self.isl)), float(np.mean(self.osl))


def _resolve(req: InferenceRequest, catalog: Catalog) -> _Inputs:
    """Model, accelerator, lengths and mode of ``req`` (InputError naming a bad flag)."""
    arch = model_architecture(req.model, catalog, field="model")
    row = catalog.get("accelerators", req.accelerator, field="accelerator")
    inf.engine_constants(req.engine)
    peak_tflops(row, inf.COMPUTE_PRECISION[req.precision], field="precision")
    shape = inf.model_shape(arch)
    trace_info, trace_rate = None, None
    if req.trace:
        tr = read_trace(req.trace)
        isl, osl = tr.input_tokens.astype(float), tr.output_tokens.astype(float)
        trace_info, trace_rate = tr.summary(), tr.rate_per_s
    else:
        isl = np.array([float(req.input_tokens or DEFAULT_INPUT_TOKENS)])
        osl = np.array([float(req.output_tokens or DEFAULT_OUTPUT_TOKENS)])
    if req.offline:
        mode = "offline"
    elif req.qps is not None:
        mode = "qps"
    elif req.concurrency is not None:
        mode = "concurrency"
    else:
        mode = "qps" if trace_rate else "offline"
    qps = req.qps if req.qps is not None else (trace_rate if mode == "qps" else None)
    base: dict[str, Any] = {
        "model": Path(req.model).stem if req.model.endswith(".json") else req.model,
        "accelerator": req.accelerator,
        "count": req.count,
        "precision": req.precision,
        "engine": req.engine,
        "mode": mode,
        "weights_gib": _f(inf.weight_bytes_total(shape, inf.WEIGHT_BYTES[req.precision])) / inf.GIB,
        "input_tokens_mean": float(np.mean(isl)),
        "output_tokens_mean": float(np.mean(osl)),
        "trace": trace_info,
        "slo": {"ttft_s": req.slo_ttft_s, "tpot_s": req.slo_tpot_s},
    }
    return _Inputs(shape, inf.hardware_shape(row), row, isl, osl, mode, qps, base)


def _user_layout(req: InferenceRequest, x: _Inputs) -> sizing.Layout | None:
    """The layout fixed by ``--tp/--ep/--pp`` (checked), None when the user fixed none."""
    if req.tp is None and req.ep is None and req.pp is None:
        return None
    heads, experts, layers = int(x.shape.heads), int(x.shape.experts), int(x.shape.layers)
    tp = req.tp or 1
    pp = req.pp or 1
    ep = req.ep or sizing.expert_parallel(x.shape, tp)
    if experts == 0 and ep > 1:
        raise InputError(f"{req.model} has no experts; ep must be 1", where="ep")
    if experts and experts % ep:
        raise InputError(f"must divide the {experts} experts of {req.model}, got {ep}", where="ep")
    if heads % tp:
        raise InputError(f"must divide the {heads} attention heads, got {tp}", where="tp")
    if pp > layers:
        raise InputError(f"must be at most the {layers} layers, got {pp}", where="pp")
    stage = max(tp, ep)
    if stage % tp or stage % ep:
        raise InputError(
            f"tp {tp} and ep {ep}: the larger must be a multiple of the smaller", where="tp"
        )
    if stage * pp > req.count:
        raise InputError(
            f"a replica needs {stage * pp} accelerators but count is {req.count}", where="count"
        )
    if stage * pp > 1 and float(x.hw.scale_up_gb_per_s) <= 0:
        raise InputError(
            f"{x.row['id']} has no scale-up fabric; tp, ep and pp must be 1", where="tp"
        )
    return sizing.Layout(tp, ep, stage // tp, pp)


def _fleet_layouts(req: InferenceRequest, x: _Inputs) -> list[sizing.Layout]:
    """Layouts the ``--count`` accelerators can run: the user's, or every layout of the
    sizing ladder (:func:`gigawatt.models.sizing.layout_ladder`) whose size divides the count."""
    user = _user_layout(req, x)
    if user is not None:
        return [user]
    ladder = sizing.layout_ladder(x.shape, x.hw, req.count)
    return [lay for lay in ladder if req.count % lay.n == 0] or [sizing.Layout(1, 1)]


def _setup(req: InferenceRequest) -> ServingSetup:
    return ServingSetup(req.model, req.accelerator, req.precision, req.engine, req.options)


def _draw(req: InferenceRequest, x: _Inputs) -> tuple[F64, F64, np.random.Generator]:
    """Monte Carlo requests drawn from the lengths, and the generator after the draw."""
    rng = np.random.default_rng(req.seed)
    idx = rng.integers(0, x.isl.size, srv.MC_SAMPLES)
    return x.isl[idx], x.osl[idx], rng


def _f(x: Any) -> float:
    return float(np.asarray(x).reshape(-1)[0])


def plan_inference(
    req: InferenceRequest,
    catalog: Catalog | None = None,
    *,
    offer: str | None = None,
    venue: str | None = None,
    region: str | None = None,
    hours: float = 1.0,
) -> InferenceResult:
    """Throughput and latency of the ``req.count`` accelerators (the best layout for them),
    SLO capacity, the accelerators an SLO needs (:func:`gigawatt.evaluate.replicas.
    size_replicas`, independent of the count) and the footprint of serving ``hours`` h
    (energy, carbon, water, cost, USD per 1M tokens; at ``offer`` / ``venue`` / ``region``)."""
    _validate(req)
    catalog = catalog or load_catalog()
    x = _resolve(req, catalog)
    cache = ServingCache(catalog)
    mi, mo = x.means
    scored = []
    for layout in _fleet_layouts(req, x):
        rep = cache.replica(_setup(req), layout)
        devices = int(_f(rep.devices))
        if devices > req.count or not sizing.fits(rep, mi, mo):
            continue
        replicas = req.count // devices
        score = _score(rep, x.mode, replicas, mi, mo, x.qps, req.concurrency)
        scored.append((score, -layout.n, layout, rep, replicas))
    if not scored:
        result = _does_not_fit(req, x)
    else:
        _, _, layout, rep, replicas = max(scored, key=lambda s: (s[0], s[1]))
        result = _fleet_result(req, x, layout, rep, replicas)
    if req.slo_ttft_s is not None or req.slo_tpot_s is not None:
        result.accelerators_needed = _accelerators_needed(req, x, cache, result)
    if result.fits and result.throughput_output_tokens_per_s:
        result.footprint = serving_footprint(
            catalog,
            req.accelerator,
            req.count,
            result.throughput_output_tokens_per_s,
            hours=hours,
            region=region,
            offer=offer,
            venue=venue,
        )
    return result


def _accelerators_needed(
    req: InferenceRequest, x: _Inputs, cache: ServingCache, result: InferenceResult
) -> int | None:
    """Accelerators carrying the load within the SLO by the one sizing rule: the ``--qps``
    rate, the rate the closed loop reaches, or (offline) one replica of the most efficient
    layout; the user's layout when fixed. None when no layout meets the SLO."""
    if x.mode == "qps":
        target = x.qps
    elif x.mode == "concurrency":
        if result.request_rate_per_s is None:
            return None
        target = result.request_rate_per_s
    else:
        target = None
    user = _user_layout(req, x)
    s_isl, s_osl, _ = _draw(req, x)
    if req.trace:
        lengths = Lengths.drawn(s_isl, s_osl, req.seed)
    else:
        lengths = Lengths.fixed(float(x.isl[0]), float(x.osl[0]), req.seed)
    sized = size_replicas(
        cache,
        _setup(req),
        lengths,
        target or None,
        req.slo_ttft_s,
        req.slo_tpot_s,
        layouts=None if user is None else [user],
    )
    return None if sized is None else sized.accelerators


def _score(
    rep: srv.Replica,
    mode: str,
    replicas: int,
    mi: float,
    mo: float,
    qps: float | None,
    concurrency: int | None,
) -> float:
    """Higher is better: system throughput (offline / closed loop), or -latency under a rate."""
    if mode == "offline":
        return replicas * _f(srv.offline(rep, mi, mo).output_tokens_per_s)
    if mode == "concurrency":
        c = max((concurrency or 1) / replicas, 1.0)
        return replicas * _f(srv.closed_loop(rep, c, mi, mo).output_tokens_per_s)
    st = srv.poisson(rep, (qps or 0.0) / replicas, mi, mo)
    latency = _f(st.ttft_s) + (mo - 1.0) * _f(st.tpot_s)
    return -latency if math.isfinite(latency) else -1e30 + replicas * _f(st.output_tokens_per_s)


def _does_not_fit(req: InferenceRequest, x: _Inputs) -> InferenceResult:
    biggest = max(_fleet_layouts(req, x), key=lambda c: c.n)
    n = min(biggest.n, req.count)
    memory_gib = float(x.hw.memory_gib)
    msg = (
        f"{x.base['model']} at {req.precision} needs {x.base['weights_gib']:.1f} GiB of weights "
        f"plus KV cache; does not fit in {n * memory_gib:.0f} GiB ({n} x {x.row['id']}, "
        f"{memory_gib:.0f} GiB each)"
    )
    layout = {
        "tp": biggest.tp,
        "ep": biggest.ep,
        "dp": biggest.dp,
        "pp": biggest.pp,
        "replicas": 0,
        "accelerators_per_replica": n,
        "accelerators_used": 0,
    }
    return InferenceResult(
        **x.base,
        fits=False,
        message=msg,
        kv_cache_gib=None,
        max_concurrent_sequences=None,
        layout=layout,
    )


def _steady_state(
    req: InferenceRequest, x: _Inputs, rep: srv.Replica, replicas: int
) -> tuple[srv.SteadyState, bool, float | None, float]:
    """(scalar steady state of one replica, closed loop?, system request rate [requests/s]
    (None: from the throughput), requests in flight in the system)."""
    mi, mo = x.means
    if x.mode == "offline":
        st = srv.offline(rep, mi, mo)
        return lat.scalar_state(st), True, None, _f(st.concurrency) * replicas
    if x.mode == "concurrency":
        c = max((req.concurrency or 1) / replicas, 1.0)
        st = srv.closed_loop(rep, c, mi, mo)
        return lat.scalar_state(st), True, None, float(req.concurrency or 1)
    st = srv.poisson(rep, (x.qps or 0.0) / replicas, mi, mo)
    return lat.scalar_state(st), False, x.qps, _f(st.concurrency) * replicas


def _fleet_result(
    req: InferenceRequest, x: _Inputs, cand: sizing.Layout, rep: srv.Replica, replicas: int
) -> InferenceResult:
    """Throughput, latency distribution and SLO capacity of ``replicas`` replicas of ``cand``."""
    mi, mo = x.means
    s_isl, s_osl, rng = _draw(req, x)
    per_rep_devices = int(_f(rep.devices))
    scalar, closed, rate, in_flight = _steady_state(req, x, rep, replicas)
    conc: float | None = in_flight
    ttft, tpot = lat.latency_samples(rep, scalar, s_isl, s_osl, closed=closed, rng=rng)
    thr_out = replicas * scalar.output_tokens_per_s
    if rate is None:
        rate = thr_out / mo
    msg = "ok"
    if x.mode == "qps" and not math.isfinite(float(scalar.ttft_s)):
        msg = (
            f"overloaded: {x.qps:.3g} requests/s exceeds the capacity of {replicas} replica(s) "
            f"(~{thr_out / mo:.3g} requests/s); latencies are unbounded"
        )
        conc = None  # the queue grows without bound: no steady number in flight
    layout = {
        "tp": cand.tp,
        "ep": cand.ep,
        "dp": cand.dp,
        "pp": cand.pp,
        "replicas": replicas,
        "accelerators_per_replica": per_rep_devices,
        "accelerators_used": replicas * per_rep_devices,
        "kv_bytes_per_element": float(rep.kv_bytes),
        "disaggregated": req.options.disaggregated,
    }
    result = InferenceResult(
        **x.base,
        fits=True,
        message=msg,
        kv_cache_gib=max(_f(rep.kv_budget()), 0.0) * cand.n * replicas / inf.GIB,
        max_concurrent_sequences=int(_f(rep.slots(mi, mo))) * replicas,
        layout=layout,
        request_rate_per_s=rate,
        concurrency=conc,
        throughput_output_tokens_per_s=thr_out,
        throughput_input_tokens_per_s=replicas * scalar.input_tokens_per_s,
        latency=lat.summarise(ttft, tpot).as_dict(),
    )
    if req.slo_ttft_s is not None or req.slo_tpot_s is not None:
        slo = lat.max_rate_at_slo(rep, s_isl, s_osl, req.slo_ttft_s, req.slo_tpot_s, seed=req.seed)
        result.max_qps_at_slo = slo.max_rate * replicas
        result.goodput_requests_per_s = slo.goodput * replicas
        if slo.max_rate <= 0:
            result.message = "the SLO cannot be met by this layout even at a negligible rate"
    return result
