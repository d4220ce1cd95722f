"""The public surface is pinned: adding or removing a name is a deliberate change to this list."""

from __future__ import annotations

import subprocess
import sys

import gigawatt

PUBLIC = [
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


def test_all_is_pinned() -> None:
    assert sorted(gigawatt.__all__) == PUBLIC


def test_every_public_name_resolves() -> None:
    for name in gigawatt.__all__:
        assert getattr(gigawatt, name) is not None, name


def test_unknown_name_is_an_attribute_error() -> None:
    try:
        gigawatt.plan_everything  # type: ignore[attr-defined]  # noqa: B018
    except AttributeError as exc:
        assert "plan_everything" in str(exc)
    else:
        raise AssertionError("unknown attribute resolved")


def test_import_gigawatt_is_light() -> None:
    code = "import sys, gigawatt; print(sorted({'numpy', 'pydantic', 'yaml'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_public_calls_chain(tmp_path: object) -> None:
    cat = gigawatt.load_catalog()
    run = gigawatt.plan_training("llama-3.1-8b", "h100-sxm", 64, "1T", catalog=cat)
    assert run.to_dict()["gpu_hours"] > 0
    tco = gigawatt.compare_tco(cat, "h100-sxm", 8)
    assert tco
