"""Unit tests of the inference performance model (memory, step times, vectorisation)."""

from __future__ import annotations

import numpy as np
import pytest

from gigawatt.catalog import load_catalog
from gigawatt.errors import InputError
from gigawatt.evaluate.resolve import model_architecture
from gigawatt.models import inference as inf


@pytest.fixture(scope="module")
def cat():  # type: ignore[no-untyped-def]
    return load_catalog()


def shape(cat, model: str) -> inf.ModelShape:  # type: ignore[no-untyped-def]
    return inf.model_shape(model_architecture(model, cat))


def hw(cat, acc: str) -> inf.HardwareShape:  # type: ignore[no-untyped-def]
    return inf.hardware_shape(cat.get("accelerators", acc))


def test_weights_by_precision(cat) -> None:  # type: ignore[no-untyped-def]
    m = shape(cat, "llama-3.1-70b")
    bf16 = float(inf.weight_bytes_total(m, 2.0))
    assert bf16 == pytest.approx(2 * 70.55e9, rel=0.01)
    fp8 = float(inf.weight_bytes_total(m, inf.WEIGHT_BYTES["fp8"]))
    int4 = float(inf.weight_bytes_total(m, inf.WEIGHT_BYTES["int4"]))
    fp4 = float(inf.weight_bytes_total(m, inf.WEIGHT_BYTES["fp4"]))
    assert bf16 > fp8 > fp4 > int4
    # embeddings and head stay 16-bit: fp8 is a little more than half of bf16
    assert 0.5 < fp8 / bf16 < 0.52


def test_kv_cache_per_token_mha_gqa_mqa_mla(cat) -> None:  # type: ignore[no-untyped-def]
    # GQA: 2 * 80 layers * 8 kv heads * 128 * 2 bytes
    assert shape(cat, "llama-3.1-70b").kv_elems_per_token * 2 == 2 * 80 * 8 * 128 * 2
    # MHA: Llama 2 7B, 32 layers x 32 heads x 128
    assert shape(cat, "llama-2-7b").kv_elems_per_token == 2 * 32 * 32 * 128
    # MQA: Falcon 7B has one KV head of 64 over 32 layers
    assert shape(cat, "falcon-7b").kv_elems_per_token == 2 * 32 * 1 * 64
    # MLA: DeepSeek-V3 caches 512 + 64 per layer over 61 layers
    ds = shape(cat, "deepseek-v3")
    assert ds.kv_elems_per_token == 61 * (512 + 64)
    # MLA latent is replicated across TP ranks; GQA splits up to the KV heads
    assert float(inf.kv_bytes_per_token_device(ds, 1.0, 8)) == 61 * 576
    llama = shape(cat, "llama-3.1-70b")
    assert float(inf.kv_bytes_per_token_device(llama, 2.0, 8)) == 80 * 2 * 128 * 2
    assert float(inf.kv_bytes_per_token_device(llama, 2.0, 16)) == float(
        inf.kv_bytes_per_token_device(llama, 2.0, 8)
    )


def test_paged_allocation_and_max_sequences() -> None:
    assert float(inf.paged_tokens(1)) == 16
    assert float(inf.paged_tokens(16)) == 16
    assert float(inf.paged_tokens(17)) == 32
    n = inf.max_concurrent_sequences(1000 * 16 * 10.0, 10.0, np.array([16, 17, 1000]))
    assert list(n) == [1000, 500, 15]
    assert float(inf.max_concurrent_sequences(-5.0, 10.0, 16)) == 0


def test_decode_step_roofline(cat) -> None:  # type: ignore[no-untyped-def]
    m, h = shape(cat, "llama-3.1-8b"), hw(cat, "h100-sxm")
    eng = inf.engine_constants("vllm")
    batch = np.array([1, 8, 64, 512, 4096])
    t = inf.decode_step_time_s(m, h, 2.0, 0, 2.0, 1, 1, 1, batch, 1024, eng)
    assert np.all(np.diff(t) > 0)
    # batch 1 is bandwidth bound: about weights / (bandwidth * efficiency) + overhead
    weights = (m.dense_params + m.head_params) * 2.0
    floor = weights / (3350e9 * eng.bw_eff)
    assert floor < t[0] < floor + 32 * eng.layer_overhead_s + 1e-3
    # more bandwidth -> faster decode at small batch
    t_h200 = inf.decode_step_time_s(m, hw(cat, "h200"), 2.0, 0, 2.0, 1, 1, 1, 1, 1024, eng)
    assert float(t_h200) < t[0]


