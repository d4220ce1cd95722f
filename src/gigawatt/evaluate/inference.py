"""Inference planning: resolve inputs, pick a layout, run the serving model, return one result.

Thin orchestration over :mod:`gigawatt.models.inference` and :mod:`gigawatt.models.serving`; the
CLI (``gigawatt infer``) renders :class:`InferenceResult`.
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
from gigawatt.evaluate.resolve import model_architecture
from gigawatt.models import inference as inf
from gigawatt.models import serving as srv
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

    Throughputs in tokens/s for the whole system, latencies in s, memory in GiB.
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

    def to_dict(self) -> dict[str, Any]:
        """Flat JSON object (latency fields at top level)."""
        d = asdict(self)
        lat = d.pop("latency")
        for key in ("ttft", "tpot"):
            for stat in ("mean", "p50", "p95", "p99"):
                d[f"{key}_s_{stat}"] = lat.get(f"{key}_s_{stat}")
        return d


@dataclass(frozen=True)
class _Candidate:
    tp: int
    ep: int
    dp: int
    pp: int = 1

    @property
    def n(self) -> int:
        """Accelerators of one replica (one prefill/decode pool)."""
        return self.tp * self.dp * self.pp


def _check_positive(name: str, value: float | None, *, integer: bool = False) -> None:
    if value is None:
        return
    if value <= 0 or (integer and int(value) != value):
        kind = "an integer >= 1" if integer else "a number > 0"
        raise InputError(f"must be {kind}, got {value!r}", where=name)


def _validate(req: InferenceRequest) -> None:
    _check_positive("--count", req.count, integer=True)
    for name, v in (
        ("--input-tokens", req.input_tokens),
        ("--output-tokens", req.output_tokens),
        ("--concurrency", req.concurrency),
        ("--tp", req.tp),
        ("--ep", req.ep),
        ("--pp", req.pp),
    ):
        _check_positive(name, v, integer=True)
    for name, f in (
        ("--qps", req.qps),
        ("--slo-ttft-s", req.slo_ttft_s),
        ("--slo-tpot-s", req.slo_tpot_s),
    ):
        _check_positive(name, f)
    modes = sum([req.offline, req.qps is not None, req.concurrency is not None])
    if modes > 1:
        raise InputError("give at most one of --offline, --qps, --concurrency", where="mode")
    if req.trace and (req.input_tokens or req.output_tokens):
        raise InputError(
            "give either --trace or --input-tokens/--output-tokens, not both", where="--trace"
        )
    if req.precision not in inf.INFERENCE_PRECISIONS:
        raise InputError(
            f"unknown precision {req.precision!r}; allowed: {', '.join(inf.INFERENCE_PRECISIONS)}",
            where="--precision",
        )
    o = req.options
    if not 0.0 <= o.prefix_hit_rate < 1.0:
        raise InputError(f"must be in [0, 1), got {o.prefix_hit_rate!r}", where="--prefix-hit-rate")
    if not 0.0 <= o.spec_acceptance < 1.0:
        raise InputError(f"must be in [0, 1), got {o.spec_acceptance!r}", where="--spec-acceptance")
    if o.spec_tokens < 0:
        raise InputError(f"must be >= 0, got {o.spec_tokens!r}", where="--spec-tokens")


def _candidates(
    req: InferenceRequest, shape: inf.ModelShape, hw: inf.HardwareShape, row: dict[str, Any]
) -> list[_Candidate]:
    """Layouts to try: the user's (``--tp/--ep/--pp``) or tensor parallel up to the scale-up
    domain, then pipeline stages across domains (expert parallel = stage size for MoE)."""
    heads = int(shape.heads)
    experts = int(shape.experts)
    layers = int(shape.layers)
    domain = max(int(hw.domain_size), 1)
    no_fabric = float(hw.scale_up_gb_per_s) <= 0
    if req.tp is not None or req.ep is not None or req.pp is not None:
        tp = req.tp or 1
        pp = req.pp or 1
        ep = req.ep or (tp if experts and experts % tp == 0 else 1)
        if experts == 0 and ep > 1:
            raise InputError(f"{req.model} has no experts; --ep must be 1", where="--ep")
        if experts and experts % ep:
            raise InputError(
                f"must divide the {experts} experts of {req.model}, got {ep}", where="--ep"
            )
        if heads % tp:
            raise InputError(f"must divide the {heads} attention heads, got {tp}", where="--tp")
        if pp > layers:
            raise InputError(f"must be at most the {layers} layers, got {pp}", where="--pp")
        stage = max(tp, ep)
        if stage % tp or stage % ep:
            raise InputError(
                f"--tp {tp} and --ep {ep}: the larger must be a multiple of the smaller",
                where="--tp",
            )
        if stage * pp > req.count:
            raise InputError(
                f"a replica needs {stage * pp} accelerators but --count is {req.count}",
                where="--count",
            )
        if stage * pp > 1 and no_fabric:
            raise InputError(
                f"{row['id']} has no scale-up fabric; --tp, --ep and --pp must be 1", where="--tp"
            )
        return [_Candidate(tp, ep, stage // tp, pp)]
    out = []
    n = 1
    limit = 1 if no_fabric else req.count
    while n <= limit:
        if req.count % n == 0:
            tp = min(n, domain)
            while tp > 1 and heads % tp:
                tp //= 2
            pp = n // tp
            if tp * pp == n and pp <= layers:
                ep = tp if experts and experts % tp == 0 else 1
                out.append(_Candidate(tp, ep, 1, pp))
        n *= 2
    return out or [_Candidate(1, 1, 1)]


def _replica(
    shape: inf.ModelShape, hw: inf.HardwareShape, req: InferenceRequest, cand: _Candidate
) -> srv.Replica:
    wb, code = inf.precision_codes([req.precision])
    return srv.Replica(
        shape,
        hw,
        float(wb[0]),
        float(code[0]),
        inf.default_kv_bytes(req.engine, req.precision),
        float(cand.tp),
        float(cand.ep),
        float(cand.dp),
        inf.engine_constants(req.engine),
        srv.ENGINE_MAX_BATCH.get(req.engine, 2048.0),
        req.options,
        float(cand.pp),
    )


def _f(x: Any) -> float:
    return float(np.asarray(x).reshape(-1)[0])


def plan_inference(req: InferenceRequest, catalog: Catalog | None = None) -> InferenceResult:
    """Throughput, latency distribution, SLO capacity and sizing for ``req``."""
    _validate(req)
    catalog = catalog or load_catalog()
    arch = model_architecture(req.model, catalog, field="--model")
    row = catalog.get("accelerators", req.accelerator, field="--accelerator")
    inf.engine_constants(req.engine)
    peak_tflops(row, inf.COMPUTE_PRECISION[req.precision], field="--precision")
    shape = inf.model_shape(arch)
    hw = inf.hardware_shape(row)
    model_name = Path(req.model).stem if req.model.endswith(".json") else req.model

    trace_info = None
    if req.trace:
        tr = read_trace(req.trace)
        isl, osl = tr.input_tokens.astype(float), tr.output_tokens.astype(float)
        trace_info = tr.summary()
        trace_rate = tr.rate_per_s
    else:
        isl = np.array([float(req.input_tokens or DEFAULT_INPUT_TOKENS)])
        osl = np.array([float(req.output_tokens or DEFAULT_OUTPUT_TOKENS)])
        trace_rate = None
    mi, mo = float(np.mean(isl)), float(np.mean(osl))
    if req.offline:
        mode = "offline"
    elif req.qps is not None:
        mode = "qps"
    elif req.concurrency is not None:
        mode = "concurrency"
    else:
        mode = "qps" if trace_rate else "offline"
    qps = req.qps if req.qps is not None else (trace_rate if mode == "qps" else None)

    weights_gib = _f(inf.weight_bytes_total(shape, inf.WEIGHT_BYTES[req.precision])) / inf.GIB
    base: dict[str, Any] = {
        "model": model_name,
        "accelerator": req.accelerator,
        "count": req.count,
        "precision": req.precision,
        "engine": req.engine,
        "mode": mode,
        "weights_gib": weights_gib,
        "input_tokens_mean": mi,
        "output_tokens_mean": mo,
        "trace": trace_info,
        "slo": {"ttft_s": req.slo_ttft_s, "tpot_s": req.slo_tpot_s},
    }

    scored = []
    for cand in _candidates(req, shape, hw, row):
        rep = _replica(shape, hw, req, cand)
        seqs = _f(rep.max_sequences(mi + mo))
        if seqs < 1 or cand.n * (2 if req.options.disaggregated else 1) > req.count:
            continue
        replicas = req.count // int(_f(rep.devices))
        if replicas < 1:
            continue
        score = _score(rep, mode, replicas, mi, mo, qps, req.concurrency)
        scored.append((score, -cand.n, cand, rep, replicas))
    if not scored:
        return _does_not_fit(req, shape, hw, row, base)
    scored.sort(key=lambda s: (s[0], s[1]), reverse=True)
    _, _, cand, rep, replicas = scored[0]
    return _evaluate(req, rep, cand, replicas, isl, osl, mode, qps, base)


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


def _does_not_fit(
    req: InferenceRequest,
    shape: inf.ModelShape,
    hw: inf.HardwareShape,
    row: dict[str, Any],
    base: dict[str, Any],
) -> InferenceResult:
    cands = _candidates(req, shape, hw, row)
    biggest = max(cands, key=lambda c: c.n)
    n = min(biggest.n, req.count)
    usable = n * float(hw.memory_gib)
    msg = (
        f"{base['model']} at {req.precision} needs {base['weights_gib']:.1f} GiB of weights "
        f"plus KV cache; does not fit in {usable:.0f} GiB ({n} x {row['id']}, "
        f"{float(hw.memory_gib):.0f} GiB each)"
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
        **base,
        fits=False,
        message=msg,
        kv_cache_gib=None,
        max_concurrent_sequences=None,
        layout=layout,
    )


def _evaluate(
    req: InferenceRequest,
    rep: srv.Replica,
    cand: _Candidate,
    replicas: int,
    isl: F64,
    osl: F64,
    mode: str,
    qps: float | None,
    base: dict[str, Any],
) -> InferenceResult:
    mi, mo = float(np.mean(isl)), float(np.mean(osl))
    rng = np.random.default_rng(req.seed)
    idx = rng.integers(0, isl.size, srv.MC_SAMPLES)
    s_isl, s_osl = isl[idx], osl[idx]
    per_rep_devices = int(_f(rep.devices))
    seqs = int(_f(rep.slots(mi, mo)))
    kv_gib = max(_f(rep.kv_budget()), 0.0) * cand.n * replicas / inf.GIB
    if mode == "offline":
        st = srv.offline(rep, mi, mo)
        closed, rate, conc = True, None, _f(st.concurrency) * replicas
    elif mode == "concurrency":
        c = max((req.concurrency or 1) / replicas, 1.0)
        st = srv.closed_loop(rep, c, mi, mo)
        closed, rate, conc = True, None, float(req.concurrency or 1)
    else:
        lam = (qps or 0.0) / replicas
        st = srv.poisson(rep, lam, mi, mo)
        closed, rate, conc = False, qps, _f(st.concurrency) * replicas
    scalar = srv._scalar(st)
    ttft, tpot = srv.latency_samples(rep, scalar, s_isl, s_osl, closed=closed, rng=rng)
    stats = srv.summarise(ttft, tpot)
    thr_out = replicas * scalar.output_tokens_per_s
    thr_in = replicas * scalar.input_tokens_per_s
    if rate is None:
        rate = thr_out / mo
    overloaded = mode == "qps" and not math.isfinite(float(scalar.ttft_s))
    msg = "ok"
    if overloaded:
        msg = (
            f"overloaded: {qps:.3g} requests/s exceeds the capacity of {replicas} replica(s) "
            f"(~{thr_out / mo:.3g} requests/s); latencies are unbounded"
        )
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
        **base,
        fits=True,
        message=msg,
        kv_cache_gib=kv_gib,
        max_concurrent_sequences=seqs * replicas,
        layout=layout,
        request_rate_per_s=rate,
        concurrency=conc,
        throughput_output_tokens_per_s=thr_out,
        throughput_input_tokens_per_s=thr_in,
        latency=stats.as_dict(),
    )
    if req.slo_ttft_s is not None or req.slo_tpot_s is not None:
        slo = srv.max_rate_at_slo(rep, s_isl, s_osl, req.slo_ttft_s, req.slo_tpot_s, seed=req.seed)
        result.max_qps_at_slo = slo.max_rate * replicas
        result.goodput_requests_per_s = slo.goodput * replicas
        target = qps if mode == "qps" else (rate if mode == "concurrency" else None)
        if slo.max_rate > 0:
            need = srv.replicas_needed(target, slo.max_rate) if target else 1
            result.accelerators_needed = None if need is None else need * per_rep_devices
        if slo.max_rate <= 0:
            result.message = "the SLO cannot be met by this layout even at a negligible rate"
    return result
