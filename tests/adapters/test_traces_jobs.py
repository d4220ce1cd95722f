"""Job-trace CSV: reading, one-line errors with file:line, replays with hand-computed results."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from gigawatt.adapters.traces_jobs import job_specs, read_job_trace, with_trace_jobs
from gigawatt.errors import InputError
from gigawatt.simulate.run import simulate
from gigawatt.spec.simulation import parse_simulation

Run = Callable[..., tuple[int, str, str]]

GOOD = """# my scheduler's log
job_id,submit_s,start_s,end_s,gpus,pool,user
b,110,150,400,0.5,,ann
a,100,100,1100,8,big,bob
c,120,,220,2,,cy
"""


def _write(tmp_path: Path, text: str, name: str = "jobs.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _fleet(gpus_per_node: int = 8, nodes: int = 1) -> dict[str, object]:
    return {
        "pools": [
            {"id": "big", "accelerator": "h100-sxm", "gpus_per_node": gpus_per_node, "nodes": nodes}
        ]
    }


def test_read_sorts_and_derives_times(tmp_path: Path) -> None:
    tr = read_job_trace(_write(tmp_path, GOOD))
    assert tr.job_id == ("a", "b", "c")
    assert tr.lines == (4, 3, 5)  # the comment line counts
    assert tr.run_s.tolist() == [1000.0, 250.0, 100.0]  # c: end - submit (no start)
    assert tr.queue_s.tolist() == [0.0, 40.0]
    assert tr.pool == ("big", None, None)
    assert tr.span_s == 1000.0
    # 8 x 1000 + 0.5 x 250 + 2 x 100 GPU-s over 10 GPUs x 1000 s
    assert tr.utilisation(10) == pytest.approx(8325.0 / 10_000.0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("job_id,submit_s,end_s\na,0,1\n", "jobs.csv:1: missing column 'gpus'"),
        ("job,submit_s,end_s,gpus\n", "missing column 'job_id' (is 'job' meant?)"),
        ("job_id,submit_s,end_s,gpus\na,0,x,1\n", "jobs.csv:2: column 'end_s' = 'x'"),
        ("job_id,submit_s,end_s,gpus\na,0,nan,1\n", "column 'end_s' = 'nan': expected a finite"),
        ("job_id,submit_s,end_s,gpus\na,0,5,0\n", "column 'gpus' = '0': expected a number of GPUs"),
        ("job_id,submit_s,end_s,gpus\na,0,5,-1\n", "column 'gpus' = '-1'"),
        ("job_id,submit_s,end_s,gpus\n,0,5,1\n", "column 'job_id' = '': expected a non-empty"),
        ("job_id,submit_s,start_s,end_s,gpus\na,5,4,9,1\n", "'start_s' = '4': must be >= submit"),
        ("job_id,submit_s,start_s,end_s,gpus\na,5,6,5.5,1\n", "'end_s' = '5.5': must be >= start"),
        ("job_id,submit_s,end_s,gpus\na,5,4,1\n", "'end_s' = '4': must be >= submit_s (5)"),
        ("job_id,submit_s,end_s,gpus\na,0,5\n", "jobs.csv:2: expected 4 fields, got 3"),
        ("job_id,submit_s,end_s,gpus\na,0,5,1\na,1,5,1\n", "jobs.csv:3: column 'job_id' = 'a'"),
        ("job_id,submit_s,end_s,gpus\n", "job trace has no jobs"),
        ("\n\n", "job trace is empty"),
    ],
)
def test_errors_name_file_line_column_value(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(InputError) as err:
        read_job_trace(_write(tmp_path, text))
    assert expected in str(err.value)
    assert "\n" not in str(err.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        read_job_trace(tmp_path / "nope.csv")


def test_job_specs_units_shift_and_zero_length(tmp_path: Path) -> None:
    text = "job_id,submit_s,end_s,gpus\nz,50,50,1\nf,60,70,0.25\nw,80,100,3\n"
    tr = read_job_trace(_write(tmp_path, text))
    specs, zero = job_specs(tr)
    assert zero == 1 and [s.id for s in specs] == ["f", "w"]
    assert [s.gpus for s in specs] == [1, 3]  # a share takes one whole GPU
    assert specs[0].submit_h == pytest.approx(10 / 3600)  # first submission (z at 50) is 0
    assert specs[0].duration_h == pytest.approx(10 / 3600)
    specs, _ = job_specs(tr, units_per_gpu=100)
    assert [s.gpus for s in specs] == [25, 300]


def test_unknown_pool_and_clashing_id(tmp_path: Path) -> None:
    path = _write(tmp_path, "job_id,submit_s,end_s,gpus,pool\nx,0,5,1,bgi\n")
    sc = parse_simulation({"fleet": _fleet(), "failures": {"table": "none"}})
    with pytest.raises(InputError, match=r"jobs.csv:2: column 'pool' = 'bgi': .*'big'"):
        with_trace_jobs(sc, read_job_trace(path))
    own = parse_simulation({"fleet": _fleet(), "jobs": [{"id": "x", "gpus": 1, "duration_h": 1}]})
    path = _write(tmp_path, "job_id,submit_s,end_s,gpus\nx,0,5,1\n")
    with pytest.raises(InputError, match=r"jobs\.csv:2: column 'job_id' = 'x': already"):
        with_trace_jobs(own, read_job_trace(path))


def test_replay_queues_behind_a_full_node(tmp_path: Path) -> None:
    """Two 8-GPU jobs on one 8-GPU node: the second waits exactly the first's run time."""
    path = _write(tmp_path, "job_id,submit_s,end_s,gpus\nfirst,0,1000,8\nsecond,10,510,8\n")
    base = parse_simulation({"days": 1, "fleet": _fleet(), "failures": {"table": "none"}})
    sc, _ = with_trace_jobs(base, read_job_trace(path))
    res = simulate(sc, keep_jobs=True)
    rows = {r["id"]: r for r in res.jobs}
    assert rows["first"]["queue_s"] == 0.0
    assert rows["second"]["queue_s"] == pytest.approx(990.0)
    assert rows["second"]["end_h"] * 3600 == pytest.approx(1500.0)
    assert sum(r["gpu_hours"] for r in res.jobs) == pytest.approx(8 * 1500 / 3600)


