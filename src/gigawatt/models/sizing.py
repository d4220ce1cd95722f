"""Replica sizing: the layouts a model can be served with on an accelerator, and which layout and
how many replicas of it carry a request rate within a latency SLO.

The rule (one for ``gigawatt infer`` and the planner's option table, see
:func:`gigawatt.evaluate.replicas.size_replicas`):

- Layouts (:func:`layout_ladder`): for each power of two ``n`` accelerators, tensor parallel
  ``tp = min(n, scale-up domain)`` halved until it divides the attention heads (the KV cache is
  split over ``min(tp, kv_heads)`` ranks and replicated beyond, see
  :func:`gigawatt.models.inference_shapes.kv_bytes_per_token_device`), pipeline stages
  ``pp = n / tp`` across domains (at most one per layer), expert parallel ``ep = tp`` when it
  divides the experts (else 1). Without a scale-up fabric only ``n = 1``.
- A layout fits (:func:`fits`) when its KV budget holds one request as the engine's admission
  policy counts it: the prompt plus ``kv_output_share`` of the output.
- Sizing for a load tries the fitting layouts within one scale-up domain, or, for a model no
  domain holds, the smallest fitting layout across domains (:func:`sizing_layouts`): a replica
  spans domains only when it must, as serving engines are deployed (tensor parallel inside a
  node, pipeline stages across nodes only for models one node cannot hold).
- Choice (:func:`choose_replicas`): the layout needing the fewest accelerators for whole
  replicas at the peak rate (ties: the smaller replica, then the one with fewer accelerators
  per request/s); without a load, the fewest accelerators per request/s. A small load (an edge
  site) thus gets the smallest replica rather than the most efficient large one.

Rates are per replica in requests/s; accelerators count both pools of a disaggregated replica.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from gigawatt.models import inference as inf
from gigawatt.models import serving as srv

MAX_REPLICA_ACCELERATORS = 64
"""Largest replica (accelerators in one layout) tried when sizing for a load."""


@dataclass(frozen=True)
class Layout:
    """Parallel sizes of one replica: ``tp`` attention tensor parallel, ``ep`` expert parallel
    groups, ``dp`` attention data parallel, ``pp`` pipeline stages (accelerators)."""

    tp: int
    ep: int
    dp: int = 1
    pp: int = 1

    @property
    def n(self) -> int:
        """Accelerators of one pool of the replica (``tp * dp * pp``)."""
        return self.tp * self.dp * self.pp


def layout_for(m: inf.ModelShape, hw: inf.HardwareShape, n: int) -> Layout | None:
    """The layout of ``n`` accelerators (module docstring); None when it needs more pipeline
    stages than the model has layers."""
    tp = min(n, max(int(hw.domain_size), 1))
    heads = int(m.heads)
    while tp > 1 and heads % tp:
        tp //= 2
    pp = n // tp
    if tp * pp != n or pp > int(m.layers):
        return None
    return Layout(tp, expert_parallel(m, tp), 1, pp)


def expert_parallel(m: inf.ModelShape, tp: int) -> int:
    """Expert-parallel size that goes with ``tp``: ``tp`` when it divides the experts, else 1
    (dense models: 1)."""
    experts = int(m.experts)
    return tp if experts and experts % tp == 0 else 1


def layout_ladder(m: inf.ModelShape, hw: inf.HardwareShape, max_n: int) -> list[Layout]:
    """Layouts of 1, 2, 4, ... up to ``max_n`` accelerators (only 1 without a scale-up
    fabric), smallest first."""
    limit = 1 if float(hw.scale_up_gb_per_s) <= 0 else max_n
    out = []
    n = 1
    while n <= limit:
        layout = layout_for(m, hw, n)
        if layout is not None:
            out.append(layout)
        n *= 2
    return out


def sizing_layouts(
    m: inf.ModelShape, hw: inf.HardwareShape, fit: Callable[[Layout], bool]
) -> list[Layout]:
    """Layouts tried when sizing for a load (module docstring): the layouts of the ladder up to
    :data:`MAX_REPLICA_ACCELERATORS` for which ``fit`` holds, within one scale-up domain, or
    the smallest one when none fits within a domain."""
    fitting = [x for x in layout_ladder(m, hw, MAX_REPLICA_ACCELERATORS) if fit(x)]
    if not fitting:
        return []
    limit = max(int(hw.domain_size), fitting[0].n)
    return [x for x in fitting if x.n <= limit]


def replica(
    m: inf.ModelShape,
    hw: inf.HardwareShape,
    precision: str,
    engine: str,
    options: srv.ServingOptions,
    layout: Layout,
) -> srv.Replica:
    """The serving replica of ``layout`` with the engine's default KV dtype and batch cap."""
    wb, code = inf.precision_codes([precision])
    return srv.Replica(
        m,
        hw,
        float(wb[0]),
        float(code[0]),
        inf.default_kv_bytes(engine, precision),
        float(layout.tp),
        float(layout.ep),
        float(layout.dp),
        inf.engine_constants(engine),
        srv.ENGINE_MAX_BATCH.get(engine, 2048.0),
        options,
        float(layout.pp),
    )


