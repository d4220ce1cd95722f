"""What every HTML report shares: the style sheet, tables, and inline SVG charts drawn with
matplotlib (the ``[report]`` extra) on the Agg backend. No scripts, fonts or images are fetched:
a report opens offline."""

from __future__ import annotations

import html
import io
import re
from collections.abc import Collection, Iterable, Sequence
from typing import Any

from gigawatt.report.markdown import text

STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem;color:#222;
max-width:1200px}
table{border-collapse:collapse;margin:0.5rem 0 1.5rem;font-size:0.9rem}
th,td{border-bottom:1px solid #ddd;padding:0.25rem 0.6rem;text-align:left;vertical-align:top}
th{background:#f4f4f4}td.num{text-align:right;font-variant-numeric:tabular-nums}
.charts{display:flex;flex-wrap:wrap;gap:1rem}.chart{flex:1 1 360px}
.bad{color:#a00}.ok{color:#070}ul.why li{margin:0.3rem 0;max-width:70rem}
"""

NO_CHARTS = "<p><em>Charts need matplotlib: pip install 'gigawatt[report]'.</em></p>"


def html_table(
    columns: Sequence[str], rows: Sequence[dict[str, Any]], numeric: Collection[str] = ()
) -> str:
    """An HTML table (escaped cells; numbers, and the ``numeric`` columns' text, right-aligned)."""
    if not rows:
        return "<p><em>none</em></p>"
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = []
    for r in rows:
        tds = []
        for c in columns:
            v = r.get(c)
            num = c in numeric or (isinstance(v, int | float) and not isinstance(v, bool))
            cls = ' class="num"' if num else ""
            tds.append(f"<td{cls}>{html.escape(text(v))}</td>")
        body.append("<tr>" + "".join(tds) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def bullet_list(items: Iterable[str], cls: str = "why") -> str:
    """``items`` (plain text, escaped here) as an HTML list of class ``cls``."""
    lis = "".join(f"<li>{html.escape(str(t))}</li>" for t in items)
    return f"<ul class='{cls}'>{lis}</ul>"


def plain_tick(value: float, _pos: object = None) -> str:
    """A tick label without offset or scientific notation: thousands separated, else ``%g``."""
    if abs(value) >= 1000.0:
        return f"{value:,.0f}"
    return f"{value:g}"


def _plain_axes(fig: Any) -> None:
    """Linear axes of ``fig`` labelled by :func:`plain_tick` (never "1e6" above the axis)."""
    # deferred: optional extra gigawatt[report] (matplotlib), present when a figure exists
    from matplotlib.ticker import FuncFormatter, ScalarFormatter

    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if type(axis.get_major_formatter()) is ScalarFormatter:
                axis.set_major_formatter(FuncFormatter(plain_tick))


def svg(fig: Any) -> str:
    """``fig`` as an inline ``<svg>`` element: no XML prolog, no metadata block (its date and
    its RDF namespace addresses), so the page is reproducible and names no outside address;
    linear axes in plain numbers (:func:`plain_tick`)."""
    _plain_axes(fig)
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    out = buf.getvalue()
    start = out.find("<svg")
    out = out[start:] if start >= 0 else out
    return re.sub(r"\s*<metadata>.*?</metadata>", "", out, count=1, flags=re.S)


def pyplot() -> Any:
    """matplotlib.pyplot on the Agg backend, or None without the ``report`` extra."""
    try:
        # deferred: optional extra gigawatt[report] (matplotlib); the report falls back to tables
        import matplotlib

        matplotlib.use("Agg")
        # deferred: optional extra gigawatt[report] (matplotlib); the report falls back to tables
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    plt.rcParams["svg.fonttype"] = "none"
    return plt
