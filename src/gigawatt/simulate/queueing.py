"""Queueing references and the M/M/c model on the event kernel (validation and benchmarks)."""

from __future__ import annotations

import math
from collections import deque
from typing import Any

from gigawatt.simulate.engine import ExpStream, Kernel


def erlang_c_wait_s(arrival_per_s: float, service_per_s: float, servers: int) -> float:
    """Mean waiting time in queue of M/M/c (Erlang C), in s. Requires load < 1.

    ``P_wait = (a^c / c!) (c / (c - a)) / (sum_{k<c} a^k/k! + (a^c/c!) c/(c - a))``, ``a =
    lambda/mu``; ``W_q = P_wait / (c mu - lambda)`` (Erlang 1917; any queueing text, e.g.
    Kleinrock, Queueing Systems vol. 1, 1975, section 3.5).
    """
    a = arrival_per_s / service_per_s
    if a >= servers:
        raise ValueError("unstable queue: load >= servers")
    term = 1.0
    total = 0.0
    for k in range(servers):
        total += term
        term *= a / (k + 1)
    top = term * servers / (servers - a)  # term is now a^c / c!
    p_wait = top / (total + top)
    return p_wait / (servers * service_per_s - arrival_per_s)


def mmc_simulate(
    arrival_per_s: float,
    service_per_s: float,
    servers: int,
    customers: int,
    seed: int = 0,
    warmup: int = 10_000,
) -> dict[str, Any]:
    """Simulate M/M/c FIFO on :class:`Kernel`; mean wait (s) of customers after ``warmup``."""
    kernel = Kernel(seed)
    gap = ExpStream(kernel.rng, 1.0 / arrival_per_s)
    service = ExpStream(kernel.rng, 1.0 / service_per_s)
    queue: deque[float] = deque()
    busy = arrived = served = counted = 0
    wait = 0.0
    at = kernel.at

    def departure(_: Any) -> None:
        nonlocal busy, served, counted, wait
        now = kernel.now
        if queue:
            t0 = queue.popleft()
            served += 1
            if served > warmup:
                wait += now - t0
                counted += 1
            at(now + service(), departure)
        else:
            busy -= 1

    def arrival(_: Any) -> None:
        nonlocal busy, arrived, served, counted
        now = kernel.now
        arrived += 1
        if arrived < customers:
            at(now + gap(), arrival)
        if busy < servers:
            busy += 1
            served += 1
            if served > warmup:
                counted += 1
            at(now + service(), departure)
        else:
            queue.append(now)

    at(gap(), arrival)
    kernel.run(math.inf)
    return {
        "mean_wait_s": wait / counted if counted else 0.0,
        "customers": counted,
        "events": kernel.events,
    }
