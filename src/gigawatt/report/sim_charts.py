"""Time-series charts of a simulation run (matplotlib, inline SVG): allocation, GPUs in service,
facility power against the cap, jobs queued and running, in-flight requests and replicas.

Every chart has a time axis in minutes (runs up to three hours), hours (up to three days) or
days, a labelled value axis with its unit and no offset notation; a chart whose series are all
zero becomes a one-line note.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from gigawatt.report.html_base import NO_CHARTS, pyplot, svg

MINUTES_AXIS_TO_H = 3.0
"""Runs up to this many hours get a time axis in minutes."""
DAYS_AXIS_FROM_H = 72.0
"""Runs longer than this many hours get a time axis in days."""


@dataclass(frozen=True)
class Chart:
    """One chart: title, value-axis label (with unit), series (column, legend, scale)."""

    title: str
    ylabel: str
    lines: tuple[tuple[str, str, float], ...]
    empty_note: str
    percent: bool = False


CHARTS = (
    Chart(
        "Accelerator allocation",
        "allocated / in service [%]",
        (("utilization", "allocated", 100.0),),
        "No accelerator was allocated at any sample.",
        percent=True,
    ),
    Chart(
        "GPUs in service and allocated",
        "GPUs",
        (("gpus_in_service", "in service", 1.0), ("gpus_allocated", "allocated", 1.0)),
        "No GPU was in service at any sample.",
    ),
    Chart(
        "Facility power",
        "facility power [kW]",
        (("facility_kw", "facility power", 1.0),),
        "The facility drew no power at any sample.",
    ),
    Chart(
        "Jobs queued and running",
        "jobs",
        (("queued_jobs", "queued", 1.0), ("running_jobs", "running", 1.0)),
        "No job was queued or running at any sample (the run has no training or batch jobs).",
    ),
    Chart(
        "Inference: in-flight requests and replicas",
        "requests / replicas",
        (("inflight_requests", "in-flight requests", 1.0), ("replicas", "replicas", 1.0)),
        "No request was in flight at any sample (the run has no inference services).",
    ),
)


def charts_html(series: list[dict[str, float]], power_cap_kw: float | None) -> str:
    """The charts of ``series`` (one row per sample, ``time_h`` first) as HTML: inline SVGs in
    a flexible grid, notes for empty charts, or a note when matplotlib is missing."""
    if len(series) < 2:
        return "<p><em>Fewer than two samples: no time series to chart.</em></p>"
    plt = pyplot()
    if plt is None:
        return NO_CHARTS
    xs, xlabel = time_axis([r["time_h"] for r in series])
    parts, notes = [], []
    for chart in CHARTS:
        if not any(r.get(col) for col, _, _ in chart.lines for r in series):
            notes.append(f"<li>{html.escape(chart.title)}: {html.escape(chart.empty_note)}</li>")
            continue
        cap = power_cap_kw if chart.title == "Facility power" else None
        fig = _draw(plt, chart, xs, xlabel, series, cap)
        parts.append(f"<div class='chart'><h3>{html.escape(chart.title)}</h3>{svg(fig)}</div>")
        plt.close(fig)
    out = f"<div class='charts'>{''.join(parts)}</div>"
    return out + (f"<ul class='notes'>{''.join(notes)}</ul>" if notes else "")


def time_axis(hours: list[float]) -> tuple[list[float], str]:
    """Sample times (h) in minutes, hours or days by the run's length, and the axis label."""
    end_h = hours[-1] if hours else 0.0
    if end_h <= MINUTES_AXIS_TO_H:
        return [h * 60.0 for h in hours], "time [min]"
    if end_h <= DAYS_AXIS_FROM_H:
        return list(hours), "time [h]"
    return [h / 24.0 for h in hours], "time [days]"


def _tick(value: float, _: Any) -> str:
    """A value-axis label: thousands separators, no exponent or offset ("16,384", "0.5")."""
    return f"{value:,.0f}" if value == int(value) or abs(value) >= 10 else f"{value:.3g}"


def _draw(
    plt: Any,
    chart: Chart,
    xs: list[float],
    xlabel: str,
    series: list[dict[str, float]],
    cap_kw: float | None,
) -> Any:
    fig, ax = plt.subplots(figsize=(5.6, 2.6))
    for col, label, scale in chart.lines:
        ax.step(xs, [r.get(col, 0.0) * scale for r in series], where="post", label=label)
    if cap_kw is not None:
        ax.axhline(cap_kw, color="#a00", linestyle="--", linewidth=1, label="power cap")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(chart.ylabel)
    ax.set_xlim(xs[0], xs[-1])
    ax.set_ylim(bottom=0, top=100.0 if chart.percent else None)
    ax.ticklabel_format(axis="x", style="plain", useOffset=False)
    ax.yaxis.set_major_formatter(_tick)
    ax.grid(True, linewidth=0.4, alpha=0.5)
    if len(chart.lines) > 1 or cap_kw is not None:
        ax.legend(fontsize=7, loc="best")
    return fig
