"""Replica sizing over the catalog: the one rule by which ``gigawatt infer`` and the planner's
option table choose a serving layout and a replica count for a load and a latency SLO.

:func:`size_replicas` resolves the model and accelerator, lists the layouts that fit
(:func:`gigawatt.models.sizing.layout_ladder`, :func:`~gigawatt.models.sizing.fits`), gives each
its highest Poisson rate whose p95 TTFT and TPOT meet the SLO on a fixed grid of rates
(:class:`gigawatt.models.serving_latency.RateGrid`, rounded down to the grid) and picks the
layout with :func:`gigawatt.models.sizing.choose_replicas`. Every evaluation is kept in an
explicit :class:`ServingCache` (one per plan or infer call, no global state) so that a portfolio
of many workloads sharing a few models costs a few model evaluations per accelerator type.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

from gigawatt.catalog import Catalog
from gigawatt.errors import InputError
from gigawatt.evaluate.resolve import model_architecture
from gigawatt.models import inference as inf
from gigawatt.models import serving as srv
from gigawatt.models import serving_latency as lat
from gigawatt.models import sizing

F64 = NDArray[np.float64]
T = TypeVar("T")
MEMO_MAX_ENTRIES = 200_000
"""Entries a cache keeps before it starts again (a long-lived cache of a server)."""
_DEFAULT_OPTIONS = srv.ServingOptions()


@dataclass(frozen=True)
class ServingSetup:
    """What a replica runs: catalog model (or config.json path) and accelerator ids, weight
    precision, serving engine and serving options."""

    model: str
    accelerator: str
    precision: str = "bf16"
    engine: str = "vllm"
    options: srv.ServingOptions = _DEFAULT_OPTIONS


@dataclass(frozen=True)
class Lengths:
    """Prompt and output lengths of the Monte Carlo requests [tokens] (equal lengths unless a
    trace gives draws), the seed of their latency sampling, and a key naming them in caches."""

    isl: F64
    osl: F64
    seed: int
    key: tuple[Any, ...]

    @classmethod
    def fixed(cls, isl: float, osl: float, seed: int = 0) -> Lengths:
        """:data:`~gigawatt.models.serving.MC_SAMPLES` requests of ``isl`` / ``osl`` tokens
        (one shared, read-only instance per distinct lengths and seed)."""
        return _fixed_lengths(float(isl), float(osl), seed)

    @classmethod
    def drawn(cls, isl: F64, osl: F64, seed: int) -> Lengths:
        """Requests drawn from a trace."""
        return cls(isl, osl, seed, (isl.tobytes(), osl.tobytes(), seed))

    @property
    def means(self) -> tuple[float, float]:
        """Mean prompt and output lengths [tokens] (exact for equal lengths)."""
        return float(np.mean(self.isl)), float(np.mean(self.osl))


@functools.lru_cache(maxsize=4096)
def _fixed_lengths(isl: float, osl: float, seed: int) -> Lengths:
    n = srv.MC_SAMPLES
    isl_a, osl_a = np.full(n, isl), np.full(n, osl)
    isl_a.flags.writeable = osl_a.flags.writeable = False
    return Lengths(isl_a, osl_a, seed, (isl, osl, seed))


class ServingCache:
    """Memo of serving evaluations for one catalog: shapes, fitting layouts, offline rates and
    rate grids. Create one per plan (or infer) call; :meth:`prefetch_grids` evaluates many rate
    grids in one vectorised call."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._memo: dict[tuple[Any, ...], Any] = {}

    def get(self, key: tuple[Any, ...], compute: Callable[[], T]) -> T:
        """``compute()`` the first time ``key`` is asked, the kept value after."""
        if key not in self._memo:
            if len(self._memo) > MEMO_MAX_ENTRIES:
                self._memo.clear()
            self._memo[key] = compute()
        value: T = self._memo[key]
        return value

    def shapes(self, model: str, accelerator: str) -> tuple[inf.ModelShape, inf.HardwareShape]:
        """Model and hardware shapes of catalog ids (InputError naming an unknown one)."""

        def compute() -> tuple[inf.ModelShape, inf.HardwareShape]:
            arch = model_architecture(model, self.catalog, field="model")
            row = self.catalog.get("accelerators", accelerator, field="accelerator")
            return inf.model_shape(arch), inf.hardware_shape(row)

        return self.get(("shapes", model, accelerator), compute)

    def replica(self, setup: ServingSetup, layout: sizing.Layout) -> srv.Replica:
        """The replica of ``setup`` in ``layout``."""
        m, h = self.shapes(setup.model, setup.accelerator)
        return self.get(
            ("replica", setup, layout),
            lambda: sizing.replica(m, h, setup.precision, setup.engine, setup.options, layout),
        )

    def fitting_layouts(self, setup: ServingSetup, isl: float, osl: float) -> list[sizing.Layout]:
        """Layouts tried when sizing ``setup`` for requests of ``isl`` / ``osl`` tokens
        (:func:`gigawatt.models.sizing.sizing_layouts`), smallest first."""

        def compute() -> list[sizing.Layout]:
            m, h = self.shapes(setup.model, setup.accelerator)
            return sizing.sizing_layouts(
                m, h, lambda x: sizing.fits(self.replica(setup, x), isl, osl)
            )

        return self.get(("layouts", setup, isl, osl), compute)

    def grid(self, setup: ServingSetup, layout: sizing.Layout, lengths: Lengths) -> lat.RateGrid:
        """Rate grid of ``setup`` in ``layout`` for ``lengths``."""
        return self.get(
            ("grid", setup, layout, lengths.key),
            lambda: lat.RateGrid(
                self.replica(setup, layout), lengths.isl, lengths.osl, seed=lengths.seed
            ),
        )

    def prefetch_grids(self, wanted: Iterable[tuple[ServingSetup, float, float]]) -> None:
        """Evaluate, in one vectorised :func:`~gigawatt.models.serving.offline` and one
        :func:`~gigawatt.models.serving.poisson` call per engine and options, the rate grids
        (fixed lengths, seed 0) of every fitting layout of every (setup, prompt, output) in
        ``wanted``: the same numbers as one call per replica, without the per-call overhead."""
        todo: dict[tuple[str, srv.ServingOptions], list[Any]] = {}
        for setup, isl, osl in sorted(wanted, key=repr):
            try:
                layouts = self.fitting_layouts(setup, isl, osl)
            except InputError:
                continue
            lengths = Lengths.fixed(isl, osl)
            for layout in layouts:
                if ("grid", setup, layout, lengths.key) not in self._memo:
                    todo.setdefault((setup.engine, setup.options), []).append(
                        (setup, layout, lengths)
                    )
        for rows in todo.values():
            self._prefetch(rows)

    def _prefetch(self, rows: Sequence[tuple[ServingSetup, sizing.Layout, Lengths]]) -> None:
        """One vectorised evaluation of the rate grids of ``rows`` (same engine and options)."""
        col = (len(rows), 1)
        stacked = _stacked_replica(self, rows)
        isl = np.array([r[2].means[0] for r in rows]).reshape(col)
        osl = np.array([r[2].means[1] for r in rows]).reshape(col)
        off = srv.offline(stacked, isl, osl)
        offline_rate = np.broadcast_to(np.asarray(off.output_tokens_per_s, dtype=float), col) / osl
        rates = offline_rate * lat.RATE_GRID[None, :]
        cols = lat.steady_columns(srv.poisson(stacked, rates, isl, osl), rates.shape)
        for i, (setup, layout, lengths) in enumerate(rows):
            state = (float(offline_rate[i, 0]), {k: v[i] for k, v in cols.items()})
            grid = lat.RateGrid(
                self.replica(setup, layout), lengths.isl, lengths.osl, seed=0, state=state
            )
            self._memo[("grid", setup, layout, lengths.key)] = grid


