"""Training validation: bundled cases match ../shared, every error printed, medians on target."""

from __future__ import annotations

import csv
import statistics
from pathlib import Path

import pytest

from gigawatt.catalog import load_catalog
from gigawatt.validation.report import Case
from gigawatt.validation.training import cases_by_role, load_cases, training_cases


@pytest.fixture(scope="module")
def cases() -> list[Case]:
    out = list(training_cases(load_catalog()))
    for c in out:  # printed with -s; every case's error
        err = "" if c.error_rel is None else f"{c.error_rel:+.1%}"
        print(
            f"{c.case_id:32s} {c.metric:28s} pred={c.predicted} pub={c.published} {err} "
            f"{'ok' if c.passed else 'FAIL'}"
        )
    return out


def test_bundled_cases_copy_shared_values_and_sources(shared: Path) -> None:
    with (shared / "validation" / "training_runs.csv").open(encoding="utf-8") as fh:
        runs = {r["id"]: r for r in csv.DictReader(fh)}
    with (shared / "validation" / "training_iteration_times.csv").open(encoding="utf-8") as fh:
        iters = list(csv.DictReader(fh))
    for row in load_cases():
        ref = row["ref"]
        if ref.startswith("iter"):
            src = iters[int(ref[4:]) - 1]
            assert float(row["published"]) == float(src["iteration_time_s"])
            assert row["source"] == src["source"]
            continue
        src = runs[ref]
        scale = 0.01 if src["unit"] == "%" else 1.0
        assert float(row["published"]) == pytest.approx(float(src["value"]) * scale)
        assert row["source"] == src["source_url_or_repo_path"]


def test_every_case_has_source_tolerance_and_role() -> None:
    for row in load_cases():
        assert row["source"] and float(row["tolerance_rel"]) > 0
        assert row["role"] in ("fit", "fit-run", "generalisation")


def test_all_cases_pass_their_tolerance(cases: list[Case]) -> None:
    failed = [(c.case_id, c.error_rel) for c in cases if not c.passed]
    assert not failed


def test_median_errors_on_target(cases: list[Case]) -> None:
    by_metric: dict[str, list[float]] = {}
    for c in cases:
        if c.error_rel is not None:
            by_metric.setdefault(c.metric, []).append(abs(c.error_rel))
    tflops = by_metric["achieved_hfu_tflops_per_gpu"] + by_metric["mfu"]
    assert statistics.median(tflops) <= 0.15
    assert statistics.median(by_metric["gpu_hours"]) <= 0.16
    assert statistics.median(by_metric["step_time_s"]) <= 0.15


def test_generalisation_cases_exist_and_stay_near(cases: list[Case]) -> None:
    roles = cases_by_role(cases)
    gen = [abs(e) for c in roles["generalisation"] if (e := c.error_rel) is not None]
    assert len(gen) >= 10
    assert statistics.median(gen) <= 0.15
