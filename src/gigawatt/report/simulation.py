"""The simulation report: one self-contained HTML page, styled like the plan report.

In order: a plain-words summary, what limited the factory (:mod:`gigawatt.report.limits`),
time-series charts with axes and units (:mod:`gigawatt.report.sim_charts`), per-team queue and
per-service SLO tables, the key figures, and a recap of the inputs. Durations, energy, power and
money are in human units (:mod:`gigawatt.report.units`).
"""

from __future__ import annotations

import html
from typing import Any

from gigawatt.report.html_base import STYLE, bullet_list, html_table
from gigawatt.report.limits import QUEUE_LIMIT_S, SLO_TARGET, Finding, findings, limit_facts
from gigawatt.report.sim_charts import charts_html
from gigawatt.report.sim_inputs import (
    FLEET_COLUMNS,
    RUN_COLUMNS,
    WORKLOAD_COLUMNS,
    fleet_rows,
    run_rows,
    workload_rows,
)
from gigawatt.report.sim_summary import (
    SERVICE_COLUMNS,
    key_figure_rows,
    run_line,
    service_rows,
    summary_sentences,
)
from gigawatt.report.units import format_count, format_duration, format_gpu_hours, format_share
from gigawatt.spec.simulation import SimulationScenario

SIM_STYLE = STYLE + (
    "p.lead{font-size:1.05rem}.limit{background:#fff6e5;border-left:4px solid #e0a000;"
    "padding:0.6rem 1rem;max-width:70rem}ul.notes{color:#555}"
)
REASON_LABELS = {
    "quota": "waited for their team's GPU quota",
    "capacity": "no pool had room",
    "power_cap": "room, but over the power cap",
    "order": "room, but behind other jobs",
}
OUTAGES = (
    ("repair_gpu_h", "out of service: nodes in repair after failures"),
    ("spot_away_gpu_h", "out of service: spot nodes reclaimed"),
    ("throttled_gpu_h", "running jobs slowed by a throttling power cap"),
)
TEAM_REASONS = (
    ("quota", "quota"),
    ("capacity", "no room"),
    ("power_cap", "power cap"),
    ("order", "order"),
)
TEAM_COLUMNS = (
    "team",
    "GPU quota",
    "jobs done / submitted",
    "queue p50",
    "queue p95",
    "longest wait, never started",
    "GPU-hours",
    "preemptions",
    "interruptions",
    *(f"queued GPU-h: {label}" for _, label in TEAM_REASONS),
)


def simulation_html(
    sc: SimulationScenario, kpis: dict[str, Any], series: list[dict[str, float]]
) -> str:
    """The whole report of a run of ``sc`` (its KPIs and time series) as one HTML document."""
    found = findings(limit_facts(kpis))
    title = html.escape(f"gigawatt simulate: {sc.name}")
    parts = [
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>"
        f"<style>{SIM_STYLE}</style></head><body><h1>{title}</h1>",
        f"<p>{html.escape(run_line(kpis))}, seed {sc.seed}.</p>",
        "<h2>Summary</h2>" + bullet_list(summary_sentences(kpis, found[0])),
        _limits_html(kpis, found),
        "<h2>Over time</h2>",
        charts_html(series, sc.facility.power_cap_kw),
    ]
    if kpis.get("teams"):
        parts.append("<h2>Teams: queues and use</h2>")
        parts.append(html_table(TEAM_COLUMNS, team_rows(kpis["teams"]), TEAM_COLUMNS[1:]))
    if kpis.get("services"):
        parts.append(f"<h2>Inference services: latency objectives (target {_slo()})</h2>")
        parts.append(
            html_table(SERVICE_COLUMNS, service_rows(kpis["services"]), SERVICE_COLUMNS[1:])
        )
    parts.append("<h2>Key figures</h2>")
    parts.append(html_table(("group", "quantity", "value"), key_figure_rows(kpis), ("value",)))
    parts.append("<h2>Inputs</h2>")
    parts.append(html_table(RUN_COLUMNS, run_rows(sc, kpis["days"])))
    parts.append("<h3>Fleet</h3>" + html_table(FLEET_COLUMNS, fleet_rows(sc)))
    parts.append("<h3>Workloads</h3>" + html_table(WORKLOAD_COLUMNS, workload_rows(sc)))
    notes = kpis.get("assumptions") or []
    if notes:
        parts.append("<h2>Assumptions</h2>" + bullet_list(notes))
    parts.append("</body></html>")
    return "".join(parts)


def _slo() -> str:
    return f"{format_share(SLO_TARGET)} of requests within SLO"


def _limits_html(kpis: dict[str, Any], found: list[Finding]) -> str:
    """The binding cause, any further findings, and where queued and lost GPU-time went."""
    first, rest = found[0], found[1:]
    cause = "nothing" if first.cause == "none" else first.cause
    out = [
        "<h2>What limited this factory</h2>",
        f"<p class='limit'><b>Binding: {html.escape(cause)}.</b> {html.escape(first.sentence)}</p>",
    ]
    if rest:
        out.append("<p>Also:</p><ul class='why'>")
        out += [f"<li><b>{html.escape(f.cause)}</b>: {html.escape(f.sentence)}</li>" for f in rest]
        out.append("</ul>")
    limits = kpis.get("limits") or {}
    queued = limits.get("queued_gpu_h") or {}
    total = sum(queued.values())
    rows = [
        {
            "where the GPU-time went": f"queued jobs: {REASON_LABELS.get(r, r)}",
            "GPU-hours": format_gpu_hours(v),
            "share": format_share(v / total) if total else "-",
        }
        for r, v in queued.items()
    ]
    for key, label in OUTAGES:
        rows.append(
            {
                "where the GPU-time went": label,
                "GPU-hours": format_gpu_hours(limits.get(key)),
                "share": "",
            }
        )
    if total or any(limits.get(k) for k, _ in OUTAGES):
        out.append(html_table(("where the GPU-time went", "GPU-hours", "share"), rows, ("share",)))
    out.append(
        "<p><em>The rule: when one job in 20 waits at least "
        f"{format_duration(QUEUE_LIMIT_S)}, the reason that held the most queued GPU-hours "
        "binds (sampled at every time-series sample); then services under the SLO target; "
        "then throttling, outages or lost work from 5 % of the GPU-time.</em></p>"
    )
    return "".join(out)


def team_rows(teams: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Per team, in human units: quota, jobs, queue times, GPU-hours and queued GPU-hours by
    reason (unit in the header, so the cells stay narrow)."""
    rows = []
    for t in teams:
        q = t["queued_gpu_h"]
        quota = t["quota_gpus"]
        rows.append(
            {
                "team": t["team"],
                "GPU quota": "none" if quota is None else format_count(quota),
                "jobs done / submitted": f"{format_count(t['jobs_completed'])} / "
                f"{format_count(t['jobs_submitted'])}",
                "queue p50": format_duration(t["queue_time_s_p50"]),
                "queue p95": format_duration(t["queue_time_s_p95"]),
                "longest wait, never started": format_duration(t["never_started_wait_s_max"]),
                "GPU-hours": format_count(t["gpu_hours"]),
                "preemptions": format_count(t["preemptions"]),
                "interruptions": format_count(t["interruptions"]),
                **{
                    f"queued GPU-h: {label}": format_count(q.get(reason))
                    for reason, label in TEAM_REASONS
                },
            }
        )
    return rows
