"""A simulation run in words and labelled figures: the key-figure rows and the plain-words
summary shared by the terminal output of ``gigawatt simulate`` and its HTML report."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.table import Table

from gigawatt.report.limits import Finding
from gigawatt.report.tables import rows_table
from gigawatt.report.units import (
    format_carbon_kg,
    format_count,
    format_duration,
    format_energy_kwh,
    format_gpu_hours,
    format_power_kw,
    format_share,
    format_usd,
)

Row = tuple[str, str, Callable[[Any], str]]

KEY_FIGURES: tuple[tuple[str, tuple[Row, ...]], ...] = (
    (
        "fleet",
        (
            ("gpus", "accelerators (GPUs)", format_count),
            ("gpu_utilization", "accelerator utilisation (allocated / in service)", format_share),
            ("failures", "node failures", format_count),
            ("interruptions", "job interruptions by failures", format_count),
            ("preemptions", "preemptions (priority + spot)", format_count),
            ("spot_reclaims", "spot reclaims", format_count),
        ),
    ),
    (
        "jobs",
        (
            ("jobs_submitted", "jobs submitted", format_count),
            ("jobs_completed", "jobs completed", format_count),
            ("queue_time_s_p50", "queue time p50", format_duration),
            ("queue_time_s_p95", "queue time p95", format_duration),
            ("goodput", "training goodput (useful / allocated GPU-time)", format_share),
            ("effective_training_time", "effective training time ratio", format_share),
        ),
    ),
    (
        "serving",
        (
            ("requests_completed", "requests completed", format_count),
            ("ttft_s_p95", "time to first token p95", format_duration),
            ("tpot_s_p95", "time per output token p95", format_duration),
            ("slo_attainment", "requests within SLO", format_share),
            ("tokens_per_s", "output tokens per second", format_count),
        ),
    ),
    (
        "energy and cost",
        (
            ("energy_kwh", "facility energy", format_energy_kwh),
            ("avg_facility_kw", "average facility power", format_power_kw),
            ("peak_facility_kw", "peak facility power", format_power_kw),
            ("power_cap_policy", "power cap policy", str),
            ("over_power_cap_h", "time over the power cap", lambda h: format_duration(h * 3600.0)),
            ("cost_gpu_usd", "accelerator cost", format_usd),
            ("cost_energy_usd", "energy cost", format_usd),
            ("cost_usd", "total cost", format_usd),
            ("carbon_kg", "carbon (location-based)", format_carbon_kg),
        ),
    ),
)


def key_figure_rows(kpis: dict[str, Any]) -> list[dict[str, str]]:
    """(group, quantity, value) rows in human units, the group named on its first row only;
    figures the run lacks are left out (a run without jobs shows no queue times, one without
    services no latencies)."""
    has_jobs = bool(kpis.get("jobs_submitted"))
    has_services = bool(kpis.get("services"))
    rows = []
    for group, entries in KEY_FIGURES:
        if (group == "jobs" and not has_jobs) or (group == "serving" and not has_services):
            continue
        shown = [
            (label, unit(kpis[key])) for key, label, unit in entries if kpis.get(key) is not None
        ]
        rows += [
            {"group": group if i == 0 else "", "quantity": label, "value": value}
            for i, (label, value) in enumerate(shown)
        ]
    return rows


def run_line(kpis: dict[str, Any]) -> str:
    """ "2 h simulated, 152,943 events in 0.42 s"."""
    return (
        f"{format_duration(kpis['days'] * 86_400.0)} simulated, "
        f"{format_count(kpis.get('events'))} events in {format_duration(kpis.get('wall_s'))}"
    )


def summary_sentences(kpis: dict[str, Any], binding: Finding) -> list[str]:
    """The run in a few plain sentences: fleet use, jobs, each service, reliability, energy
    and cost, and the binding limit."""
    out = [
        f"{format_count(kpis.get('gpus'))} GPUs over {format_duration(kpis['days'] * 86_400.0)}"
        f" were {format_share(kpis.get('gpu_utilization'))} allocated on average."
    ]
    if kpis.get("jobs_submitted"):
        p50 = kpis.get("queue_time_s_p50")
        half = "at once" if p50 == 0 else f"within {format_duration(p50)}"
        out.append(
            f"{format_count(kpis['jobs_completed'])} of {format_count(kpis['jobs_submitted'])} "
            f"jobs finished; half started {half} and one in 20 waited "
            f"{format_duration(kpis.get('queue_time_s_p95'))} or longer."
        )
    for s in kpis.get("services") or []:
        out.append(
            f"Service {s['id']} completed {format_count(s['requests_completed'])} requests, "
            f"{format_share(s.get('slo_attainment'))} within its latency objectives (p95 time "
            f"to first token {format_duration(s.get('ttft_s_p95'))}, p95 time per output "
            f"token {format_duration(s.get('tpot_s_p95'))})."
        )
    if kpis.get("failures"):
        out.append(
            f"{format_count(kpis['failures'])} node failures interrupted "
            f"{format_count(kpis.get('interruptions'))} jobs."
        )
    if kpis.get("preemptions"):
        out.append(
            f"{format_count(kpis['preemptions'])} jobs were preempted (by priority or a spot "
            "reclaim)."
        )
    if kpis.get("spot_reclaims"):
        out.append(f"Spot nodes were reclaimed {format_count(kpis['spot_reclaims'])} times.")
    carbon = kpis.get("carbon_kg")
    out.append(
        f"The site used {format_energy_kwh(kpis.get('energy_kwh'))} (peak "
        f"{format_power_kw(kpis.get('peak_facility_kw'))}) and cost "
        f"{format_usd(kpis.get('cost_usd'))}"
        + (f", emitting {format_carbon_kg(carbon)}." if carbon is not None else ".")
    )
    out.append(
        binding.sentence
        if binding.cause == "none"
        else f"Binding limit: {binding.cause} (see what limited this factory, below)."
    )
    return out


def simulation_tables(name: str, kpis: dict[str, Any], binding: Finding) -> list[Table]:
    """Terminal tables: key figures (labelled, human units), the binding limit, services."""
    tables = [
        rows_table(
            f"simulate: {name} ({run_line(kpis)})",
            ("group", "quantity", "value"),
            key_figure_rows(kpis),
        ),
        rows_table(
            "what limited this factory",
            ("cause", "why"),
            [{"cause": binding.cause, "why": binding.sentence}],
        ),
    ]
    services = kpis.get("services") or []
    if services:
        tables.append(rows_table("inference services", SERVICE_COLUMNS, service_rows(services)))
    return tables


SERVICE_COLUMNS = (
    "service",
    "requests",
    "within SLO",
    "TTFT p50",
    "TTFT p95",
    "TPOT p50",
    "TPOT p95",
    "output tokens/s",
    "cost per 1k output tokens",
)


def service_rows(services: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Per service: requests, SLO attainment, latency percentiles, throughput, unit cost."""
    return [
        {
            "service": s["id"],
            "requests": format_count(s["requests_completed"]),
            "within SLO": format_share(s.get("slo_attainment")),
            "TTFT p50": format_duration(s.get("ttft_s_p50")),
            "TTFT p95": format_duration(s.get("ttft_s_p95")),
            "TPOT p50": format_duration(s.get("tpot_s_p50")),
            "TPOT p95": format_duration(s.get("tpot_s_p95")),
            "output tokens/s": format_count(s.get("output_tokens_per_s")),
            "cost per 1k output tokens": format_usd(s.get("cost_usd_per_1k_output_tokens")),
            "replica GPU-hours": format_gpu_hours(s.get("replica_gpu_hours")),
        }
        for s in services
    ]
