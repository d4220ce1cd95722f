"""Bench: replay the frontier-lab plan for 30 days in the twin (goal: under 30 s).

Usage: ``python bench/bench_replay.py [--days 30] [--repeat 3]``. Prints the median wall time of
the replay alone (the plan is made once, outside the timing) and its events per second.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from gigawatt.catalog import load_catalog
from gigawatt.optimize.plan import plan_scenario
from gigawatt.simulate.replay_report import replay_plan
from gigawatt.spec import load_scenario

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "plan" / "frontier-lab.yaml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=float, default=30.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    catalog = load_catalog()
    spec = load_scenario(EXAMPLE)
    plan = plan_scenario(spec, catalog, explain=False).to_dict()
    walls = []
    events = 0
    for seed in range(args.repeat):
        started = time.perf_counter()
        result = replay_plan(spec, plan, catalog, args.days, seed)
        walls.append(time.perf_counter() - started)
        events = int(result.kpis["events"])
    median = statistics.median(walls)
    print(
        f"frontier-lab replay, {args.days:g} days: median {median:.2f} s over {args.repeat} "
        f"runs ({events / median / 1e6:.2f} M events/s; goal < 30 s)"
    )


if __name__ == "__main__":
    main()
