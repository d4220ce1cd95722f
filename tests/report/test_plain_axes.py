"""Every report chart labels linear axes in plain numbers (no "1e6" offset above the axis)."""

from __future__ import annotations

import pytest

from gigawatt.report.html_base import plain_tick, pyplot, svg


def test_plain_tick() -> None:
    assert plain_tick(1_200_000.0) == "1,200,000"
    assert plain_tick(0.25) == "0.25"
    assert plain_tick(-2500.0) == "-2,500"


def test_a_chart_of_millions_has_no_offset_notation() -> None:
    plt = pyplot()
    if plt is None:
        pytest.skip("the report extra (matplotlib) is not installed")
    fig, ax = plt.subplots()
    ax.plot([5.0, 9.0], [200_000.0, 1_300_000.0])
    out = svg(fig)
    plt.close(fig)
    assert "1e6" not in out and "1e+06" not in out
    assert "1,200,000" in out
