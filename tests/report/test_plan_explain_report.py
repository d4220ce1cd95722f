"""The plan reports (terminal, Markdown, HTML) carry the per-workload sentences and both
baselines with their definitions and savings."""

from __future__ import annotations

from typing import Any

from gigawatt.optimize.greedy import GREEDY_DEFINITION, HYPERSCALER_DEFINITION
from gigawatt.report.decision import plan_tables
from gigawatt.report.html import plan_html
from gigawatt.report.markdown import baseline_rows, plan_markdown

SENTENCE = "chat runs on 2 on-demand h100-sxm at lambda (lambda:us-south-1) because it is cheap."


def _plan() -> dict[str, Any]:
    return {
        "scenario": "hand",
        "objective": "cost",
        "status": "plan",
        "horizon_days": 30,
        "assignments": [],
        "explanations": {"chat": SENTENCE},
        "baselines": {
            "greedy": {
                "definition": GREEDY_DEFINITION,
                "cost_usd": 200.0,
                "violations": [],
                "saving": {"usd": 100.0, "fraction": 0.5},
            },
            "hyperscaler_on_demand": {
                "definition": HYPERSCALER_DEFINITION,
                "cost_usd": 150.0,
                "missing": ["batch"],
                "saving": {"usd": 60.0, "fraction": 0.4},
            },
        },
    }


def test_baseline_rows_name_each_baseline_and_what_it_covers() -> None:
    rows = baseline_rows(_plan())
    assert [r["baseline"] for r in rows] == ["greedy", "all hyperscaler on-demand"]
    assert rows[0]["saving"] == "50.0%" and rows[0]["covers"] == "all workloads"
    assert rows[1]["covers"] == "all but batch"
    assert rows[1]["definition"] == HYPERSCALER_DEFINITION


def test_markdown_and_html_carry_sentences_and_definitions() -> None:
    md = plan_markdown(_plan())
    assert f"- {SENTENCE}" in md and GREEDY_DEFINITION in md
    page = plan_html(_plan())
    assert "Why each workload runs where it does" in page and "all hyperscaler on-demand" in page


def test_terminal_tables_include_the_sentences_and_baselines() -> None:
    titles = [str(t.title) for t in plan_tables(_plan())]
    assert "why each workload runs where it does" in titles and "baselines" in titles
