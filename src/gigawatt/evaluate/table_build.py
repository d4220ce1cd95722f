"""Building the option table (:class:`~gigawatt.evaluate.table.OptionTable`) of a scenario.

:func:`build_option_table` is a short chain: screen every workload
(:func:`gigawatt.evaluate.screen.screen_scenario`, once per distinct screening input), keep the
cheapest of identical pay-per-use offers (:func:`~gigawatt.evaluate.table_limits.
cheapest_per_group`), evaluate each workload once per accelerator and region
(:mod:`gigawatt.evaluate.performance`), price each option (payment kind and pool:
:mod:`gigawatt.evaluate.table_pools`; power, energy, emissions and usage cost per unit:
:mod:`gigawatt.evaluate.table_costs`) and attach the shared limits
(:func:`~gigawatt.evaluate.table_limits.attach_limits`). Options that miss their SLO, or cannot
be priced, go to ``rejected``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from gigawatt.catalog import Catalog
from gigawatt.catalog.lookup import accelerator_power_kw, region_value
from gigawatt.catalog.schema import PREEMPTIBLE_PRICING
from gigawatt.evaluate.performance import (
    HOURS_PER_DAY,
    Performance,
    PerformanceCache,
    serving_lengths,
)
from gigawatt.evaluate.screen import Option, WorkloadScreen, screen_scenario
from gigawatt.evaluate.table import OptionTable, Pool, TableOption
from gigawatt.evaluate.table_costs import (
    spot_hours,
    spot_lost_fraction,
    unit_draw,
    usage_usd,
)
from gigawatt.evaluate.table_limits import attach_limits, cheapest_per_group
from gigawatt.evaluate.table_pools import (
    PoolTerms,
    committed_terms,
    make_pool,
    owned_terms,
    payment_kind,
    pool_key,
    purchase_terms,
)
from gigawatt.spec import Scenario, TrainingWorkload

Cheapest = dict[int, tuple[list[Option], int]]
"""``id(screen)`` -> (options kept by :func:`cheapest_per_group`, how many it dropped)."""


def _screen_key(w: Any) -> tuple[Any, ...]:
    """What screening reads of a workload (class, model, precision, method, data, pins)."""
    return (
        type(w).__name__,
        w.model,
        getattr(w, "precision", None),
        getattr(w, "method", None),
        w.data.model_dump_json(),
        tuple(w.accelerators or ()),
        tuple(w.venues or ()),
        tuple(w.regions or ()),
    )


def screen_distinct(scenario: Scenario, catalog: Catalog) -> list[WorkloadScreen]:
    """:func:`gigawatt.evaluate.screen.screen_scenario` run once per distinct screening input:
    workloads that differ only in volumes, SLOs or timing share one screen (the same object; its
    ``workload`` names the first of them)."""
    first: dict[tuple[Any, ...], int] = {}
    for i, w in enumerate(scenario.workloads):
        first.setdefault(_screen_key(w), i)
    reps = sorted(first.values())
    screened = screen_scenario(
        scenario.model_copy(update={"workloads": [scenario.workloads[i] for i in reps]}), catalog
    )
    by_rep = dict(zip(reps, screened, strict=True))
    return [by_rep[first[_screen_key(w)]] for w in scenario.workloads]


def _window(scenario: Scenario, w: Any) -> tuple[float, float]:
    """Days the workload holds capacity: training until its deadline, serving to the horizon."""
    if isinstance(w, TrainingWorkload):
        return (w.start_day, w.start_day + w.slo.deadline_days)
    return (w.start_day, scenario.horizon_days)


@dataclass
class _Pricing:
    """What pricing the options of one scenario shares: the pools made so far, notes, the rows
    (options that qualify, and rejected ones) and per-accelerator and per-region caches."""

    scenario: Scenario
    catalog: Catalog
    performance: Any
    lost: float
    pools: dict[str, Pool] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    options: list[TableOption] = field(default_factory=list)
    rejected: list[TableOption] = field(default_factory=list)
    power_kw: dict[str, tuple[float, float]] = field(default_factory=dict)
    purchase: dict[str, PoolTerms] = field(default_factory=dict)
    region: dict[str, tuple[float, float]] = field(default_factory=dict)

    def accelerator_power_kw(self, accelerator: str) -> tuple[float, float]:
        """(idle, max) IT power per accelerator [kW], cached."""
        if accelerator not in self.power_kw:
            self.power_kw[accelerator] = accelerator_power_kw(self.catalog, accelerator)
        return self.power_kw[accelerator]

    def pue_and_grid(self, region: str) -> tuple[float, float]:
        """(PUE, grid gCO2e/kWh) of a region (1 and 0 when unknown), cached."""
        if region not in self.region:
            pue = region_value(self.catalog, region, "pue") or 1.0
            grid = region_value(self.catalog, region, "grid_gco2_per_kwh") or 0.0
            self.region[region] = (pue, grid)
        return self.region[region]

    def electricity_usd_per_kwh(self, region: str) -> float | None:
        """The region's electricity price; a note when it has none (energy cost not counted)."""
        usd = region_value(self.catalog, region, "electricity_usd_per_kwh")
        if usd is None:
            msg = f"no electricity price for region {region}: energy cost not counted"
            if msg not in self.notes:
                self.notes.append(msg)
        return usd


