"""The checker's step for per-token services (catalog ``services``), kept apart from
:mod:`gigawatt.evaluate.table_services`, which builds their options: every service option a
plan uses is re-derived from the scenario and the catalog row of the service.

It verifies that the scenario asked for services, that the service serves the workload's
model (at its precision, or one not published), that no accelerator pin, data residency,
sovereignty or offline rule excludes it, that the published rate limits carry the workload's
peak, that the option holds no accelerators, power or energy, and that its cost is the
workload's tokens at its peak rate over its hours times the service's prices.
"""

from __future__ import annotations

import math
from typing import Any

from gigawatt.evaluate.demand import peak_to_mean
from gigawatt.evaluate.table import TableOption
from gigawatt.spec import AgentWorkload, BatchInferenceWorkload, RagWorkload

REL_TOL = 1e-6
"""Relative tolerance of the re-derived cost per unit."""


def _peak_and_tokens(w: Any) -> tuple[float, float, float]:
    """(peak requests or agent steps per second, input tokens, output tokens per request),
    re-derived from the scenario."""
    if isinstance(w, AgentWorkload):
        per_s = w.tasks_per_day * w.steps_per_task / 86_400.0 * peak_to_mean(w)
        return per_s, float(w.input_tokens_per_step), float(w.output_tokens_per_step)
    if isinstance(w, BatchInferenceWorkload):
        per_s = w.requests_per_day / (min(w.slo.turnaround_h, 24.0) * 3600.0)
    else:
        per_s = float(w.qps) * peak_to_mean(w)
    prompt = float(w.input_tokens_per_request)
    if isinstance(w, RagWorkload):
        prompt += float(w.retrieved_context_tokens)
    return per_s, prompt, float(w.output_tokens_per_request)


def _eligibility(p: Any, o: TableOption, w: Any, row: dict[str, Any]) -> list[str]:
    """Violations of the service's eligibility rules (module docstring)."""
    out = []
    if not p.scenario.per_token_services:
        out.append("the scenario does not allow per-token services")
    if row["model"] != w.model or (row["venue"], row["region"]) != (o.venue, o.region):
        out.append(f"serves {row['model']} at {row['venue']} ({row['region']})")
    if row["precision"] not in (None, w.precision):
        out.append(f"serves {row['precision']} weights, not {w.precision}")
    if w.accelerators or w.data.offline:
        out.append("accelerator pins or offline operation exclude a service")
    allowed = set(w.data.allowed_jurisdictions or [])
    region = p.catalog.tables["regions"][row["region"]]
    if allowed and not (row["residency_published"] and allowed & set(region["jurisdictions"])):
        out.append(f"residency in {sorted(allowed)} not published for {row['region']}")
    per_s, prompt, output = _peak_and_tokens(w)
    rpm, tpm = row.get("max_requests_per_min"), row.get("max_tokens_per_min")
    if rpm is not None and per_s * 60.0 > rpm * (1 + REL_TOL):
        out.append(f"peak {per_s * 60.0:,.0f} requests/min > limit {rpm:,}")
    if tpm is not None and per_s * 60.0 * (prompt + output) > tpm * (1 + REL_TOL):
        out.append(f"peak tokens/min over the limit {tpm:,}")
    return out


def _cost(p: Any, o: TableOption, w: Any, row: dict[str, Any]) -> list[str]:
    """Violations of the service's footprint (none of ours) and cost (tokens x price)."""
    out = []
    if o.unit_accelerators or o.power_kw_per_unit or o.energy_kwh_per_unit:
        out.append("a service holds no accelerators, power or energy of ours")
    per_s, prompt, output = _peak_and_tokens(w)
    hours = (p.scenario.horizon_days - w.start_day) * 24.0
    usd = per_s * 3600.0 * hours / 1e6
    usd *= prompt * row["input_usd_per_m_tokens"] + output * row["output_usd_per_m_tokens"]
    table_usd = o.usage_usd_per_unit * o.units_needed
    if not math.isclose(usd, table_usd, rel_tol=REL_TOL, abs_tol=1e-9):
        out.append(f"peak cost {table_usd:,.2f} USD != tokens x price {usd:,.2f} USD")
    return out


def service_violations(p: Any) -> None:
    """Re-derive every per-token service option in use (``p``: a
    :class:`gigawatt.optimize.check.PlanCheck`); one ``service`` check counted per option."""
    services = p.catalog.tables.get("services", {}) if p.catalog is not None else {}
    named = {w.name: w for w in p.scenario.workloads}
    for o in p.used:
        if o.offer not in services:
            continue
        p.count("service")
        row = services[o.offer]
        w = named[o.workload]
        for problem in _eligibility(p, o, w, row) + _cost(p, o, w, row):
            p.violations.append(f"service {o.workload} on {o.offer}: {problem}")
