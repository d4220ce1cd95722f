"""Serving model: steady state of a replica under continuous batching (offline, closed loop,
Poisson arrivals).

Built on the step times of :mod:`gigawatt.models.inference`. One *replica* (a tensor/expert
parallel group) runs continuous batching with chunked prefill: every forward step advances each
running sequence by one token and interleaves the prompts of newly admitted requests.

Steady state of a replica with ``C`` requests in flight, prompt ``I`` and output ``O`` tokens,
decode step ``t_d(C)`` and single-prompt prefill ``t_p(I)`` (seconds):

- ``TPOT = t_d + n_p * t_p / O`` where ``n_p`` prompts are prefilled while one request decodes
  (``C - 1`` in a closed loop, ``lambda * O * TPOT`` under Poisson arrivals);
- ``TTFT = t_p + s t_d + W`` for a request that arrives alone (``s`` running steps it sees,
  queueing ``W``: the M/D/1 wait ``rho t_p / (2 (1 - rho))`` under Poisson arrivals): the
  engine's own time, to which a deployment adds its request path (API front end, network;
  ``gigawatt.evaluate.network``). A closed-loop benchmark run adds ``t0``
  (``ttft_overhead_s``), the per-request overhead its harness and front end showed in the
  calibration runs, and a share ``beta`` of its requests instead arrives in a synchronised wave
  of ``C`` prompts batched into steps of at most ``B`` tokens and waits ``max(1, (C I / B + 1) /
  2)`` such steps on average (:func:`prefill_wave`);
- throughput ``C * O / (TTFT + (O - 1) TPOT)`` output tokens/s (Little's law).

Offline (unbounded rate) fills the KV cache: ``C = max_concurrent_sequences`` and throughput
``C O / (C t_p + O t_d(C))``. Percentiles and SLO capacity are in
:mod:`gigawatt.models.serving_latency`; layouts and replica counts in
:mod:`gigawatt.models.sizing`.

Options: prefix-cache hit rate (a share of prompt tokens is not recomputed), speculative decoding
(``k`` draft tokens, acceptance ``a``: ``(1 - a^(k+1)) / (1 - a)`` tokens per verify step, draft
cost a fraction of a decode step per draft token; Leviathan et al. 2023, arXiv:2211.17192),
prefill/decode disaggregation (prompts on a separate replica of the same layout, no
interference, KV cache moved over the scale-out link).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gigawatt.models import inference as inf
from gigawatt.models.slots import slot_wait

F64 = NDArray[np.float64]
MC_SAMPLES = 4000  #: Monte Carlo requests per latency distribution
#: Largest batch an engine schedules by default (vLLM ``max_num_seqs`` 256 in v0.6-era defaults,
#: SGLang / TensorRT-LLM size it from memory; we cap at 2048). Assumption, see docs.
ENGINE_MAX_BATCH: dict[str, float] = {"vllm": 256.0, "sglang": 2048.0, "trtllm": 2048.0}


@dataclass(frozen=True)
class ServingOptions:
    """Serving features (all optional).

    Attributes:
        prefix_hit_rate: share of prompt tokens found in the prefix cache (0-1).
        spec_tokens: draft tokens proposed per verify step (0 = off).
        spec_acceptance: probability each draft token is accepted (0-1).
        spec_draft_cost: cost of one draft token relative to one target decode step.
        disaggregated: prompts run on separate prefill replicas (same layout, doubles the
            accelerators of a replica); decode is not interrupted by prefills.
    """

    prefix_hit_rate: float = 0.0
    spec_tokens: int = 0
    spec_acceptance: float = 0.7
    spec_draft_cost: float = 0.05
    disaggregated: bool = False


@dataclass(frozen=True)
class Replica:
    """One replica's model, hardware, precision, layout and engine (fields broadcast).

    ``tp`` attention tensor parallel, ``dp`` attention data parallel, ``pp`` pipeline stages
    (devices = tp * dp * pp), ``ep`` expert parallel groups; ``weight_bytes`` stored bytes per
    weight; ``compute_code`` 0 bf16, 1 fp8, 2 fp4 tensor peak; ``kv_bytes`` bytes per KV element.
    """

    model: inf.ModelShape
    hardware: inf.HardwareShape
    weight_bytes: Any
    compute_code: Any
    kv_bytes: Any
    tp: Any
    ep: Any
    dp: Any
    engine: inf.EngineConstants
    max_batch: Any = 2048.0
    options: ServingOptions = ServingOptions()
    pp: Any = 1.0

    @property
    def devices(self) -> Any:
        """Accelerators in the replica (prefill replica included when disaggregated)."""
        n = np.asarray(self.tp, dtype=float) * np.asarray(self.dp, dtype=float)
        n = n * np.asarray(self.pp, dtype=float)
        return n * (2.0 if self.options.disaggregated else 1.0)

    def weights_per_device(self) -> Any:
        """Weight bytes on one device."""
        n = np.asarray(self.tp, dtype=float) * np.asarray(self.dp, dtype=float)
        return inf.weight_bytes_per_device(
            self.model, self.weight_bytes, self.tp, self.ep, n, pp=self.pp
        )

    def kv_budget(self) -> Any:
        """KV-cache bytes available on one device."""
        return inf.kv_budget_bytes(self.hardware, self.weights_per_device())

    def max_sequences(self, seq_tokens: ArrayLike) -> Any:
        """Sequences of ``seq_tokens`` the replica holds at once (KV memory and engine cap)."""
        per_tok = inf.kv_bytes_per_token_device(self.model, self.kv_bytes, self.tp, pp=self.pp)
        mem = inf.max_concurrent_sequences(self.kv_budget(), per_tok, seq_tokens, self.dp)
        return mem

    def slots(self, isl: ArrayLike, osl: ArrayLike) -> Any:
        """Requests of ``isl`` prompt and ``osl`` output tokens the engine runs at once: KV
        memory for the prompt plus the share of the output its admission policy counts
        (``kv_output_share``), capped by the engine's batch limit; at least 1."""
        share = float(self.engine.kv_output_share)
        held = self.max_sequences(np.asarray(isl, dtype=float) + share * np.asarray(osl))
        return np.maximum(np.minimum(held, np.asarray(self.max_batch, dtype=float)), 1.0)

    def _step_time(self, batch: ArrayLike, context: ArrayLike) -> Any:
        """One forward step of ``batch`` sequences at mean ``context`` on this replica, s."""
        return inf.decode_step_time_s(
            self.model,
            self.hardware,
            self.weight_bytes,
            self.compute_code,
            self.kv_bytes,
            self.tp,
            self.ep,
            self.dp,
            batch,
            context,
            self.engine,
            pp=self.pp,
        )

    def decode_step(self, batch: ArrayLike, context: ArrayLike) -> Any:
        """Time (s) per output token of one sequence in a step of ``batch`` sequences.

        With speculative decoding: (verify step of ``batch * (k+1)`` tokens + ``k`` draft steps)
        divided by the expected tokens per step.
        """
        o = self.options
        base = self._step_time(batch, context)
        if o.spec_tokens <= 0:
            return base
        k = float(o.spec_tokens)
        verify = self._step_time(np.asarray(batch) * (k + 1.0), context)
        return (verify + k * o.spec_draft_cost * base) / expected_tokens_per_step(
            o.spec_acceptance, o.spec_tokens
        )

    def prefill(self, tokens: ArrayLike, *, batched: bool = False) -> Any:
        """Time (s) to prefill one prompt of ``tokens`` (prefix-cache hits skipped).

        ``batched=True``: marginal cost inside shared forward steps (see
        :func:`gigawatt.models.inference.prefill_time_s`).
        """
        new = np.maximum(
            np.asarray(tokens, dtype=float) * (1.0 - self.options.prefix_hit_rate), 1.0
        )
        return inf.prefill_time_s(
            self.model,
            self.hardware,
            self.weight_bytes,
            self.compute_code,
            self.tp,
            self.ep,
            self.dp,
            new,
            self.engine,
            batched=batched,
            pp=self.pp,
        )

    def kv_transfer(self, tokens: ArrayLike) -> Any:
        """Time (s) to move one prompt's KV cache to a decode replica (disaggregated only)."""
        if not self.options.disaggregated:
            return np.zeros_like(np.asarray(tokens, dtype=float))
        size = (
            np.asarray(tokens, dtype=float)
            * self.model.kv_elems_per_token
            * np.asarray(self.kv_bytes)
        )
        n = np.asarray(self.tp, dtype=float) * np.asarray(self.dp, dtype=float)
        n = n * np.asarray(self.pp, dtype=float)
        return size / (n * inf.SCALE_OUT_GB_PER_S * 1e9)


