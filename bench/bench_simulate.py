"""Benchmarks of ``gigawatt simulate`` (medians and ratios measured in one run).

1. Kernel speed on M/M/c (4 servers, load 0.75): events/s of :mod:`gigawatt.simulate.engine`,
   of a bare ``heapq`` loop, and of SimPy on the same model (goal: >= 1 M events/s and >= 5x
   SimPy). SimPy is NOT a gigawatt dependency; install it only for the benchmark, e.g.::

       .venv/bin/python -m pip install --target /tmp/bench-simpy simpy
       PYTHONPATH=/tmp/bench-simpy .venv/bin/python bench/bench_simulate.py

   Without SimPy the SimPy column is skipped.
2. One million training/batch jobs on a 16,384-GPU H100 fleet with Llama 3 failure rates
   (goal: < 15 s). Wall and CPU time (this process) are both printed: on a shared machine CPU
   time is the steadier figure.
3. One hour of the Azure LLM 2023 conversation trace served at batch granularity by Llama 3.1 70B
   replicas (goal: < 2 s). Uses ../shared when present, else the bundled 10-minute excerpt
   looped to one hour.

4. Ten seeds of one scenario (``--seed-jobs`` jobs each, the fleet of 2.) run one after the
   other and in a process pool (:func:`gigawatt.simulate.seeds.simulate_seeds`, one worker per
   core): wall times and their ratio (goal: close to the number of free cores).

5. With ``--gc-compare``: the job run of 2. with the cyclic garbage collector paused (as
   :func:`gigawatt.simulate.run.simulate` does) and left on, interleaved, medians of ``--repeat``.

Run: ``.venv/bin/python bench/bench_simulate.py [--repeat 3] [--jobs 1000000] [--jobs-repeat 1]
[--seeds 10] [--seed-jobs 20000] [--gc-compare]``.
"""

from __future__ import annotations

import argparse
import contextlib
import heapq
import itertools
import statistics
import sys
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np

from gigawatt.simulate import run
from gigawatt.simulate.queueing import mmc_simulate
from gigawatt.simulate.run import simulate
from gigawatt.simulate.seeds import simulate_seeds
from gigawatt.spec.simulation import parse_simulation

REPO = Path(__file__).resolve().parents[1]
LAMBDA, MU, SERVERS = 3.0, 1.0, 4


