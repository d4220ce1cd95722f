"""The independent checker: its steps mirror the builder's, it shares no code with it, and each
step catches what it re-derives."""

from __future__ import annotations

import ast
import inspect
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from helpers_optimize import catalog, scenario, serving, solve_checked, table_for

from gigawatt.optimize import build, check, check_services
from gigawatt.optimize.build import CARBON_WEIGHTS
from gigawatt.optimize.check import check_plan


def _calls(function: Callable[..., Any], prefix: str) -> list[str]:
    """Names (after ``prefix``) of the ``prefix*`` functions ``function`` calls, in order."""
    tree = ast.parse(inspect.getsource(function))
    calls = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    ]
    calls.sort(key=lambda node: (node.lineno, node.col_offset))
    names = [node.func.id for node in calls if isinstance(node.func, ast.Name)]
    return [n.removeprefix(prefix) for n in names if n.startswith(prefix)]


def test_check_steps_mirror_define_steps() -> None:
    defined = _calls(build.build_model, "define_")
    checked = _calls(check.check_plan, "check_")
    assert defined == checked
    assert len(defined) == 12
    for name in defined:
        assert getattr(check, f"check_{name}").__doc__


def test_checker_imports_nothing_from_the_builder() -> None:
    tree = ast.parse(inspect.getsource(check))
    modules = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    ours = {m for m in modules if m and m.startswith("gigawatt")}
    assert ours == {
        "gigawatt.catalog",
        "gigawatt.evaluate.table",
        "gigawatt.optimize.check_services",
        "gigawatt.spec",
    }
    tree = ast.parse(inspect.getsource(check_services))  # the checker's step for services
    modules = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    ours = {m for m in modules if m and m.startswith("gigawatt")}
    assert ours == {"gigawatt.evaluate.demand", "gigawatt.evaluate.table", "gigawatt.spec"}


def test_carbon_ceiling_is_checked() -> None:
    pytest.importorskip("scipy")  # solving needs gigawatt[plan]
    spec = scenario([serving("chat")])
    table = table_for(spec)
    clean = solve_checked(table, spec, CARBON_WEIGHTS)
    ceiling = clean.co2_location_kg * 1.0001
    capped = solve_checked(table, spec, carbon_ceiling_kg=ceiling)
    assert capped.ok and capped.co2_location_kg <= ceiling
    ok = check_plan(
        table, spec, capped.shares, capped.units, capped.pool_sizes, carbon_ceiling_kg=ceiling
    )
    assert ok["ok"] and ok["checked"]["carbon"] == 1
    tight = clean.co2_location_kg / 2
    bad = check_plan(
        table, spec, clean.shares, clean.units, clean.pool_sizes, carbon_ceiling_kg=tight
    )
    assert [v for v in bad["violations"] if v.startswith("carbon")]


def test_cover_violation_comes_with_sizing() -> None:
    spec = scenario([serving("chat")])
    table = table_for(spec)
    shares = np.zeros(len(table.options))
    shares[0] = 1.0
    units = np.zeros(len(table.options), dtype=np.int64)
    report = check_plan(table, spec, shares, units, {}, catalog=catalog())
    kinds = {v.split(" ")[0] for v in report["violations"]}
    assert kinds == {"sizing", "cover"}
    assert "cover" not in report["checked"]  # implied by (1) and (2): not counted


def test_owned_pool_in_a_region_id_with_a_colon() -> None:
    """Cloud region ids hold ':' (``aws:us-east-1``); owned hardware there is still counted."""
    pytest.importorskip("scipy")  # solving needs gigawatt[plan]
    from gigawatt.optimize.plan import plan_scenario
    from gigawatt.spec import parse_scenario

    spec = parse_scenario(
        {
            "name": "owned-in-a-cloud-region",
            "horizon_days": 30,
            "workloads": [serving("chat")],
            "venues": ["onprem"],
            "owned_hardware": [
                {
                    "venue": "onprem",
                    "region": "aws:us-east-1",
                    "accelerator": "h100-sxm",
                    "count": 8,
                }
            ],
        }
    )
    d = plan_scenario(spec, catalog(), explain=False).to_dict()
    assert d["status"] == "plan"
    assert {a["pricing_model"] for a in d["assignments"]} == {"owned"}
    assert d["check"]["ok"], d["check"]["violations"]
