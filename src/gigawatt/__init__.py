"""gigawatt: planner and digital twin for AI compute, from one GPU to a gigawatt campus.

The public API is the names in ``__all__`` (a test pins them); every module path is private and
may move. One call per question::

    import gigawatt
    cat = gigawatt.load_catalog()                                  # bundled tables + overlays
    scenario = gigawatt.load_scenario("examples/plan/startup.yaml")
    plan = gigawatt.plan_scenario(scenario, cat)                   # placement MILP + checker
    run = gigawatt.plan_training("llama-3.1-70b", "h100-sxm", 1024, "15T", catalog=cat)
    tco = gigawatt.compare_tco(cat, "h100-sxm", 1024)
    sim = gigawatt.simulate(gigawatt.load_simulation("examples/simulate/training_cluster.yaml"))
    report = gigawatt.run_validation()
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "InferenceRequest",
    "InputError",
    "TrainOptions",
    "__version__",
    "compare_tco",
    "facility_plan",
    "load_catalog",
    "load_scenario",
    "load_simulation",
    "model_architecture",
    "parameter_counts",
    "plan_inference",
    "plan_scenario",
    "plan_training",
    "run_validation",
    "simulate",
]

_LAZY = {
    "InferenceRequest": ("gigawatt.evaluate.inference", "InferenceRequest"),
    "InputError": ("gigawatt.errors", "InputError"),
    "TrainOptions": ("gigawatt.evaluate.training", "TrainOptions"),
    "compare_tco": ("gigawatt.evaluate.economics", "compare"),
    "facility_plan": ("gigawatt.evaluate.economics", "facility_plan"),
    "load_catalog": ("gigawatt.catalog", "load_catalog"),
    "load_scenario": ("gigawatt.spec", "load_scenario"),
    "load_simulation": ("gigawatt.spec.simulation", "load_simulation"),
    "model_architecture": ("gigawatt.evaluate.resolve", "model_architecture"),
    "parameter_counts": ("gigawatt.models.params", "parameter_counts"),
    "plan_inference": ("gigawatt.evaluate.inference", "plan_inference"),
    "plan_scenario": ("gigawatt.optimize.plan", "plan_scenario"),
    "plan_training": ("gigawatt.evaluate.training", "plan_training"),
    "run_validation": ("gigawatt.validation", "run_validation"),
    "simulate": ("gigawatt.simulate.run", "simulate"),
}

if TYPE_CHECKING:
    from gigawatt.catalog import load_catalog
    from gigawatt.errors import InputError
    from gigawatt.evaluate.economics import compare as compare_tco
    from gigawatt.evaluate.economics import facility_plan
    from gigawatt.evaluate.inference import InferenceRequest, plan_inference
    from gigawatt.evaluate.resolve import model_architecture
    from gigawatt.evaluate.training import TrainOptions, plan_training
    from gigawatt.models.params import parameter_counts
    from gigawatt.optimize.plan import plan_scenario
    from gigawatt.simulate.run import simulate
    from gigawatt.spec import load_scenario
    from gigawatt.spec.simulation import load_simulation
    from gigawatt.validation import run_validation


def __getattr__(name: str) -> Any:
    """Import public names on first use so ``import gigawatt`` (and the CLI's --help) stay fast."""
    if name not in _LAZY:
        raise AttributeError(f"module 'gigawatt' has no attribute {name!r}")
    # deferred: PEP 562 lazy attribute, so `import gigawatt` and `--help` stay fast
    import importlib

    module_name, attr = _LAZY[name]
    return getattr(importlib.import_module(module_name), attr)


def __dir__() -> list[str]:
    """The public names (for tab completion and ``help(gigawatt)``)."""
    return sorted(__all__)