UNPRICED_MEETS_SLO = " (it meets the SLO otherwise)"
"""Appended to an unpriced option's detail when its performance meets the SLO."""


def _pool_terms(ctx: _Pricing, opt: Option, payment: str) -> PoolTerms:
    """Price, size limit and note of the pool ``opt`` draws on."""
    if payment == "committed":
        return committed_terms(ctx.catalog, opt, ctx.scenario.horizon_days * HOURS_PER_DAY)
    if payment == "owned":
        return owned_terms(ctx.scenario, opt)
    if opt.accelerator not in ctx.purchase:
        horizon_days = ctx.scenario.horizon_days
        ctx.purchase[opt.accelerator] = purchase_terms(ctx.catalog, opt.accelerator, horizon_days)
    return ctx.purchase[opt.accelerator]


def _pool(ctx: _Pricing, opt: Option, payment: str) -> tuple[str | None, str | None]:
    """(The pool ``opt`` draws on, made on first use, or None; why it cannot be priced, or
    None)."""
    key = pool_key(payment, opt)
    if key is None or key in ctx.pools:
        return key, None
    usd, max_count, note = _pool_terms(ctx, opt, payment)
    if usd is None:
        return key, note
    ctx.pools[key] = make_pool(key, payment, opt, usd, max_count, note)
    return key, None


def _option_row(
    ctx: _Pricing, wi: int, w: Any, opt: Option, perf: Performance, window: tuple[float, float]
) -> TableOption:
    """The table row of running workload ``w`` (index ``wi``) on ``opt``."""
    payment = payment_kind(opt.pricing_model)
    hours, slo_met, detail = perf.hours, perf.slo_met, perf.detail
    if opt.pricing_model in PREEMPTIBLE_PRICING:
        hours, slo_met, detail = spot_hours(w, hours, slo_met, detail, ctx.lost)
    pool, unpriced = _pool(ctx, opt, payment)
    if unpriced is not None:  # say whether a price is all it lacks (infeasibility advice)
        slo_met, detail = False, f"{unpriced}{UNPRICED_MEETS_SLO if slo_met else ''}"
    unit = max(perf.unit_accelerators, 1)
    pue, grid = ctx.pue_and_grid(opt.region)
    power = ctx.accelerator_power_kw(opt.accelerator)
    draw = unit_draw(power, pue, grid, unit, perf.utilization, hours)
    usd_kwh = ctx.electricity_usd_per_kwh(opt.region) if payment in ("owned", "purchase") else None
    return TableOption(
        index=len(ctx.options),
        workload=w.name,
        workload_index=wi,
        kind=w.kind,
        splittable=not isinstance(w, TrainingWorkload),
        venue=opt.venue,
        offer=opt.offer,
        accelerator=opt.accelerator,
        region=opt.region,
        pricing_model=opt.pricing_model,
        payment=payment,
        price_usd_per_accel_h=opt.price_usd_per_accel_h,
        unit_accelerators=unit,
        units_needed=perf.units_needed,
        hours=hours,
        usage_usd_per_unit=usage_usd(
            payment, opt.price_usd_per_accel_h, unit, hours, draw.energy_kwh, usd_kwh
        ),
        energy_kwh_per_unit=draw.energy_kwh,
        co2_location_kg_per_unit=draw.co2_location_kg,
        power_kw_per_unit=draw.power_kw,
        it_power_kw_per_unit=draw.it_power_kw,
        pool=pool,
        window_days=window,
        slo_met=slo_met,
        detail=detail,
    )


