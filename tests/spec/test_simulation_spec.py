"""Simulation scenarios are read like plan scenarios: one YAML reader, one error style."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from gigawatt.errors import InputError
from gigawatt.spec.simulation import SimulationScenario, load_simulation, parse_simulation

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((REPO / "examples" / "simulate").glob("*.yaml"))

FLEET = "fleet:\n  pools:\n    - {id: a, system: dgx-h100, nodes: 2}\n"
"""Lines 1-3 of most cases below: a valid one-pool fleet."""


def _error(tmp_path: Path, text: str) -> tuple[Path, str]:
    """Load ``text`` as a scenario file; return its path and the one-line error."""
    path = tmp_path / "sim.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_simulation(path)
    message = str(info.value)
    assert "\n" not in message
    return path, message


BAD: list[tuple[str, str, str]] = [
    # (YAML text, line:col, what follows "file:line:col: ")
    (
        FLEET + "days: 1\nseed: 2\ndays: 3\n",
        "6:1",
        "duplicate key 'days' (first at line 4)",
    ),
    (
        "fleet:\n  pools:\n    - {id: a, system: dgx-h100, nodes: 2}\n"
        "    - {id: b, system: dgx-h100, nodes: 2, nodes: 3}\n",
        "4:43",
        "duplicate key 'nodes' (first at line 4)",
    ),
    (
        FLEET + "    - {id: a, system: hgx-h200, nodes: 4}\n",
        "4:12",
        "fleet.pools[1].id = 'a': duplicate id; already used by fleet.pools[0]",
    ),
    (
        FLEET + "jobs:\n  - {id: j, gpus: 8, duration_h: 1}\n  - {id: j, gpus: 8, duration_h: 2}\n",
        "6:10",
        "jobs[1].id = 'j': duplicate id; already used by jobs[0]",
    ),
    (
        FLEET + "job_streams:\n"
        "  - {id: s, rate_per_h: 1, gpus: [8], duration_h_median: 1}\n"
        "  - {id: s, rate_per_h: 2, gpus: [8], duration_h_median: 1}\n",
        "6:10",
        "job_streams[1].id = 's': duplicate id; already used by job_streams[0]",
    ),
    (
        FLEET + "inference:\n"
        "  - {id: chat, model: llama-3.1-8b, rate: {base_rps: 1, peak_rps: 2}}\n"
        "  - {id: chat, model: llama-3.1-8b, rate: {base_rps: 1, peak_rps: 2}}\n",
        "6:10",
        "inference[1].id = 'chat': duplicate id; already used by inference[0]",
    ),
    (
        "fleet:\n  pools:\n    - {id: a, system: dgx-h100, nodes: '2'}\n",
        "3:40",
        "fleet.pools[0].nodes = '2': must be an integer, not a string",
    ),
    (
        FLEET + "days: 1e3\n",
        "4:7",
        "days = '1e3': must be a number, not a string (YAML needs a dot and a signed exponent",
    ),
    (
        FLEET + "jobs:\n  - {id: j, gpus: 8, duraton_h: 1}\n",
        "5:22",
        "jobs[0].duraton_h: unknown key; did you mean 'duration_h'?",
    ),
    (
        FLEET + "job_stream: []\n",
        "4:1",
        "job_stream: unknown key; did you mean 'job_streams'?",
    ),
    (
        FLEET + "jobs:\n  - {id: j, gpus: 8, duration_h: 1, pool: aa}\n",
        "5:43",
        "jobs[0].pool = 'aa': unknown pool; did you mean 'a'?",
    ),
    (
        FLEET + "jobs:\n  - {id: j, gpus: 8, duration_h: 1, checkpoint_interval_min: often}\n",
        "5:62",
        "jobs[0].checkpoint_interval_min = 'often': must be a number or 'young-daly'",
    ),
    (
        FLEET + "jobs:\n  - {id: j, gpus: 8, duration_h: 1, checkpoint_interval_min: 0}\n",
        "5:62",
        "jobs[0].checkpoint_interval_min = 0: must be a number > 0 or 'young-daly'",
    ),
    (
        FLEET + "jobs:\n  - {id: j, gpus: 8, model: llama-3.1-8b, tokens: yes}\n",
        "5:51",
        "jobs[0].tokens = True: must be a string or a number",
    ),
    (
        FLEET + "jobs:\n  - {id: j, gpus: 8}\n",
        "5:5",
        "jobs[0]: give exactly one of 'duration_h', 'steps' + 'step_time_s', or 'model' + 'tokens'",
    ),
    (
        "fleet:\n  pools:\n    - {id: a, system: dgx-h100, nodes: 2, spares: 2}\n",
        "3:51",
        "fleet.pools[0].spares = 2: must be fewer than nodes (2)",
    ),
    (
        FLEET + "job_streams:\n  - {id: s, rate_per_h: 1, gpus: [8, 0], duration_h_median: 1}\n",
        "5:38",
        "job_streams[0].gpus[1] = 0: must be >= 1",
    ),
    (
        FLEET + "scheduler: {policy: lifo, backfill: true}\n",
        "4:21",
        "scheduler.policy = 'lifo': allowed: fifo, priority, sjf, easy_backfill; "
        "did you mean 'fifo'?",
    ),
    (FLEET + "days: .nan\n", "4:7", "days = nan: must be a finite number"),
    ("fleet:\n  pools: [\n  - id: a\n", "3:3", "expected the node content, but found '-'"),
]


@pytest.mark.parametrize(("text", "position", "expected"), BAD)
def test_bad_input_gives_file_line_col_and_field(
    tmp_path: Path, text: str, position: str, expected: str
) -> None:
    path, message = _error(tmp_path, text)
    assert message.startswith(f"{path}:{position}: {expected}"), message


def test_other_problems_are_counted(tmp_path: Path) -> None:
    _, message = _error(tmp_path, "days: -1\nseed: x\nfleet: {pools: []}\n")
    assert message.endswith("(+2 more)"), message


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ([1, 2], "<simulation>: a simulation scenario must be a mapping with at least fleet"),
        (
            None,
            "<simulation>: a simulation scenario must be a mapping with at least fleet, got "
            "an empty document",
        ),
        ({"days": 1}, "<simulation>: fleet: required field missing"),
    ],
)
def test_parsed_data_errors_name_the_field(data: Any, expected: str) -> None:
    with pytest.raises(InputError) as info:
        parse_simulation(data)
    assert str(info.value).startswith(expected), str(info.value)


def test_whole_floats_are_counts_and_ints_are_numbers() -> None:
    sc = parse_simulation(
        {"days": 2, "fleet": {"pools": [{"id": "a", "system": "dgx-h100", "nodes": 2.0}]}}
    )
    assert sc.fleet.pools[0].nodes == 2 and isinstance(sc.fleet.pools[0].nodes, int)
    assert sc.days == 2.0 and isinstance(sc.days, float)
    with pytest.raises(InputError, match=r"nodes = 2.5: must be a whole number"):
        parse_simulation({"fleet": {"pools": [{"id": "a", "system": "x", "nodes": 2.5}]}})


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_examples_load(path: Path) -> None:
    sc = load_simulation(path)
    assert sc.fleet.pools and sc.name


def test_relative_trace_path_is_resolved_against_the_file(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    path = tmp_path / "sim.yaml"
    path.write_text(
        FLEET + "inference:\n"
        "  - {id: s, model: llama-3.1-8b, trace: {path: data/t.csv}}\n"
        "  - {id: t, model: llama-3.1-8b, trace: {path: /abs/t.csv}}\n",
        encoding="utf-8",
    )
    sc = load_simulation(path)
    traces = [service.trace for service in sc.inference]
    assert traces[0] is not None and traces[0].path == str(tmp_path.resolve() / "data" / "t.csv")
    assert traces[1] is not None and traces[1].path == "/abs/t.csv"


def test_scenarios_are_frozen() -> None:
    sc = parse_simulation({"fleet": {"pools": [{"id": "a", "system": "dgx-h100", "nodes": 2}]}})
    assert isinstance(sc, SimulationScenario)
    with pytest.raises(ValidationError):
        sc.days = 3.0  # type: ignore[misc]
