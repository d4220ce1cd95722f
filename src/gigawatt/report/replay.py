"""The report of a replayed plan (``gigawatt simulate --plan P.json --report R.html``): one
self-contained HTML page styled like the plan and simulation reports.

In order: a plain-words summary (does the plan hold its SLOs, what it really costs against its
estimate), where the plan's static assumptions break, a per-workload table (SLO attainment,
latency percentiles, queue, preemptions) and a cost, energy and carbon table against the plan,
charts with axes and units (per serving workload: p95 TTFT and TPOT by hour of the day against
the SLO, and requests/s carried with accelerators billed over the run), the twin's fleet charts
and the assumptions. It reads the replay's JSON (``ReplayResult.to_dict``) and the twin's time
series; every figure is in human units (:mod:`gigawatt.report.units`).
"""

from __future__ import annotations

import html
from typing import Any

from gigawatt.report.html_base import NO_CHARTS, STYLE, bullet_list, html_table, pyplot, svg
from gigawatt.report.sim_charts import charts_html, time_axis
from gigawatt.report.units import (
    format_carbon_kg,
    format_count,
    format_duration,
    format_energy_kwh,
    format_share,
    format_usd,
)

REPLAY_STYLE = STYLE + (
    "p.lead{font-size:1.05rem}.limit{background:#fff6e5;border-left:4px solid #e0a000;"
    "padding:0.6rem 1rem;max-width:70rem}ul.notes{color:#555}"
)
KPI_COLUMNS = (
    "workload",
    "kind",
    "within SLO",
    "TTFT p50",
    "TTFT p95",
    "TTFT p99",
    "TPOT p95",
    "TPOT p99",
    "SLO TTFT / TPOT",
    "queue p95",
    "preemptions",
)
MONEY_COLUMNS = (
    "workload",
    "cost (twin)",
    "cost (plan)",
    "difference",
    "energy (twin)",
    "energy (plan)",
    "carbon (twin)",
    "carbon (plan)",
)
SERVING = ("online_inference", "rag", "agent")
MONEY_NOTE = (
    "Plan figures are the plan's estimate pro-rated to the replayed days (the share of each "
    "placement's windows; training: of its planned hours). The twin bills serving the units "
    "the plan holds hour by hour, so serving differs from the pro-rated figure only where the "
    "replayed days are not a whole load cycle (e.g. a replay that covers a peak day); jobs "
    "differ by the restarts, reclaims and overruns the twin met."
)


def replay_html(d: dict[str, Any], series: list[dict[str, float]]) -> str:
    """The whole report of replay ``d`` (``ReplayResult.to_dict()``) and the twin's time
    ``series`` as one HTML document."""
    title = html.escape(f"gigawatt simulate --plan: {d['scenario']}")
    rows = d["workloads"]
    fleet = d.get("fleet") or {}
    parts = [
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>"
        f"<style>{REPLAY_STYLE}</style></head><body><h1>{title}</h1>",
        f"<p class='lead'>The plan's fleet replayed in the twin over "
        f"{html.escape(format_duration(d['days'] * 86_400.0))}: "
        f"{html.escape(format_count(fleet.get('events')))} events in "
        f"{html.escape(format_duration(fleet.get('wall_s')))}.</p>",
        "<h2>Summary</h2>" + bullet_list(summary_sentences(d)),
        _breaks_html(rows),
        "<h2>Workloads: service levels</h2>",
        html_table(KPI_COLUMNS, kpi_rows(rows), KPI_COLUMNS[2:]),
        "<h2>Cost, energy and carbon: twin against the plan</h2>",
        html_table(MONEY_COLUMNS, money_rows(rows), MONEY_COLUMNS[1:]),
        f"<p><em>{html.escape(MONEY_NOTE)}</em></p>",
        "<h2>Serving over the day and over the run</h2>",
        serving_charts_html(rows),
        "<h2>The twin's fleet over time</h2>",
        "<p><em>The twin simulates one replica per serving placement, at the load of one "
        "planned replica, and the whole fleet of every job: these charts show that simulated "
        "slice, not the plan's whole serving fleet (above: accelerators billed). Requests arrive "
        "in a sampled window of each hour, so in-flight samples can fall between windows."
        "</em></p>",
        charts_html(series, None),
    ]
    notes = d.get("assumptions") or []
    if notes:
        parts.append("<h2>Assumptions</h2>" + bullet_list(notes, "notes"))
    parts.append("</body></html>")
    return "".join(parts)


