"""Validation experiments of the simulator (used by tests and the ``simulate`` validation family).

- M/M/c mean wait against Erlang C.
- Checkpoint waste under exponential failures against Daly's expected wall time at Young's
  interval.
- Llama 3 405B pre-training: 16,384 H100s for 54 days with the Table 5 failure rates.
- Real cluster traces (Alibaba, Helios, Philly): :mod:`gigawatt.validation.simulate_traces`.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from importlib import resources
from typing import Any

from gigawatt.catalog import load_catalog
from gigawatt.models.reliability import optimal_checkpoint_interval_s
from gigawatt.simulate import failures
from gigawatt.simulate.queueing import erlang_c_wait_s, mmc_simulate
from gigawatt.simulate.run import simulate
from gigawatt.spec.simulation import parse_simulation
from gigawatt.validation.report import checked, compared
from gigawatt.validation.simulate_traces import trace_cases


def mmc_case(
    arrival_per_s: float = 3.0,
    service_per_s: float = 1.0,
    servers: int = 4,
    customers: int = 400_000,
    seed: int = 0,
) -> tuple[float, float]:
    """(simulated, Erlang C) mean wait in queue (s)."""
    sim = mmc_simulate(arrival_per_s, service_per_s, servers, customers, seed)
    return float(sim["mean_wait_s"]), erlang_c_wait_s(arrival_per_s, service_per_s, servers)


def young_daly_case(
    mtbf_h: float = 2.0,
    write_s: float = 300.0,
    restart_s: float = 600.0,
    work_h: float = 60_000.0,
    nodes: int = 4,
    seed: int = 1,
    catalog: Any = None,
) -> tuple[float, float]:
    """(simulated, Daly) checkpoint waste = wall - work (s) of a gang job, Young/Daly interval.

    The job spans ``nodes`` DGX H100 nodes; failures are exponential with a job MTBF of
    ``mtbf_h``; a hot spare replaces each failed node, so the downtime is exactly ``restart_s``.
    """
    gpus = nodes * 8
    rate = 1.0 / (mtbf_h * gpus)  # per GPU-hour
    sc = parse_simulation(
        {
            "name": "young-daly",
            "days": work_h * 1.7 / 24.0,
            "sample_interval_s": 1e9,
            "fleet": {
                "pools": [{"id": "p", "system": "dgx-h100", "nodes": nodes + 4, "spares": 4}]
            },
            "failures": {
                "table": "none",
                "extra_per_gpu_hour": {"exponential": rate},
                "detection_s": 0.0,
                "restart_s": restart_s,
                "repair_h": 0.01,
            },
            "jobs": [
                {
                    "id": "j",
                    "gpus": gpus,
                    "duration_h": work_h,
                    "checkpoint_interval_min": "young-daly",
                    "checkpoint_write_s": write_s,
                }
            ],
        }
    )
    res = simulate(sc, catalog, seed=seed)
    job = res.jobs[0]
    wall_s = (float(job["end_h"]) - float(job["start_h"])) * 3600.0
    work_s = work_h * 3600.0
    tau = optimal_checkpoint_interval_s(write_s, mtbf_h * 3600.0)  # the interval the job uses
    expected = failures.daly_expected_wall_s(work_s, tau, write_s, restart_s, mtbf_h * 3600.0)
    return wall_s - work_s, expected - work_s


#: Restart and checkpoint figures for the Llama 3 replay. Assumptions (the paper gives none per
#: interruption): detection 60 s and restart 240 s (automated recovery), a 10 s checkpoint stall.
LLAMA3_DETECTION_S = 60.0
LLAMA3_RESTART_S = 240.0
LLAMA3_WRITE_S = 10.0


def llama3_case(
    days: float = failures.LLAMA3_DAYS, seed: int = 0, catalog: Any = None
) -> dict[str, Any]:
    """Replay Llama 3 405B pre-training once: interruptions and effective training time."""
    nodes = failures.LLAMA3_GPUS // 8
    sc = parse_simulation(
        {
            "name": "llama3-405b",
            "days": days,
            "sample_interval_s": 86_400.0,
            "fleet": {
                "pools": [
                    {
                        "id": "h100",
                        "system": "dgx-h100",
                        "nodes": nodes + 64,
                        "spares": 64,
                        "nodes_per_rack": 2,
                    }
                ]
            },
            "failures": {
                "table": "llama3",
                "detection_s": LLAMA3_DETECTION_S,
                "restart_s": LLAMA3_RESTART_S,
                "repair_h": 24.0,
            },
            "jobs": [
                {
                    "id": "llama3-405b",
                    "gpus": failures.LLAMA3_GPUS,
                    "duration_h": days * 48.0,
                    "checkpoint_write_s": LLAMA3_WRITE_S,
                }
            ],
        }
    )
    res = simulate(sc, catalog, seed=seed)
    return {
        "interruptions": res.kpis["interruptions"],
        "effective_training_time": res.kpis["effective_training_time"],
        "failures_by_cause": res.kpis["failures_by_cause"],
    }


def llama3_runs(seeds: int = 20, catalog: Any = None) -> list[dict[str, Any]]:
    """:func:`llama3_case` for seeds 0..``seeds``-1 (about 0.05 s each)."""
    if catalog is None:
        catalog = load_catalog()
    return [llama3_case(seed=s, catalog=catalog) for s in range(seeds)]


def _case_rows() -> dict[str, dict[str, str]]:
    """Rows of the bundled dataset ``validation/data/simulate_cases.csv`` by case id."""

    text = (resources.files("gigawatt.validation") / "data" / "simulate_cases.csv").read_text(
        encoding="utf-8"
    )
    return {row["case_id"]: row for row in csv.DictReader(text.splitlines())}


def simulate_cases(catalog: Any) -> Iterable[Any]:
    """Validation family ``simulate``: the cases of ``validation/data/simulate_cases.csv``."""

    fam = "simulate"
    rows = _case_rows()

    def case(cid: str, predicted: float, published: float) -> Any:
        r = rows[cid]
        return compared(
            fam,
            cid,
            r["subject"],
            r["metric"],
            r["unit"],
            predicted,
            published,
            float(r["tolerance_rel"]),
            r["source"],
            r["detail"],
        )

    sim, ref = mmc_case()
    yield case("SIM001", sim, ref)
    sim, ref = young_daly_case(catalog=catalog)
    yield case("SIM002", sim, ref)
    runs = llama3_runs(catalog=catalog)
    mean = sum(r["interruptions"] for r in runs) / len(runs)
    yield case("SIM003", mean, float(rows["SIM003"]["published"]))
    r4 = rows["SIM004"]
    eff = min(float(r["effective_training_time"]) for r in runs)
    yield checked(
        fam,
        "SIM004",
        r4["subject"],
        r4["metric"],
        eff > float(r4["published"]),
        r4["source"],
        f"simulated {eff:.3f}; {r4['detail']}",
    )
    yield from trace_cases(catalog)