def expected_tokens_per_step(acceptance: float, draft_tokens: int) -> float:
    """Tokens emitted per verify step with ``draft_tokens`` drafts of acceptance ``acceptance``."""
    if draft_tokens <= 0:
        return 1.0
    a = min(max(acceptance, 0.0), 0.999999)
    return (1.0 - a ** (draft_tokens + 1)) / (1.0 - a)


@dataclass(frozen=True)
class SteadyState:
    """Mean behaviour of a replica (arrays broadcast over configurations).

    Times in s, throughputs in tokens/s per replica, ``concurrency`` in requests, ``rho`` the
    queue utilisation (>= 1: overloaded, latencies infinite); ``slot_wait_share`` the share of
    Poisson arrivals that wait for a free batch slot and ``slot_wait_given_s`` their mean wait
    (:mod:`gigawatt.models.slots`; 0 for the offline and closed-loop states).
    """

    concurrency: Any
    ttft_s: Any
    tpot_s: Any
    decode_step_s: Any
    prefill_s: Any
    wait_s: Any
    interleaved_prefills: Any
    output_tokens_per_s: Any
    input_tokens_per_s: Any
    rho: Any
    slot_wait_share: Any = 0.0
    slot_wait_given_s: Any = 0.0


def wave_mean_steps(x: ArrayLike, r: ArrayLike) -> Any:
    """Mean over a wave's prompts of the step in which each gets its first token.

    ``x = P I / B`` steps for the wave, ``r = I / B`` steps per prompt: the ``k``-th prompt ends
    in step ``ceil(k r)``; the mean is ``(x + r) / 2`` plus half a step of rounding when prompts
    share steps (``r < 1``), and at least 1.
    """
    ra = np.asarray(r, dtype=float)
    return np.maximum(
        1.0, 0.5 * (np.asarray(x, dtype=float) + ra) + 0.5 * (1.0 - np.minimum(ra, 1.0))
    )