def _add_workload_rows(ctx: _Pricing, wi: int, w: Any, kept: list[Option]) -> None:
    """Rows of workload ``w`` on every kept option: to ``options`` when the option meets the SLO
    with a positive, finite number of units, else to ``rejected``. The performance seam runs
    once per accelerator and region."""
    window = _window(ctx.scenario, w)
    active_h = (ctx.scenario.horizon_days - w.start_day) * HOURS_PER_DAY
    perf_cache: dict[tuple[str, str], Performance] = {}
    for opt in kept:
        pkey = (opt.accelerator, opt.region)
        if pkey not in perf_cache:
            perf_cache[pkey] = ctx.performance(
                w, opt.accelerator, opt.region, ctx.catalog, active_h
            )
        perf = perf_cache[pkey]
        row = _option_row(ctx, wi, w, opt, perf, window)
        if row.slo_met and math.isfinite(perf.units_needed) and perf.units_needed > 0:
            ctx.options.append(row)
        else:
            ctx.rejected.append(row)


def _cheapest_options(
    scenario: Scenario, catalog: Catalog, screens: list[WorkloadScreen]
) -> Cheapest:
    """:func:`cheapest_per_group` once per distinct screen (screens are shared by identical
    workloads)."""
    cheapest: Cheapest = {}
    for screen in screens:
        if id(screen) not in cheapest:
            cheapest[id(screen)] = cheapest_per_group(scenario, catalog, screen.options)
    return cheapest


def _serving_shapes(
    scenario: Scenario, screens: list[WorkloadScreen], cheapest: Cheapest, performance: Any
) -> set[tuple[str, str, str, float, float]]:
    """(model, accelerator, precision, prompt, output) of every serving workload on every kept
    option, for :meth:`PerformanceCache.prefetch` (none with another performance seam)."""
    shapes: set[tuple[str, str, str, float, float]] = set()
    for w, screen in zip(scenario.workloads, screens, strict=True):
        lengths = serving_lengths(w)
        if lengths is not None and isinstance(performance, PerformanceCache):
            precision = str(getattr(w, "precision", "bf16"))
            for opt in cheapest[id(screen)][0]:
                shapes.add((w.model, opt.accelerator, precision, *lengths))
    return shapes


def _screen_counts(
    scenario: Scenario, screens: list[WorkloadScreen], cheapest: Cheapest
) -> dict[str, dict[str, int]]:
    """Options excluded per workload and reason, dearer duplicates of pay-per-use offers too."""
    counts: dict[str, dict[str, int]] = {}
    for w, screen in zip(scenario.workloads, screens, strict=True):
        counts[w.name] = dict(screen.excluded)
        dearer = cheapest[id(screen)][1]
        if dearer:
            counts[w.name]["dearer_duplicate"] = dearer
    return counts


def build_option_table(
    scenario: Scenario,
    catalog: Catalog,
    screens: list[WorkloadScreen] | None = None,
    performance: Any = None,
) -> OptionTable:
    """Screen, evaluate and price every option of ``scenario`` (see module docstring).

    ``performance(workload, accelerator, region, catalog, active_h) -> Performance`` is the
    performance seam (tests pass a hand-solvable one); by default a new
    :class:`~gigawatt.evaluate.performance.PerformanceCache` of ``catalog``.
    """
    performance = PerformanceCache(catalog) if performance is None else performance
    screens = screens if screens is not None else screen_distinct(scenario, catalog)
    cheapest = _cheapest_options(scenario, catalog, screens)
    if isinstance(performance, PerformanceCache):
        performance.prefetch(_serving_shapes(scenario, screens, cheapest, performance))
    ctx = _Pricing(scenario, catalog, performance, spot_lost_fraction(catalog))
    for wi, (w, screen) in enumerate(zip(scenario.workloads, screens, strict=True)):
        _add_workload_rows(ctx, wi, w, cheapest[id(screen)][0])
    table = OptionTable(
        scenario.name,
        scenario.horizon_days,
        tuple(w.name for w in scenario.workloads),
        ctx.options,
        ctx.pools,
        [],
        [],
        {},
        scenario.limits.budget_usd,
        _screen_counts(scenario, screens, cheapest),
        ctx.rejected,
        ctx.notes,
    )
    attach_limits(table, scenario, catalog)
    return table