def replay_section_html(d: dict[str, Any]) -> str:
    """The replay's summary, breaks and tables (no charts) as a section of the plan report
    (``gigawatt plan SCENARIO --simulate DAYS --report R.html``)."""
    rows = d["workloads"]
    days = html.escape(format_duration(d["days"] * 86_400.0))
    return "".join(
        [
            f"<h2>Replayed in the twin over {days}</h2>" + bullet_list(summary_sentences(d)),
            _breaks_html(rows).replace("<h2>", "<h3>").replace("</h2>", "</h3>"),
            html_table(KPI_COLUMNS, kpi_rows(rows), KPI_COLUMNS[2:]),
            html_table(MONEY_COLUMNS, money_rows(rows), MONEY_COLUMNS[1:]),
            f"<p><em>{html.escape(MONEY_NOTE)}</em></p>",
            "<p><em>Charts and CSV files: gigawatt simulate --plan PLAN.json --report R.html "
            "--out DIR.</em></p>",
        ]
    )


def _pct_diff(twin: float | None, plan: float | None) -> str:
    if twin is None or plan is None or plan <= 0:
        return "-"
    diff = twin / plan - 1.0
    if abs(diff) < 0.001:  # below format_share's resolution
        return "0 %" if abs(diff) < 0.0005 else ("under +0.1 %" if diff > 0 else "under -0.1 %")
    return ("+" if diff > 0 else "-") + format_share(abs(diff))


def summary_sentences(d: dict[str, Any]) -> list[str]:
    """The replay in plain words: SLOs held or not, deadlines, cost and energy against the
    plan, workloads outside the replayed days."""
    rows = d["workloads"]
    out = []
    serving = [w for w in rows if w["kind"] in SERVING and w.get("requests_simulated")]
    missed = [w for w in serving if not meets_p95(w)]
    if serving:
        verdict = "holds" if not missed else "does not hold"
        out.append(
            f"The plan {verdict} its p95 latency objectives over the replayed days: "
            f"{len(serving) - len(missed)} of {len(serving)} serving workloads keep p95 TTFT "
            "and p95 TPOT within their targets (hours over them are listed below)."
        )
    for w in missed:
        out.append(
            f"{w['workload']}: {format_share(w.get('slo_attainment'))} of requests within SLO; "
            f"p95 TTFT {format_duration(w.get('ttft_s_p95'))} (target "
            f"{format_duration(w.get('slo_ttft_s'))}), p95 TPOT "
            f"{format_duration(w.get('tpot_s_p95'))} (target "
            f"{format_duration(w.get('slo_tpot_s'))})."
        )
    for w in rows:
        if w["kind"] not in SERVING and w.get("breaks"):
            out.append(f"{w['workload']}: {w['breaks'][0]}.")
        if not w.get("window_h"):
            out.append(
                f"{w['workload']} starts on day {w.get('start_day', 0):g}, after the replayed "
                f"{d['days']:g} days: nothing of it is replayed (give --days to reach it)."
            )
    cost = sum(float(w.get("cost_usd") or 0.0) for w in rows)
    plan = sum(float(w.get("plan_cost_usd") or 0.0) for w in rows)
    energy = sum(float(w.get("energy_kwh") or 0.0) for w in rows)
    plan_energy = sum(float(w.get("plan_energy_kwh") or 0.0) for w in rows)
    out.append(
        f"Over the replayed days the fleet costs {format_usd(cost)} against the plan's "
        f"{format_usd(plan)} ({_pct_diff(cost, plan)}) and uses "
        f"{format_energy_kwh(energy)} against {format_energy_kwh(plan_energy)}."
    )
    return out


def meets_p95(w: dict[str, Any]) -> bool:
    """Whether a serving workload's p95 TTFT and TPOT over the run are within its targets."""
    for key, slo in (("ttft_s_p95", "slo_ttft_s"), ("tpot_s_p95", "slo_tpot_s")):
        target, value = w.get(slo), w.get(key)
        if target is not None and (value is None or value > target):
            return False
    return True


def _breaks_html(rows: list[dict[str, Any]]) -> str:
    """Where the plan's static assumptions break, per workload, or that none did."""
    lines = [(w["workload"], b) for w in rows for b in w.get("breaks") or []]
    head = "<h2>Where the plan's static assumptions break</h2>"
    if not lines:
        return head + (
            "<p class='limit'>Nowhere: every hour of every serving workload kept its p95 "
            "targets and every job its deadline or turnaround.</p>"
        )
    items = "".join(
        f"<li><b>{html.escape(name)}</b>: {html.escape(text)}</li>" for name, text in lines
    )
    return head + f"<ul class='why limit'>{items}</ul>"


def _slo_pair(w: dict[str, Any]) -> str:
    ttft, tpot = w.get("slo_ttft_s"), w.get("slo_tpot_s")
    if ttft is None and tpot is None:
        return "-"
    return f"{format_duration(ttft)} / {format_duration(tpot)}"


