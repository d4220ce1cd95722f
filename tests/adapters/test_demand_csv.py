"""Hourly demand files for ``load: {shape: csv}``: parsed, checked, used by the plan."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gigawatt.adapters.demand_csv import read_hourly_demand
from gigawatt.errors import InputError
from gigawatt.evaluate.demand import cycle_levels, peak_to_mean
from gigawatt.spec import load_scenario


def _write(tmp_path: Path, text: str, name: str = "d.csv") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_header_and_two_columns(tmp_path: Path) -> None:
    rows = "hour,requests\n" + "".join(f"{h},{10 + (h % 24)}\n" for h in range(48))
    values = read_hourly_demand(_write(tmp_path, rows))
    assert len(values) == 48 and values[0] == 10 and values[23] == 33


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1\n" * 10, "10 hourly values; a profile needs at least 24"),
        ("1\n" * 30 + "x\n", ":31: value 'x' is not a number"),
        ("1\n" * 30 + "-2\n", ":31: value -2 must be finite and >= 0"),
        ("0\n" * 30, "all demand values are zero"),
    ],
)
def test_bad_files_name_the_line(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(InputError, match=message.replace("(", r"\(")):
        read_hourly_demand(_write(tmp_path, text, f"bad{abs(hash(text))}.csv"))


def test_scenario_csv_profile_is_relative_to_the_file(tmp_path: Path) -> None:
    values = [1.0] * 20 + [4.0] * 4
    _write(tmp_path, "\n".join(str(v) for v in values), "profile.csv")
    (tmp_path / "s.yaml").write_text(
        "name: s\nworkloads:\n  - name: chat\n    kind: online_inference\n"
        "    model: llama-3.1-8b\n    qps: 2\n    input_tokens_per_request: 100\n"
        "    output_tokens_per_request: 100\n    load: {shape: csv, path: profile.csv}\n"
        "    slo: {p95_ttft_s: 1}\n",
        encoding="utf-8",
    )
    scenario = load_scenario(tmp_path / "s.yaml")
    workload = scenario.workloads[0]
    assert peak_to_mean(workload) == pytest.approx(4.0 / np.mean(values))
    levels, weights = cycle_levels([workload])
    assert weights.sum() == 168 and levels.max() == 1.0 and levels.min() == 0.25
