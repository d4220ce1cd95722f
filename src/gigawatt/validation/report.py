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
    family: str
    cases: int
    failed: int
    median_abs_error_rel: float | None
    max_abs_error_rel: float | None


@dataclass
class ValidationReport:
    cases: list[Case] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.passed for c in self.cases)

    def summaries(self) -> list[FamilySummary]:
        out = []
        for family in dict.fromkeys(c.family for c in self.cases):
            cases = [c for c in self.cases if c.family == family]
            errors = [abs(e) for c in cases if (e := c.error_rel) is not None]
            out.append(
                FamilySummary(
                    family,
                    len(cases),
                    sum(not c.passed for c in cases),
                    statistics.median(errors) if errors else None,
                    max(errors) if errors else None,
                )
            )
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "summary": [asdict(s) for s in self.summaries()],
            "cases": [c.to_dict() for c in self.cases],
        }


CaseFamily = Callable[[Catalog], Iterable[Case]]


def _families() -> list[CaseFamily]:
    from gigawatt.validation import catalog_checks, economics, inference, simulate, training

    return [
        catalog_checks.parameter_count_cases,
        catalog_checks.spec_sanity_cases,
        training.training_cases,
        inference.inference_cases,
        economics.economics_cases,
        simulate.simulate_cases,
    ]


def run_validation(catalog: Catalog | None = None) -> ValidationReport:
    """Run every validation family against ``catalog`` (default: bundled + env overlays)."""
    catalog = catalog or load_catalog()
    report = ValidationReport()
    for family in _families():
        report.cases.extend(family(catalog))
    return report