def kpi_rows(rows: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Per workload in human units: SLO attainment, latency percentiles, queue, preemptions."""
    return [
        {
            "workload": w["workload"],
            "kind": w["kind"],
            "within SLO": format_share(w.get("slo_attainment")),
            "TTFT p50": format_duration(w.get("ttft_s_p50")),
            "TTFT p95": format_duration(w.get("ttft_s_p95")),
            "TTFT p99": format_duration(w.get("ttft_s_p99")),
            "TPOT p95": format_duration(w.get("tpot_s_p95")),
            "TPOT p99": format_duration(w.get("tpot_s_p99")),
            "SLO TTFT / TPOT": _slo_pair(w),
            "queue p95": format_duration(w.get("queue_time_s_p95")),
            "preemptions": format_count(w.get("preemptions")),
        }
        for w in rows
    ]


def money_rows(rows: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Per workload: cost, energy and carbon in the twin and in the plan's estimate."""
    return [
        {
            "workload": w["workload"],
            "cost (twin)": format_usd(w.get("cost_usd")),
            "cost (plan)": format_usd(w.get("plan_cost_usd")),
            "difference": _pct_diff(w.get("cost_usd"), w.get("plan_cost_usd")),
            "energy (twin)": format_energy_kwh(w.get("energy_kwh")),
            "energy (plan)": format_energy_kwh(w.get("plan_energy_kwh")),
            "carbon (twin)": format_carbon_kg(w.get("carbon_kg")),
            "carbon (plan)": format_carbon_kg(w.get("plan_carbon_kg")),
        }
        for w in rows
    ]


def serving_charts_html(rows: list[dict[str, Any]]) -> str:
    """Two charts per serving workload with requests: p95 latency by hour of the day against
    the SLO, and load carried with accelerators billed over the run."""
    serving = [w for w in rows if w["kind"] in SERVING and w.get("requests_simulated")]
    if not serving:
        return "<p><em>No serving workload carried requests in the replayed days.</em></p>"
    plt = pyplot()
    if plt is None:
        return NO_CHARTS
    parts = []
    for w in serving:
        for title, draw in (
            (f"{w['workload']}: p95 latency by hour of the day", _latency_chart),
            (f"{w['workload']}: load and accelerators billed", _load_chart),
        ):
            fig = draw(plt, w)
            if fig is None:
                continue
            parts.append(f"<div class='chart'><h3>{html.escape(title)}</h3>{svg(fig)}</div>")
            plt.close(fig)
    return f"<div class='charts'>{''.join(parts)}</div>"


def _latency_chart(plt: Any, w: dict[str, Any]) -> Any:
    """p95 TTFT (left) and TPOT (right) [s] at each hour of the day (UTC), SLOs dashed."""
    hours = [r for r in w.get("by_hour") or [] if r.get("requests_simulated")]
    if not hours:
        return None
    fig, axes = plt.subplots(1, 2, figsize=(7.2, 2.6))
    xs = [r["hour_utc"] for r in hours]
    for ax, key, slo, label in (
        (axes[0], "ttft_s_p95", w.get("slo_ttft_s"), "p95 time to first token [s]"),
        (axes[1], "tpot_s_p95", w.get("slo_tpot_s"), "p95 time per output token [s]"),
    ):
        ax.plot(xs, [r[key] for r in hours], marker="o", markersize=3, label="twin")
        if slo is not None:
            ax.axhline(slo, color="#a00", linestyle="--", linewidth=1, label="SLO")
        ax.set_xlabel("hour of the day [UTC]")
        ax.set_ylabel(label, fontsize=8)
        ax.set_xlim(0, 23)
        ax.set_xticks(range(0, 24, 4))
        ax.set_ylim(bottom=0)
        ax.grid(True, linewidth=0.4, alpha=0.5)
        ax.legend(fontsize=7, loc="best")
    fig.tight_layout()
    return fig


def _load_chart(plt: Any, w: dict[str, Any]) -> Any:
    """Requests/s carried (left axis) and accelerators billed (right axis) over the run."""
    hourly = w.get("hourly") or []
    if len(hourly) < 2:
        return None
    xs, xlabel = time_axis([r["hour"] for r in hourly])
    fig, ax = plt.subplots(figsize=(5.6, 2.6))
    ax.step(xs, [r["rate_rps"] for r in hourly], where="post", label="requests/s carried")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("requests/s")
    ax.set_ylim(0, 1.1 * max(max(r["rate_rps"] for r in hourly), 1e-9))
    ax.set_xlim(xs[0], xs[-1])
    ax.grid(True, linewidth=0.4, alpha=0.5)
    right = ax.twinx()
    right.step(
        xs,
        [r["accelerators"] for r in hourly],
        where="post",
        color="#e07000",
        linestyle="--",
        linewidth=1,
        label="accelerators billed",
    )
    right.set_ylabel("accelerators billed")
    right.set_ylim(0, 1.1 * max(max(r["accelerators"] for r in hourly), 1e-9))
    lines = ax.get_legend_handles_labels()
    more = right.get_legend_handles_labels()
    ax.legend(
        lines[0] + more[0],
        lines[1] + more[1],
        fontsize=7,
        loc="lower center",
        bbox_to_anchor=(0.5, 1.0),
        ncol=2,
        frameon=False,
    )
    return fig
