"""The CSV files of a replayed plan (``gigawatt simulate --plan P.json --out DIR``), written
all-or-nothing: into a temporary sibling folder, then renamed into place.

- ``workloads.csv``: one row per workload, the replay's figures next to the plan's
  (``ReplayResult.to_dict()["workloads"]`` without its lists; ``breaks`` joined by ``; ``).
- ``by_hour.csv``: serving workloads' p95 TTFT and TPOT [s] and requests at each hour of the
  day (UTC).
- ``hourly.csv``: serving workloads' requests/s carried and accelerators billed at each hour of
  the run.
- ``timeseries.csv`` and ``jobs.csv``: the twin's fleet samples and jobs
  (:data:`gigawatt.simulate.metrics.SERIES_COLUMNS`,
  :data:`~gigawatt.simulate.metrics.JOB_COLUMNS`).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from gigawatt.errors import InputError
from gigawatt.simulate import metrics
from gigawatt.simulate.replay_report import ReplayResult

BY_HOUR_COLUMNS = (
    "workload",
    "hour_utc",
    "requests_simulated",
    "ttft_s_p95",
    "tpot_s_p95",
    "ttft_over_slo_share",
    "tpot_over_slo_share",
)
HOURLY_COLUMNS = ("workload", "hour", "rate_rps", "accelerators")
FILES = ("workloads.csv", "by_hour.csv", "hourly.csv", "timeseries.csv", "jobs.csv")


def _workload_table(rows: list[dict[str, Any]]) -> tuple[tuple[str, ...], list[dict[str, Any]]]:
    flat = []
    for w in rows:
        r = {k: v for k, v in w.items() if not isinstance(v, list)}
        r["breaks"] = "; ".join(w.get("breaks") or [])
        flat.append(r)
    columns = tuple(dict.fromkeys(k for r in flat for k in r))
    return columns, flat


def _nested(rows: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    return [{"workload": w["workload"], **r} for w in rows for r in w.get(key) or []]


def check_out_dir(out_dir: Path) -> None:
    """A one-line error when ``out_dir`` exists and is not a folder (checked before a run)."""
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"{str(out_dir)!r} is a file, not a folder", where="--out")


def write_replay_outputs(result: ReplayResult, out_dir: Path) -> list[Path]:
    """Write :data:`FILES` into ``out_dir`` (module docstring): all into a temporary sibling
    folder first, then renamed into place (an existing folder's other files are kept);
    nothing is written on failure."""
    out_dir = Path(out_dir)
    check_out_dir(out_dir)
    rows = result.to_dict()["workloads"]
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        columns, flat = _workload_table(rows)
        metrics.write_csv(tmp / FILES[0], columns, flat)
        metrics.write_csv(tmp / FILES[1], BY_HOUR_COLUMNS, _nested(rows, "by_hour"))
        metrics.write_csv(tmp / FILES[2], HOURLY_COLUMNS, _nested(rows, "hourly"))
        metrics.write_csv(tmp / FILES[3], metrics.SERIES_COLUMNS, result.series)
        metrics.write_csv(tmp / FILES[4], metrics.JOB_COLUMNS, result.jobs)
        if out_dir.exists():
            for name in FILES:
                (tmp / name).replace(out_dir / name)
            tmp.rmdir()
        else:
            tmp.rename(out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return [out_dir / name for name in FILES]
