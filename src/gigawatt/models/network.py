"""Collective-communication times from link bandwidth and latency (alpha-beta model).

Ring algorithms: an all-reduce of ``size_bytes`` over ``n`` ranks moves ``2 (n-1)/n * size`` bytes
through each rank's link in ``2 (n-1)`` latency-bound steps; all-gather and reduce-scatter move half
of that; an all-to-all moves ``(n-1)/n * size``. Bandwidths are one direction, per rank, decimal
GB/s. Reference: Thakur, Rabenseifner & Gropp, "Optimization of Collective Communication
Operations in MPICH", IJHPCA 2005. Functions accept floats or numpy arrays (vectorised callers).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

Num = float | NDArray[np.float64]


def _safe_n(n: Num) -> Num:
    return np.maximum(n, 1.0)


def allreduce_time_s(size_bytes: Num, n: Num, bandwidth_gb_per_s: Num, latency_s: Num) -> Num:
    """Ring all-reduce time (s) of ``size_bytes`` across ``n`` ranks; 0 when n == 1."""
    n = _safe_n(n)
    return (
        2.0 * (n - 1.0) / n * size_bytes / (bandwidth_gb_per_s * 1e9) + 2.0 * (n - 1.0) * latency_s
    )


def allgather_time_s(size_bytes: Num, n: Num, bandwidth_gb_per_s: Num, latency_s: Num) -> Num:
    """Ring all-gather (or reduce-scatter) time (s); ``size_bytes`` is the gathered total."""
    n = _safe_n(n)
    return (n - 1.0) / n * size_bytes / (bandwidth_gb_per_s * 1e9) + (n - 1.0) * latency_s


def alltoall_time_s(size_bytes: Num, n: Num, bandwidth_gb_per_s: Num, latency_s: Num) -> Num:
    """All-to-all time (s) where each rank holds ``size_bytes`` and sends (n-1)/n of it."""
    n = _safe_n(n)
    return (n - 1.0) / n * size_bytes / (bandwidth_gb_per_s * 1e9) + (n - 1.0) * latency_s


def p2p_time_s(size_bytes: Num, bandwidth_gb_per_s: Num, latency_s: Num) -> Num:
    """Point-to-point transfer time (s) of ``size_bytes`` over one link."""
    return size_bytes / (bandwidth_gb_per_s * 1e9) + latency_s
