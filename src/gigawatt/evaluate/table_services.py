"""Per-token AI services as options of the option table (``gigawatt plan``).

A service (the ``services`` catalog table) serves an inference workload with no accelerators,
power or energy of ours: it is a pay-per-use option of payment kind ``service`` whose cost is
tokens times price. To bill it by demand level like other pay-per-use options, the workload's
peak is cut into :data:`SERVICE_UNITS` equal slices (units); one unit costs the tokens of one
slice over the workload's hours, so the time blocks' level columns bill the tokens actually
served (the mean, not the peak), to within one slice at the peak.

Eligibility (else the row goes to ``rejected`` with the reason): an inference workload of a
catalog model the service serves, at the workload's precision (or one the provider does not
publish); no accelerator pin; the venue and region pins; data residency only where the
provider publishes that requests stay in its region; not offline; the published rate limits
cover the workload's peak; the latency SLO is met by the published latency, or, unpublished,
is no tighter than :data:`UNPUBLISHED_LATENCY_MIN_S` (assumption).

Carbon is an estimate (providers publish none): the workload's facility energy per token on
the most energy-efficient self-hosted option the table evaluated for it, times the grid
intensity of the service's region; :data:`SERVICE_ENERGY_RANGE` states its range.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gigawatt.catalog import Catalog
from gigawatt.evaluate.demand import peak_to_mean
from gigawatt.evaluate.performance import HOURS_PER_DAY, serving_lengths
from gigawatt.evaluate.table import TableOption
from gigawatt.models import services as svc
from gigawatt.spec import (
    AgentWorkload,
    BatchInferenceWorkload,
    InteractiveWorkload,
    Scenario,
)

SERVICE_UNITS = 1000.0
"""Slices of a workload's peak one service option is cut into (continuous per demand level:
more than :data:`gigawatt.evaluate.table.WHOLE_LEVEL_UNITS_UP_TO`)."""
SERVICE_PAYMENT = "service"
SERVICE_PRICING = "per_token"
SERVICE_ACCELERATOR = "per-token"
"""What a service option shows in the ``accelerator`` field: it holds none of ours."""
UNPUBLISHED_LATENCY_MIN_S = 0.5
"""Assumption: without a published latency, a service is taken to meet a p95 time-to-first-
token (or end-to-end, or per-step) objective of at least 0.5 s and no tighter one: a shared
API adds queueing and a wide-area round trip (typically 50-200 ms) to the model's own TTFT."""
SERVICE_ENERGY_RANGE = (0.5, 2.0)
"""Assumption: the service's energy per token lies within 0.5x (a provider batches many
tenants' requests more densely) and 2x (older hardware, idle headroom kept for bursts) of the
most efficient self-hosted option evaluated for the workload; the plan uses 1x."""
SECONDS_PER_DAY = HOURS_PER_DAY * 3600.0

Row = dict[str, Any]


@dataclass(frozen=True)
class ServiceLoad:
    """What a service sees of a workload: requests (or agent steps) per second at the peak and
    on average, prompt and output tokens per request."""

    peak_per_s: float
    mean_per_s: float
    input_tokens: float
    output_tokens: float

    @property
    def tokens_per_request(self) -> float:
        return self.input_tokens + self.output_tokens


def service_load(w: Any) -> ServiceLoad | None:
    """The load of an inference workload a service could take (None: training, edge)."""
    lengths = serving_lengths(w)
    if lengths is None:
        return None
    if isinstance(w, AgentWorkload):
        mean = w.steps_per_s
    elif isinstance(w, InteractiveWorkload):
        mean = w.qps
    elif isinstance(w, BatchInferenceWorkload):
        window_s = min(w.slo.turnaround_h, HOURS_PER_DAY) * 3600.0
        return ServiceLoad(
            w.requests_per_day / window_s, w.requests_per_day / SECONDS_PER_DAY, *lengths
        )
    else:
        return None
    return ServiceLoad(mean * peak_to_mean(w), mean, *lengths)


