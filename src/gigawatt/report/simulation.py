"""The simulation report: a self-contained HTML page with the KPIs and time-series charts."""

from __future__ import annotations

import html
import math
from typing import Any


def _svg_line(title: str, xs: list[float], ys: list[float], unit: str) -> str:
    w, h, pad = 640, 180, 36
    if not xs:
        return f"<h3>{html.escape(title)}</h3><p>no samples</p>"
    x0, x1 = min(xs), max(xs) if max(xs) > min(xs) else min(xs) + 1
    y1 = max(max(ys), 1e-12)
    pts = " ".join(
        f"{pad + (x - x0) / (x1 - x0) * (w - 2 * pad):.1f},{h - pad - (y / y1) * (h - 2 * pad):.1f}"
        for x, y in zip(xs, ys, strict=True)
    )
    return (
        f"<h3>{html.escape(title)}</h3><svg width='{w}' height='{h}' "
        f"xmlns='http://www.w3.org/2000/svg'><rect width='{w}' height='{h}' fill='#fafafa'/>"
        f"<polyline fill='none' stroke='#1f6feb' stroke-width='1.5' points='{pts}'/>"
        f"<text x='4' y='14' font-size='11'>max {y1:.4g} {html.escape(unit)}</text>"
        f"<text x='{pad}' y='{h - 8}' font-size='11'>{x0:.1f} h</text>"
        f"<text x='{w - pad - 40}' y='{h - 8}' font-size='11'>{x1:.1f} h</text></svg>"
    )


def simulation_html(name: str, kpis: dict[str, Any], series: list[dict[str, float]]) -> str:
    """A self-contained HTML page: KPI table and inline SVG charts of the time series."""
    rows = "".join(
        f"<tr><td>{html.escape(k)}</td><td>{html.escape(_fmt(v))}</td></tr>"
        for k, v in kpis.items()
        if not isinstance(v, list | dict)
    )
    xs = [r["time_h"] for r in series]
    charts = "".join(
        _svg_line(t, xs, [r[c] for r in series], u)
        for t, c, u in (
            ("Accelerator utilisation", "utilization", "fraction"),
            ("Facility power", "facility_kw", "kW"),
            ("Queued jobs", "queued_jobs", "jobs"),
            ("In-flight requests", "inflight_requests", "requests"),
        )
    )
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(name)}</title>"
        "<style>body{font-family:sans-serif;margin:2em}td{padding:2px 8px}</style></head>"
        f"<body><h1>gigawatt simulate: {html.escape(name)}</h1><table>{rows}</table>"
        f"{charts}</body></html>"
    )


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return "n/a" if math.isnan(v) else f"{v:.6g}"
    return "n/a" if v is None else str(v)
