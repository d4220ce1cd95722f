"""``gigawatt simulate --seeds N``: per-seed runs and their summary."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
Run = Callable[..., tuple[int, str, str]]


def test_seeds_json_has_one_run_per_seed_and_a_summary(run_cli: Run) -> None:
    path = REPO / "examples" / "simulate" / "training_cluster.yaml"
    code, out, err = run_cli(
        "simulate", str(path), "--days", "0.5", "--seed", "3", "--seeds", "2", "--json"
    )
    assert code == 0, err
    data = json.loads(out)
    assert [r["seed"] for r in data["runs"]] == [3, 4]
    util = [r["gpu_utilization"] for r in data["runs"]]
    assert data["summary"]["gpu_utilization"]["mean"] == sum(util) / 2


def test_zero_seeds_is_refused(run_cli: Run) -> None:
    path = REPO / "examples" / "simulate" / "training_cluster.yaml"
    code, _, err = run_cli("simulate", str(path), "--seeds", "0")
    assert code == 2
    assert "--seeds" in err


def test_seeds_with_out_is_refused(run_cli: Run, tmp_path: Path) -> None:
    path = REPO / "examples" / "simulate" / "training_cluster.yaml"
    code, _, err = run_cli("simulate", str(path), "--seeds", "2", "--out", str(tmp_path / "o"))
    assert code == 2
    assert "--seeds" in err and "--out" in err
    assert not (tmp_path / "o").exists()
