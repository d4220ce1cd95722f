"""Training job size over the candidate counts, checked against brute force with plan_training."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import pytest

from gigawatt.catalog import Catalog, load_catalog
from gigawatt.errors import InputError
from gigawatt.evaluate.performance import training_performance
from gigawatt.evaluate.replicas import ServingCache
from gigawatt.evaluate.resolve import model_architecture
from gigawatt.evaluate.training import TrainOptions, hardware_for, plan_training
from gigawatt.evaluate.training_count import (
    MAX_TRAINING_COUNT,
    CountSearch,
    candidate_counts,
    count_bound,
    min_accelerators_for_deadline,
    min_days_within,
    size_training,
    training_size,
)
from gigawatt.models.layout import candidate_values
from gigawatt.models.train_step import step_time_breakdown
from gigawatt.models.training import LayoutArrays, train_shape
from gigawatt.spec.workloads import FinetuneWorkload, PretrainWorkload

LIMIT = 512


@dataclass(frozen=True)
class Case:
    model: str
    accelerator: str
    finetune: str
    seq_len: int
    tokens: float
    precision: str = "bf16"

    @property
    def opts(self) -> TrainOptions:
        return TrainOptions(precision=self.precision, finetune=self.finetune, seq_len=self.seq_len)


# small jobs whose time-to-train is not monotone in the count (checked below)
CASES = (
    Case("llama-3.2-1b", "h100-sxm", "full", 4096, 1e11),
    Case("llama-3.2-3b", "a100-sxm-40gb", "full", 4096, 1e11),
    Case("llama-3.1-70b", "l4", "lora", 4096, 1e9),
    Case("gpt-neox-20b", "mi300x", "full", 2048, 1e11),
)


@cache
def _catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="module")
def cat() -> Catalog:
    return _catalog()


def _search(cat: Catalog, case: Case, limit: int = LIMIT) -> CountSearch:
    arch = model_architecture(case.model, cat)
    hw, _ = hardware_for(cat, case.accelerator, case.precision)
    shape = train_shape(arch, case.seq_len)
    return CountSearch(shape, hw, case.tokens, case.opts, count_bound(shape, hw, case.opts), limit)


@cache
def _brute(case: Case, count: int) -> tuple[float, float]:
    """(days, accelerator-hours) of plan_training on ``count`` accelerators (inf: no fit)."""
    cat = _catalog()
    r = plan_training(case.model, case.accelerator, count, case.tokens, case.opts, catalog=cat)
    if not r.fits or r.time_to_train_days is None or r.gpu_hours is None:
        return math.inf, math.inf
    return r.time_to_train_days, r.gpu_hours


def _deadlines(case: Case) -> list[float]:
    """Every time-to-train of the candidates, just below each, and below the fastest."""
    days = sorted({_brute(case, c)[0] for c in candidate_counts(LIMIT)} - {math.inf})
    return [*days, *(d * (1 - 1e-9) for d in days), days[0] / 2]


def test_candidate_counts_are_whole_servers_ever_coarser() -> None:
    counts = candidate_counts(1000)
    expected = [1, 2, 4, *range(8, 256, 8), *range(256, 512, 16), *range(512, 1000, 32)]
    assert counts == expected
    full = candidate_counts()
    assert full[-1] == MAX_TRAINING_COUNT
    steps = [(b - a) / a for a, b in itertools.pairwise(full) if a >= 128]
    assert max(steps) <= 1 / 16 and len(full) < 500


def test_cases_are_not_monotone() -> None:
    """Without this the brute-force checks below could pass with an upward walk."""
    rising = 0
    for case in CASES:
        days = [d for d in (_brute(case, c)[0] for c in candidate_counts(LIMIT)) if d < math.inf]
        rising += sum(b > a for a, b in itertools.pairwise(days))
    assert rising >= 5


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.model}-{c.accelerator}")
def test_fewest_is_the_brute_force_minimum(cat: Catalog, case: Case) -> None:
    search = _search(cat, case)
    candidates = candidate_counts(LIMIT)
    for deadline in _deadlines(case):
        meeting = [c for c in candidates if _brute(case, c)[0] <= deadline]
        run = search.fewest_meeting(deadline)
        if not meeting:
            assert run is None
            continue
        assert run is not None and run.count == meeting[0], deadline
        assert run.days == pytest.approx(_brute(case, meeting[0])[0], rel=1e-12)
    # the bound pruned most of the candidates: far fewer evaluations than deadlines x counts
    assert search.evaluated <= len(candidates)


@pytest.mark.parametrize("case", CASES[:2], ids=lambda c: c.model)
def test_bound_is_below_every_count(cat: Catalog, case: Case) -> None:
    search = _search(cat, case)
    for count in range(1, 257):
        assert search.bound_days(count) <= _brute(case, count)[0] * (1 + 1e-12), count
    fits = [c for c in range(1, 257) if _brute(case, c)[0] < math.inf]
    assert search.bound.fit_count <= fits[0]


@pytest.mark.parametrize(
    ("model", "accelerator", "finetune", "precision"),
    [
        ("llama-3.1-405b", "h100-sxm", "full", "bf16"),
        ("mixtral-8x7b", "h100-sxm", "full", "fp8"),
        ("llama-3.1-70b", "l4", "qlora", "bf16"),
        ("deepseek-v3", "gb200", "full", "fp8"),
    ],
)
def test_bound_takes_the_least_work_of_every_layout(
    cat: Catalog, model: str, accelerator: str, finetune: str, precision: str
) -> None:
    """The bound's per-sequence work (one layout per EP size) is the least over every layout
    the search may try, at any count."""
    opts = TrainOptions(precision=precision, finetune=finetune, seq_len=4096)
    hw, _ = hardware_for(cat, accelerator, precision)
    shape = train_shape(model_architecture(model, cat), 4096)
    values = candidate_values(shape, hw, MAX_TRAINING_COUNT)
    names = ("tp", "pp", "cp", "ep", "mb", "recompute", "zero", "vpp")
    grids = np.meshgrid(*[np.asarray(values[n], dtype=np.float64) for n in names])
    lay = LayoutArrays.of(dp=1.0, **{n: g.ravel() for n, g in zip(names, grids, strict=True)})
    t = step_time_breakdown(shape, hw, lay, 16.0, opts.constants, finetune, opts.lora_rank)
    busy = t["compute_s"] + t["tp_s"] + t["cp_s"] + t["ep_s"] + t["pp_p2p_s"]
    per_sequence = lay.tp * lay.pp * lay.cp * busy / t["microbatches"] / lay.mb
    bound = count_bound(shape, hw, opts)
    assert float(np.min(per_sequence)) == pytest.approx(bound.accelerator_s_per_sequence)
    assert float(np.min(per_sequence)) >= bound.accelerator_s_per_sequence * (1 - 1e-12)


@pytest.mark.parametrize("case", CASES[1:3], ids=lambda c: c.model)
def test_fastest_and_cheapest_are_the_brute_force_optima(cat: Catalog, case: Case) -> None:
    search = _search(cat, case)
    candidates = candidate_counts(LIMIT)
    for cap in (40, 100, 300, 500):
        counts = [c for c in candidates if c < cap] + [cap]
        best = min(counts, key=lambda c: (_brute(case, c)[0], c))
        run = search.fastest_within(cap)
        assert run is not None and run.count == best
    for deadline in _deadlines(case)[::3]:
        meeting = [c for c in candidates if _brute(case, c)[0] <= deadline]
        run = search.cheapest_meeting(deadline, LIMIT)
        if not meeting:
            assert run is None
            continue
        best = min(meeting, key=lambda c: (_brute(case, c)[1], c))
        assert run is not None and run.count == best


def test_405b_in_37_days_is_near_the_brute_force_minimum(cat: Catalog) -> None:
    """The upward walk took 107,880 H100 for Llama 3.1 405B on 15T tokens in 37 days."""
    case = Case("llama-3.1-405b", "h100-sxm", "full", 4096, 15e12)
    run = _search(cat, case, MAX_TRAINING_COUNT).fewest_meeting(37.0)
    grid = range(30_720, 40_961, 512)  # the fastest layouts split 512 accelerators
    brute = min(c for c in grid if _brute(case, c)[0] <= 37.0)
    assert run is not None and run.days <= 37.0
    assert brute <= run.count <= brute * (1 + 1 / 16)  # one step of the candidate grid


def test_fixed_count_is_evaluated_as_given(cat: Catalog) -> None:
    case = CASES[1]
    search = _search(cat, case)
    days, _ = _brute(case, 56)
    size = size_training(search, None, 56)
    assert size.met and size.run is not None and size.run.count == 56
    assert size.run.days == pytest.approx(days)
    late = size_training(search, days * 0.9, 56)
    assert not late.met and late.run is not None and "over" in late.reason
    assert size_training(search, days * 1.1, 56).met
    assert not size_training(search, None, 1).met  # 3B full training does not fit on 1 A100
    with pytest.raises(InputError):
        size_training(search, None, 0)
    with pytest.raises(InputError):
        size_training(search, None, None)


def test_none_when_no_candidate_fits(cat: Catalog) -> None:
    case = Case("llama-3.1-405b", "h100-sxm", "full", 4096, 1e9)
    search = _search(cat, case, 64)
    assert search.bound.fit_count > 64
    size = size_training(search, 1e6)
    assert size.run is None and "does not fit" in size.reason
    assert search.fastest_within(64) is None and search.evaluated == 0


def _workload(**extra: Any) -> FinetuneWorkload:
    data = {
        "name": "tune",
        "kind": "finetune",
        "model": "llama-3.1-70b",
        "method": "lora",
        "tokens": 1_000_000_000,
        "slo": {"deadline_days": 1.0},
        **extra,
    }
    return FinetuneWorkload.model_validate(data)


def test_workload_sizing_and_advice(cat: Catalog) -> None:
    cache = ServingCache(cat)
    w = _workload(lora_rank=16)
    case = Case("llama-3.1-70b", "l4", "lora", 4096, 1e9)
    fewest = min(c for c in candidate_counts(LIMIT) if _brute(case, c)[0] <= 1.0)
    perf = training_performance(w, "l4", cache)
    assert perf.slo_met and perf.unit_accelerators == fewest
    assert perf.hours == pytest.approx(_brute(case, fewest)[0] * 24.0)
    advice = min_accelerators_for_deadline(w, "l4", cache, 1.0)
    assert advice is not None and advice.count == fewest
    within = min_days_within(w, "l4", cache, fewest)
    assert within is not None and within.days <= 1.0
    fixed = w.model_copy(update={"accelerator_count": 64})  # the spec field to come
    size = training_size(fixed, "l4", cache)
    assert size.run is not None and size.run.count == 64
    assert size.met == (_brute(case, 64)[0] <= 1.0)


def test_unknown_precision_is_a_reason_not_a_crash(cat: Catalog) -> None:
    w = PretrainWorkload.model_validate(
        {
            "name": "p",
            "kind": "pretrain",
            "model": "llama-3.2-1b",
            "tokens": 10**9,
            "precision": "fp16",
            "slo": {"deadline_days": 3},
        }
    )
    perf = training_performance(w, "h100-sxm", ServingCache(cat))
    assert not perf.slo_met and "precision" in perf.detail
