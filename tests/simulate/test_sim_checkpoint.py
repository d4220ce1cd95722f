"""Checkpoint-restart: progress arithmetic and waste against Young/Daly."""

from __future__ import annotations

import math

import pytest

from gigawatt.simulate.processes.training import Job, checkpoint_interval_s
from gigawatt.validation.simulate import young_daly_case


def _job(work: float, interval: float, write: float) -> Job:
    return Job(0, "j", "training", "t", 0, 8, work, 0.0, interval, write, None, True)


def test_progress_arithmetic() -> None:
    job = _job(1000.0, 300.0, 10.0)
    assert job.checkpoints_left() == 3  # after 300, 600, 900
    assert job.raw_to_finish() == pytest.approx(1030.0)
    assert job.committed_after(305.0) == 0.0  # write not finished
    assert job.committed_after(310.0) == 300.0
    assert job.useful_after(305.0) == 300.0
    assert job.useful_after(400.0) == 390.0
    no_ckpt = _job(1000.0, 0.0, 10.0)
    assert no_ckpt.raw_to_finish() == 1000.0
    assert no_ckpt.committed_after(999.0) == 0.0


def test_young_daly_interval_from_shared_model() -> None:
    young = math.sqrt(2 * 60 * 3600)
    assert checkpoint_interval_s("young-daly", 60.0, 10, 1 / 36_000.0) == pytest.approx(young - 60)
    assert checkpoint_interval_s(None, 60.0, 10, 1.0) == math.inf
    assert checkpoint_interval_s(30.0, 60.0, 10, 1.0) == 1800.0


def test_checkpoint_waste_matches_young_daly_within_2_percent() -> None:
    sim, ref = young_daly_case()
    assert abs(sim - ref) / ref < 0.02
