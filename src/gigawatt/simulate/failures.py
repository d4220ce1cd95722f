"""Failure rates per component, from the Llama 3 reliability table.

Source of every count below: Llama Team, AI @ Meta, "The Llama 3 Herd of Models",
arXiv:2407.21783 (2024), section 3.3.4, Table 5 "Root-cause categorization of unexpected
interruptions during a 54-day period of Llama 3 405B pre-training" on 16,384 H100 80GB GPUs:
419 unexpected interruptions (466 in total, 47 planned); "higher than 90% effective training time".
URL: https://arxiv.org/abs/2407.21783 (table reproduced at
https://glennklockwood.com/garden/component-reliability).

Rates are derived, not published: ``count / (16,384 GPUs * 54 days * 24 h)`` interruptions per
GPU-hour, assuming failures are a homogeneous Poisson process over the GPUs (assumption).
Whether a cause needs a node repair is our reading of the category (assumption): GPU, host,
network and unplanned host maintenance take the node out; software and dependency issues and
NCCL watchdog timeouts only restart the job.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

LLAMA3_SOURCE = "https://arxiv.org/abs/2407.21783 (Llama 3 paper, Table 5)"
LLAMA3_GPUS = 16_384
LLAMA3_DAYS = 54.0
LLAMA3_UNEXPECTED_INTERRUPTIONS = 419
LLAMA3_EFFECTIVE_TRAINING_TIME_MIN = 0.90

# (component, category, interruptions in 54 days, needs node repair)
LLAMA3_TABLE5: tuple[tuple[str, str, int, bool], ...] = (
    ("faulty-gpu", "GPU", 148, True),
    ("gpu-hbm3-memory", "GPU", 72, True),
    ("software-bug", "Dependency", 54, False),
    ("network-switch-cable", "Network", 35, True),
    ("host-maintenance", "Unplanned Maintenance", 32, True),
    ("gpu-sram-memory", "GPU", 19, True),
    ("gpu-system-processor", "GPU", 17, True),
    ("nic", "Host", 7, True),
    ("nccl-watchdog-timeout", "Unknown", 7, False),
    ("silent-data-corruption", "GPU", 6, True),
    ("gpu-thermal-interface-sensor", "GPU", 6, True),
    ("ssd", "Host", 3, True),
    ("power-supply", "Host", 3, True),
    ("server-chassis", "Host", 2, True),
    ("io-expansion-board", "Host", 2, True),
    ("dependency", "Dependency", 2, False),
    ("cpu", "Host", 2, True),
    ("system-memory", "Host", 2, True),
)


@dataclass(frozen=True)
class Cause:
    """One failure cause with its rate per GPU-hour and whether the node goes to repair."""

    component: str
    rate_per_gpu_hour: float
    needs_repair: bool


def llama3_causes(rate_scale: float = 1.0) -> list[Cause]:
    """Per-GPU-hour failure rates of every Table 5 cause, times ``rate_scale``."""
    gpu_hours = LLAMA3_GPUS * LLAMA3_DAYS * 24.0
    return [
        Cause(name, rate_scale * count / gpu_hours, repair)
        for name, _, count, repair in LLAMA3_TABLE5
    ]


def failure_causes(table: str, rate_scale: float, extra: dict[str, float]) -> list[Cause]:
    """Causes of a scenario's ``failures`` block (``extra`` adds repair-needing causes)."""
    causes = llama3_causes(rate_scale) if table == "llama3" else []
    causes += [Cause(name, rate, True) for name, rate in sorted(extra.items())]
    return [c for c in causes if c.rate_per_gpu_hour > 0]


def total_rate_per_gpu_hour(causes: list[Cause]) -> float:
    """Sum of the cause rates (interruptions per GPU-hour)."""
    return sum(c.rate_per_gpu_hour for c in causes)


def daly_expected_wall_s(
    work_s: float, interval_s: float, checkpoint_write_s: float, restart_s: float, mtbf_s: float
) -> float:
    """Expected wall time to finish ``work_s`` of compute under exponential failures (s).

    Segments of ``interval_s`` compute plus ``checkpoint_write_s`` write, a ``restart_s``
    downtime after each failure, failures possible during restart (the form of J. T. Daly,
    FGCS 22(3), 2006, for exponential failures; derivation in docs/models/simulate.md):
    ``M * exp(R/M) * (exp((tau + delta)/M) - 1) * work / tau``.
    """

    m = mtbf_s
    return (
        m
        * math.exp(restart_s / m)
        * math.expm1((interval_s + checkpoint_write_s) / m)
        * work_s
        / interval_s
    )
