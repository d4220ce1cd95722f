"""Benchmark: full layout search for Llama 3.1 405B on 16,384 H100 (goal: under 1 s).

Compares the vectorised search (:func:`gigawatt.models.layout.search_layouts`, one numpy pass over
every candidate) with a naive loop that evaluates one configuration per Python call
(:func:`gigawatt.models.layout.search_layouts_naive`) over the same candidate space, in the same
run, so machine speed cancels out of the ratio. Both must pick a layout with the same step time.

Run: ``.venv/bin/python bench/bench_layout_search.py [--repeat 7] [--naive-repeat 3]``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

from gigawatt.catalog import load_catalog
from gigawatt.evaluate.resolve import model_architecture
from gigawatt.evaluate.training import default_global_batch_tokens, hardware_for
from gigawatt.models.layout import candidate_layouts, search_layouts, search_layouts_naive
from gigawatt.models.training import train_shape


def median_s(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Median wall seconds of ``fn()`` over ``repeat`` runs (after one warm-up) and its result."""
    out = fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--naive-repeat", type=int, default=3)
    parser.add_argument("--count", type=int, default=16_384)
    args = parser.parse_args()

    catalog = load_catalog()
    shape = train_shape(model_architecture("llama-3.1-405b", catalog), 8192)
    hw, _ = hardware_for(catalog, "h100-sxm", "bf16")
    batch = default_global_batch_tokens(args.count, 8192) // 8192
    n = len(candidate_layouts(shape, hw, args.count, batch))

    t_vec, res = median_s(lambda: search_layouts(shape, hw, args.count, batch), args.repeat)
    t_naive, (best, best_t) = median_s(
        lambda: search_layouts_naive(shape, hw, args.count, batch), args.naive_repeat
    )
    assert res.best is not None and best is not None
    vec_t = float(res.evaluated["step_time_s"][res.best])
    assert abs(vec_t - best_t) <= 1e-9 * best_t, (vec_t, best_t)
    print(
        f"llama-3.1-405b, seq 8192, {args.count} x h100-sxm, batch {batch} seqs: {n} valid layouts"
    )
    print(f"vectorised search: median {t_vec * 1e3:.1f} ms over {args.repeat} runs")
    print(
        f"naive per-configuration loop: median {t_naive * 1e3:.0f} ms over {args.naive_repeat} runs"
    )
    print(
        f"ratio naive / vectorised: {t_naive / t_vec:.0f}x; best layout {res.layout(res.best)}"
        f", step {vec_t:.3f} s"
    )


if __name__ == "__main__":
    main()
