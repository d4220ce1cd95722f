"""Llama 3 reliability table and the 16,384-GPU, 54-day replay."""

from __future__ import annotations

import statistics

from gigawatt.simulate import failures
from gigawatt.validation.simulate import llama3_runs


def test_table5_sums_to_419() -> None:
    assert sum(c for _, _, c, _ in failures.LLAMA3_TABLE5) == 419
    rate = failures.total_rate_per_gpu_hour(failures.llama3_causes())
    assert rate * 16_384 * 54 * 24 == 419.0 or abs(rate * 16_384 * 54 * 24 - 419) < 1e-9


def test_llama3_replay_interruptions_and_effective_time() -> None:
    runs = llama3_runs(seeds=20)
    mean = statistics.fmean(r["interruptions"] for r in runs)
    assert abs(mean - 419) / 419 < 0.03
    assert all(r["effective_training_time"] > 0.90 for r in runs)
    causes = runs[0]["failures_by_cause"]
    assert causes["faulty-gpu"] > causes["gpu-hbm3-memory"] > causes["cpu"]
