"""Benchmark: wall time of ``gigawatt --help`` (goal: under 0.3 s) against a bare interpreter.

Run: ``.venv/bin/python bench/bench_cli_startup.py [--repeat 15]``. Prints medians and the ratio
to ``python -c pass`` measured in the same run, so machine speed cancels out.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time


def median_wall_s(cmd: list[str], repeat: int) -> float:
    """Median wall-clock seconds of running ``cmd`` ``repeat`` times (after one warm-up run)."""
    subprocess.run(cmd, check=True, capture_output=True)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    baseline = median_wall_s([sys.executable, "-c", "pass"], args.repeat)
    help_s = median_wall_s([sys.executable, "-m", "gigawatt", "--help"], args.repeat)
    catalog_s = median_wall_s(
        [sys.executable, "-m", "gigawatt", "catalog", "accelerators", "--json"], args.repeat
    )
    print(f"python -c pass           median {baseline * 1000:7.1f} ms")
    print(
        f"gigawatt --help          median {help_s * 1000:7.1f} ms  ratio {help_s / baseline:5.1f}x"
        f"  goal < 300 ms: {'met' if help_s < 0.3 else 'MISSED'}"
    )
    print(
        f"gigawatt catalog ... --json median {catalog_s * 1000:7.1f} ms  ratio "
        f"{catalog_s / baseline:5.1f}x"
    )


if __name__ == "__main__":
    main()
