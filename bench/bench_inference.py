"""Benchmark: inference model over 100,000 configurations, vectorised vs a per-config loop.

A configuration is (model x accelerator x precision x concurrency x prompt/output lengths x TP).
Each evaluation computes the memory fit (max concurrent sequences), the decode step, the prefill
and the closed-loop steady state (TTFT, TPOT, throughput). The vectorised path does all 100,000
in numpy calls; the loop path calls the same functions once per configuration on a sample (the
per-configuration cost does not depend on how many there are) in the same run.

Run: ``.venv/bin/python bench/bench_inference.py [--configs 100000] [--loop 2000] [--repeat 5]``.
Prints medians, configurations per second and the ratio. Goal: >= 100,000 configurations/s.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

import numpy as np

from gigawatt.catalog import load_catalog
from gigawatt.evaluate.resolve import model_architecture
from gigawatt.models import inference as inf
from gigawatt.models import serving as srv

MODELS = (
    "llama-3.1-8b",
    "llama-3.1-70b",
    "llama-3.1-405b",
    "mixtral-8x7b",
    "qwen2.5-72b",
    "deepseek-v3",
    "qwen3-30b-a3b",
    "mistral-7b",
)
ACCELERATORS = ("h100-sxm", "h200", "b200", "mi300x", "l40s", "gaudi3")
PRECISIONS = ("bf16", "fp8", "int4")


def build(n: int, seed: int = 0) -> dict[str, Any]:
    """Random configurations as arrays (indices into the model/accelerator tables)."""
    cat = load_catalog()
    rng = np.random.default_rng(seed)
    models = inf.stack_models([inf.model_shape(model_architecture(m, cat)) for m in MODELS])
    hws = inf.stack_hardware([inf.hardware_shape(cat.get("accelerators", a)) for a in ACCELERATORS])
    wb, code = inf.precision_codes(list(PRECISIONS))
    mi = rng.integers(0, len(MODELS), n)
    hi = rng.integers(0, len(ACCELERATORS), n)
    pi = rng.integers(0, len(PRECISIONS), n)
    hw = hws.take(hi)
    # fp8 falls back to the bf16 peak where the hardware has no fp8 (mi300x has it; all do here)
    return {
        "model": models.take(mi),
        "hw": hw,
        "wb": wb[pi],
        "code": code[pi],
        "kv": np.full(n, 2.0),
        "tp": 2.0 ** rng.integers(0, 4, n),
        "ep": np.ones(n),
        "dp": np.ones(n),
        "conc": 2.0 ** rng.integers(0, 9, n),
        "isl": rng.choice([128.0, 512.0, 1024.0, 4096.0, 8192.0], n),
        "osl": rng.choice([64.0, 256.0, 1024.0], n),
    }


def evaluate(c: dict[str, Any], eng: inf.EngineConstants) -> tuple[Any, Any, Any]:
    """Max sequences, closed-loop TTFT/TPOT/throughput for every configuration in ``c``."""
    r = srv.Replica(
        c["model"], c["hw"], c["wb"], c["code"], c["kv"], c["tp"], c["ep"], c["dp"], eng
    )
    seqs = r.max_sequences(c["isl"] + c["osl"])
    st = srv.closed_loop(r, c["conc"], c["isl"], c["osl"])
    return seqs, st.ttft_s, st.output_tokens_per_s


def row(c: dict[str, Any], k: int) -> dict[str, Any]:
    """Configuration ``k`` as scalars (shapes reduced to floats)."""
    out: dict[str, Any] = {}
    for key, v in c.items():
        if isinstance(v, inf.ModelShape | inf.HardwareShape):
            out[key] = v.take(k)
        else:
            out[key] = float(v[k])
    return out


def timed(fn: Any, repeat: int) -> float:
    """Median seconds of ``fn()`` over ``repeat`` runs after one warm-up."""
    fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--configs", type=int, default=100_000)
    parser.add_argument("--loop", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    eng = inf.engine_constants("vllm")
    configs = build(args.configs)
    vec_s = timed(lambda: evaluate(configs, eng), args.repeat)
    rows = [row(configs, k) for k in range(args.loop)]

    def loop() -> None:
        for r in rows:
            evaluate(r, eng)

    loop_s = timed(loop, max(1, args.repeat // 2))
    # same numbers either way
    seqs, ttft, thr = evaluate(configs, eng)
    assert np.isfinite(ttft).all()
    for k in range(0, args.loop, max(1, args.loop // 50)):
        s1, _, h1 = evaluate(rows[k], eng)
        assert np.isclose(float(s1), seqs[k]) and np.isclose(float(h1), thr[k], equal_nan=True)
    vec_rate = args.configs / vec_s
    loop_rate = args.loop / loop_s
    print(
        f"vectorised: {args.configs:,} configs  median {vec_s * 1000:8.1f} ms  "
        f"{vec_rate:12,.0f} configs/s  goal >= 100,000: {'met' if vec_rate >= 1e5 else 'MISSED'}"
    )
    print(
        f"python loop: {args.loop:,} configs  median {loop_s * 1000:8.1f} ms  "
        f"{loop_rate:12,.0f} configs/s"
    )
    print(f"ratio vectorised / loop: {vec_rate / loop_rate:,.0f}x")


if __name__ == "__main__":
    main()
