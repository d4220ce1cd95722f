"""Terminal rendering of catalog tables and validation reports with rich."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table

from gigawatt.catalog import table_schema
from gigawatt.validation import ValidationReport

COLUMNS: dict[str, tuple[str, ...]] = {
    "accelerators": (
        "id",
        "name",
        "bf16_dense_tflops",
        "fp8_dense_tflops",
        "fp4_dense_tflops",
        "memory_gib",
        "memory_bandwidth_gb_per_s",
        "tdp_w",
        "scale_up_domain_size",
        "purchase_price_usd",
    ),
    "systems": (
        "id",
        "kind",
        "accelerator",
        "accelerators_per_system",
        "power_kw",
        "scale_out_bandwidth_gbit_per_s",
        "cooling",
        "price_usd",
    ),
    "regions": (
        "id",
        "name",
        "jurisdictions",
        "grid_gco2_per_kwh",
        "carbon_free_fraction",
        "electricity_usd_per_kwh",
        "pue",
    ),
    "venues": (
        "id",
        "name",
        "kind",
        "headquarters_country",
        "egress_usd_per_gb",
        "colo_power_usd_per_kw_month",
    ),
    "offers": (
        "id",
        "venue",
        "accelerator",
        "pricing_model",
        "region",
        "price_usd_per_accel_h_low",
        "price_usd_per_accel_h",
        "price_usd_per_accel_h_high",
        "max_accelerators",
        "as_of",
    ),
    "fallbacks": ("id", "electricity_usd_per_kwh", "grid_gco2_per_kwh", "pue", "as_of"),
    "services": (
        "id",
        "venue",
        "model",
        "precision",
        "region",
        "input_usd_per_m_tokens",
        "output_usd_per_m_tokens",
        "max_requests_per_min",
        "as_of",
    ),
    "cooling": ("id", "name", "max_kw_per_rack", "pue", "build_capex_usd_per_mw", "wue_l_per_kwh"),
    "water_factors": (
        "id",
        "name",
        "mix_field",
        "consumption_l_per_kwh_low",
        "consumption_l_per_kwh",
        "consumption_l_per_kwh_high",
    ),
    "models": (
        "id",
        "name",
        "family",
        "derived_total_params_b",
        "published_total_params_b",
        "derived_active_params_b",
        "published_active_params_b",
    ),
}


PARAMETER_TABLES = ("cost_assumptions",)
"""Tables whose rows are the low/typical/high ends of one parameter set: shown transposed."""


def catalog_table(table: str, rows: Sequence[dict[str, Any]]) -> Table:
    """A catalog table for the terminal: chosen columns, or a parameter grid (low/typical/high)."""
    if table not in PARAMETER_TABLES:
        return rows_table(f"{table} ({len(rows)})", COLUMNS[table], rows)

    by_id = {r["id"]: r for r in rows}
    meta = {"id", "source", "as_of", "assumptions", "notes"}
    ends = [e for e in ("low", "typical", "high") if e in by_id]
    grid = [
        {"parameter": name, **{end: by_id[end][name] for end in ends}}
        for name in table_schema(table).names
        if name not in meta
    ]
    return rows_table(table, ["parameter", *ends], grid)


def fmt(value: Any) -> str:
    """Compact text for a cell: numbers to 4 significant digits, lists joined, null as '-'."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 1000 or abs(value) >= 1e12 else f"{value:,.0f}"
    if isinstance(value, list):
        return ", ".join(fmt(v) for v in value)
    return str(value)


def header(name: str, width: int = 12) -> str:
    """``name`` broken at underscores into lines of at most ``width`` characters where possible
    (``bf16_dense_tflops`` -> ``bf16_dense\n_tflops``), so wide tables fit narrow terminals."""
    lines: list[str] = []
    for i, part in enumerate(name.split("_")):
        piece = part if i == 0 else "_" + part
        if lines and len(lines[-1]) + len(piece) <= width:
            lines[-1] += piece
        else:
            lines.append(piece)
    return "\n".join(lines)


def rows_table(title: str, columns: Sequence[str], rows: Sequence[dict[str, Any]]) -> Table:
    """A rich table of ``rows`` showing ``columns``: numbers right-aligned and kept whole, text
    folded when the width is short; headers break at underscores."""
    table = Table(title=title, box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False)
    for col in columns:
        numeric = any(
            isinstance(r.get(col), int | float) and not isinstance(r.get(col), bool) for r in rows
        )
        head = header(col)
        widest = max((len(fmt(r.get(col))) for r in rows), default=0)
        longest = max(len(line) for line in head.split("\n"))
        table.add_column(
            head,
            justify="right" if numeric else "left",
            overflow="fold",
            min_width=widest if numeric else min(longest, 8),
        )
    for row in rows:
        table.add_row(*(fmt(row.get(c)) for c in columns))
    return table


