"""Inference validation family: predicted TTFT, TPOT and throughput vs measured serving runs.

Cases live in ``data/inference_cases.csv`` (bundled, each row with its source):

- ``serving`` rows: closed-loop runs of the AIConfigurator silicon sample (NVIDIA ai-dynamo,
  Apache-2.0): TTFT and TPOT by engine, GPU, model, precision, lengths, concurrency and layout,
  restricted to models and accelerators the catalog has (see docs/models/inference.md);
- ``throughput`` rows: TensorRT-LLM max-throughput tables (output tokens/s).

``split`` is ``train`` (used by :func:`fit_engine_constants`) or ``test`` (held out: every GB200
run, i.e. unseen hardware, and a fixed quarter of the rest chosen by a hash of the run's
configuration, so repeated measurements share a split). Data-quality rules R1-R4
(:mod:`gigawatt.validation.inference_quality`) exclude irreproducible or implausible metrics
from fitting and grading; they are still printed. Tolerance of a graded case: :data:`TOLERANCE`
by metric; the family targets are median |error| <= 15 % (throughput, TPOT) and <= 20 % (TTFT).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from gigawatt.catalog import Catalog
from gigawatt.evaluate.resolve import model_architecture
from gigawatt.models import inference as inf
from gigawatt.models import serving as srv
from gigawatt.validation.inference_quality import quality_exclusions
from gigawatt.validation.report import Case, compared

F64 = NDArray[np.float64]
FAMILY = "inference"
DATA = Path(__file__).parent / "data" / "inference_cases.csv"
#: Per-case tolerance (relative) by metric: twice the family's median target (15 % throughput and
#: TPOT, 20 % TTFT), so a case fails when it is an outlier, not when it is merely off-median.
TOLERANCE: dict[str, float] = {"ttft_s": 0.4, "tpot_s": 0.3, "output_tokens_per_s": 0.3}


@dataclass(frozen=True)
class InferenceCase:
    """One bundled measurement (lengths in tokens, times in s, throughput in tokens/s)."""

    case_id: str
    kind: str
    engine: str
    model: str
    accelerator: str
    precision: str
    isl: float
    osl: float
    concurrency: float | None
    tp: int
    ep: int
    dp: int
    ttft_s: float | None
    tpot_s: float | None
    output_tokens_per_s: float | None
    split: str
    source: str
    engine_version: str = ""
    notes: str = ""

    def config_key(self) -> tuple[object, ...]:
        """Configuration of the run: two cases with the same key measured the same thing."""
        quant = "; ".join(part.strip() for part in self.notes.split(";")[1:3])
        return (
            self.engine,
            self.engine_version,
            self.model,
            self.accelerator,
            self.precision,
            quant,
            self.isl,
            self.osl,
            self.concurrency,
            self.tp,
            self.ep,
            self.dp,
        )


def _opt(value: str, scale: float = 1.0) -> float | None:
    return float(value) * scale if value.strip() else None


@lru_cache(maxsize=1)
def load_cases() -> tuple[InferenceCase, ...]:
    """The bundled cases."""
    with DATA.open(newline="", encoding="utf-8") as fh:
        return tuple(
            InferenceCase(
                case_id=r["case_id"],
                kind=r["kind"],
                engine=r["engine"],
                model=r["model"],
                accelerator=r["accelerator"],
                precision=r["precision"],
                isl=float(r["isl"]),
                osl=float(r["osl"]),
                concurrency=_opt(r["concurrency"]),
                tp=int(r["tp"]),
                ep=int(r["ep"]),
                dp=int(r["dp"]),
                ttft_s=_opt(r["ttft_ms"], 1e-3),
                tpot_s=_opt(r["tpot_ms"], 1e-3),
                output_tokens_per_s=_opt(r["output_tokens_per_s"]),
                split=r["split"],
                source=r["source"],
                engine_version=r["engine_version"],
                notes=r["notes"],
            )
            for r in csv.DictReader(fh)
        )


@dataclass(frozen=True)
class Predictions:
    """Predicted metrics for a tuple of cases (NaN where a metric does not apply)."""

    ttft_s: F64
    tpot_s: F64
    output_tokens_per_s: F64


class CaseArrays:
    """Cases turned into arrays once, so that predictions for new constants are one numpy call."""

    def __init__(self, cases: Sequence[InferenceCase], catalog: Catalog) -> None:
        self.cases = tuple(cases)
        models = sorted({c.model for c in cases})
        accels = sorted({c.accelerator for c in cases})
        self.model = inf.stack_models(
            [inf.model_shape(model_architecture(m, catalog)) for m in models]
        ).take(np.array([models.index(c.model) for c in cases]))
        self.hardware = inf.stack_hardware(
            [inf.hardware_shape(catalog.get("accelerators", a)) for a in accels]
        ).take(np.array([accels.index(c.accelerator) for c in cases]))
        self.weight_bytes, self.code = inf.precision_codes([c.precision for c in cases])
        self.kv_bytes = np.array([inf.default_kv_bytes(c.engine, c.precision) for c in cases])
        self.tp = np.array([float(c.tp) for c in cases])
        self.ep = np.array([float(c.ep) for c in cases])
        self.dp = np.array([float(c.dp) for c in cases])
        self.isl = np.array([c.isl for c in cases])
        self.osl = np.array([c.osl for c in cases])
        self.conc = np.array([c.concurrency or 0.0 for c in cases])
        self.engines = np.array([c.engine for c in cases])
        self.max_batch = np.array([srv.ENGINE_MAX_BATCH.get(c.engine, 2048.0) for c in cases])
        self.serving = np.array([c.kind == "serving" for c in cases])

        self.groups = []
        for engine in sorted(set(self.engines.tolist())):
            sel = self.engines == engine
            r = srv.Replica(
                self.model.take(sel),
                self.hardware.take(sel),
                self.weight_bytes[sel],
                self.code[sel],
                self.kv_bytes[sel],
                self.tp[sel],
                self.ep[sel],
                self.dp[sel],
                inf.engine_constants(engine),
                self.max_batch[sel],
            )
            self.groups.append((engine, sel, r))

    def kv_capacity(self) -> F64:
        """Requests a replica runs at once (KV-cache memory arithmetic with the engine's
        admission policy and batch cap; no fitted constant), per case."""
        out = np.full(len(self.cases), np.nan)
        for _engine, sel, r in self.groups:
            out[sel] = r.slots(self.isl[sel], self.osl[sel])
        return out

    def predict(self, constants: dict[str, inf.EngineConstants]) -> Predictions:
        """Predictions with ``constants`` (engine name -> constants)."""
        n = len(self.cases)
        ttft, tpot, thr = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
        for engine, sel, base in self.groups:
            r = replace(base, engine=constants[engine])
            serv = self.serving[sel]
            closed = srv.closed_loop(r, self.conc[sel], self.isl[sel], self.osl[sel])
            ttft[sel] = np.where(serv, closed.ttft_s, np.nan)
            tpot[sel] = np.where(serv, closed.tpot_s, np.nan)
            if not serv.all():
                off = srv.offline(r, self.isl[sel], self.osl[sel])
                thr[sel] = np.where(serv, np.nan, off.output_tokens_per_s)
        return Predictions(ttft, tpot, thr)


def _measured(cases: Sequence[InferenceCase]) -> Predictions:
    def col(name: str) -> F64:
        return np.array(
            [getattr(c, name) if getattr(c, name) is not None else np.nan for c in cases],
            dtype=float,
        )

    return Predictions(col("ttft_s"), col("tpot_s"), col("output_tokens_per_s"))


def _graded(meas: Predictions, exclusions: dict[tuple[int, str], str]) -> Predictions:
    """``meas`` with excluded metrics set to NaN (so fits and medians skip them)."""
    cols = {n: getattr(meas, n).copy() for n in ("ttft_s", "tpot_s", "output_tokens_per_s")}
    for k, metric in exclusions:
        cols[metric][k] = np.nan
    return Predictions(**cols)


def log_errors(pred: Predictions, meas: Predictions) -> F64:
    """log(predicted / measured) of every metric that applies, concatenated."""
    parts = []
    for name in ("ttft_s", "tpot_s", "output_tokens_per_s"):
        p, m = getattr(pred, name), getattr(meas, name)
        ok = np.isfinite(m)
        weight = 4 if name == "output_tokens_per_s" else 1  # few throughput rows: weigh them up
        parts.extend([np.log(np.maximum(p[ok], 1e-12) / m[ok])] * weight)
    return np.concatenate(parts)


# --------------------------------------------------------------------------------------------
# calibration
# --------------------------------------------------------------------------------------------

_PER_ENGINE = (
    "bw_eff",
    "prefill_eff",
    "layer_overhead_s",
    "ttft_overhead_s",
    "burst_share",
    "ttft_steps",
)
_GLOBAL = ("collective_latency_s",)
#: Held at their stored values: the decode matmul efficiency (only the two training
#: throughput rows constrain it; see docs) and the scheduler's token budget (engine default).
_HELD = ("decode_eff", "prefill_chunk_tokens", "kv_output_share")
#: Fitted efficiencies live in [lower bound, 1]: prefill reaches at least 10 % of the dense peak
#: (prior; MoE prefill on B200 sits near it, see docs/models/inference.md); the others in (0, 1].
_BOUNDS = {"bw_eff": 0.0, "decode_eff": 0.0, "prefill_eff": 0.1, "burst_share": 0.0}


def _to_free(name: str, value: float) -> float:
    if name in _BOUNDS:
        lo = _BOUNDS[name]
        v = min(max((value - lo) / (1.0 - lo), 1e-4), 1 - 1e-4)
        return math.log(v / (1 - v))
    return math.log(max(value, 1e-12))


def _from_free(name: str, value: float) -> float:
    if name in _BOUNDS:
        lo = _BOUNDS[name]
        return lo + (1.0 - lo) / (1.0 + math.exp(-value))
    return math.exp(value)


def _pack(constants: dict[str, inf.EngineConstants], engines: Sequence[str]) -> F64:
    x = [_to_free(f, getattr(constants[e], f)) for e in engines for f in _PER_ENGINE]
    first = constants[engines[0]]
    x.extend(_to_free(f, getattr(first, f)) for f in _GLOBAL)
    return np.array(x)


def _unpack(x: F64, engines: Sequence[str]) -> dict[str, inf.EngineConstants]:
    base = len(engines) * len(_PER_ENGINE)
    glob = {f: _from_free(f, float(x[base + i])) for i, f in enumerate(_GLOBAL)}
    out = {}
    for k, e in enumerate(engines):
        per = {
            f: _from_free(f, float(x[k * len(_PER_ENGINE) + i])) for i, f in enumerate(_PER_ENGINE)
        }
        fixed = {f: getattr(inf.ENGINES[e], f) for f in _HELD}
        out[e] = inf.EngineConstants(**per, **glob, **fixed)
    return out


def nelder_mead(
    f: Callable[[F64], float],
    x0: F64,
    step: float = 0.5,
    iterations: int = 3000,
    tol: float = 1e-10,
) -> F64:
    """Minimise ``f`` from ``x0`` with the Nelder-Mead simplex (Nelder & Mead 1965)."""
    n = x0.size
    simplex = np.vstack([x0] + [x0 + step * np.eye(n)[i] for i in range(n)])
    values = np.array([f(p) for p in simplex])
    for _ in range(iterations):
        order = np.argsort(values)
        simplex, values = simplex[order], values[order]
        if values[-1] - values[0] < tol:
            break
        centroid = simplex[:-1].mean(axis=0)
        refl = centroid + (centroid - simplex[-1])
        fr = f(refl)
        if fr < values[0]:
            exp = centroid + 2.0 * (centroid - simplex[-1])
            fe = f(exp)
            simplex[-1], values[-1] = (exp, fe) if fe < fr else (refl, fr)
        elif fr < values[-2]:
            simplex[-1], values[-1] = refl, fr
        else:
            contr = centroid + 0.5 * (simplex[-1] - centroid)
            fc = f(contr)
            if fc < values[-1]:
                simplex[-1], values[-1] = contr, fc
            else:
                simplex[1:] = simplex[0] + 0.5 * (simplex[1:] - simplex[0])
                values[1:] = [f(p) for p in simplex[1:]]
    best: F64 = simplex[int(np.argmin(values))]
    return best


def fit_engine_constants(catalog: Catalog, restarts: int = 3) -> dict[str, inf.EngineConstants]:
    """Fit the engine constants on the ``train`` split: mean absolute log error (Nelder-Mead from
    the stored constants), metrics excluded by the data-quality rules skipped.

    Per engine: memory-bandwidth and prefill efficiencies, per-layer step overhead, TTFT overhead,
    burst share, TTFT steps; shared: collective latency; held: decode matmul efficiency and the
    scheduler token budget (see docs/models/inference.md).
    """
    train = [c for c in load_cases() if c.split == "train"]
    arrays = CaseArrays(train, catalog)
    meas = _graded(_measured(train), quality_exclusions(train, arrays))
    engines = sorted(set(inf.ENGINES))

    def loss(x: F64) -> float:
        err = log_errors(arrays.predict(_unpack(x, engines)), meas)
        return float(np.mean(np.where(np.isfinite(err), np.abs(err), 10.0)))

    x = _pack(inf.ENGINES, engines)
    for _ in range(restarts):
        x = nelder_mead(loss, x)
    return _unpack(x, engines)


# --------------------------------------------------------------------------------------------
# the validation family
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseError:
    """One metric of one case: predicted and measured value, and the data-quality rule that
    excludes it from fitting and grading ("" when graded)."""

    case: InferenceCase
    metric: str
    predicted: float
    measured: float
    excluded: str


def case_errors(
    catalog: Catalog,
    constants: dict[str, inf.EngineConstants] | None = None,
) -> list[CaseError]:
    """Every metric of every bundled case, with its exclusion rule if any."""
    cases = load_cases()
    arrays = CaseArrays(cases, catalog)
    pred = arrays.predict(constants or inf.ENGINES)
    exclusions = quality_exclusions(cases, arrays)
    out = []
    for i, c in enumerate(cases):
        for name in ("ttft_s", "tpot_s", "output_tokens_per_s"):
            measured = getattr(c, name)
            if measured is not None:
                why = exclusions.get((i, name), "")
                out.append(CaseError(c, name, float(getattr(pred, name)[i]), measured, why))
    return out


def inference_cases(catalog: Catalog) -> Iterator[Case]:
    """Validation family ``inference``: every case's predicted vs measured metric.

    Cases excluded by a data-quality rule are printed with their error but not graded
    (no tolerance; the detail names the rule).
    """
    units = {"ttft_s": "s", "tpot_s": "s", "output_tokens_per_s": "tokens/s"}
    for e in case_errors(catalog):
        c = e.case
        conc = "offline" if c.concurrency is None else f"c{c.concurrency:g}"
        subject = (
            f"{c.model} {c.accelerator} {c.engine} {c.precision} tp{c.tp} ep{c.ep} dp{c.dp}"
            f" {c.isl:g}/{c.osl:g} {conc}"
        )
        case_id = f"{c.case_id}:{e.metric}"
        unit = units[e.metric]
        if e.excluded:
            detail = f"split={c.split}; not graded, excluded by {e.excluded}"
            yield Case(
                FAMILY,
                case_id,
                subject,
                e.metric,
                unit,
                e.predicted,
                e.measured,
                None,
                True,
                c.source,
                detail,
            )
            continue
        yield compared(
            FAMILY,
            case_id,
            subject,
            e.metric,
            unit,
            e.predicted,
            e.measured,
            TOLERANCE[e.metric],
            c.source,
            f"split={c.split}",
        )


def median_errors(
    catalog: Catalog,
    constants: dict[str, inf.EngineConstants] | None = None,
    *,
    graded_only: bool = True,
) -> dict[tuple[str, str], float]:
    """Median |relative error| by (split, metric), plus ('all', metric); by default over the
    graded cases (excluded ones skipped), with ``graded_only=False`` over every case."""
    rows = case_errors(catalog, constants)
    out: dict[tuple[str, str], float] = {}
    for split in ("train", "test", "all"):
        for metric in ("ttft_s", "tpot_s", "output_tokens_per_s"):
            errs = [
                abs(e.predicted - e.measured) / e.measured
                for e in rows
                if e.metric == metric
                and (split == "all" or e.case.split == split)
                and not (graded_only and e.excluded)
            ]
            if errs:
                out[(split, metric)] = float(np.median(errs))
    return out
