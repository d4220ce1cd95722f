"""Validation as a feature: every model and catalog check compared with published figures.

``run_validation()`` collects the cases of every registered family and returns a report that the
CLI (``gigawatt validate``) prints case by case, hiding nothing.
"""

from gigawatt.validation.report import Case, ValidationReport, run_validation

__all__ = ["Case", "ValidationReport", "run_validation"]
