"""Alibaba GPU cluster trace v2023 (Weng et al., ATC'23 "FGD") -> fleet pools and a job trace.

Source: github:alibaba/clusterdata@7a6c496e:cluster-trace-gpu-v2023/csv/ (no licence file in that
folder: use for research; do not redistribute the files).

- ``openb_node_list_gpu_node.csv`` (``sn,cpu_milli,memory_mib,gpu,model``): one row per node.
  :func:`node_pools` groups the nodes by (GPU model, GPUs per node) into pools named like
  ``t4-2gpu``.
- ``openb_pod_list_*.csv`` (``name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,
  creation_time,deletion_time,scheduled_time``, times in s): :func:`read_pods` keeps each pod
  that requests GPUs and was scheduled, as a job submitted at ``creation_time``, started at
  ``scheduled_time`` and ended at ``deletion_time``; it requests ``num_gpu * gpu_milli / 1000``
  GPUs (``gpu_milli`` < 1000 is a share of one GPU). Left out, and counted: CPU-only pods
  (``num_gpu`` 0) and pods never scheduled (empty ``scheduled_time``, phase ``Pending``).

Fractions: the trace's GPU models (P100, T4, V100M16/M32, A10 and the anonymised G2, G3) are not
in the catalog, so every pool uses a stand-in catalog accelerator (default ``l4``) whose power
figures make the replay's energy, cost and carbon those of the stand-in, not of the trace's
GPUs; queue times and utilisation do not depend on it. With ``units_per_gpu = 100`` a node of
``g`` GPUs is ``100 g`` units and a pod of 0.46 GPU takes 46 units (exact: every ``gpu_milli`` in
the v2023 files is a multiple of 10); see :mod:`gigawatt.adapters.traces_jobs` for the packing
this implies. CPU and memory requests are not modelled. The pods' ``gpu_spec`` (GPU-model
constraint) is empty in ``openb_pod_list_default.csv``; a non-empty one is an error here.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from gigawatt.adapters.csv_input import csv_rows
from gigawatt.adapters.traces_jobs import JobTrace, build_trace
from gigawatt.errors import InputError
from gigawatt.spec.simulation import PoolSpec

NODE_COLUMNS = ("sn", "gpu", "model")
POD_COLUMNS = ("name", "num_gpu", "gpu_milli", "gpu_spec", "creation_time", "scheduled_time")
POD_COLUMNS_ALL = (*POD_COLUMNS, "deletion_time")
STAND_IN = "l4"


def _int(path: Path, line: int, row: dict[str, str], column: str) -> int:
    value = row[column] or ""
    try:
        x = int(value)
    except ValueError:
        raise InputError(
            f"column {column!r} = {value[:40]!r}: expected an integer >= 0",
            where=f"{path}:{line}",
        ) from None
    if x < 0:
        raise InputError(
            f"column {column!r} = {value!r}: expected an integer >= 0", where=f"{path}:{line}"
        )
    return x


def node_groups(path: str | Path) -> Counter[tuple[str, int]]:
    """Node counts by (GPU model, GPUs per node) of a node list (GPU-less nodes skipped)."""
    p = Path(path)
    groups: Counter[tuple[str, int]] = Counter()
    for line, row in csv_rows(p, NODE_COLUMNS):
        gpus = _int(p, line, row, "gpu")
        if gpus:
            groups[(row["model"].strip() or "unknown", gpus)] += 1
    if not groups:
        raise InputError("node list has no GPU nodes", where=str(p))
    return groups


def node_pools(
    path: str | Path, catalog: Any, units_per_gpu: int = 1, stand_in: str = STAND_IN
) -> list[PoolSpec]:
    """Owned pools of a node list, largest GPU count first, each with ``gpus * units_per_gpu``
    units per node; node power is the stand-in accelerator's TDP (busy) and idle power per GPU
    (catalog figures), so it does not grow with ``units_per_gpu``."""
    acc = catalog.get("accelerators", stand_in, field="stand_in")
    tdp_kw = float(acc["tdp_w"]) / 1000.0
    idle_kw = float(acc.get("idle_power_w") or 0.0) / 1000.0
    groups = sorted(node_groups(path).items(), key=lambda kv: (-kv[0][1], kv[0][0]))
    return [
        PoolSpec(
            id=f"{model.lower()}-{gpus}gpu",
            accelerator=stand_in,
            nodes=count,
            gpus_per_node=gpus * units_per_gpu,
            node_power_kw=gpus * tdp_kw,
            node_idle_power_kw=gpus * idle_kw,
        )
        for (model, gpus), count in groups
    ]


def read_pods(path: str | Path) -> tuple[JobTrace, dict[str, int]]:
    """(GPU pods as a job trace, counts of the pods left out by reason); module docstring."""
    p = Path(path)
    rows = []
    lines = []
    skipped = {"cpu_only": 0, "never_scheduled": 0}
    for line, row in csv_rows(p, POD_COLUMNS_ALL):
        num = _int(p, line, row, "num_gpu")
        if num == 0:
            skipped["cpu_only"] += 1
            continue
        if not (row["scheduled_time"] or "").strip():
            skipped["never_scheduled"] += 1
            continue
        if (row["gpu_spec"] or "").strip():
            raise InputError(
                f"column 'gpu_spec' = {row['gpu_spec'][:40]!r}: GPU-model constraints are not "
                "supported; expected an empty cell",
                where=f"{p}:{line}",
            )
        milli = _int(p, line, row, "gpu_milli")
        created = _int(p, line, row, "creation_time")
        started = _int(p, line, row, "scheduled_time")
        ended = _int(p, line, row, "deletion_time")
        if milli == 0 or started < created or ended < started:
            raise InputError(
                f"pod {row['name']!r}: expected gpu_milli > 0 and creation_time <= "
                f"scheduled_time <= deletion_time, got {milli}, {created}, {started}, {ended}",
                where=f"{p}:{line}",
            )
        gpus = num * milli / 1000.0
        rows.append((row["name"], float(created), float(started), float(ended), gpus, None))
        lines.append(line)
    return build_trace(rows, str(p), lines), skipped


def capacity_gpus(pools: list[PoolSpec], units_per_gpu: int = 1) -> float:
    """GPUs of ``pools`` (units divided back into GPUs)."""
    return sum(p.nodes * (p.gpus_per_node or 0) for p in pools) / units_per_gpu


def peak_busy_gpus(trace: JobTrace) -> float:
    """Most GPUs the recorded jobs held at once (start to end)."""
    events = sorted(
        [(float(t), float(g)) for t, g in zip(trace.began_s, trace.gpus, strict=True)]
        + [(float(t), -float(g)) for t, g in zip(trace.end_s, trace.gpus, strict=True)],
        key=lambda e: (e[0], e[1]),
    )
    busy = peak = 0.0
    for _, delta in events:
        busy += delta
        peak = max(peak, busy)
    return peak
