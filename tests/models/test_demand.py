"""Load-profile shapes and their reduction to time blocks (gigawatt.models.demand)."""

from __future__ import annotations

import numpy as np
import pytest

from gigawatt.models import demand

HOURS = np.arange(168, dtype=float)


@pytest.mark.parametrize("ratio", [1.0, 1.3, 2.0])
def test_sinusoid_keeps_its_peak_to_mean_and_peak_hour(ratio: float) -> None:
    level = demand.sinusoid_day(ratio, 14.0, HOURS)
    assert level.max() == pytest.approx(1.0)
    assert demand.peak_to_mean(level, np.ones(168)) == pytest.approx(ratio)
    if ratio > 1:
        assert int(np.argmax(level[:24])) == 14


def test_weekend_is_scaled() -> None:
    level = demand.weekly(2.0, 14.0, 0.5, HOURS)
    assert level[5 * 24 + 14] == pytest.approx(0.5 * level[14])


@pytest.mark.parametrize(("ratio", "share"), [(8.0, 0.1), (3.0, 0.25), (2.5, 0.1)])
def test_burst_share_and_mean_are_exact(ratio: float, share: float) -> None:
    levels = np.ones((1, 168))
    base = demand.bursty_base(ratio, share)
    levels, weights = demand.place_burst(levels, np.ones(168), 0, share, base, np.zeros(168))
    at_peak = weights[levels[0] == 1.0].sum() / weights.sum()
    assert at_peak == pytest.approx(share)
    assert weights.sum() == pytest.approx(168)
    assert demand.peak_to_mean(levels[0], weights) == pytest.approx(ratio)


def test_burst_goes_to_the_busiest_hours() -> None:
    levels = np.ones((2, 168))
    priority = np.zeros(168)
    priority[100:110] = 1.0
    levels, _weights = demand.place_burst(levels, np.ones(168), 1, 10 / 168, 0.1, priority)
    assert np.all(levels[1][100:110] == 1.0)
    assert levels[1].sum() == pytest.approx(10 + 0.1 * 158)


def test_equal_hours_form_exact_blocks() -> None:
    levels = np.vstack([demand.sinusoid_day(2.0, 14.0, HOURS), np.ones(168)])
    blocks = demand.reduce_blocks(levels, np.ones(168), 24)
    assert blocks.excess == 0.0
    assert blocks.share.sum() == pytest.approx(1.0)
    mean = blocks.levels @ blocks.share
    assert mean == pytest.approx(levels.mean(axis=1))


def test_merged_blocks_keep_every_peak_and_overstate_the_mean() -> None:
    levels = np.vstack(
        [demand.sinusoid_day(2.0, 14.0, HOURS), demand.sinusoid_day(1.5, 2.0, HOURS)]
    )
    blocks = demand.reduce_blocks(levels, np.ones(168), 4)
    assert blocks.share.size <= 4
    assert np.allclose(blocks.levels.max(axis=1), levels.max(axis=1))
    assert np.all(blocks.levels @ blocks.share >= levels.mean(axis=1) - 1e-12)
    assert blocks.excess > 0


def test_normalised_rejects_bad_values() -> None:
    with pytest.raises(ValueError, match="all zero"):
        demand.normalised(np.zeros(24))
    with pytest.raises(ValueError, match=">= 0"):
        demand.normalised(np.array([1.0, -1.0]))
