"""Self-contained HTML report of a plan: tables plus inline SVG charts (matplotlib, the
``[report]`` extra) of the cost breakdown, the cost-vs-carbon Pareto front and break-even
curves of commitments against on-demand. No scripts, fonts or images are fetched: the file opens
offline. Without matplotlib the report carries the tables and says how to get the charts.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from gigawatt.report.html_base import NO_CHARTS, STYLE, bullet_list, html_table, pyplot, svg
from gigawatt.report.markdown import (
    ASSIGNMENT_COLUMNS,
    BASELINE_COLUMNS,
    BINDING_COLUMNS,
    baseline_rows,
    infeasibility_rows,
    runner_up_rows,
    sensitivity_rows,
    totals_rows,
)
from gigawatt.report.replay import replay_section_html


def _charts(plan: dict[str, Any]) -> list[tuple[str, str]]:
    """(title, inline SVG) of each chart; empty when matplotlib is missing."""
    plt = pyplot()
    if plt is None:
        return []
    charts = []
    for title, draw, data in (
        ("Cost breakdown", _cost_chart, plan.get("assignments") or []),
        ("Pareto front", _pareto_chart, plan.get("pareto_front") or []),
        ("Break-even curves", _break_even_chart, plan.get("break_even") or []),
    ):
        fig = draw(plt, data)
        if fig is not None:
            charts.append((title, svg(fig)))
            plt.close(fig)
    return charts


def _cost_chart(plt: Any, rows: list[dict[str, Any]]) -> Any:
    """Stacked bars: cost over the horizon by workload and pricing model (USD)."""
    if not rows:
        return None
    fig, ax = plt.subplots(figsize=(6, 3.2))
    by: dict[str, dict[str, float]] = {}
    for a in rows:
        costs = by.setdefault(a["workload"], {})
        key = str(a["pricing_model"])
        costs[key] = costs.get(key, 0.0) + float(a["cost_usd"])
    kinds = sorted({k for v in by.values() for k in v})
    names = list(by)
    bottom = [0.0] * len(names)
    for kind in kinds:
        vals = [by[n].get(kind, 0.0) for n in names]
        ax.barh(names, vals, left=bottom, label=kind)
        bottom = [b + v for b, v in zip(bottom, vals, strict=True)]
    ax.set_xlabel("cost over the horizon [USD]")
    ax.legend(fontsize=7)
    ax.set_title("Cost by workload and pricing model")
    return fig


def _pareto_chart(plt: Any, front: list[dict[str, Any]]) -> Any:
    """Cost (USD) against location-based emissions (tCO2e) along the epsilon-constraint front."""
    if len(front) < 2:
        return None
    fig, ax = plt.subplots(figsize=(5, 3.2))
    xs = [p["co2_location_kg"] / 1000.0 for p in front]
    ys = [p["cost_usd"] for p in front]
    ax.plot(xs, ys, marker="o")
    ax.set_xlabel("emissions, location-based [tCO2e]")
    ax.set_ylabel("cost [USD]")
    ax.set_title("Cost vs carbon (epsilon-constraint)")
    return fig


def _break_even_chart(plt: Any, curves: list[dict[str, Any]]) -> Any:
    """Per accelerator: a commitment's fixed cost against on-demand cost by utilisation (USD)."""
    if not curves:
        return None
    fig, ax = plt.subplots(figsize=(5, 3.2))
    u = [i / 50.0 for i in range(51)]
    for c in curves[:6]:
        rent = [c["on_demand_usd_per_accel_h"] * c["horizon_h"] * x for x in u]
        line = ax.plot([x * 100 for x in u], rent, linestyle="--")[0]
        ax.axhline(
            c["pool_usd_per_accelerator"],
            color=line.get_color(),
            label=f"{c['pool']} vs {c['on_demand_offer']}",
        )
    ax.set_xlabel("utilisation of the horizon [%]")
    ax.set_ylabel("cost per accelerator [USD]")
    ax.set_title("Break-even: commitment (solid) vs on-demand (dashed)")
    ax.legend(fontsize=6)
    return fig


