"""Workload generators: log-normal (mixture) run-time fits and the occupancy model recover the
parameters of synthetic data; bad files give one-line errors."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from gigawatt.adapters.traces_fit import (
    fit_occupancy,
    fit_runtimes,
    ks_distance,
    r_squared,
    read_occupancy,
    read_runtimes,
)
from gigawatt.errors import InputError


def test_lognormal_fit_recovers_parameters() -> None:
    rng = np.random.default_rng(1)
    x = rng.lognormal(7.0, 2.0, 20_000)
    fit = fit_runtimes(x, 1)
    assert fit.mu[0] == pytest.approx(7.0, abs=0.05)
    assert fit.sigma[0] == pytest.approx(2.0, abs=0.05)
    assert fit.ks_distance < 0.015
    assert fit.quantile_s(0.5) == pytest.approx(math.exp(7.0), rel=0.05)
    assert fit.mean_s == pytest.approx(math.exp(7.0 + 2.0), rel=0.1)


def test_mixture_beats_one_lognormal_on_two_modes() -> None:
    rng = np.random.default_rng(2)
    x = np.concatenate([rng.lognormal(4.0, 0.2, 6_000), rng.lognormal(8.0, 1.5, 14_000), [0.0]])
    one, two = fit_runtimes(x, 1), fit_runtimes(x, 2)
    assert two.left_out_zero == 1 and two.samples == 20_000
    assert two.ks_distance < 0.015 < one.ks_distance
    assert sorted(two.weights) == pytest.approx([0.3, 0.7], abs=0.02)
    assert sorted(two.mu) == pytest.approx([4.0, 8.0], abs=0.1)
    draws = two.sample(np.random.default_rng(3), 20_000)
    assert ks_distance(np.sort(draws), two.cdf(np.sort(draws))) < 0.015


def test_fit_needs_enough_positive_samples() -> None:
    with pytest.raises(InputError, match="at least 20 positive run times, got 3"):
        fit_runtimes(np.array([0.0, 1.0, 2.0, 3.0]), 2)


def test_read_runtimes_errors(tmp_path: Path) -> None:
    path = tmp_path / "rt.csv"
    path.write_text("runtime\n5\n-1\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"rt.csv:3: column 'runtime' = '-1'"):
        read_runtimes(path)
    path.write_text("seconds\n5\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"rt\.csv:1: missing column 'runtime'"):
        read_runtimes(path)
    path.write_text("runtime\n5\n7\n", encoding="utf-8")
    assert read_runtimes(path).tolist() == [5.0, 7.0]


def test_occupancy_model_recovers_profile_and_ar1(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    minutes = 6 * 7 * 24 * 60  # six weeks from Monday 2024-01-01 00:00
    t = np.datetime64("2024-01-01T00:00") + np.arange(minutes).astype("timedelta64[m]")
    hour = np.arange(minutes) // 60 % 24
    truth = 0.6 + 0.2 * np.sin(2 * np.pi * hour / 24)
    resid = np.zeros(minutes)
    for i in range(1, minutes):
        resid[i] = 0.9 * resid[i - 1] + rng.normal(0, 0.01)
    active = np.round((truth + resid) * 1000)
    lines = ["time,active,total"]
    lines += [f"{str(s).replace('T', ' ')}:00,{a:.0f},1000" for s, a in zip(t, active, strict=True)]
    path = tmp_path / "occ.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    times, busy = read_occupancy(path)
    model = fit_occupancy(times, busy)
    assert model.phi == pytest.approx(0.9, abs=0.02)
    assert model.noise_sd == pytest.approx(0.01, abs=0.002)
    assert model.step_s == 60.0
    assert r_squared(busy, model.expected(times)) > 0.95
    assert model.profile[12] == pytest.approx(truth[12 * 60 : 13 * 60].mean(), abs=0.01)  # Mon 12h
    sample = model.sample(np.random.default_rng(5), times)
    assert abs(sample.mean() - busy.mean()) < 0.01 and sample.min() >= 0.0


def test_read_occupancy_errors(tmp_path: Path) -> None:
    path = tmp_path / "occ.csv"
    path.write_text("time,active,total\n2017-10-03 00:00:00,3,4\nyesterday,3,4\n", "utf-8")
    with pytest.raises(InputError, match=r"occ.csv:3: column 'time' = 'yesterday'"):
        read_occupancy(path)
    path.write_text("time,active,total\n2017-10-03 00:00:00,3,4\n2017-10-03 00:01:00,5,4\n")
    with pytest.raises(InputError, match=r"occ.csv:3: column 'active' = 5: more than total"):
        read_occupancy(path)
