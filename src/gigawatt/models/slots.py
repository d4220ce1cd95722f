"""The wait for a free batch slot of a serving replica under Poisson arrivals.

An engine runs at most ``slots`` requests at once (its batch cap, or fewer when the KV cache
holds fewer: :meth:`gigawatt.models.serving.Replica.slots`); an arrival that finds them all
taken waits in the engine's queue until a running request finishes. The replica is then an
M/M/c queue with ``c = slots`` servers and offered load ``a`` = the mean number of requests the
engine would hold without the cap (Little's law, ``rate x time in the engine``):

- P(wait) is Erlang C, ``C(c, a) = c B / (c - a (1 - B))`` with Erlang B from the recursion
  ``B_k = a B_{k-1} / (k + a B_{k-1})`` (Erlang 1917; Kleinrock, Queueing Systems vol. 1, 1975,
  section 3.5), 1 when ``a >= c``;
- a request that waits waits an exponential time of mean ``S / (c - a)``, ``S = a / rate`` the
  mean time a request holds its slot.

Service times are taken as exponential: the output lengths of real chat traffic spread about as
much (coefficient of variation about 1: the Azure LLM 2023 conversation trace's lognormal
sigma 0.86 gives a squared CV of 1.1). Below ``a = c - 6 sqrt(c) - 1`` the wait is negligible
(under 1e-8) and is taken as 0, which keeps vectorised grids cheap.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

NEGLIGIBLE_SIGMAS = 6.0
"""Loads more than this many square roots of the slots below them wait (almost) never."""


def erlang_c(servers: ArrayLike, load: ArrayLike) -> Any:
    """P(an arrival waits) in M/M/c with ``floor(servers)`` servers and offered ``load``
    (Erlang C; module docstring); arrays broadcast."""
    s, a = np.broadcast_arrays(
        np.floor(np.asarray(servers, dtype=float)), np.asarray(load, dtype=float)
    )
    out = np.where(a >= s, 1.0, 0.0)
    near = (a < s) & (a > s - NEGLIGIBLE_SIGMAS * np.sqrt(s) - 1.0)
    if not np.any(near):
        return out
    sn, an = s[near], a[near]
    b = np.ones(sn.shape)
    for k in range(1, int(np.max(sn)) + 1):
        b = np.where(k <= sn, an * b / (k + an * b), b)
    out[near] = sn * b / (sn - an * (1.0 - b))
    return out


def slot_wait(servers: ArrayLike, load: ArrayLike, rate: ArrayLike) -> tuple[Any, Any]:
    """(P(wait), mean wait of a request that waits [s]) for a replica of ``servers`` slots at
    offered ``load`` (requests it would hold) and arrival ``rate`` [requests/s]; the wait is
    infinite when ``load >= servers``."""
    s = np.floor(np.asarray(servers, dtype=float))
    a = np.asarray(load, dtype=float)
    lam = np.maximum(np.asarray(rate, dtype=float), 1e-300)
    share = erlang_c(s, a)
    gap = s - a
    given = np.where(gap > 0, (a / lam) / np.where(gap > 0, gap, 1.0), np.inf)
    return share, given
