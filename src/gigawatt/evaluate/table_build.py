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
from gigawatt.catalog.lookup import accelerator_power_kw, region_value_or_fallback
from gigawatt.catalog.schema import PREEMPTIBLE_PRICING
from gigawatt.evaluate.demand import scenario_blocks
from gigawatt.evaluate.performance import (
    HOURS_PER_DAY,
    Performance,
    PerformanceCache,
    serving_lengths,
)
from gigawatt.evaluate.screen import (
    Option,
    WorkloadScreen,
    one_device_per_replica,
    screen_scenario,
)
from gigawatt.evaluate.table import LEVEL_ROUNDING_NOTE, OptionTable, Pool, TableOption
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
from gigawatt.evaluate.table_service_notes import break_even_notes
from gigawatt.evaluate.table_services import add_service_rows
from gigawatt.evaluate.table_time import (
    Windows,
    duty,
    in_whole_instances,
    instance_accelerators,
    job_windows,
    workload_levels,
)
from gigawatt.spec import BatchInferenceWorkload, Scenario, TrainingWorkload

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
    region: dict[str, float | None] = field(default_factory=dict)
    off_site: dict[str, int] = field(default_factory=dict)
    classes: dict[str, str] = field(default_factory=dict)

    def venue_class(self, venue: str) -> str:
        """What performance reads of a venue (its kind, for the request path, and whether a
        replica runs on one device): venues of one class share their evaluations."""
        if venue not in self.classes:
            row = self.catalog.get("venues", venue)
            self.classes[venue] = f"{row['kind']}|{one_device_per_replica(row)}"
        return self.classes[venue]

    def accelerator_power_kw(self, accelerator: str) -> tuple[float, float]:
        """(idle, max) IT power per accelerator [kW], cached."""
        if accelerator not in self.power_kw:
            self.power_kw[accelerator] = accelerator_power_kw(self.catalog, accelerator)
        return self.power_kw[accelerator]

    def figure(self, region: str, key: str) -> float | None:
        """A region figure (``pue``, ``grid_gco2_per_kwh``, ``electricity_usd_per_kwh``): its
        own, else the high end of its area's fallback range (a note says so; unknown is never
        free, and a region never gains by lacking data); None when nothing gives it."""
        cache_key = f"{region}|{key}"
        if cache_key not in self.region:
            found = region_value_or_fallback(self.catalog, region, key)
            value = None
            if found is not None:
                value = found[0] if found[3] is None else found[2]
                if found[3] is not None:
                    note = f"{found[3]}: priced at the high end, {found[2]:g}"
                    if note not in self.notes:
                        self.notes.append(note)
            self.region[cache_key] = value
        return self.region[cache_key]


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
    instance = instance_accelerators(ctx.catalog, opt, payment)
    ctx.pools[key] = make_pool(key, payment, opt, usd, max_count, note, instance)
    return key, None


def _job(w: Any, perf: Performance, horizon_days: float) -> tuple[Windows, int, str | None]:
    """(windows, runs, why it cannot run or None) of workload ``w`` with ``perf``."""
    run_days = perf.hours / HOURS_PER_DAY if perf.hours > 0 else None
    windows = job_windows(w, horizon_days, run_days)
    if not windows:
        return ((w.start_day, horizon_days),), 1, "no run fits between start_day and the horizon"
    runs = len(windows) if isinstance(w, TrainingWorkload) else 1
    return windows, runs, None


def _option_row(ctx: _Pricing, wi: int, w: Any, opt: Option, perf: Performance) -> TableOption:
    """The table row of running workload ``w`` (index ``wi``) on ``opt``."""
    payment = payment_kind(opt.pricing_model)
    windows, runs, no_run = _job(w, perf, ctx.scenario.horizon_days)
    layout, replica_n = perf.layout, perf.unit_accelerators
    if payment == "pay_per_use":
        splittable = not isinstance(w, TrainingWorkload)
        perf, packed = in_whole_instances(
            perf, instance_accelerators(ctx.catalog, opt, payment), splittable
        )
    else:
        packed = ""
    hours_per_run, slo_met, detail = perf.hours, perf.slo_met, perf.detail
    if packed:
        detail = f"{detail}; {packed}"
    if opt.pricing_model in PREEMPTIBLE_PRICING:
        hours_per_run, slo_met, detail = spot_hours(w, hours_per_run, slo_met, detail, ctx.lost)
    if no_run is not None:
        slo_met, detail = False, no_run
    if runs > 1:
        detail = f"{detail}; {runs} runs in the horizon"
    hours = hours_per_run * runs
    pool, unpriced = _pool(ctx, opt, payment)
    if unpriced is not None:  # say whether a price is all it lacks (infeasibility advice)
        slo_met, detail = False, f"{unpriced}{UNPRICED_MEETS_SLO if slo_met else ''}"
    unit = max(perf.unit_accelerators, 1)
    pue, grid = ctx.figure(opt.region, "pue"), ctx.figure(opt.region, "grid_gco2_per_kwh")
    usd_kwh = None
    if payment in ("owned", "purchase"):
        usd_kwh = ctx.figure(opt.region, "electricity_usd_per_kwh")
        if usd_kwh is None:
            slo_met, detail = False, f"no electricity price for {opt.region} and no fallback"
    if pue is None or grid is None:
        slo_met, detail = False, f"no PUE or grid intensity for {opt.region} and no fallback"
    power = ctx.accelerator_power_kw(opt.accelerator)
    draw = unit_draw(power, pue or 1.0, grid or 0.0, unit, perf.utilization, hours)
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
        windows=windows,
        slo_met=slo_met,
        detail=detail,
        duty=duty(windows, hours_per_run) if isinstance(w, TrainingWorkload) else _duty(w),
        filler=pool is not None and _movable(w),
        layout=layout,
        replica_accelerators=replica_n if layout is not None else 0,
    )