def entry_table(table_name: str, row: dict[str, Any], extra: dict[str, Any]) -> Table:
    """One catalog entry in full: attribute, value, unit, description."""
    schema = table_schema(table_name)
    out = Table(title=f"{table_name}: {row['id']}", box=box.SIMPLE_HEAD, header_style="bold")
    for col in ("attribute", "value", "unit", "description"):
        out.add_column(col, overflow="fold")
    for attr in schema.attributes:
        out.add_row(attr.name, fmt(row.get(attr.name)), attr.unit, attr.description)
    for key, value in extra.items():
        out.add_row(key, fmt(value), "", "derived by gigawatt")
    return out


def validation_tables(report: ValidationReport, *, failed_only: bool = False) -> list[Table]:
    """Per-family summary, then every case (or only failing ones; full sources in --json)."""
    summary = Table(title="Validation summary", box=box.SIMPLE_HEAD, header_style="bold")
    columns = ("family", "metric", "cases", "graded", "failed", "median |error|")
    for col in (*columns, "median graded", "max |error|"):
        summary.add_column(col, justify="left" if col in ("family", "metric") else "right")
    for s in [*report.summaries(), *report.metric_summaries()]:
        summary.add_row(
            s.family,
            s.metric or "(all)",
            str(s.cases),
            str(s.graded),
            str(s.failed),
            _pct(s.median_abs_error_rel),
            _pct(s.median_abs_error_rel_graded),
            _pct(s.max_abs_error_rel),
        )
    cases = Table(title="Validation cases", box=box.SIMPLE_HEAD, header_style="bold")
    cases.add_column("case", overflow="fold", min_width=16)
    widths = {"predicted": 9, "published": 9, "unit": 4, "error": 8, "tol": 7, "ok": 4}
    for col, width in widths.items():
        cases.add_column(
            col,
            no_wrap=True,
            min_width=width,
            justify="right" if col in ("predicted", "published", "error") else "left",
        )
    cases.add_column("detail / source", overflow="fold", min_width=20)
    for c in report.cases:
        if failed_only and c.passed:
            continue
        tol = "-" if c.tolerance_rel is None else f"±{100 * c.tolerance_rel:.1f}%"
        cases.add_row(
            c.case_id,
            fmt(c.predicted),
            fmt(c.published),
            c.unit,
            _pct(c.error_rel, signed=True),
            tol,
            "[green]pass[/]" if c.passed else "[red]FAIL[/]",
            c.detail or _short(c.source),
        )
    return [summary, cases]


def _short(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _pct(value: float | None, *, signed: bool = False) -> str:
    if value is None:
        return "-"
    return f"{100 * value:+.2f}%" if signed else f"{100 * value:.2f}%"


def print_tables(tables: Sequence[Table], console: Console | None = None) -> None:
    """Print ``tables``; output that is not a terminal (a pipe, a file) is laid out 160 wide
    unless COLUMNS says otherwise, so saved reports don't fold."""
    if console is None:
        piped = not sys.stdout.isatty() and "COLUMNS" not in os.environ
        console = Console(width=160) if piped else Console()
    for table in tables:
        console.print(table)


def screen_tables(screens: Sequence[Any], top: int = 8) -> list[Table]:
    """Per workload: its model state and the cheapest ``top`` options, with exclusion counts."""
    out = []
    cols = (
        "venue",
        "offer",
        "accelerator",
        "region",
        "pricing_model",
        "min_accelerators",
        "price_usd_per_accel_h",
        "purchase_price_usd",
    )
    for s in screens:
        excluded = ", ".join(f"{k}: {v}" for k, v in sorted(s.excluded.items())) or "none"
        title = (
            f"{s.workload} ({s.kind}, {s.model}: {s.total_params_b:,.1f}B params, "
            f"{s.model_state_gib:,.0f} GiB {s.model_state_basis})\n"
            f"{len(s.options)} options, excluded {excluded}; cheapest {min(top, len(s.options))}"
        )
        rows = [vars(o) for o in s.options[:top]]
        out.append(rows_table(title, cols, rows))
    return out