def prefill_wave(
    r: Replica, prompts: ArrayLike, isl: ArrayLike, decode_s: ArrayLike = 0.0
) -> tuple[Any, Any, Any]:
    """Batched prefill of a wave of ``prompts`` requests of ``isl`` tokens arriving together.

    The scheduler packs prompt tokens into forward steps of at most ``prefill_chunk_tokens``
    (``B``) tokens, splitting prompts across steps (chunked prefill). The wave needs ``x = P I'
    / B`` steps (``I'`` new tokens after prefix-cache hits); the ``k``-th prompt gets its first
    token when step ``ceil(k I' / B)`` ends, so the mean over the wave is ``m =
    max(1, (x + 1) / 2)`` steps for prompts shorter than ``B`` (:func:`wave_mean_steps`). One
    step costs the larger of its fixed part (weight read beyond the matmul time, per-layer
    overhead: ``t_p - t_pb``) and the decode step ``decode_s`` of the running sequences it
    carries along (continuous batching mixes the running decodes into every step), plus the
    marginal cost of the prompt tokens it carries (``t_pb * min(P, B / I')``, attention
    included, as in a whole prompt).

    Returns (mean time to the first token over the wave, time of the whole wave, steps ``x``),
    s, s, steps.
    """
    p = np.maximum(np.asarray(prompts, dtype=float), 1.0)
    new = np.maximum(np.asarray(isl, dtype=float) * (1.0 - r.options.prefix_hit_rate), 1.0)
    budget = max(float(r.engine.prefill_chunk_tokens), 1.0)
    tp = r.prefill(isl)
    tpb = r.prefill(isl, batched=True)
    fixed = np.maximum(tp - tpb, 0.0)
    x = p * new / budget
    per_step = np.minimum(p, budget / new)
    base = np.maximum(fixed, np.asarray(decode_s, dtype=float))
    step = base + tpb * per_step
    mean_steps = wave_mean_steps(x, new / budget)
    whole = base * np.maximum(np.ceil(x - 1e-9), 1.0) + tpb * p
    return mean_steps * step, whole, x


def closed_loop(r: Replica, concurrency: ArrayLike, isl: ArrayLike, osl: ArrayLike) -> SteadyState:
    """Steady state with ``concurrency`` requests always in flight (benchmark tools' loop).

    At most ``min(max_sequences, max_batch)`` requests run; the others wait for a slot, which
    adds ``waiting / completion rate`` to their TTFT. Benchmark tools start all ``C`` requests
    at once; with equal lengths the requests of a wave finish together and their successors
    arrive together again. A share ``burst_share`` of requests waits behind such a wave's
    batched prefills (:func:`prefill_wave`); the others arrive staggered and see their own
    prefill plus ``ttft_steps`` running steps.
    """
    c = np.maximum(np.asarray(concurrency, dtype=float), 1.0)
    i, o = np.asarray(isl, dtype=float), np.maximum(np.asarray(osl, dtype=float), 1.0)
    run = np.minimum(c, r.slots(i, o))
    td = r.decode_step(run, i + o / 2.0)
    tp = r.prefill(i)
    tpb = r.prefill(i, batched=True)
    others = 0.0 if r.options.disaggregated else run - 1.0
    tpot = td + others * tpb / o
    beta = float(r.engine.burst_share)
    burst, _, _ = prefill_wave(r, run, i, td)
    steady = tp + r.engine.ttft_steps * td
    first = beta * burst + (1.0 - beta) * steady
    wait = first - tp
    ttft = r.engine.ttft_overhead_s + first + r.kv_transfer(i)
    cycle = ttft + (o - 1.0) * tpot
    queued = (c - run) * cycle / run
    ttft = ttft + queued
    return SteadyState(
        run,
        ttft,
        tpot,
        td,
        tp,
        wait + queued,
        others,
        run * o / cycle,
        run * i / cycle,
        np.zeros_like(c),
    )