def _latency_reason(w: Any, row: Row, load: ServiceLoad) -> str | None:
    """Why the service's latency misses the workload's SLO (None: met or assumed met)."""
    slo = getattr(w, "slo", None)
    ttft = getattr(slo, "p95_ttft_s", None)
    tpot = getattr(slo, "p95_tpot_s", None)
    e2e = getattr(slo, "p95_e2e_s", None) or getattr(slo, "p95_task_latency_s", None)
    published_ttft, speed = row.get("ttft_s"), row.get("output_tokens_per_s")
    if ttft is not None and published_ttft is not None and published_ttft > ttft:
        return f"published TTFT {published_ttft:g} s > p95_ttft_s {ttft:g} s"
    if tpot is not None and speed and 1.0 / speed > tpot:
        return f"published {speed:g} tokens/s is slower than p95_tpot_s {tpot:g} s"
    tight = [
        t for t, known in ((ttft, published_ttft), (e2e, None)) if t is not None and known is None
    ]
    if any(t < UNPUBLISHED_LATENCY_MIN_S for t in tight):
        return f"latency not published and the SLO is under {UNPUBLISHED_LATENCY_MIN_S:g} s"
    return None


def _residency_reason(catalog: Catalog, w: Any, row: Row) -> str | None:
    """Why data residency, sovereignty or offline operation excludes the service."""
    if w.data.offline:
        return "the workload must run offline"
    allowed = set(w.data.allowed_jurisdictions or [])
    if not allowed:
        return None
    if not row["residency_published"]:
        return "the provider publishes no in-region processing (residency unknown)"
    if not allowed & set(catalog.get("regions", row["region"])["jurisdictions"]):
        return f"{row['region']} is not in {sorted(allowed)}"
    home = catalog.get("venues", row["venue"]).get("headquarters_country")
    if w.data.sovereign_only and home not in allowed:
        return "operator not headquartered in an allowed jurisdiction"
    return None


def _rate_reason(row: Row, load: ServiceLoad) -> str | None:
    """Why the published rate limits cannot carry the workload's peak."""
    per_min = load.peak_per_s * 60.0
    rpm, tpm = row.get("max_requests_per_min"), row.get("max_tokens_per_min")
    if rpm is not None and per_min > rpm:
        return f"peak {per_min:,.0f} requests/min > published limit {rpm:,}"
    if tpm is not None and per_min * load.tokens_per_request > tpm:
        return f"peak {per_min * load.tokens_per_request:,.0f} tokens/min > published limit {tpm:,}"
    return None


def exclusion(catalog: Catalog, w: Any, row: Row, load: ServiceLoad) -> str | None:
    """Why service ``row`` cannot take workload ``w`` (None: it can; module docstring)."""
    if w.fine_tuned:
        return "it serves the base model's weights; the workload serves fine-tuned weights"
    if row["precision"] not in (None, w.precision):
        return f"serves {row['precision']} weights, the workload asks for {w.precision}"
    if w.accelerators:
        return "the workload pins accelerators"
    if w.venues and row["venue"] not in w.venues:
        return f"venue {row['venue']} not in the workload's venues"
    if w.regions and row["region"] not in w.regions:
        return f"region {row['region']} not in the workload's regions"
    return (
        _residency_reason(catalog, w, row)
        or _rate_reason(row, load)
        or _latency_reason(w, row, load)
    )


def usd_per_peak_hour(row: Row, load: ServiceLoad) -> float:
    """What the service charges per hour at the workload's peak rate [USD/h]."""
    per_h = load.peak_per_s * 3600.0
    return svc.service_cost_usd(per_h * load.input_tokens, row["input_usd_per_m_tokens"]) + (
        svc.service_cost_usd(per_h * load.output_tokens, row["output_usd_per_m_tokens"])
    )


def kwh_per_m_tokens(rows: list[TableOption], load: ServiceLoad) -> float | None:
    """Facility energy per million tokens of the most efficient self-hosted row of a workload
    (its whole workload at the peak over its hours) [kWh/1M tokens]; None without one."""
    best = None
    for o in rows:
        tokens = load.peak_per_s * load.tokens_per_request * o.hours * 3600.0
        if o.payment == SERVICE_PAYMENT or not math.isfinite(o.units_needed) or tokens <= 0:
            continue
        kwh = o.energy_kwh_per_unit * o.units_needed / tokens * svc.TOKENS_PER_MILLION
        if kwh > 0 and (best is None or kwh < best):
            best = kwh
    return best


