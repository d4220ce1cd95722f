"""The twin and ``gigawatt infer`` agree at one load (validation family ``twin``)."""

from __future__ import annotations

from gigawatt.catalog import load_catalog
from gigawatt.validation.report import run_validation
from gigawatt.validation.twin_agreement import twin_cases


def test_twin_and_static_model_agree_within_ten_percent() -> None:
    cases = list(twin_cases(load_catalog()))
    assert [c.metric for c in cases] == ["ttft_s_p50", "ttft_s_p95", "tpot_s_p50", "tpot_s_p95"]
    for c in cases:
        assert c.passed, (c.case_id, c.predicted, c.published)


def test_twin_cases_are_in_validate() -> None:
    ids = {c.case_id for c in run_validation().cases}
    assert {"TWIN001", "TWIN004"} <= ids
