"""Scenario schema: the one place where gigawatt validates user input.

A scenario (YAML, JSON, HTTP body or Python dict) describes a portfolio of AI workloads, the
candidate venues/offers, limits and an objective. :func:`load_scenario` reads YAML and raises a
one-line :class:`~gigawatt.errors.InputError` (``file:line:col: field = value: what is allowed``);
:func:`parse_scenario` does the same for already-parsed data; :func:`check_scenario_refs` checks
catalog ids; :func:`scenario_json_schema` exports the JSON Schema for editors.
"""

from __future__ import annotations

from gigawatt.spec.loading import load_scenario, parse_scenario
from gigawatt.spec.refs import CatalogLike, check_scenario_refs, scenario_refs
from gigawatt.spec.scenario import (
    SCHEMA_ID,
    AcceleratorCap,
    Limits,
    Objective,
    ObjectiveWeights,
    OwnedHardware,
    PowerCap,
    Scenario,
    scenario_json_schema,
)
from gigawatt.spec.workloads import (
    KINDS,
    AgentSLO,
    AgentWorkload,
    BatchInferenceWorkload,
    BatchSLO,
    DataConstraints,
    EdgeInferenceWorkload,
    FinetuneWorkload,
    InferenceWorkload,
    InteractiveWorkload,
    OnlineInferenceWorkload,
    PretrainWorkload,
    RagWorkload,
    ServingSLO,
    TrainingSLO,
    TrainingWorkload,
    Workload,
    WorkloadBase,
    is_model_path,
)

__all__ = [
    "KINDS",
    "SCHEMA_ID",
    "AcceleratorCap",
    "AgentSLO",
    "AgentWorkload",
    "BatchInferenceWorkload",
    "BatchSLO",
    "CatalogLike",
    "DataConstraints",
    "EdgeInferenceWorkload",
    "FinetuneWorkload",
    "InferenceWorkload",
    "InteractiveWorkload",
    "Limits",
    "Objective",
    "ObjectiveWeights",
    "OnlineInferenceWorkload",
    "OwnedHardware",
    "PowerCap",
    "PretrainWorkload",
    "RagWorkload",
    "Scenario",
    "ServingSLO",
    "TrainingSLO",
    "TrainingWorkload",
    "Workload",
    "WorkloadBase",
    "check_scenario_refs",
    "is_model_path",
    "load_scenario",
    "parse_scenario",
    "scenario_json_schema",
    "scenario_refs",
]