def _stacked_replica(
    cache: ServingCache, rows: Sequence[tuple[ServingSetup, sizing.Layout, Lengths]]
) -> srv.Replica:
    """One replica whose fields are columns over ``rows`` (same engine and options)."""
    models = sorted({r[0].model for r in rows})
    accels = sorted({r[0].accelerator for r in rows})
    m_all = inf.stack_models([cache.shapes(m, accels[0])[0] for m in models])
    h_all = inf.stack_hardware([cache.shapes(models[0], a)[1] for a in accels])
    col = (len(rows), 1)
    mi = np.array([models.index(r[0].model) for r in rows]).reshape(col)
    hi = np.array([accels.index(r[0].accelerator) for r in rows]).reshape(col)
    wb, code = inf.precision_codes([r[0].precision for r in rows])
    engine, options = rows[0][0].engine, rows[0][0].options
    kv = np.array([inf.default_kv_bytes(engine, r[0].precision) for r in rows]).reshape(col)

    def layout_col(name: str) -> F64:
        return np.array([float(getattr(r[1], name)) for r in rows]).reshape(col)

    return srv.Replica(
        m_all.take(mi),
        h_all.take(hi),
        wb.reshape(col),
        code.reshape(col),
        kv,
        layout_col("tp"),
        layout_col("ep"),
        layout_col("dp"),
        inf.engine_constants(engine),
        srv.ENGINE_MAX_BATCH.get(engine, 2048.0),
        options,
        layout_col("pp"),
    )


