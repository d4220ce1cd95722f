"""The bundled plan examples end to end: JSON fields, checker, saving vs greedy, CLI formats."""

from __future__ import annotations

import importlib.util
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("scipy")

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples" / "plan"
NAMES = ("startup", "enterprise-hybrid", "frontier-lab")
ASSIGNMENT_FIELDS = {
    "workload",
    "venue",
    "offer",
    "accelerator",
    "count",
    "pricing_model",
    "cost_usd",
    "co2_location_kg",
    "slo_met",
}
TOP_FIELDS = {
    "assignments",
    "total_cost_usd",
    "total_co2_location_kg",
    "check",
    "binding_constraints",
    "baseline_greedy_cost_usd",
    "runner_ups",
    "price_sensitivity",
    "pareto_front",
}

_RESULTS: dict[str, dict[str, Any]] = {}


def plan_dict(name: str) -> dict[str, Any]:
    """``plan_scenario(...).to_dict()`` of one example (computed once per session)."""
    if name not in _RESULTS:
        from gigawatt.catalog import load_catalog
        from gigawatt.optimize.plan import plan_scenario
        from gigawatt.spec import load_scenario

        spec = load_scenario(EXAMPLES / f"{name}.yaml")
        _RESULTS[name] = plan_scenario(spec, load_catalog()).to_dict()
    return _RESULTS[name]


def check_service_assignment(a: dict[str, Any]) -> None:
    """A per-token service placement: no accelerators or energy of ours, billed per token at the
    catalog price of a service of the same model (cost between the input and output price times
    the tokens it serves), carbon estimated, not zero."""
    from gigawatt.catalog import load_catalog

    row = load_catalog().tables["services"][a["offer"]]
    assert (a["accelerator"], a["count"], a["mean_count"]) == ("per-token", 0, 0.0)
    assert a["energy_kwh"] == 0.0 and a["power_kw"] == 0.0
    assert (a["venue"], a["region"]) == (row["venue"], row["region"])
    assert a["cost_usd"] > 0 and a["co2_location_kg"] > 0
    low = min(row["input_usd_per_m_tokens"], row["output_usd_per_m_tokens"])
    high = max(row["input_usd_per_m_tokens"], row["output_usd_per_m_tokens"])
    assert f"{low:g}" in a["basis"] and f"{high:g}" in a["basis"]


def test_fine_tuned_chat_stays_off_base_model_services() -> None:
    """The startup's chat serves its LoRA adapter (``fine_tuned: true``), so no per-token
    service of the base model takes it; the same chat on base weights sends a small slice (its
    peak hours) to a service, at a lower total (services are weighed by default)."""
    from gigawatt.catalog import load_catalog
    from gigawatt.optimize.plan import plan_scenario
    from gigawatt.spec import load_scenario

    d = plan_dict("startup")
    assert all(a["pricing_model"] != "per_token" for a in d["assignments"])
    spec = load_scenario(EXAMPLES / "startup.yaml")
    chat = spec.workload("support-chat").model_copy(update={"fine_tuned": False})
    base = spec.model_copy(
        update={"workloads": [chat if w.name == chat.name else w for w in spec.workloads]}
    )
    served = plan_scenario(base, load_catalog()).to_dict()
    services = [a for a in served["assignments"] if a["pricing_model"] == "per_token"]
    assert [a["workload"] for a in services] == ["support-chat"]
    assert 0 < services[0]["share"] < 0.5
    assert "per-token" in served["explanations"]["support-chat"]
    assert served["total_cost_usd"] < d["total_cost_usd"]


@pytest.mark.parametrize("name", NAMES)
def test_example_plans_are_feasible_and_checked(name: str) -> None:
    d = plan_dict(name)
    assert d["status"] == "plan"
    assert set(d) >= TOP_FIELDS
    assert d["check"]["ok"], d["check"]["violations"]
    assert d["assignments"]
    for a in d["assignments"]:
        assert set(a) >= ASSIGNMENT_FIELDS
        assert a["slo_met"] is True
        if a["pricing_model"] == "per_token":
            check_service_assignment(a)
        else:
            assert a["count"] > 0
    assert sum(a["cost_usd"] for a in d["assignments"]) == pytest.approx(d["total_cost_usd"])
    assert sum(a["co2_location_kg"] for a in d["assignments"]) == pytest.approx(
        d["total_co2_location_kg"]
    )
    served: dict[str, float] = {}
    for a in d["assignments"]:
        served[a["workload"]] = served.get(a["workload"], 0.0) + a["share"]
    assert all(s == pytest.approx(1.0) for s in served.values())
    assert set(d["runner_ups"]) == set(served)
    assert d["pareto_front"]
    json.dumps(d)  # JSON-ready


@pytest.mark.parametrize("name", ["startup", "enterprise-hybrid"])
def test_saving_vs_greedy_is_reported(name: str) -> None:
    d = plan_dict(name)
    greedy = d["baseline_greedy_cost_usd"]
    if greedy is None:  # greedy broke a shared limit (an offer's capacity): said, not priced
        assert d["baseline_greedy"]["violations"]
        assert d["baseline_greedy"]["cost_usd_ignoring_limits"] >= d["total_cost_usd"]
        assert d["saving_vs_greedy"] is None
    else:
        assert greedy >= d["total_cost_usd"]
        assert d["saving_vs_greedy"]["usd"] == pytest.approx(greedy - d["total_cost_usd"])


