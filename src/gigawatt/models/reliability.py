"""Failures, checkpoints and goodput of a synchronous training job.

A synchronous job stops whenever any of its accelerators or nodes fails, so the job failure rate
is ``lambda = n_acc * lambda_acc + n_nodes * lambda_node`` (per hour) and the mean time between
interruptions ``M = 1 / lambda``. Checkpointing every ``tau`` seconds at a cost of ``delta``
seconds, with a restart cost ``R``, the first-order expected wall-clock is (Daly 2006, "A higher
order estimate of the optimum checkpoint interval for restart dumps", FGCS 22(3)):

    T_wall = T_ideal * (1 + delta / tau) / (1 - (R + (tau + delta) / 2) / M)

minimised by Young's interval ``tau = sqrt(2 delta M)`` (Young 1974, CACM 17(9)) with Daly's
correction ``tau = sqrt(2 delta M) - delta`` (for ``delta < M / 2``). Goodput = T_ideal / T_wall.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# Llama 3 (Dubey et al. 2024, arXiv:2407.21783, section 3.3.4 and Table 5): 419 unexpected
# interruptions in 54 days on 16,384 H100 GPUs (2,048 8-GPU hosts); GPU issues (faulty GPU,
# HBM3, SRAM, GPU system processor, NVLink ...) were 58.7 % of them.
LLAMA3_INTERRUPTIONS = 419
LLAMA3_DAYS = 54.0
LLAMA3_GPUS = 16_384
LLAMA3_GPU_SHARE = 0.587
LLAMA3_GPUS_PER_NODE = 8


@dataclass(frozen=True)
class ReliabilityConstants:
    """Failure and checkpoint constants (per hour, seconds, GB/s), each sourced or assumed.

    accelerator_failures_per_h: GPU-attributed interruptions per accelerator-hour, Llama 3:
        0.587 * 419 / (54 * 24 * 16,384) = 1.16e-5.
    node_failures_per_h: other interruptions (host, network, software, storage) per node-hour,
        Llama 3: 0.413 * 419 / (54 * 24 * 2,048) = 6.52e-5.
    restart_s: detect, reschedule, reload and warm up after an interruption; assumption 600 s
        (Llama 3 reports automated recovery; minutes-scale restarts are typical).
    storage_bandwidth_gb_per_s: aggregate checkpoint write bandwidth of the cluster file system;
        Llama 3 Tectonic sustained 2 TB/s (arXiv:2407.21783, section 3.3.1).
    node_storage_bandwidth_gb_per_s: per-node write bandwidth to storage; assumption 12.5 GB/s
        (one 100 Gbit/s front-end NIC per node).
    checkpoint_bytes_per_param: bf16 weights + fp32 master + two fp32 Adam moments = 14 B.
    """

    accelerator_failures_per_h: float = (
        LLAMA3_GPU_SHARE * LLAMA3_INTERRUPTIONS / (LLAMA3_DAYS * 24.0 * LLAMA3_GPUS)
    )
    node_failures_per_h: float = (
        (1.0 - LLAMA3_GPU_SHARE)
        * LLAMA3_INTERRUPTIONS
        / (LLAMA3_DAYS * 24.0 * LLAMA3_GPUS / LLAMA3_GPUS_PER_NODE)
    )
    restart_s: float = 600.0
    storage_bandwidth_gb_per_s: float = 2000.0
    node_storage_bandwidth_gb_per_s: float = 12.5
    checkpoint_bytes_per_param: float = 14.0


DEFAULT_RELIABILITY = ReliabilityConstants()


def mean_time_between_interruptions_s(
    count: int, accelerators_per_node: int, c: ReliabilityConstants = DEFAULT_RELIABILITY
) -> float:
    """Mean time (s) between job interruptions of a synchronous job on ``count`` accelerators."""
    nodes = math.ceil(count / max(accelerators_per_node, 1))
    rate_per_h = count * c.accelerator_failures_per_h + nodes * c.node_failures_per_h
    return math.inf if rate_per_h <= 0 else 3600.0 / rate_per_h


def checkpoint_write_s(
    state_bytes: float,
    count: int,
    accelerators_per_node: int,
    c: ReliabilityConstants = DEFAULT_RELIABILITY,
) -> float:
    """Blocking checkpoint write time (s): state over min(storage, nodes x node link)."""
    nodes = math.ceil(count / max(accelerators_per_node, 1))
    bw = min(c.storage_bandwidth_gb_per_s, nodes * c.node_storage_bandwidth_gb_per_s)
    return state_bytes / (bw * 1e9)


def optimal_checkpoint_interval_s(delta_s: float, mtbi_s: float) -> float:
    """Young/Daly interval (s) between checkpoints: ``sqrt(2 delta M) - delta`` (>= delta)."""
    if math.isinf(mtbi_s):
        return math.inf
    if delta_s >= mtbi_s / 2.0:
        return mtbi_s
    return max(math.sqrt(2.0 * delta_s * mtbi_s) - delta_s, delta_s)


@dataclass(frozen=True)
class Goodput:
    """Failure overhead of a run (seconds, counts, fractions)."""

    mtbi_s: float
    checkpoint_write_s: float
    checkpoint_interval_s: float
    restart_s: float
    expected_interruptions: float
    wall_clock_s: float
    goodput: float


def goodput(
    ideal_s: float,
    count: int,
    accelerators_per_node: int,
    state_bytes: float,
    c: ReliabilityConstants = DEFAULT_RELIABILITY,
) -> Goodput:
    """Expected wall-clock (s) and goodput of ``ideal_s`` seconds of failure-free training."""
    mtbi = mean_time_between_interruptions_s(count, accelerators_per_node, c)
    delta = checkpoint_write_s(state_bytes, count, accelerators_per_node, c)
    tau = optimal_checkpoint_interval_s(delta, mtbi)
    if math.isinf(mtbi):
        return Goodput(mtbi, delta, tau, c.restart_s, 0.0, ideal_s, 1.0)
    lost = (c.restart_s + (tau + delta) / 2.0) / mtbi
    wall = math.inf if lost >= 0.95 else ideal_s * (1.0 + delta / tau) / (1.0 - lost)
    good = 0.0 if math.isinf(wall) else ideal_s / wall
    return Goodput(mtbi, delta, tau, c.restart_s, wall / mtbi if good else math.inf, wall, good)
