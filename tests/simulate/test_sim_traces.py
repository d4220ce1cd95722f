"""Trace statistics are exact, and a replay serves every request of the trace."""

from __future__ import annotations

import csv
import json
import statistics
from pathlib import Path

import numpy as np
import pytest

from gigawatt.simulate.run import simulate
from gigawatt.simulate.seams import load_trace
from gigawatt.spec.simulation import parse_simulation

AZURE = "sim-traces/azure-llm-2023/AzureLLMInferenceTrace_{}.csv"
MOONCAKE = "sim-traces/mooncake-fast25/conversation_trace.jsonl"


@pytest.mark.parametrize(("kind", "rows"), [("conv", 19_366), ("code", 8_819)])
def test_azure_2023_medians_exact(shared: Path, kind: str, rows: int) -> None:
    path = shared / AZURE.format(kind)
    with path.open(newline="") as fh:
        data = list(csv.DictReader(fh))
    t, inp, out = load_trace(path, "azure-llm-2023")
    assert len(t) == len(data) == rows  # row counts from sim-traces/README.md
    assert float(np.median(inp)) == statistics.median(int(r["ContextTokens"]) for r in data)
    assert float(np.median(out)) == statistics.median(int(r["GeneratedTokens"]) for r in data)
    assert t[0] == 0.0 and np.all(np.diff(t) >= 0) and t[-1] < 3600.0


def test_mooncake_count_and_means_exact(shared: Path) -> None:
    path = shared / MOONCAKE
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    t, inp, out = load_trace(path, "mooncake")
    assert len(t) == len(rows) == 12_031  # README.md row count
    assert float(inp.mean()) == pytest.approx(
        statistics.fmean(r["input_length"] for r in rows), rel=1e-12
    )
    assert float(out.mean()) == pytest.approx(
        statistics.fmean(r["output_length"] for r in rows), rel=1e-12
    )


def test_replay_serves_every_request_of_the_hour(shared: Path) -> None:
    path = shared / AZURE.format("conv")
    sc = parse_simulation(
        {
            "days": 1.5 / 24,
            "sample_interval_s": 600,
            "fleet": {"pools": [{"id": "h100", "system": "dgx-h100", "nodes": 4}]},
            "failures": {"table": "none"},
            "inference": [
                {
                    "id": "conv",
                    "model": "llama-3.1-70b",
                    "precision": "fp8",
                    "gpus_per_replica": 8,
                    "replicas": 3,
                    "max_batch": 128,
                    "trace": {"path": str(path), "format": "azure-llm-2023", "repeat": False},
                }
            ],
        }
    )
    res = simulate(sc)
    svc = res.kpis["services"][0]
    assert svc["requests_arrived"] == 19_366
    assert svc["requests_completed"] == 19_366
    assert res.kpis["ttft_s_p95"] > 0 and res.kpis["tpot_s_p95"] > 0


def test_format_mismatch_names_the_field(shared: Path) -> None:
    from gigawatt.errors import InputError

    with pytest.raises(InputError, match=r"inference\.trace\.format"):
        load_trace(shared / MOONCAKE, "azure-llm-2023")
