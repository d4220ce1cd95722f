"""Announced hardware (catalog ``availability: announced``) is never chosen unless the scenario
sets ``limits.allow_announced``; the exclusion is counted under the reason ``announced``."""

from __future__ import annotations

from typing import Any

import pytest

from gigawatt.catalog import load_catalog
from gigawatt.errors import InputError
from gigawatt.evaluate.screen import announced_reason, screen_scenario
from gigawatt.evaluate.table_build import build_option_table
from gigawatt.optimize.explain_infeasible import _screening_fixes
from gigawatt.spec import parse_scenario

CHAT = {
    "kind": "online_inference",
    "model": "llama-3.1-8b",
    "qps": 1,
    "input_tokens_per_request": 100,
    "output_tokens_per_request": 100,
    "slo": {"p95_ttft_s": 2},
}


@pytest.fixture(scope="module")
def cat() -> Any:
    return load_catalog(use_env=False)


def spec(allow: bool | None = None, **workload: Any) -> Any:
    limits = {} if allow is None else {"limits": {"allow_announced": allow}}
    return parse_scenario(
        {"name": "t", "venues": ["onprem"], "workloads": [{"name": "w", **CHAT, **workload}]}
        | limits
    )


def announced_ids(cat: Any) -> set[str]:
    return {a["id"] for a in cat.rows("accelerators") if a["availability"] == "announced"}


def test_catalog_lists_announced_hardware_with_a_date(cat: Any) -> None:
    announced = announced_ids(cat)
    assert "rubin" in announced
    assert all(cat.get("accelerators", a)["announced_date"] for a in announced)
    assert cat.get("accelerators", "b300")["availability"] == "available"


def test_announced_excluded_by_default(cat: Any) -> None:
    (screen,) = screen_scenario(spec(), cat)
    assert screen.options, "available hardware stays"
    assert not {o.accelerator for o in screen.options} & announced_ids(cat)
    (allowed,) = screen_scenario(spec(allow=True), cat)
    opted_in = [o for o in allowed.options if o.accelerator in announced_ids(cat)]
    assert opted_in and screen.excluded["announced"] == len(opted_in)


def test_allow_announced_opts_in(cat: Any) -> None:
    (screen,) = screen_scenario(spec(allow=True), cat)
    assert "rubin" in {o.accelerator for o in screen.options}
    assert "announced" not in screen.excluded


def test_pinning_announced_hardware_alone_is_not_enough(cat: Any) -> None:
    (screen,) = screen_scenario(spec(accelerators=["rubin"]), cat)
    assert screen.options == []
    assert set(screen.excluded) == {"pinned", "announced"}
    fixes = _screening_fixes(dict(screen.excluded), None, None, None)
    assert "set limits.allow_announced: true to consider announced hardware" in fixes


def test_option_table_never_holds_announced_hardware_by_default(cat: Any) -> None:
    default = build_option_table(spec(), cat)
    rows = default.options + default.rejected
    assert rows and not {o.accelerator for o in rows} & announced_ids(cat)
    assert default.screens["w"]["announced"] > 0
    allowed = build_option_table(spec(allow=True), cat)
    assert "rubin" in {o.accelerator for o in allowed.options + allowed.rejected}


def test_announced_reason_rule() -> None:
    assert announced_reason({"availability": "announced"}, False) == "announced"
    assert announced_reason({"availability": "announced"}, True) is None
    assert announced_reason({"availability": "available"}, False) is None


def test_allow_announced_must_be_a_boolean() -> None:
    with pytest.raises(InputError, match="allow_announced"):
        parse_scenario(
            {
                "name": "t",
                "limits": {"allow_announced": "maybe"},
                "workloads": [{"name": "w", **CHAT}],
            }
        )
