"""A tiny, fast discrete-event kernel.

Events live in one binary heap as tuples ``(time_s, priority, sequence, handler, argument)``:
ties in time are broken by ``priority`` (lower first), then by insertion ``sequence``, so a run is
fully deterministic for a given seed. Randomness comes only from the explicit
:class:`numpy.random.Generator` held by the kernel (``kernel.rng``). Handlers are plain callables
taking one argument; cancellation is lazy (a handler checks its own state, e.g. an epoch counter).
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
from numpy.typing import NDArray

Handler = Callable[[Any], None]
_push = heapq.heappush
_pop = heapq.heappop


class Kernel:
    """Event heap, simulated clock (seconds) and the run's random generator."""

    __slots__ = ("_heap", "_seq", "events", "now", "rng")

    def __init__(self, seed: int | np.random.Generator = 0) -> None:
        self.rng: np.random.Generator = (
            seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        )
        self.now: float = 0.0
        self.events: int = 0
        self._heap: list[tuple[float, int, int, Handler, Any]] = []
        self._seq: Iterator[int] = itertools.count()

    def at(self, time_s: float, handler: Handler, arg: Any = None, priority: int = 0) -> None:
        """Schedule ``handler(arg)`` at absolute time ``time_s`` (s); never in the past."""
        now = self.now
        _push(
            self._heap, (time_s if time_s > now else now, priority, next(self._seq), handler, arg)
        )

    def after(self, delay_s: float, handler: Handler, arg: Any = None, priority: int = 0) -> None:
        """Schedule ``handler(arg)`` ``delay_s`` seconds from now."""
        _push(self._heap, (self.now + delay_s, priority, next(self._seq), handler, arg))

    def pending(self) -> int:
        """Number of scheduled (possibly stale) events."""
        return len(self._heap)

    def run(self, until_s: float) -> int:
        """Process events with time <= ``until_s``; return how many ran in this call. The
        clock ends at ``until_s`` (or at the last event if the heap empties earlier); a progress
        bar is a periodic event of its own (:func:`gigawatt.simulate.run.simulate`)."""
        heap = self._heap
        pop = _pop
        count = 0
        while heap:
            ev = pop(heap)
            if ev[0] > until_s:
                _push(heap, ev)
                break
            self.now = ev[0]
            ev[3](ev[4])
            count += 1
        self.now = max(self.now, until_s) if not heap or heap[0][0] > until_s else self.now
        self.events += count
        return count


class _BlockStream:
    """Scalar variates served from blocks drawn at once from a generator (fast sampling);
    subclasses say how a block is drawn."""

    __slots__ = ("_block", "_it", "_rng")

    def __init__(self, rng: np.random.Generator, block: int = 65_536) -> None:
        self._rng = rng
        self._block = block
        self._it: Iterator[float] = iter(())

    def _draw(self) -> NDArray[np.float64]:
        raise NotImplementedError

    def __call__(self) -> float:
        """Next variate."""
        try:
            return next(self._it)
        except StopIteration:
            self._it = iter(self._draw().tolist())
            return next(self._it)


class ExpStream(_BlockStream):
    """Exponential variates of mean ``mean`` (same unit as the variates)."""

    __slots__ = ("_scale",)

    def __init__(self, rng: np.random.Generator, mean: float, block: int = 65_536) -> None:
        super().__init__(rng, block)
        self._scale = mean

    def _draw(self) -> NDArray[np.float64]:
        return self._rng.exponential(self._scale, self._block)


class UniformStream(_BlockStream):
    """Uniform [0, 1) variates."""

    __slots__ = ()

    def _draw(self) -> NDArray[np.float64]:
        return self._rng.random(self._block)