def median_of(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Median wall time (s) of ``fn()`` over ``repeat`` runs and the last result."""
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def bare_heapq_mmc(customers: int, seed: int = 0) -> int:
    """The same M/M/c with a bare heapq loop and no kernel (reference ceiling)."""
    rng = np.random.default_rng(seed)
    gaps = iter(rng.exponential(1 / LAMBDA, customers + 1).tolist())
    serv = iter(rng.exponential(1 / MU, customers + 1).tolist())
    heap: list[tuple[float, int, int]] = [(next(gaps), 0, 0)]
    seq = itertools.count(1)
    queue: deque[float] = deque()
    busy = arrived = events = 0
    while heap:
        now, _, kind = heapq.heappop(heap)
        events += 1
        if kind == 0:
            arrived += 1
            if arrived < customers:
                heapq.heappush(heap, (now + next(gaps), next(seq), 0))
            if busy < SERVERS:
                busy += 1
                heapq.heappush(heap, (now + next(serv), next(seq), 1))
            else:
                queue.append(now)
        elif queue:
            queue.popleft()
            heapq.heappush(heap, (now + next(serv), next(seq), 1))
        else:
            busy -= 1
    return events


def simpy_mmc(customers: int, seed: int = 0) -> int | None:
    """The same M/M/c in SimPy (Resource with capacity c); None when SimPy is absent."""
    try:
        import simpy
    except ImportError:
        return None
    rng = np.random.default_rng(seed)
    gaps = iter(rng.exponential(1 / LAMBDA, customers + 1).tolist())
    serv = iter(rng.exponential(1 / MU, customers + 1).tolist())
    env = simpy.Environment()
    servers = simpy.Resource(env, capacity=SERVERS)

    def customer() -> Any:
        with servers.request() as req:
            yield req
            yield env.timeout(next(serv))

    def source() -> Any:
        for _ in range(customers):
            yield env.timeout(next(gaps))
            env.process(customer())

    env.process(source())
    env.run()
    # SimPy schedules several internal events per customer; count the model's events
    # (arrival + departure) so that events/s compare like for like.
    return 2 * customers


def training_fleet(jobs: int) -> dict[str, Any]:
    gpus = [1, 2, 4, 8, 16, 64, 256]
    weights = [0.4, 0.15, 0.15, 0.15, 0.1, 0.04, 0.01]
    mean_gpus = sum(g * w for g, w in zip(gpus, weights, strict=True))
    mean_h = 2.0 * float(np.exp(0.5))  # lognormal median 2 h, sigma 1
    rate = 0.85 * 16_384 / (mean_gpus * mean_h)  # 85 % offered load
    days = jobs / rate / 24.0 * 1.02
    return {
        "name": "bench-1m-jobs",
        "days": days,
        "sample_interval_s": 3600,
        "fleet": {
            "pools": [
                {
                    "id": "h100",
                    "system": "dgx-h100",
                    "nodes": 2048 + 32,
                    "spares": 32,
                    "nodes_per_rack": 4,
                }
            ]
        },
        "failures": {"table": "llama3"},
        "scheduler": {"policy": "fifo", "backfill": True, "backfill_depth": 32},
        "job_streams": [
            {
                "id": "mix",
                "kind": "training",
                "rate_per_h": rate,
                "count": jobs,
                "gpus": gpus,
                "gpus_weights": weights,
                "duration_h_median": 2.0,
                "duration_sigma": 1.0,
                "checkpoint_interval_min": 30,
            }
        ],
    }


def azure_hour() -> dict[str, Any]:
    shared = REPO.parent / "shared/sim-traces/azure-llm-2023/AzureLLMInferenceTrace_conv.csv"
    path = (
        shared
        if shared.is_file()
        else (REPO / "examples/simulate/data/azure_llm_2023_conv_first10min.csv")
    )
    return {
        "name": "bench-azure-hour",
        "days": 1 / 24,
        "sample_interval_s": 60,
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
                "trace": {
                    "path": str(path),
                    "format": "azure-llm-2023",
                    "repeat": not shared.is_file(),
                },
            }
        ],
    }


def gc_compare(sc: Any, repeat: int) -> dict[str, tuple[float, float]]:
    """Median wall and CPU time (s) of ``simulate(sc)``: (collector paused, collector on).

    The runs alternate, so that other load on the machine hits both alike; CPU time (this
    process only) is the steadier figure on a shared machine.
    """
    times: dict[str, list[float]] = {
        "paused wall": [],
        "on wall": [],
        "paused cpu": [],
        "on cpu": [],
    }
    for _ in range(repeat):
        for mode, pause in (("paused", run.gc_paused), ("on", contextlib.nullcontext)):
            wall, cpu = time.perf_counter(), time.process_time()
            with mock.patch.object(run, "gc_paused", pause):
                simulate(sc, keep_jobs=False)
            times[f"{mode} wall"].append(time.perf_counter() - wall)
            times[f"{mode} cpu"].append(time.process_time() - cpu)
    med = {key: statistics.median(values) for key, values in times.items()}
    return {k: (med[f"paused {k}"], med[f"on {k}"]) for k in ("wall", "cpu")}


def seeds_compare(n: int, jobs: int) -> None:
    """Wall time of ``n`` seeds of the job fleet run serially and in the process pool."""
    sc = parse_simulation(training_fleet(jobs))
    seeds = list(range(n))
    serial = simulate_seeds(sc, seeds, workers=1)
    parallel = simulate_seeds(sc, seeds)
    util = parallel.summary["gpu_utilization"]
    same = [a["gpu_utilization"] for a in serial.runs] == [
        b["gpu_utilization"] for b in parallel.runs
    ]
    print(
        f"{n} seeds x {jobs:,} jobs: serial {serial.wall_s:.1f} s, {parallel.workers} processes "
        f"{parallel.wall_s:.1f} s (speed-up {serial.wall_s / parallel.wall_s:.2f}x), "
        f"utilisation {util['mean']:.3f} +- {util['sd']:.3f} (sd), same results: {same}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--customers", type=int, default=500_000)
    parser.add_argument("--jobs", type=int, default=1_000_000)
    parser.add_argument("--jobs-repeat", type=int, default=1)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--seed-jobs", type=int, default=20_000)
    parser.add_argument("--gc-compare", action="store_true")
    args = parser.parse_args()
    n = args.customers

    t_kernel, res = median_of(lambda: mmc_simulate(LAMBDA, MU, SERVERS, n, 0), args.repeat)
    ev_kernel = res["events"] / t_kernel
    t_bare, ev = median_of(lambda: bare_heapq_mmc(n), args.repeat)
    ev_bare = ev / t_bare
    t_simpy, ev = median_of(lambda: simpy_mmc(n), args.repeat)
    ev_simpy = (ev / t_simpy) if ev else None
    print(
        f"M/M/{SERVERS} load {LAMBDA / (MU * SERVERS):.2f}, {n:,} customers "
        f"(median of {args.repeat}):"
    )
    print(f"  gigawatt kernel : {ev_kernel / 1e6:6.2f} M events/s  (goal >= 1)")
    print(
        f"  bare heapq loop : {ev_bare / 1e6:6.2f} M events/s  "
        f"(kernel/bare = {ev_kernel / ev_bare:.2f})"
    )
    if ev_simpy:
        print(
            f"  SimPy           : {ev_simpy / 1e6:6.2f} M events/s  "
            f"(kernel/SimPy = {ev_kernel / ev_simpy:.1f}x, goal >= 5)"
        )
    else:
        print("  SimPy           : not installed (see the module docstring)")

    sc = parse_simulation(training_fleet(args.jobs))
    cpu: list[float] = []

    def timed_run() -> Any:
        c = time.process_time()
        out = simulate(sc, keep_jobs=False)
        cpu.append(time.process_time() - c)
        return out

    t_jobs, r = median_of(timed_run, args.jobs_repeat)
    k = r.kpis
    print(
        f"{args.jobs:,} jobs on 16,384 H100 with Llama 3 failures, {k['days']:.0f} days "
        f"(median of {args.jobs_repeat}): {t_jobs:.1f} s wall, "
        f"{statistics.median(cpu):.1f} s CPU (goal < 15), {k['events']:,} events, "
        f"{k['jobs_completed']:,} completed, {k['interruptions']} interruptions, "
        f"utilisation {k['gpu_utilization']:.3f}, queue p95 {k['queue_time_s_p95']:.0f} s, "
        f"{args.jobs / t_jobs:,.0f} jobs/s"
    )

    if args.seeds:
        seeds_compare(args.seeds, args.seed_jobs)

    if args.gc_compare:
        for what, (paused, on) in gc_compare(sc, args.repeat).items():
            print(
                f"  {what} time, median of {args.repeat}: gc paused {paused:.1f} s, gc on "
                f"{on:.1f} s (on / paused = {on / paused:.2f})"
            )

    sc = parse_simulation(azure_hour())
    t_trace, r = median_of(lambda: simulate(sc, keep_jobs=False), args.repeat)
    k = r.kpis
    print(
        f"Azure 2023 conversation trace, 1 h, batch granularity: {t_trace:.2f} s (goal < 2), "
        f"{k['requests_completed']:,} requests, TTFT p95 {k['ttft_s_p95']:.3f} s, "
        f"TPOT p95 {k['tpot_s_p95'] * 1000:.1f} ms"
    )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
