"""Validation cases, their summary statistics and the runner."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from gigawatt.catalog import Catalog, load_catalog


@dataclass(frozen=True)
class Case:
    """One comparison of a predicted figure with a published one (or a pass/fail check).

    ``error_rel`` is (predicted - published) / published; None for checks without a published value.
    """

    family: str
    case_id: str
    subject: str
    metric: str
    unit: str
    predicted: float | None
    published: float | None
    tolerance_rel: float | None
    passed: bool
    source: str
    detail: str = ""

    @property
    def error_rel(self) -> float | None:
        if self.predicted is None or not self.published:
            return None
        return (self.predicted - self.published) / self.published

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "error_rel": self.error_rel}


def compared(
    family: str,
    case_id: str,
    subject: str,
    metric: str,
    unit: str,
    predicted: float,
    published: float,
    tolerance_rel: float,
    source: str,
    detail: str = "",
) -> Case:
    """A case comparing ``predicted`` with ``published`` within ``tolerance_rel``."""
    ok = abs(predicted - published) <= tolerance_rel * abs(published)
    return Case(
        family,
        case_id,
        subject,
        metric,
        unit,
        predicted,
        published,
        tolerance_rel,
        ok,
        source,
        detail,
    )


def checked(
    family: str, case_id: str, subject: str, metric: str, passed: bool, source: str, detail: str
) -> Case:
    """A pass/fail check without a published value (e.g. FP8 >= BF16 TFLOPS)."""
    return Case(family, case_id, subject, metric, "", None, None, None, passed, source, detail)


@dataclass(frozen=True)
class FamilySummary:
    """Counts and errors of a group of cases: a family, or (``metric`` set) one of its metrics.

    ``median_abs_error_rel`` and ``max_abs_error_rel`` cover every compared case;
    ``graded`` counts the cases with a tolerance (the rest are printed but excluded by a stated
    data-quality rule) and ``median_abs_error_rel_graded`` is the median over those.
    """

    family: str
    cases: int
    failed: int
    median_abs_error_rel: float | None
    max_abs_error_rel: float | None
    metric: str | None = None
    graded: int = 0
    median_abs_error_rel_graded: float | None = None


def _summary(family: str, cases: list[Case], metric: str | None = None) -> FamilySummary:
    errors = [abs(e) for c in cases if (e := c.error_rel) is not None]
    graded = [c for c in cases if c.tolerance_rel is not None]
    graded_errors = [abs(e) for c in graded if (e := c.error_rel) is not None]
    return FamilySummary(
        family,
        len(cases),
        sum(not c.passed for c in cases),
        statistics.median(errors) if errors else None,
        max(errors) if errors else None,
        metric,
        len(graded),
        statistics.median(graded_errors) if graded_errors else None,
    )


@dataclass
class ValidationReport:
    cases: list[Case] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.passed for c in self.cases)

    def summaries(self) -> list[FamilySummary]:
        """One summary per family, in run order."""
        families = dict.fromkeys(c.family for c in self.cases)
        return [_summary(f, [c for c in self.cases if c.family == f]) for f in families]

    def metric_summaries(self) -> list[FamilySummary]:
        """One summary per (family, metric) among cases compared with a published value."""
        keys = dict.fromkeys((c.family, c.metric) for c in self.cases if c.published is not None)
        return [
            _summary(f, [c for c in self.cases if (c.family, c.metric) == (f, m)], m)
            for f, m in keys
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "summary": [asdict(s) for s in self.summaries()],
            "summary_by_metric": [asdict(s) for s in self.metric_summaries()],
            "cases": [c.to_dict() for c in self.cases],
        }


CaseFamily = Callable[[Catalog], Iterable[Case]]


def _families() -> list[CaseFamily]:
    # deferred: the case modules import this module (registry cycle inside validation)
    from gigawatt.validation import (
        catalog_checks,
        economics,
        inference,
        simulate,
        training,
        twin_agreement,
    )

    return [
        catalog_checks.parameter_count_cases,
        catalog_checks.spec_sanity_cases,
        training.training_cases,
        inference.inference_cases,
        economics.economics_cases,
        simulate.simulate_cases,
        twin_agreement.twin_cases,
    ]


def run_validation(catalog: Catalog | None = None) -> ValidationReport:
    """Run every validation family against ``catalog`` (default: bundled + env overlays)."""
    catalog = catalog or load_catalog()
    report = ValidationReport()
    for family in _families():
        report.cases.extend(family(catalog))
    return report