class _Sizer:
    """The fitting layouts of one setup for one set of request lengths, with their rate grids
    and the rates at each SLO asked so far (what :func:`size_replicas` reuses across loads)."""

    def __init__(
        self,
        cache: ServingCache,
        setup: ServingSetup,
        lengths: Lengths,
        layouts: Sequence[sizing.Layout] | None,
    ) -> None:
        isl, osl = lengths.means
        fitting = cache.fitting_layouts(setup, isl, osl)
        if layouts is not None:
            fitting = [x for x in layouts if sizing.fits(cache.replica(setup, x), isl, osl)]
        self.grids = {x: cache.grid(setup, x, lengths) for x in fitting}
        self.candidates = [
            (x, int(float(np.asarray(grid.replica.devices))), grid.offline_rate)
            for x, grid in self.grids.items()
        ]
        self._devices = {c[0]: c[1] for c in self.candidates}
        self._rates: dict[tuple[Any, ...], sizing.ReplicaRate] = {}
        self._sized: dict[tuple[Any, ...], sizing.ReplicaSizing | None] = {}

    def size(
        self, peak_rate_per_s: float | None, ttft_s: float | None, tpot_s: float | None
    ) -> sizing.ReplicaSizing | None:
        """The sizing for one load and SLO, remembered (options of one accelerator type in one
        region ask the same question once per offer)."""
        key = (peak_rate_per_s, ttft_s, tpot_s)
        if key not in self._sized:
            self._sized[key] = self._choose(peak_rate_per_s, ttft_s, tpot_s)
        return self._sized[key]

    def _choose(
        self, peak_rate_per_s: float | None, ttft_s: float | None, tpot_s: float | None
    ) -> sizing.ReplicaSizing | None:
        def rate_at_slo(layout: sizing.Layout) -> sizing.ReplicaRate:
            key = (layout, ttft_s, tpot_s)
            if key not in self._rates:
                grid = self.grids[layout]
                rate = grid.max_rate(ttft_s, tpot_s)
                devices = self._devices[layout]
                self._rates[key] = sizing.ReplicaRate(layout, devices, rate, grid.offline_rate)
            return self._rates[key]

        return sizing.choose_replicas(self.candidates, rate_at_slo, peak_rate_per_s)


def size_replicas(
    cache: ServingCache,
    setup: ServingSetup,
    lengths: Lengths,
    peak_rate_per_s: float | None,
    ttft_s: float | None,
    tpot_s: float | None,
    *,
    layouts: Sequence[sizing.Layout] | None = None,
) -> sizing.ReplicaSizing | None:
    """Layout and whole replicas carrying ``peak_rate_per_s`` requests/s (None: no load, the
    most efficient layout) within p95 ``ttft_s`` / ``tpot_s`` [s] (None: no target) for
    requests of ``lengths`` (module docstring). ``layouts`` restricts the choice (a layout the
    user fixed; kept when it fits); by default every layout that fits. None when no layout
    meets the SLO."""
    key = ("sizer", setup, lengths.key, None if layouts is None else tuple(layouts))
    sizer = cache.get(key, lambda: _Sizer(cache, setup, lengths, layouts))
    return sizer.size(peak_rate_per_s, ttft_s, tpot_s)
