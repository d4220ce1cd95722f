"""Validation of the inference model against the bundled measured cases (and their sources)."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from gigawatt.catalog import load_catalog
from gigawatt.models import inference as inf
from gigawatt.validation import inference as v
from gigawatt.validation import inference_quality as q

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture(scope="module")
def errors() -> dict[tuple[str, str], float]:
    return v.median_errors(load_catalog())


def test_bundled_cases_have_sources_and_splits() -> None:
    cases = v.load_cases()
    assert len(cases) > 1000
    assert all(c.source for c in cases)
    assert {c.split for c in cases} == {"train", "test"}
    assert {c.engine for c in cases} == {"vllm", "sglang", "trtllm"}
    # the held-out split contains hardware never fitted on
    assert all(c.split == "test" for c in cases if c.accelerator == "gb200")
    src = Path(v.__file__).read_text()
    assert "../shared" not in src.replace('"../shared', "")  # no run-time read of ../shared


def test_bundled_rows_match_shared_sources(shared: Path) -> None:
    ms = shared / "validation" / "measured-serving" / "serving_measurements.csv"
    with ms.open(newline="") as fh:
        measured = {r["id"]: r for r in csv.DictReader(fh)}
    with (shared / "validation" / "inference_results.csv").open(newline="") as fh:
        published = {r["id"]: r for r in csv.DictReader(fh)}
    for c in v.load_cases():
        if c.kind == "serving":
            r = measured[c.case_id]
            assert c.ttft_s == pytest.approx(float(r["silicon_ttft_ms"]) / 1e3, abs=1e-7)
            assert c.tpot_s == pytest.approx(float(r["silicon_tpot_ms"]) / 1e3, abs=1e-7)
            # total concurrency: the run's silicon_concurrency where the source gives it (for
            # attention-DP runs batch_size is per rank), else batch_size
            m = re.search(r"silicon_concurrency=(\d+)", r["silicon_data_source"])
            assert c.concurrency == float(m.group(1) if m else r["batch_size"])
            assert (c.isl, c.osl) == (float(r["isl"]), float(r["osl"]))
        else:
            assert c.output_tokens_per_s == float(published[c.case_id]["value"])


def test_median_errors_meet_targets(errors: dict[tuple[str, str], float]) -> None:
    # issue targets: <= 15 % on throughput and TPOT (met on train, held out and overall),
    # <= 20 % on TTFT (not met: the bounds below guard against regressions; see
    # docs/models/inference.md)
    assert errors[("all", "tpot_s")] <= 0.15
    assert errors[("all", "output_tokens_per_s")] <= 0.15
    assert errors[("train", "tpot_s")] <= 0.15
    assert errors[("test", "tpot_s")] <= 0.15
    assert errors[("all", "ttft_s")] <= 0.30
    assert errors[("test", "ttft_s")] <= 0.29


def test_quality_rules_are_few_counted_and_printed(run_cli: Run) -> None:
    """R1-R4 exclusions are stated rules: few, never throughput rows, still printed."""
    rows = v.case_errors(load_catalog())
    excluded = [e for e in rows if e.excluded]
    assert 0 < len(excluded) <= 0.21 * len(rows)  # 20.4 %: R4 (provably wrong labels) 4.8 %
    assert all(e.excluded.startswith(("R1:", "R2:", "R3:", "R4:")) for e in excluded)
    assert all(e.metric != "output_tokens_per_s" for e in excluded)
    # R2 only where the KV cache holds every sequence and TTFT > 200 TPOT
    for e in excluded:
        if e.excluded.startswith("R2:"):
            assert e.case.ttft_s is not None and e.case.tpot_s is not None
            assert e.case.ttft_s / e.case.tpot_s > q.TTFT_OVER_TPOT_LIMIT
    _code, out, _ = run_cli("validate", "--json")
    report = json.loads(out)
    shown = [c for c in report["cases"] if c["family"] == v.FAMILY and "not graded" in c["detail"]]
    assert len(shown) == len(excluded)
    assert all(c["passed"] and c["tolerance_rel"] is None for c in shown)


def test_r4_excludes_exactly_the_impossible_tensor_parallel_labels() -> None:
    """R4 applies to a run iff its tp does not divide the heads and it has no attention DP."""
    cat = load_catalog()
    heads = {"deepseek-v3": 128, "llama-3.1-70b": 64, "llama-3.1-8b": 32, "llama-3.1-405b": 128}
    r4 = {e.case.case_id for e in v.case_errors(cat) if e.excluded.startswith("R4:")}
    impossible = {
        c.case_id
        for c in v.load_cases()
        if c.kind == "serving" and c.dp == 1 and heads[c.model] % c.tp != 0
    }
    assert r4 == impossible
    assert len(r4) > 0


def test_repeated_configurations_share_a_split() -> None:
    """The same configuration measured twice never sits on both sides of the split."""
    splits: dict[tuple[object, ...], set[str]] = {}
    for c in v.load_cases():
        if c.kind == "serving":
            splits.setdefault(c.config_key(), set()).add(c.split)
    assert all(len(s) == 1 for s in splits.values())


def test_every_case_printed_by_validate(run_cli: Run) -> None:
    code, out, _ = run_cli("validate", "--json")
    report = json.loads(out)
    mine = [c for c in report["cases"] if c["family"] == v.FAMILY]
    expected = sum(
        (c.ttft_s is not None) + (c.tpot_s is not None) + (c.output_tokens_per_s is not None)
        for c in v.load_cases()
    )
    assert len(mine) == expected
    assert all(c["error_rel"] is not None and c["source"] for c in mine)
    assert code in (0, 1)


def _train_loss(constants: dict[str, inf.EngineConstants]) -> float:
    cat = load_catalog()
    train = [c for c in v.load_cases() if c.split == "train"]
    arrays = v.CaseArrays(train, cat)
    err = v.log_errors(arrays.predict(constants), v._measured(train))
    return float(np.mean(np.abs(err)))


def test_bundled_constants_are_a_fit_not_a_guess() -> None:
    """Moving any fitted constant by +-25 % does not improve the training loss by > 2 %."""
    base = _train_loss(inf.ENGINES)
    for engine, const in inf.ENGINES.items():
        for name in ("bw_eff", "prefill_eff", "layer_overhead_s", "ttft_overhead_s"):
            for factor in (0.75, 1.25):
                value = getattr(const, name) * factor
                if name.endswith("eff"):
                    value = min(value, 1.0)
                if name == "prefill_eff" and value < 0.1:
                    continue  # below the fit's bound (prior: >= 10 % of peak in prefill)
                moved = {**inf.ENGINES, engine: replace(const, **{name: value})}
                assert _train_loss(moved) > 0.98 * base, (engine, name, factor)


def test_validate_summary_gives_the_graded_median(
    run_cli: Run, errors: dict[tuple[str, str], float]
) -> None:
    """The per-metric summary reports the median over graded cases next to the overall one."""
    _code, out, _ = run_cli("validate", "--json")
    by_metric = {
        s["metric"]: s for s in json.loads(out)["summary_by_metric"] if s["family"] == v.FAMILY
    }
    ttft = by_metric["ttft_s"]
    assert 0 < ttft["graded"] < ttft["cases"]
    assert ttft["median_abs_error_rel_graded"] == pytest.approx(errors[("all", "ttft_s")])
    assert ttft["median_abs_error_rel"] != ttft["median_abs_error_rel_graded"]