def _movable(w: Any) -> bool:
    """Whether a job's hours may move to any time block of its window: training, and batch
    whose turnaround leaves the whole day."""
    if isinstance(w, BatchInferenceWorkload):
        return w.slo.turnaround_h >= HOURS_PER_DAY
    return isinstance(w, TrainingWorkload)


def _duty(w: Any) -> float:
    """Share of the hours a serving workload holds its units: a batch job its daily window."""
    if isinstance(w, BatchInferenceWorkload):
        return min(w.slo.turnaround_h, HOURS_PER_DAY) / HOURS_PER_DAY
    return 1.0


def _add_workload_rows(ctx: _Pricing, wi: int, w: Any, kept: list[Option]) -> None:
    """Rows of workload ``w`` on every kept option: to ``options`` when the option meets the SLO
    with a positive, finite number of units, else to ``rejected``. The performance seam runs
    once per accelerator, region and venue."""
    active_h = (ctx.scenario.horizon_days - w.start_day) * HOURS_PER_DAY
    perf_cache: dict[tuple[str, str, str], Performance] = {}  # by venue class, not venue
    sites = ctx.scenario.purchase_sites
    allowed = None if sites is None else {(site.venue, site.region) for site in sites}
    for opt in kept:
        purchase = opt.pricing_model == "purchase"
        if allowed is not None and purchase and (opt.venue, opt.region) not in allowed:
            ctx.off_site[w.name] = ctx.off_site.get(w.name, 0) + 1
            continue
        pkey = (opt.accelerator, opt.region, ctx.venue_class(opt.venue))
        if pkey not in perf_cache:
            perf_cache[pkey] = ctx.performance(
                w, opt.accelerator, opt.region, ctx.catalog, active_h, opt.venue
            )
        perf = perf_cache[pkey]
        row = _option_row(ctx, wi, w, opt, perf)
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
    scenario: Scenario,
    screens: list[WorkloadScreen],
    cheapest: Cheapest,
    off_site: dict[str, int],
) -> dict[str, dict[str, int]]:
    """Options excluded per workload and reason, dearer duplicates of pay-per-use offers and
    purchases outside ``purchase_sites`` too."""
    counts: dict[str, dict[str, int]] = {}
    for w, screen in zip(scenario.workloads, screens, strict=True):
        counts[w.name] = dict(screen.excluded)
        dearer = cheapest[id(screen)][1]
        if dearer:
            counts[w.name]["dearer_duplicate"] = dearer
        if off_site.get(w.name):
            counts[w.name]["not_a_purchase_site"] = off_site[w.name]
    return counts


def build_option_table(
    scenario: Scenario,
    catalog: Catalog,
    screens: list[WorkloadScreen] | None = None,
    performance: Any = None,
) -> OptionTable:
    """Screen, evaluate and price every option of ``scenario`` (see module docstring).

    ``performance(workload, accelerator, region, catalog, active_h, venue) -> Performance`` is the
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
    add_service_rows(
        scenario,
        catalog,
        ctx.options,
        ctx.rejected,
        ctx.notes,
        lambda region: ctx.figure(region, "grid_gco2_per_kwh"),
    )
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
        _screen_counts(scenario, screens, cheapest, ctx.off_site),
        ctx.rejected,
        ctx.notes,
    )
    blocks = scenario_blocks(scenario)
    table.block_share = tuple(float(v) for v in blocks.share)
    table.levels = workload_levels(scenario, blocks)
    if any(levels.profiled for levels in table.levels):
        table.notes.append(LEVEL_ROUNDING_NOTE)
    if blocks.excess > 0:
        table.notes.append(
            f"time blocks: {blocks.share.size} blocks hold the peak of the hours they merge "
            f"(mean demand overstated by {blocks.excess:.1%} of peak; raise time_blocks)"
        )
    attach_limits(table, scenario, catalog)
    break_even_notes(table, scenario)
    return table
