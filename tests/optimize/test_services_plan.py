"""Per-token services in ``gigawatt plan``: the crossover example, eligibility, the checker."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("scipy")

from gigawatt.catalog import load_catalog
from gigawatt.evaluate.table_build import build_option_table
from gigawatt.optimize.check import check_plan
from gigawatt.optimize.plan import plan_scenario
from gigawatt.spec import load_scenario

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "plan" / "services-crossover.yaml"


@pytest.fixture(scope="module")
def catalog() -> Any:
    return load_catalog(use_env=False)


@pytest.fixture(scope="module")
def result(catalog: Any) -> Any:
    return plan_scenario(load_scenario(EXAMPLE), catalog)


def test_bursty_rag_lands_on_a_service_steady_volume_on_committed_capacity(result: Any) -> None:
    d = result.to_dict()
    assert d["status"] == "plan" and d["check"]["ok"], d["check"]["violations"]
    by_workload: dict[str, list[dict[str, Any]]] = {}
    for a in d["assignments"]:
        by_workload.setdefault(a["workload"], []).append(a)
    rag = by_workload["rag-assistant"]
    assert [a["pricing_model"] for a in rag] == ["per_token"]
    assert rag[0]["count"] == 0 and rag[0]["energy_kwh"] == 0.0 and rag[0]["co2_location_kg"] > 0
    bulk = by_workload["bulk-chat"]
    committed = [a for a in bulk if a["pool"] is not None]
    # the steady volume on committed capacity; a top-up below one more replica may go to the
    # service (since the batch-slot wait is counted, a TPU v6e replica carries 11.3 req/s)
    assert sum(a["share"] for a in committed) >= 0.9
    assert all(a["pool"] is not None or a["pricing_model"] == "per_token" for a in bulk)
    services = [a for a in d["assignments"] if a["pricing_model"] == "per_token"]
    assert d["check"]["checked"]["service"] == len(services)


def test_explanations_say_why_self_hosting_won_or_lost(result: Any) -> None:
    why = result.to_dict()["explanations"]
    assert "per-token service" in why["rag-assistant"]
    assert (
        "self-hosting never wins" in why["rag-assistant"]
        or "the service is cheaper" in (why["rag-assistant"])
    )
    assert "break-even" in why["bulk-chat"] and "so self-hosting is cheaper" in why["bulk-chat"]
    notes = result.to_dict()["notes"]
    assert any(n.startswith("assumption: carbon of per-token services") for n in notes)


def test_service_cost_is_tokens_times_price(result: Any, catalog: Any) -> None:
    table = result.table
    service = next(
        o
        for o in table.options
        if o.pricing_model == "per_token" and o.offer == "deepinfra-llama-3.1-8b"
    )
    w = next(w for w in load_scenario(EXAMPLE).workloads if w.name == "rag-assistant")
    tokens_per_request = 400 + 2000 + 300
    mean_tokens = w.qps * tokens_per_request * 365 * 24 * 3600
    levels = table.levels_of(service.workload_index)
    mean_over_peak = sum(v * h for v, h in zip(levels.values, levels.hours_share, strict=True))
    billed = service.usage_usd_per_unit * service.units_needed * mean_over_peak
    assert billed == pytest.approx(mean_tokens * 0.055 / 1e6, rel=0.02)  # blocks vs profile


def test_services_are_opt_in_and_respect_residency(catalog: Any) -> None:
    spec = load_scenario(EXAMPLE)
    off = spec.model_copy(update={"per_token_services": False})
    assert not [o for o in build_option_table(off, catalog).options if o.payment == "service"]
    rag = spec.workloads[0]
    eu = rag.model_copy(
        update={"data": rag.data.model_copy(update={"allowed_jurisdictions": ["eu"]})}
    )
    table = build_option_table(spec.model_copy(update={"workloads": [eu]}), catalog)
    assert not [o for o in table.options if o.payment == "service"]
    reasons = [o.detail for o in table.rejected if o.payment == "service"]
    assert reasons and all("residency" in r for r in reasons)


def test_rate_limits_exclude_a_service(catalog: Any) -> None:
    spec = load_scenario(EXAMPLE)
    table = build_option_table(spec, catalog)
    fireworks = [o for o in table.rejected if o.offer == "fireworks-llama-3.1-8b"]
    assert [o.workload for o in fireworks] == ["bulk-chat"]  # 60 req/s > 600 requests/min
    assert "requests/min" in fireworks[0].detail


def test_checker_rederives_a_service_option(result: Any, catalog: Any) -> None:
    table, sol = result.table, result.solution
    service = next(
        o for o in table.options if o.pricing_model == "per_token" and sol.units[o.index] > 0
    )
    tampered = dataclasses.replace(service, usage_usd_per_unit=service.usage_usd_per_unit / 2)
    options = list(table.options)
    options[service.index] = tampered
    bad = dataclasses.replace(table, options=options)
    scenario = load_scenario(EXAMPLE)
    report = check_plan(
        bad,
        scenario,
        sol.shares,
        sol.units,
        sol.pool_sizes,
        catalog=catalog,
        time_use=sol.time_use,
    )
    assert any("tokens x price" in v for v in report["violations"])
    off = scenario.model_copy(update={"per_token_services": False})
    report = check_plan(
        table, off, sol.shares, sol.units, sol.pool_sizes, catalog=catalog, time_use=sol.time_use
    )
    assert any("does not allow per-token services" in v for v in report["violations"])