def fits(rep: srv.Replica, isl: float, osl: float) -> bool:
    """Whether the replica's KV budget holds one request of ``isl`` prompt and ``osl`` output
    tokens as the engine admits it (prompt plus ``kv_output_share`` of the output)."""
    held = rep.max_sequences(isl + float(rep.engine.kv_output_share) * osl)
    return float(np.asarray(held).reshape(-1)[0]) >= 1.0


@dataclass(frozen=True)
class ReplicaRate:
    """What one layout carries: ``rate_per_s`` within the SLO (the offline rate without one)
    and ``offline_rate_per_s`` at full load, requests/s per replica; ``accelerators`` per
    replica (both pools when disaggregated)."""

    layout: Layout
    accelerators: int
    rate_per_s: float
    offline_rate_per_s: float


@dataclass(frozen=True)
class ReplicaSizing:
    """The chosen layout and how many whole replicas of it carry the peak (1 without a load)."""

    rate: ReplicaRate
    replicas: int

    @property
    def accelerators(self) -> int:
        """Accelerators of all replicas."""
        return self.replicas * self.rate.accelerators


def whole_replicas(peak_rate_per_s: float, rate_per_s: float) -> int:
    """Whole replicas carrying ``peak_rate_per_s`` at ``rate_per_s`` each (at least 1)."""
    return max(1, math.ceil(peak_rate_per_s / rate_per_s - 1e-9))


def _cost(
    accelerators: int, rate_per_s: float, peak_rate_per_s: float | None
) -> tuple[float, float]:
    """Sort key of a layout carrying ``rate_per_s``: accelerators for the peak (or per
    request/s without a load), then the replica's accelerators."""
    if peak_rate_per_s is None:
        return (accelerators / rate_per_s, accelerators)
    return (accelerators * whole_replicas(peak_rate_per_s, rate_per_s), accelerators)


def choose_replicas(
    candidates: Iterable[tuple[Layout, int, float]],
    rate_at_slo: Callable[[Layout], ReplicaRate],
    peak_rate_per_s: float | None,
) -> ReplicaSizing | None:
    """The layout needing the fewest accelerators (module docstring); None when no layout
    meets the SLO.

    ``candidates`` are (layout, accelerators per replica, offline rate per replica) of the
    layouts that fit; ``rate_at_slo`` gives a layout's rate within the SLO (never above its
    offline rate). Layouts are tried by their bound at the offline rate, and the search stops
    when that bound exceeds the best found: the same choice as trying every layout, with fewer
    latency evaluations.
    """
    order = sorted(
        (c for c in candidates if c[2] > 0 and math.isfinite(c[2])),
        key=lambda c: _cost(c[1], c[2], peak_rate_per_s),
    )
    best: tuple[tuple[float, float, float], ReplicaRate] | None = None
    for layout, accelerators, offline_rate in order:
        bound = _cost(accelerators, offline_rate, peak_rate_per_s)
        if best is not None and bound[0] > best[0][0]:
            break
        rate = rate_at_slo(layout)
        if not (rate.rate_per_s > 0 and math.isfinite(rate.rate_per_s)):
            continue
        key = (
            *_cost(accelerators, rate.rate_per_s, peak_rate_per_s),
            accelerators / rate.rate_per_s,
        )
        if best is None or key < best[0]:
            best = (key, rate)
    if best is None:
        return None
    rate = best[1]
    replicas = 1 if peak_rate_per_s is None else whole_replicas(peak_rate_per_s, rate.rate_per_s)
    return ReplicaSizing(rate, replicas)
