"""Scenario screening: candidate options, exclusion rules, model-state memory bound."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from gigawatt.catalog import load_catalog
from gigawatt.evaluate.screen import (
    MIXED_PRECISION_ADAM_BYTES_PER_PARAM,
    exclusion_reason,
    screen_scenario,
)
from gigawatt.spec import parse_scenario

Run = Callable[..., tuple[int, str, str]]
REPO = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((REPO / "examples" / "scenarios").glob("*.yaml"))


@pytest.fixture(scope="module")
def cat() -> Any:
    return load_catalog(use_env=False)


def scenario(workload: dict[str, Any], **top: Any) -> Any:
    base = {"name": "t", "workloads": [{"name": "w", **workload}], **top}
    return parse_scenario(base)


CHAT = {
    "kind": "online_inference",
    "model": "llama-3.1-70b",
    "qps": 1,
    "input_tokens_per_request": 100,
    "output_tokens_per_request": 100,
    "slo": {"p95_ttft_s": 1},
}


def test_jurisdiction_rule_keeps_only_allowed_regions(cat: Any) -> None:
    (screen,) = screen_scenario(scenario({**CHAT, "data": {"allowed_jurisdictions": ["eu"]}}), cat)
    assert screen.options and screen.excluded["jurisdiction"] > 0
    for option in screen.options:
        assert "eu" in cat.get("regions", option.region)["jurisdictions"]


def test_sovereignty_rule_uses_operator_headquarters(cat: Any) -> None:
    data = {"allowed_jurisdictions": ["eu"], "sovereign_only": True}
    (screen,) = screen_scenario(scenario({**CHAT, "data": data}), cat)
    assert screen.excluded["sovereignty"] > 0
    venues = {o.venue for o in screen.options}
    assert venues and not venues & {"aws", "gcp", "azure", "oci"}
    assert "nebius" in venues  # headquartered in the Netherlands


def test_offline_rule_and_pins(cat: Any) -> None:
    spec = scenario(
        {**CHAT, "data": {"offline": True}, "accelerators": ["h100-sxm"]},
        venues=["onprem", "aws"],
    )
    (screen,) = screen_scenario(spec, cat)
    assert {o.venue for o in screen.options} == {"onprem"}
    assert {o.accelerator for o in screen.options} == {"h100-sxm"}
    assert screen.excluded["pinned"] > 0


def test_candidate_offers_come_from_scenario_venues(cat: Any) -> None:
    (screen,) = screen_scenario(scenario(CHAT, venues=["lambda"]), cat)
    assert {o.venue for o in screen.options} == {"lambda"}
    assert all(o.offer for o in screen.options)
    lambda_offers = [o for o in cat.rows("offers") if o["venue"] == "lambda"]
    assert len(screen.options) == len(lambda_offers)


def test_memory_lower_bound_for_training_and_inference(cat: Any) -> None:
    train = {
        "kind": "pretrain",
        "model": "llama-3.1-70b",
        "tokens": 10**12,
        "slo": {"deadline_days": 90},
    }
    (t,) = screen_scenario(scenario(train, venues=["coreweave"]), cat)
    (i,) = screen_scenario(scenario({**CHAT, "precision": "fp8"}, venues=["coreweave"]), cat)
    assert t.model_state_gib == pytest.approx(
        t.total_params_b * 1e9 * MIXED_PRECISION_ADAM_BYTES_PER_PARAM / 2**30
    )
    assert i.model_state_gib == pytest.approx(i.total_params_b * 1e9 / 2**30)
    for option in t.options:
        memory = cat.get("accelerators", option.accelerator)["memory_gib"]
        assert option.min_accelerators == math.ceil(t.model_state_gib / memory)
        assert (option.min_accelerators - 1) * memory < t.model_state_gib


def test_rentals_sorted_by_hourly_price_for_minimum_count(cat: Any) -> None:
    (screen,) = screen_scenario(scenario(CHAT, venues=["runpod", "lambda"]), cat)
    costs = [o.price_usd_per_accel_h * o.min_accelerators for o in screen.options]
    assert costs == sorted(costs)


def test_exclusion_reason_none_for_unconstrained(cat: Any) -> None:
    spec = scenario(CHAT)
    offer = cat.rows("offers")[0]
    assert exclusion_reason(spec.workloads[0], offer, cat) is None


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_check_command_on_examples(run_cli: Run, path: Path) -> None:
    code, out, err = run_cli("check", str(path), "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["workloads"]
    assert all(w["options"] for w in result["workloads"]), "every example workload has options"
    code, out, _ = run_cli("check", str(path))
    assert code == 0 and "options" in out


def test_check_command_bad_input_exits_2(run_cli: Run, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nworkloads:\n  - name: a\n    kind: pretrain\n   tokens: 5\n")
    code, out, err = run_cli("check", str(bad))
    assert code == 2 and out == "" and err.count("\n") == 1 and f"{bad}:" in err
    unknown = tmp_path / "unknown.yaml"
    unknown.write_text(
        "name: x\nworkloads:\n  - name: a\n    kind: pretrain\n    model: llama-3.1-70c\n"
        "    tokens: 1000\n    slo: {deadline_days: 3}\n"
    )
    code, _, err = run_cli("check", str(unknown))
    assert code == 2 and "'llama-3.1-70b'" in err
    code, _, err = run_cli("check", str(tmp_path / "missing.yaml"))
    assert code == 2 and "missing.yaml" in err


def test_schema_command_validates_examples(run_cli: Run) -> None:
    code, out, _ = run_cli("schema")
    assert code == 0
    schema = json.loads(out)
    import yaml

    for path in EXAMPLES:
        jsonschema.validate(yaml.safe_load(path.read_text()), schema)