def offline(r: Replica, isl: ArrayLike, osl: ArrayLike) -> SteadyState:
    """Maximum throughput: as many sequences as the KV cache and engine batch cap allow (TTFT the
    engine's own, without a front end)."""
    i, o = np.asarray(isl, dtype=float), np.maximum(np.asarray(osl, dtype=float), 1.0)
    c = r.slots(i, o)
    td = r.decode_step(c, i + o / 2.0)
    tp = r.prefill(i)
    tpb = r.prefill(i, batched=True)
    # disaggregated: prefill and decode replicas work in parallel; the slower one bounds it
    dis = r.options.disaggregated
    rate = np.minimum(c / (o * td), 1.0 / tpb) if dis else c / (c * tpb + o * td)
    tpot = td + (0.0 if dis else (c - 1.0) * tpb / o)
    ttft = tp + r.engine.ttft_steps * td
    zero = np.zeros_like(c)
    return SteadyState(c, ttft, tpot, td, tp, zero, c - 1.0, rate * o, rate * i, zero)


def poisson(
    r: Replica, rate: ArrayLike, isl: ArrayLike, osl: ArrayLike, iterations: int = 60
) -> SteadyState:
    """Steady state under open-loop Poisson arrivals of ``rate`` requests/s per replica.

    Solves ``C = rate * (TTFT + (O-1) TPOT)`` by damped fixed-point iteration; TTFT is the
    engine's own (prefill, running steps, queue wait), without the benchmark harness overhead
    ``ttft_overhead_s`` of :func:`closed_loop`: a deployment adds its request path. TTFT adds
    the mean wait for a free batch slot when arrivals find every slot taken
    (:mod:`gigawatt.models.slots`: Erlang C over the engine's slots at the mean concurrency).
    Overloaded configurations (utilisation >= 1 or more sequences than the KV cache holds) get
    infinite latencies and the offline throughput.
    """
    lam = np.maximum(np.asarray(rate, dtype=float), 1e-12)
    i, o = np.asarray(isl, dtype=float), np.maximum(np.asarray(osl, dtype=float), 1.0)
    cap = offline(r, i, o)
    cap_rate = cap.output_tokens_per_s / o
    tp = r.prefill(i)
    tpb = r.prefill(i, batched=True)
    rho_p = lam * tpb
    rho = np.maximum(lam / np.maximum(cap_rate, 1e-300), rho_p)
    c = np.maximum(lam * (tp + o * r.decode_step(1.0, i + o / 2.0)), 1.0)
    ttft = tpot = td = wait = c
    for _ in range(iterations):
        td = r.decode_step(c, i + o / 2.0)
        tpot = td if r.options.disaggregated else td / np.maximum(1.0 - rho_p, 1e-9)
        wait = rho * tpb / (2.0 * np.maximum(1.0 - rho, 1e-9))
        ttft = tp + r.engine.ttft_steps * td + wait + r.kv_transfer(i)
        c = np.minimum(0.5 * c + 0.5 * np.maximum(lam * (ttft + (o - 1.0) * tpot), 1.0), 1e7)
    share, given = slot_wait(cap.concurrency, c, lam)
    over = (rho >= 1.0) | (c > cap.concurrency) | (share >= 1.0)
    ttft = ttft + share * np.where(share > 0, given, 0.0)
    inf_ = np.inf
    interleaved = 0.0 if r.options.disaggregated else lam * o * tpot
    return SteadyState(
        c,
        np.where(over, inf_, ttft),
        np.where(over, inf_, tpot),
        td,
        tp,
        np.where(over, inf_, wait),
        interleaved,
        np.where(over, cap.output_tokens_per_s, lam * o),
        np.where(over, cap.input_tokens_per_s, lam * i),
        rho,
        np.where(over, 1.0, share),
        np.where(over | (share <= 0), 0.0, given),
    )