def plan_html(plan: dict[str, Any]) -> str:
    """The whole report as one HTML document."""
    title = html.escape(f"gigawatt plan: {plan['scenario']}")
    head = (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>"
        f"<style>{STYLE}</style></head><body><h1>{title}</h1>"
        f"<p>Objective <b>{html.escape(str(plan['objective']))}</b>, horizon "
        f"{plan['horizon_days']:g} days, status <b>{html.escape(str(plan['status']))}</b>.</p>"
    )
    body = _infeasible_html(plan) if plan["status"] != "plan" else _plan_body_html(plan)
    return f"{head}{body}</body></html>"


def _infeasible_html(plan: dict[str, Any]) -> str:
    info = plan.get("infeasibility") or {}
    fixes = "".join(f"<li>{html.escape(f)}</li>" for f in info.get("fixes", []))
    rows = infeasibility_rows(plan)
    return (
        "<h2>Why no plan exists</h2>"
        f"{html_table(('constraint', 'limit', 'needed', 'unit', 'reason'), rows)}"
        f"<h2>What would make it feasible</h2><ul>{fixes}</ul>"
    )


def _plan_body_html(plan: dict[str, Any]) -> str:
    check = plan.get("check") or {}
    verdict = (
        "every constraint holds" if check.get("ok") else "; ".join(check.get("violations", []))
    )
    parts = [f"<p class='{'ok' if check.get('ok') else 'bad'}'>Independent checker: {verdict}</p>"]
    charts = _charts(plan)
    if charts:
        parts.append("<div class='charts'>")
        parts += [f"<div class='chart'><h3>{html.escape(t)}</h3>{svg}</div>" for t, svg in charts]
        parts.append("</div>")
    else:
        parts.append(NO_CHARTS)
    for name, cols, rows in _sections(plan):
        parts.append(f"<h2>{html.escape(name)}</h2>{html_table(cols, rows)}")
        if name == "Assignments":
            parts.append(_why_html(plan))
    if plan.get("replay"):
        parts.append(replay_section_html(plan["replay"]))
    notes = plan.get("notes") or []
    if notes:
        parts.append("<h2>Notes</h2><ul>")
        parts += [f"<li>{html.escape(n)}</li>" for n in notes]
        parts.append("</ul>")
    return "".join(parts)


def _why_html(plan: dict[str, Any]) -> str:
    """The per-workload sentences as a list (empty without explanations)."""
    why = plan.get("explanations") or {}
    if not why:
        return ""
    return "<h2>Why each workload runs where it does</h2>" + bullet_list(why.values())


def _sections(plan: dict[str, Any]) -> list[tuple[str, Sequence[str], list[dict[str, Any]]]]:
    """(heading, columns, rows) of every table of a feasible plan, in report order."""
    return [
        ("Assignments", ASSIGNMENT_COLUMNS, plan.get("assignments") or []),
        ("Totals", ("quantity", "value"), totals_rows(plan)),
        ("Baselines", BASELINE_COLUMNS, baseline_rows(plan)),
        (
            "Commitment pools",
            ("pool", "accelerators", "cost_usd", "max_count", "basis"),
            plan.get("pools") or [],
        ),
        ("Binding constraints", BINDING_COLUMNS, plan.get("binding_constraints") or []),
        (
            "Runner-up per workload",
            ("workload", "runner_up", "why_lost", "cheapest_rejected", "rejected_because"),
            runner_up_rows(plan),
        ),
        (
            "Price sensitivity",
            ("prices", "move", "total_cost_usd", "changed_workloads"),
            sensitivity_rows(plan),
        ),
        (
            "Cost vs carbon (Pareto front)",
            ("cost_usd", "co2_location_kg", "carbon_ceiling_kg"),
            plan.get("pareto_front") or [],
        ),
        (
            "Break-even of commitments",
            (
                "pool",
                "pool_usd_per_accelerator",
                "on_demand_offer",
                "on_demand_usd_per_accel_h",
                "break_even_utilization",
            ),
            plan.get("break_even") or [],
        ),
    ]