def service_option(
    scenario: Scenario,
    wi: int,
    row: Row,
    load: ServiceLoad,
    co2_kg_per_unit: float,
    index: int,
    why_not: str | None,
) -> TableOption:
    """The table row of workload ``wi`` on service ``row`` (``why_not``: rejected, and why)."""
    w = scenario.workloads[wi]
    hours = (scenario.horizon_days - w.start_day) * HOURS_PER_DAY
    per_h = usd_per_peak_hour(row, load)
    detail = (
        f"per-token service {row['id']}: {row['input_usd_per_m_tokens']:g}/"
        f"{row['output_usd_per_m_tokens']:g} USD per 1M input/output tokens, "
        f"{load.tokens_per_request:g} tokens per request; no accelerators or energy of ours; "
        "carbon estimated"
    )
    return TableOption(
        index=index,
        workload=w.name,
        workload_index=wi,
        kind=w.kind,
        splittable=True,
        venue=row["venue"],
        offer=row["id"],
        accelerator=SERVICE_ACCELERATOR,
        region=row["region"],
        pricing_model=SERVICE_PRICING,
        payment=SERVICE_PAYMENT,
        price_usd_per_accel_h=None,
        unit_accelerators=0,
        units_needed=SERVICE_UNITS,
        hours=hours,
        usage_usd_per_unit=per_h * hours / SERVICE_UNITS,
        energy_kwh_per_unit=0.0,
        co2_location_kg_per_unit=co2_kg_per_unit,
        power_kw_per_unit=0.0,
        it_power_kw_per_unit=0.0,
        pool=None,
        windows=((w.start_day, scenario.horizon_days),),
        slo_met=why_not is None,
        detail=detail if why_not is None else f"{row['id']}: {why_not}",
    )


def add_service_rows(
    scenario: Scenario,
    catalog: Catalog,
    options: list[TableOption],
    rejected: list[TableOption],
    notes: list[str],
    grid_gco2_per_kwh: Callable[[str], float | None],
) -> None:
    """Append every (inference workload, catalog service of its model) pair to ``options`` (it
    qualifies) or ``rejected`` (it does not), with the carbon estimate's basis in ``notes``."""
    by_workload: dict[int, list[TableOption]] = {}
    for o in (*options, *rejected):
        by_workload.setdefault(o.workload_index, []).append(o)
    for wi, w in enumerate(scenario.workloads):
        load = service_load(w)
        rows = [
            r for r in catalog.rows("services") if r["model"] == w.model and _candidate(scenario, r)
        ]
        if load is None or not rows:
            continue
        kwh = kwh_per_m_tokens(by_workload.get(wi, []), load)
        for row in rows:
            grid = grid_gco2_per_kwh(row["region"])
            tokens = load.peak_per_s * load.tokens_per_request * 3600.0
            tokens *= (scenario.horizon_days - w.start_day) * HOURS_PER_DAY
            why_not = exclusion(catalog, w, row, load) or _carbon_unknown(kwh, grid, row)
            co2 = 0.0 if why_not else svc.service_co2_kg(tokens, kwh or 0.0, grid or 0.0)
            co2 /= SERVICE_UNITS
            target = options if why_not is None else rejected
            target.append(service_option(scenario, wi, row, load, co2, len(options), why_not))
        if kwh is not None:
            notes.append(_carbon_note(w.name, kwh))


def _carbon_unknown(kwh: float | None, grid: float | None, row: Row) -> str | None:
    """Why a service's carbon cannot be estimated (unknown is never counted as zero)."""
    if kwh is None:
        return "no self-hosted option of the workload to base its energy per token on"
    if grid is None:
        return f"grid intensity of its region {row['region']} unknown"
    return None


def _candidate(scenario: Scenario, row: Row) -> bool:
    """Whether the scenario asks for per-token services and its candidate venues include the
    service's (all venues when neither ``venues`` nor ``offers`` is set)."""
    if not scenario.per_token_services:
        return False
    if scenario.venues is None:
        return scenario.offers is None
    return row["venue"] in scenario.venues


def _carbon_note(workload: str, kwh: float) -> str:
    """The labelled assumption behind a workload's service carbon estimate."""
    low, high = SERVICE_ENERGY_RANGE
    return (
        f"assumption: carbon of per-token services for {workload} is estimated, not published: "
        f"{kwh:.3g} kWh per 1M tokens (the most efficient self-hosted option evaluated; range "
        f"{kwh * low:.3g}-{kwh * high:.3g}) times the grid of the service's region"
    )
