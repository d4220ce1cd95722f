"""Serving model: closed loop, offline, Poisson, SLO capacity, options, reproducibility."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from gigawatt.catalog import load_catalog
from gigawatt.evaluate.resolve import model_architecture
from gigawatt.models import inference as inf
from gigawatt.models import serving as srv
from gigawatt.models import serving_latency as lat
from gigawatt.models import sizing


@pytest.fixture(scope="module")
def rep() -> srv.Replica:
    cat = load_catalog()
    m = inf.model_shape(model_architecture("llama-3.1-70b", cat))
    h = inf.hardware_shape(cat.get("accelerators", "h100-sxm"))
    return srv.Replica(m, h, 1.0, 1.0, 1.0, 4.0, 1.0, 1.0, inf.engine_constants("trtllm"))


def test_closed_loop_throughput_and_latency_grow_with_concurrency(rep: srv.Replica) -> None:
    c = np.array([1, 4, 16, 64, 256])
    st = srv.closed_loop(rep, c, 1024, 256)
    assert np.all(np.diff(st.output_tokens_per_s) > 0)
    assert np.all(np.diff(st.tpot_s) > 0)
    assert np.all(np.diff(st.ttft_s) > 0)
    # Little's law: concurrency = rate * (TTFT + (O - 1) TPOT)
    rate = st.output_tokens_per_s / 256
    assert np.allclose(rate * (st.ttft_s + 255 * st.tpot_s), c)


def test_offline_is_the_ceiling(rep: srv.Replica) -> None:
    off = srv.offline(rep, 1024, 256)
    closed = srv.closed_loop(rep, np.array([8, 64]), 1024, 256)
    assert np.all(closed.output_tokens_per_s < float(off.output_tokens_per_s))
    assert float(off.concurrency) == min(float(rep.max_sequences(1280)), 2048)


def test_closed_loop_beyond_kv_capacity_queues(rep: srv.Replica) -> None:
    slots = float(rep.max_sequences(1024 + 256))
    st = srv.closed_loop(rep, np.array([slots, 4 * slots]), 1024, 256)
    assert st.tpot_s[0] == pytest.approx(st.tpot_s[1])
    assert st.ttft_s[1] > 3 * st.ttft_s[0]


def test_kv_admission_counts_the_output_by_engine_policy(rep: srv.Replica) -> None:
    """TensorRT-LLM reserves the whole output; vLLM/SGLang allocate on demand (half on average)."""
    assert float(rep.slots(1024, 2048)) == min(float(rep.max_sequences(1024 + 2048)), 2048)
    on_demand = replace(rep, engine=inf.engine_constants("vllm"), max_batch=4096.0)
    held = float(on_demand.slots(1024, 2048))
    assert held == float(on_demand.max_sequences(1024 + 1024))
    assert held > float(rep.slots(1024, 2048))


def test_poisson_stable_and_overloaded(rep: srv.Replica) -> None:
    cap = float(srv.offline(rep, 1024, 256).output_tokens_per_s) / 256
    st = srv.poisson(rep, np.array([0.1 * cap, 0.5 * cap, 1.5 * cap]), 1024, 256)
    assert st.ttft_s[0] < st.ttft_s[1] < math.inf
    assert math.isinf(st.ttft_s[2])
    assert st.output_tokens_per_s[0] == pytest.approx(0.1 * cap * 256)
    # Little's law in the open loop too
    lam = 0.5 * cap
    assert float(st.concurrency[1]) == pytest.approx(
        lam * (st.ttft_s[1] + 255 * st.tpot_s[1]), rel=1e-3
    )


def test_latency_samples_are_seeded_and_ordered(rep: srv.Replica) -> None:
    isl, osl = np.full(2000, 1024.0), np.full(2000, 256.0)
    st = lat.scalar_state(srv.poisson(rep, 2.0, 1024, 256))
    a = lat.latency_samples(rep, st, isl, osl, closed=False, rng=np.random.default_rng(3))
    b = lat.latency_samples(rep, st, isl, osl, closed=False, rng=np.random.default_rng(3))
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    s = lat.summarise(*a)
    assert s.ttft_p50 <= s.ttft_p95 <= s.ttft_p99
    assert s.tpot_p50 <= s.tpot_p95 <= s.tpot_p99
    assert s.ttft_mean == pytest.approx(float(st.ttft_s), rel=0.1)


def test_max_rate_at_slo_monotonic(rep: srv.Replica) -> None:
    isl, osl = np.full(1000, 1024.0), np.full(1000, 256.0)
    tight = lat.max_rate_at_slo(rep, isl, osl, 0.5, 0.04)
    loose = lat.max_rate_at_slo(rep, isl, osl, 2.0, 0.10)
    assert 0 < tight.max_rate < loose.max_rate
    assert tight.stats is not None and tight.stats.ttft_p95 <= 0.5
    assert 0 < tight.goodput <= tight.max_rate
    impossible = lat.max_rate_at_slo(rep, isl, osl, 1e-4, None)
    assert impossible.max_rate == 0
    assert sizing.whole_replicas(10.0, 3.0) == 4
    assert sizing.whole_replicas(9.0, 3.0) == 3
    assert sizing.whole_replicas(0.1, 3.0) == 1


def test_rate_grid_agrees_with_bisection(rep: srv.Replica) -> None:
    isl, osl = np.full(srv.MC_SAMPLES, 1024.0), np.full(srv.MC_SAMPLES, 256.0)
    grid = lat.RateGrid(rep, isl, osl)
    exact = lat.max_rate_at_slo(rep, isl, osl, 0.5, 0.04).max_rate
    on_grid = grid.max_rate(0.5, 0.04)
    # rounded down to the grid (steps of 2.5 % of the offline rate above 30 %)
    assert exact - 0.026 * grid.offline_rate <= on_grid <= exact * (1 + 1e-9)
    assert grid.max_rate(None, None) == grid.offline_rate
    assert grid.max_rate(1e-4, None) == 0.0
    assert lat.p95(np.arange(101.0)) == float(np.percentile(np.arange(101.0), 95))


def test_prefix_cache_and_disaggregation(rep: srv.Replica) -> None:
    base = srv.closed_loop(rep, 32, 4096, 256)
    cached = srv.closed_loop(
        replace(rep, options=srv.ServingOptions(prefix_hit_rate=0.75)), 32, 4096, 256
    )
    assert float(cached.ttft_s) < float(base.ttft_s)
    dis_rep = replace(rep, options=srv.ServingOptions(disaggregated=True))
    dis = srv.closed_loop(dis_rep, 32, 4096, 256)
    assert float(dis.tpot_s) < float(base.tpot_s)
    assert float(dis_rep.devices) == 2 * float(rep.devices)


def test_speculative_decoding(rep: srv.Replica) -> None:
    assert srv.expected_tokens_per_step(0.0, 4) == pytest.approx(1.0)
    assert srv.expected_tokens_per_step(0.5, 1) == pytest.approx(1.5)
    assert srv.expected_tokens_per_step(0.8, 0) == 1.0
    spec = replace(rep, options=srv.ServingOptions(spec_tokens=3, spec_acceptance=0.8))
    # memory-bound small batch: speculation lowers time per token
    assert float(spec.decode_step(1, 2048)) < float(rep.decode_step(1, 2048))


def test_prefill_wave_batches_prompts_under_the_token_budget(rep: srv.Replica) -> None:
    """A wave that fits one step's token budget gets its first tokens together; a larger wave
    needs ``x = C I / B`` steps and waits ``(x + 1) / 2`` of them on average."""
    budget = rep.engine.prefill_chunk_tokens
    one = float(rep.prefill(1024))
    mean4, whole4, x4 = (float(v) for v in srv.prefill_wave(rep, 4, 1024))
    assert x4 == pytest.approx(4 * 1024 / budget)
    assert mean4 == pytest.approx(whole4)  # one step: everyone waits for all four prompts
    assert one < mean4 < 4 * one  # batching amortises the weight read and step overhead
    mean64, whole64, x64 = (float(v) for v in srv.prefill_wave(rep, 64, 1024))
    assert x64 == pytest.approx(8.0)
    assert mean64 == pytest.approx(whole64 * 4.5 / 8.0, rel=0.05)
    # burst-free engine: closed-loop TTFT is the staggered steady state
    calm = replace(rep, engine=replace(rep.engine, burst_share=0.0))
    busy = replace(rep, engine=replace(rep.engine, burst_share=1.0))
    c = np.array([64.0])
    assert float(srv.closed_loop(busy, c, 1024, 256).ttft_s[0]) > float(
        srv.closed_loop(calm, c, 1024, 256).ttft_s[0]
    )


def test_wave_mean_steps_matches_the_exact_mean() -> None:
    """``mean_k ceil(k r)`` over a wave of ``P`` prompts of ``r = I / B`` steps each."""
    for prompts, r in [(4, 0.125), (16, 0.125), (3, 1.0), (1, 2.0), (2, 2.0), (64, 0.125)]:
        exact = np.mean([math.ceil(k * r - 1e-9) for k in range(1, prompts + 1)])
        approx = float(srv.wave_mean_steps(prompts * r, r))
        assert approx == pytest.approx(exact, rel=0.1)