def test_frontier_lab_is_power_bound_and_greedy_costs_more() -> None:
    d = plan_dict("frontier-lab")
    binding = {b["constraint"] for b in d["binding_constraints"]}
    assert "power_caps[0]" in binding
    # greedy rents L40S for the 70B API, far beyond what one offer can supply
    assert d["baseline_greedy_cost_usd"] is None
    assert any("accelerators >" in v for v in d["baseline_greedy"]["violations"])
    assert d["baseline_greedy"]["cost_usd_ignoring_limits"] > d["total_cost_usd"]
    rented = {a["pricing_model"] for a in d["assignments"]} - {"owned"}
    assert rented  # serving spills beyond the campus


def test_enterprise_respects_residency() -> None:
    d = plan_dict("enterprise-hybrid")
    regions = {a["workload"]: a["region"] for a in d["assignments"]}
    assert regions["claims-agent"] in ("fr", "de")
    assert all(a["pricing_model"] != "per_token" for a in d["assignments"])


def test_enterprise_eu_residency_keeps_services_without_published_residency_out() -> None:
    """Services are weighed by default, but every enterprise workload is EU-only: the platforms
    that serve its models (DeepInfra, Fireworks, Together) publish no in-region processing, so
    adding them as venues leaves the plan as it was and each of their services is set aside
    (residency unknown, or outside the workload's allowed regions)."""
    from gigawatt.catalog import load_catalog
    from gigawatt.optimize.plan import plan_scenario
    from gigawatt.spec import load_scenario

    spec = load_scenario(EXAMPLES / "enterprise-hybrid.yaml")
    wider = spec.model_copy(
        update={"venues": [*(spec.venues or []), "deepinfra", "fireworks", "together"]}
    )
    result = plan_scenario(wider, load_catalog(), explain=False)
    assert result.check["ok"], result.check["violations"]
    rejected = [o for o in result.table.rejected if o.payment == "service"]
    assert rejected and not [o for o in result.table.options if o.payment == "service"]
    why = {o.detail.split(": ", 1)[1] for o in rejected}
    assert why <= {
        "the provider publishes no in-region processing (residency unknown)",
        "region us not in the workload's regions",
    }
    assert "the provider publishes no in-region processing (residency unknown)" in why
    assert result.total_cost_usd == pytest.approx(plan_dict("enterprise-hybrid")["total_cost_usd"])


def test_cli_json_markdown_and_report(
    run_cli: Callable[..., tuple[int, str, str]], tmp_path: Path
) -> None:
    html_file = tmp_path / "plan.html"
    code, out, err = run_cli(
        "plan", str(EXAMPLES / "startup.yaml"), "--json", "--report", str(html_file)
    )
    assert code == 0, err
    d = json.loads(out)
    assert set(d) >= TOP_FIELDS
    assert d["check"]["ok"]
    page = html_file.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    if importlib.util.find_spec("matplotlib") is not None:  # charts need gigawatt[report]
        assert page.count("<svg") >= 2
    else:
        assert "gigawatt[report]" in page
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=['\"]?https?:", page)
    code, out, _ = run_cli("plan", str(EXAMPLES / "startup.yaml"), "--markdown", "--no-explain")
    assert code == 0
    assert out.startswith("# Plan: startup")
    assert "| workload |" in out
    code, out, _ = run_cli("plan", str(EXAMPLES / "startup.yaml"), "--no-explain")
    assert code == 0
    assert "support-chat" in out


def test_cli_infeasible_scenario_exits_3_with_reasons(
    run_cli: Callable[..., tuple[int, str, str]], tmp_path: Path
) -> None:
    text = (EXAMPLES / "startup.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "poor.yaml"
    bad.write_text(text.replace("budget_usd: 150_000", "budget_usd: 100"), encoding="utf-8")
    code, out, _ = run_cli("plan", str(bad), "--json")
    assert code == 3
    d = json.loads(out)
    assert d["status"] == "infeasible"
    assert d["infeasibility"]["conflicts"][0]["constraint"] == "budget"
    assert d["infeasibility"]["fixes"]
    code, out, _ = run_cli("plan", str(bad))
    assert code == 3
    assert "raise budget" in out


def test_cli_bad_input_exits_2(
    run_cli: Callable[..., tuple[int, str, str]], tmp_path: Path
) -> None:
    code, _, err = run_cli("plan", str(EXAMPLES / "startup.yaml"), "--objective", "speed")
    assert code == 2
    assert "--objective" in err
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nworkloads: []\n", encoding="utf-8")
    code, _, err = run_cli("plan", str(bad))
    assert code == 2
    assert err.startswith("error:")


def test_html_report_without_matplotlib_keeps_the_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from gigawatt.report.html import plan_html

    monkeypatch.setitem(sys.modules, "matplotlib", None)
    page = plan_html(plan_dict("startup"))
    assert "<svg" not in page
    assert "gigawatt[report]" in page
    assert "support-chat" in page
