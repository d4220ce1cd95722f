"""gigawatt: planner and digital twin for AI compute, from one GPU to a gigawatt campus.

Public API (kept small; everything else is private to the package)::

    import gigawatt
    cat = gigawatt.load_catalog()            # bundled tables + overlays
    arch = gigawatt.model_architecture("llama-3.1-70b")
    counts = gigawatt.parameter_counts(arch)
    report = gigawatt.run_validation()
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "InputError",
    "__version__",
    "load_catalog",
    "load_scenario",
    "model_architecture",
    "parameter_counts",
    "run_validation",
]

_LAZY = {
    "InputError": ("gigawatt.errors", "InputError"),
    "load_catalog": ("gigawatt.catalog", "load_catalog"),
    "load_scenario": ("gigawatt.spec", "load_scenario"),
    "model_architecture": ("gigawatt.resolve", "model_architecture"),
    "parameter_counts": ("gigawatt.models.params", "parameter_counts"),
    "run_validation": ("gigawatt.validation", "run_validation"),
}

if TYPE_CHECKING:
    from gigawatt.catalog import load_catalog
    from gigawatt.errors import InputError
    from gigawatt.models.params import parameter_counts
    from gigawatt.resolve import model_architecture
    from gigawatt.spec import load_scenario
    from gigawatt.validation import run_validation


def __getattr__(name: str) -> Any:
    """Import public names on first use so ``import gigawatt`` (and the CLI's --help) stay fast."""
    if name not in _LAZY:
        raise AttributeError(f"module 'gigawatt' has no attribute {name!r}")
    import importlib

    module_name, attr = _LAZY[name]
    return getattr(importlib.import_module(module_name), attr)