def test_fractional_units_share_a_gpu(tmp_path: Path) -> None:
    """Four half-GPU jobs on one 2-GPU node: whole GPUs serialise them, half units do not."""
    rows = "".join(f"j{k},0,100,0.5\n" for k in range(4))
    tr = read_job_trace(_write(tmp_path, "job_id,submit_s,end_s,gpus\n" + rows))
    ends = {}
    for units in (1, 2):
        base = parse_simulation(
            {"days": 1, "fleet": _fleet(2 * units), "failures": {"table": "none"}}
        )
        sc, _ = with_trace_jobs(base, tr, units)
        res = simulate(sc, keep_jobs=True)
        ends[units] = max(r["end_h"] for r in res.jobs) * 3600
    assert ends[1] == pytest.approx(200.0) and ends[2] == pytest.approx(100.0)


def test_cli_replays_a_trace(run_cli: Run, tmp_path: Path) -> None:
    scenario = _write(
        tmp_path,
        "days: 1\nfleet:\n  pools:\n    - {id: big, accelerator: h100-sxm, gpus_per_node: 8,"
        " nodes: 1}\nfailures: {table: none}\n",
        "sc.yaml",
    )
    rows = "first,0,1000,8\nsecond,10,510,8\nz,5,5,1\n"
    trace = _write(tmp_path, "job_id,submit_s,end_s,gpus\n" + rows)
    code, out, err = run_cli("simulate", str(scenario), "--trace", str(trace), "--json")
    assert code == 0, err
    kpis = json.loads(out)
    assert kpis["jobs_completed"] == 2 and kpis["queue_time_s_p50"] == pytest.approx(495.0)
    assert "1 job(s) of" in err and "zero run time left out" in err
    assert "spans" not in err
    late = _write(tmp_path, "job_id,submit_s,end_s,gpus\nlate,0,172800,8\n", "late.csv")
    code, _, err = run_cli("simulate", str(scenario), "--trace", str(late), "--json")
    assert code == 0 and "late.csv spans 2 days, the run 1 (--days to cover it)" in err
    bad = _write(tmp_path, "job_id,submit_s,end_s,gpus,pool\nx,0,9,1,bgi\n", "bad.csv")
    code, out, err = run_cli("simulate", str(scenario), "--trace", str(bad))
    assert code == 2 and out == ""
    assert err.strip() == (
        f"error: {bad}:2: column 'pool' = 'bgi': unknown pool; did you mean 'big'?"
    )