def test_moe_expert_loading(cat) -> None:  # type: ignore[no-untyped-def]
    m, h = shape(cat, "mixtral-8x7b"), hw(cat, "h100-sxm")
    eng = inf.engine_constants("vllm")
    t1, t64 = inf.decode_step_time_s(m, h, 2.0, 0, 2.0, 2, 2, 1, np.array([1, 64]), 512, eng)
    # batch 1 reads 2 of 8 experts, batch 64 nearly all of them
    dense_like = inf.decode_step_time_s(m, h, 2.0, 0, 2.0, 2, 2, 1, 1, 512, eng)
    assert float(dense_like) == pytest.approx(float(t1))
    assert t64 > 2.0 * t1


def test_prefill_grows_superlinearly(cat) -> None:  # type: ignore[no-untyped-def]
    m, h = shape(cat, "llama-3.1-8b"), hw(cat, "h100-sxm")
    eng = inf.engine_constants("trtllm")
    t = inf.prefill_time_s(m, h, 1.0, 1, 1, 1, 1, np.array([2048, 4096, 32768]), eng)
    assert t[1] > 1.9 * t[0]
    assert t[2] / t[1] > 8.5  # attention's S^2 term shows at long prompts


def test_tensor_parallel_communication(cat) -> None:  # type: ignore[no-untyped-def]
    m = shape(cat, "llama-3.1-70b")
    eng = inf.engine_constants("vllm")
    nv = inf.communication_time_s(m, hw(cat, "h100-sxm"), 4096, 8, 1, 8, 1e-6)
    pcie = inf.communication_time_s(m, hw(cat, "l40s"), 4096, 8, 1, 8, 1e-6)
    assert 0 < float(nv) < float(pcie)
    assert float(inf.communication_time_s(m, hw(cat, "h100-sxm"), 4096, 1, 1, 1, 1e-6)) == 0
    del eng


def test_vectorised_matches_loop(cat) -> None:  # type: ignore[no-untyped-def]
    models = ["llama-3.1-8b", "llama-3.1-70b", "mixtral-8x7b", "deepseek-v3"]
    accs = ["h100-sxm", "b200", "mi300x"]
    ms = inf.stack_models([shape(cat, x) for x in models])
    hs = inf.stack_hardware([hw(cat, x) for x in accs])
    rng = np.random.default_rng(1)
    mi, hi = rng.integers(0, 4, 50), rng.integers(0, 3, 50)
    batch, ctx = rng.integers(1, 256, 50), rng.integers(128, 8192, 50)
    eng = inf.engine_constants("sglang")
    vec = inf.decode_step_time_s(ms.take(mi), hs.take(hi), 1.0, 1, 1.0, 8, 8, 1, batch, ctx, eng)
    for k in range(50):
        one = inf.decode_step_time_s(
            shape(cat, models[mi[k]]),
            hw(cat, accs[hi[k]]),
            1.0,
            1,
            1.0,
            8,
            8,
            1,
            int(batch[k]),
            int(ctx[k]),
            eng,
        )
        assert float(one) == pytest.approx(float(vec[k]), rel=1e-12)


def test_precision_and_engine_errors() -> None:
    with pytest.raises(InputError, match="precision"):
        inf.precision_codes(["fp6"])
    with pytest.raises(InputError, match="engine"):
        inf.engine_constants("tgi")
    assert inf.default_kv_bytes("trtllm", "fp8") == 1.0
    assert inf.default_kv_bytes("vllm", "fp8") == 2.0


def test_pipeline_parallel(cat) -> None:  # type: ignore[no-untyped-def]
    m, h = shape(cat, "llama-3.1-405b"), hw(cat, "h100-sxm")
    eng = inf.engine_constants("vllm")
    w1 = float(inf.weight_bytes_per_device(m, 2.0, 8, 1, 8))
    w2 = float(inf.weight_bytes_per_device(m, 2.0, 8, 1, 8, pp=2))
    assert w2 == pytest.approx(w1 / 2)
    kv1 = float(inf.kv_bytes_per_token_device(m, 2.0, 8))
    assert float(inf.kv_bytes_per_token_device(m, 2.0, 8, pp=2)) == pytest.approx(kv1 / 2)
    # memory-bound decode: a pipeline reads the same weights per step, plus a transfer
    t1 = float(inf.decode_step_time_s(m, h, 2.0, 0, 2.0, 8, 1, 1, 8, 2048, eng))
    t2 = float(inf.decode_step_time_s(m, h, 2.0, 0, 2.0, 8, 1, 1, 8, 2048, eng, pp=2))
    assert t2 == pytest.approx(t1, rel=0.1) and t2 > 0
    # a prompt crosses both stages; batched prompts share them
    p1 = float(inf.prefill_time_s(m, h, 2.0, 0, 8, 1, 1, 4096, eng))
    p2 = float(inf.prefill_time_s(m, h, 2.0, 0, 8, 1, 1, 4096, eng, pp=2))
    b2 = float(inf.prefill_time_s(m, h, 2.0, 0, 8, 1, 1, 4096, eng, pp=2, batched=True))
    assert p2 > p1 * 0.99 and b2 < p1 / 1.5
