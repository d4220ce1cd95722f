"""Markdown rendering of a plan (the dict of :meth:`gigawatt.optimize.plan.PlanResult.to_dict`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gigawatt.report.tables import fmt

ASSIGNMENT_COLUMNS = (
    "workload",
    "venue",
    "offer",
    "accelerator",
    "region",
    "count",
    "mean_count",
    "pricing_model",
    "share",
    "cost_usd",
    "energy_kwh",
    "co2_location_kg",
    "slo_met",
)


BINDING_COLUMNS = ("constraint", "description", "limit", "used", "unit", "saving_if_relaxed_usd")


def text(value: Any) -> str:
    """A cell's plain text: :func:`gigawatt.report.tables.fmt`, with thousands separators on
    integers (counts) as well."""
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, list):
        return ", ".join(text(v) for v in value)
    return fmt(value)


def cell(value: Any) -> str:
    """A Markdown cell: :func:`text` with ``|`` escaped."""
    return text(value).replace("|", "\\|")


def table(columns: Sequence[str], rows: Sequence[dict[str, Any]]) -> str:
    """A Markdown table of ``rows`` showing ``columns``."""
    if not rows:
        return "_none_\n"
    head = "| " + " | ".join(columns) + " |"
    rule = "|" + "|".join("---" for _ in columns) + "|"
    body = ["| " + " | ".join(cell(r.get(c)) for c in columns) + " |" for r in rows]
    return "\n".join([head, rule, *body]) + "\n"


def runner_up_rows(plan: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per workload: runner-up option and why it lost."""
    rows = []
    for workload, entry in (plan.get("runner_ups") or {}).items():
        ru = entry.get("runner_up") or {}
        rej = entry.get("cheapest_rejected") or {}
        rows.append(
            {
                "workload": workload,
                "runner_up": ru.get("option"),
                "why_lost": entry.get("why_lost"),
                "cheapest_rejected": rej.get("option"),
                "rejected_because": rej.get("why"),
            }
        )
    return rows


def sensitivity_rows(plan: dict[str, Any]) -> list[dict[str, Any]]:
    """Price moves as rows."""
    return [
        {
            "prices": s.get("prices"),
            "move": f"{s.get('move', 0):+.0%}",
            "total_cost_usd": s.get("total_cost_usd"),
            "changed_workloads": s.get("changed_workloads") or "-",
        }
        for s in plan.get("price_sensitivity") or []
    ]


def totals_rows(plan: dict[str, Any]) -> list[dict[str, Any]]:
    """The plan's totals and the checker's verdict as rows (baselines: :func:`baseline_rows`)."""
    return [
        {"quantity": "total_cost_usd", "value": plan.get("total_cost_usd")},
        {"quantity": "total_co2_location_kg", "value": plan.get("total_co2_location_kg")},
        {"quantity": "total_energy_kwh", "value": plan.get("total_energy_kwh")},
        {"quantity": "checker", "value": "ok" if (plan.get("check") or {}).get("ok") else "FAILED"},
    ]


BASELINE_COLUMNS = ("baseline", "cost_usd", "saving_usd", "saving", "covers", "definition")
BASELINE_NAMES = {"greedy": "greedy", "hyperscaler_on_demand": "all hyperscaler on-demand"}


def baseline_rows(plan: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per baseline: what it is, its cost and the plan's saving against it."""
    rows = []
    for key, b in (plan.get("baselines") or {}).items():
        saving = b.get("saving") or {}
        fraction = saving.get("fraction")
        covers = "all workloads"
        if b.get("missing"):
            covers = f"all but {', '.join(b['missing'])}"
        if b.get("cost_usd") is None and b.get("violations"):
            covers = f"breaks {'; '.join(b['violations'][:2])}"
        rows.append(
            {
                "baseline": BASELINE_NAMES.get(key, key),
                "cost_usd": b.get("cost_usd"),
                "saving_usd": saving.get("usd"),
                "saving": None if fraction is None else f"{fraction:.1%}",
                "covers": covers,
                "definition": b.get("definition"),
            }
        )
    return rows


def explanation_rows(plan: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per workload: why it runs where it runs and what would change that."""
    return [{"workload": w, "why": t} for w, t in (plan.get("explanations") or {}).items()]


def infeasibility_rows(plan: dict[str, Any]) -> list[dict[str, Any]]:
    """Conflicts of an infeasible scenario as rows."""
    info = plan.get("infeasibility") or {}
    return [
        {
            "constraint": c.get("constraint"),
            "limit": c.get("limit"),
            "needed": c.get("needed"),
            "unit": c.get("unit"),
            "reason": c.get("reason"),
        }
        for c in info.get("conflicts", [])
    ]


def plan_markdown(plan: dict[str, Any]) -> str:
    """The whole plan report as Markdown."""
    out = [
        f"# Plan: {plan['scenario']}\n",
        f"Objective: **{plan['objective']}**, horizon "
        f"{plan['horizon_days']:g} days, status **{plan['status']}**.\n",
    ]
    if plan["status"] != "plan":
        info = plan.get("infeasibility") or {}
        out += [
            "## Why no plan exists\n",
            table(("constraint", "limit", "needed", "unit", "reason"), infeasibility_rows(plan)),
            "\n## What would make it feasible\n",
        ]
        out += [f"- {f}\n" for f in info.get("fixes", [])]
        return "\n".join(out)
    out += ["## Assignments\n", table(ASSIGNMENT_COLUMNS, plan["assignments"])]
    why = plan.get("explanations") or {}
    if why:
        out += ["\n## Why each workload runs where it does\n"]
        out += ["".join(f"- {t}\n" for t in why.values())]
    out += ["\n## Totals\n", table(("quantity", "value"), totals_rows(plan))]
    out += ["\n## Baselines\n", table(BASELINE_COLUMNS, baseline_rows(plan))]
    out += [
        "\n## Commitment pools\n",
        table(("pool", "accelerators", "cost_usd", "max_count", "basis"), plan.get("pools") or []),
    ]
    out += [
        "\n## Binding constraints\n",
        table(BINDING_COLUMNS, plan.get("binding_constraints") or []),
    ]
    out += [
        "\n## Runner-up per workload\n",
        table(
            ("workload", "runner_up", "why_lost", "cheapest_rejected", "rejected_because"),
            runner_up_rows(plan),
        ),
    ]
    out += [
        "\n## Price sensitivity\n",
        table(("prices", "move", "total_cost_usd", "changed_workloads"), sensitivity_rows(plan)),
    ]
    out += [
        "\n## Cost vs carbon (Pareto front)\n",
        table(("cost_usd", "co2_location_kg", "carbon_ceiling_kg"), plan.get("pareto_front") or []),
    ]
    notes = plan.get("notes") or []
    if notes:
        out += ["\n## Notes\n", *[f"- {n}\n" for n in notes]]
    return "\n".join(out)
