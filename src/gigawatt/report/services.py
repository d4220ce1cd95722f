"""Terminal tables of token-priced services beside self-hosting (``gigawatt infer`` / ``tco``).

Takes the dict of :func:`gigawatt.evaluate.services.compare_services` (what ``--json`` prints
under ``services``) and returns rich tables; the CLI only prints them.
"""

from __future__ import annotations

from typing import Any

from rich.table import Table

from gigawatt.report.tables import rows_table

SERVICE_COLUMNS = (
    "id",
    "venue",
    "precision",
    "usd_per_m_tokens_low",
    "usd_per_m_tokens",
    "usd_per_m_tokens_high",
    "as_of",
)
SELF_HOSTED_COLUMNS = ("id", "kind", "usd_per_m_tokens", "unit_tokens_per_s", "fixed_usd_per_month")
BREAK_EVEN_COLUMNS = (
    "self_hosted",
    "service",
    "service_wins_below_tokens_per_month",
    "break_even_tokens_per_month",
    "break_even_tokens_per_month_low",
    "break_even_tokens_per_month_high",
)


def _never(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Break-even rows with 'never' where self-hosting never wins (None in the JSON)."""
    out = []
    for row in rows:
        shown = dict(row)
        for key in BREAK_EVEN_COLUMNS[3:]:
            if shown.get(key) is None:
                shown[key] = "never"
        out.append(shown)
    return out


def cheapest_per_kind(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The cheapest self-hosting row (USD/1M tokens) of each kind, cheapest first."""
    best: dict[str, dict[str, Any]] = {}
    for row in rows:
        kept = best.get(row["kind"])
        if kept is None or row["usd_per_m_tokens"] < kept["usd_per_m_tokens"]:
            best[row["kind"]] = row
    return sorted(best.values(), key=lambda r: r["usd_per_m_tokens"])


def service_tables(comparison: dict[str, Any]) -> list[Table]:
    """Service prices at the token mix, self-hosting per million tokens (the cheapest option of
    each kind; ``--json`` has them all), break-even volumes of those options."""
    mix = (
        f"{comparison['input_tokens']:g} in + {comparison['output_tokens']:g} out tokens per "
        f"request, utilisation {comparison['utilization']:.0%}"
    )
    tables = [
        rows_table(
            f"per-token services for {comparison['model']} (USD/1M tokens; {mix})",
            SERVICE_COLUMNS,
            comparison["services"],
        )
    ]
    shown = cheapest_per_kind(comparison["self_hosted"])
    ids = {row["id"] for row in shown}
    rows = [row for row in comparison["break_even"] if row["self_hosted"] in ids]
    if shown:
        title = "self-hosting, cheapest of each kind (USD/1M tokens)"
        tables.append(rows_table(title, SELF_HOSTED_COLUMNS, shown))
    if rows:
        title = "break-even volume (tokens/month): self-hosting wins above, the service below"
        tables.append(rows_table(title, BREAK_EVEN_COLUMNS, _never(rows)))
    return tables
