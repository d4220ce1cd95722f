"""The option table the MILP consumes: one row per (workload, venue, offer, accelerator, region,
pricing model) that survived screening, with what it would take to run the workload there.

Built from :func:`gigawatt.evaluate.screen.screen_scenario` (which options are allowed) and
:mod:`gigawatt.evaluate.performance` (accelerators, hours, utilisation at the SLO), priced with
catalog offers and :mod:`gigawatt.models` (cost, tco, energy, carbon).

Payment kinds:

- ``pay_per_use`` (``on_demand``, ``spot``): USD/accelerator-h x accelerators x hours used.
  Spot hours are inflated by the work lost to preemptions (:func:`gigawatt.models.cost.
  spot_lost_fraction`, typical cost assumptions); latency-SLO serving never uses spot.
- ``committed`` (``reserved_1y``, ``reserved_3y``, ``contract``, ``capacity_block``): a *pool* of
  accelerators sized by the optimiser and paid whether used or not, for the longer of the horizon
  and the commitment term; workloads of the offer share it.
- ``owned``: the scenario's owned hardware, a pool of at most the owned count; the hardware is
  sunk (no capital cost), electricity is paid per kWh.
- ``purchase``: hardware bought at a user-operated venue, a pool whose per-accelerator cost is
  the annuity of the capex (net of resale value) plus maintenance and staff, for the horizon's
  share of a year (:mod:`gigawatt.models.tco`), plus electricity per kWh.

Energy is facility energy (IT x region PUE) at the utilisation from the performance model on the
linear idle-to-max power curve; carbon is location-based (grid average).
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from gigawatt.catalog import Catalog
from gigawatt.errors import InputError
from gigawatt.evaluate.economics import assumptions, system_for, unit_price_usd
from gigawatt.evaluate.performance import Performance, PerformanceCache, serving_lengths
from gigawatt.evaluate.screen import Option, WorkloadScreen, screen_scenario
from gigawatt.models import carbon, cost, energy, tco
from gigawatt.spec import InteractiveWorkload, Scenario, TrainingWorkload
from gigawatt.spec.workloads import AgentWorkload, EdgeInferenceWorkload

F64 = NDArray[np.float64]
HOURS_PER_DAY = 24.0
HOURS_PER_MONTH = 8760.0 / 12.0
PAY_PER_USE = ("on_demand", "spot")
COMMITTED = ("reserved_1y", "reserved_3y", "contract", "capacity_block")


@dataclass(frozen=True)
class TableOption:
    """One way to run one workload (units in the names; ``*_per_unit`` per deployed unit).

    A *unit* is the smallest deployable group (a serving replica or the training job) of
    ``unit_accelerators``; ``units_needed`` units carry the whole workload. Whole-workload figures
    (``accelerators``, ``cost_usd``, ...) assume the workload runs alone on this option with
    ``ceil(units_needed)`` units and, for pools, a pool of exactly its size.
    """

    index: int
    workload: str
    workload_index: int
    kind: str
    splittable: bool
    venue: str
    offer: str | None
    accelerator: str
    region: str
    pricing_model: str
    payment: str
    price_usd_per_accel_h: float | None
    unit_accelerators: int
    units_needed: float
    hours: float
    usage_usd_per_unit: float
    energy_kwh_per_unit: float
    co2_location_kg_per_unit: float
    power_kw_per_unit: float
    it_power_kw_per_unit: float
    pool: str | None
    window_days: tuple[float, float]
    slo_met: bool
    detail: str

    @property
    def units(self) -> int:
        """Whole units to carry the whole workload alone."""
        return max(1, math.ceil(self.units_needed - 1e-9))

    @property
    def accelerators(self) -> int:
        """Accelerators to carry the whole workload alone."""
        return self.units * self.unit_accelerators


@dataclass(frozen=True)
class Pool:
    """Accelerators committed for the horizon (reserved/contract offer, owned, purchased)."""

    key: str
    payment: str
    venue: str
    accelerator: str
    region: str
    offer: str | None
    usd_per_accelerator: float
    max_count: int | None
    note: str


@dataclass(frozen=True)
class Limit:
    """A shared limit: ``accelerator_caps[i]`` or ``power_caps[i]`` of the scenario."""

    key: str
    kind: str
    limit: float
    description: str


@dataclass
class OptionTable:
    """Options, pools and shared limits of one scenario."""

    scenario_name: str
    horizon_days: float
    workloads: tuple[str, ...]
    options: list[TableOption]
    pools: dict[str, Pool]
    accelerator_caps: list[Limit]
    power_caps: list[Limit]
    cap_members: dict[str, list[int]]
    budget_usd: float | None
    screens: dict[str, dict[str, int]]
    rejected: list[TableOption] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    origin: list[int] = field(default_factory=list)
    """Index of each option in the unpruned table (empty: this is the unpruned table)."""

    def by_workload(self) -> list[list[int]]:
        """Option indices of each workload (in ``workloads`` order)."""
        out: list[list[int]] = [[] for _ in self.workloads]
        for o in self.options:
            out[o.workload_index].append(o.index)
        return out

    def array(self, name: str) -> F64:
        """A numeric attribute of every option as an array (e.g. ``hours``)."""
        return np.array([float(getattr(o, name)) for o in self.options], dtype=np.float64)

    def alone_cost_usd(self, o: TableOption) -> float:
        """Cost of the whole workload alone on ``o`` (its own pool for committed capacity)."""
        usage = o.usage_usd_per_unit * o.units
        if o.pool is None:
            return usage
        return usage + self.pools[o.pool].usd_per_accelerator * o.accelerators

    def reindexed(self, keep: list[int]) -> OptionTable:
        """A copy keeping options ``keep`` (renumbered; cap members follow)."""
        new: list[TableOption] = []
        remap: dict[int, int] = {}
        for i in keep:
            o = self.options[i]
            remap[i] = len(new)
            new.append(_replace_index(o, len(new)))
        members = {k: [remap[i] for i in v if i in remap] for k, v in self.cap_members.items()}
        return OptionTable(
            self.scenario_name,
            self.horizon_days,
            self.workloads,
            new,
            self.pools,
            self.accelerator_caps,
            self.power_caps,
            members,
            self.budget_usd,
            self.screens,
            self.rejected,
            self.notes,
            [self.origin[i] for i in keep] if self.origin else list(keep),
        )


def _replace_index(o: TableOption, index: int) -> TableOption:
    """A copy of ``o`` with another index (a shallow copy: faster than
    :func:`dataclasses.replace` on large tables; the fields are immutable)."""
    new = copy.copy(o)
    object.__setattr__(new, "index", index)
    return new


# --- construction ---------------------------------------------------------------------------


def _payment(pricing_model: str) -> str:
    if pricing_model in PAY_PER_USE:
        return "pay_per_use"
    if pricing_model in COMMITTED:
        return "committed"
    return pricing_model


def _region_value(catalog: Catalog, region: str, key: str) -> float | None:
    """A region figure, falling back to the region's country row."""
    regions = catalog.tables["regions"]
    row = regions.get(region)
    if row is None:
        return None
    if row.get(key) is not None:
        return float(row[key])
    country = regions.get(row.get("country") or "")
    if country is not None and country.get(key) is not None:
        return float(country[key])
    return None


def _power_kw(catalog: Catalog, accelerator: str) -> tuple[float, float]:
    """(idle, max) IT power per accelerator [kW]: its catalog system's share when there is one
    (host included), else the accelerator alone."""
    accel = catalog.get("accelerators", accelerator)
    systems = [s for s in catalog.rows("systems") if s["accelerator"] == accelerator]
    tdp = float(accel["tdp_w"]) / 1000.0
    idle_ratio = float(accel.get("idle_power_w") or 0.0) / 1000.0 / tdp if tdp else 0.0
    if systems:
        s = sorted(systems, key=lambda r: r["kind"] != "node")[0]
        per = float(s["power_kw"]) / float(s["accelerators_per_system"])
        idle = s.get("idle_power_kw")
        if idle is not None:
            return float(idle) / float(s["accelerators_per_system"]), per
        return per * idle_ratio, per
    return tdp * idle_ratio, tdp


def _purchase_usd_per_accel(
    catalog: Catalog, accelerator: str, horizon_days: float
) -> tuple[float | None, str]:
    """Horizon share of owning one accelerator: capex annuity net of resale + maintenance +
    staff (typical cost assumptions) [USD/accelerator]."""

    accel = catalog.get("accelerators", accelerator)
    try:
        price = unit_price_usd(system_for(catalog, accelerator), accel, "typical")
    except InputError:
        if accel.get("purchase_price_usd") is None:
            return None, f"no purchase price for {accelerator}"
        price = float(accel["purchase_price_usd"])
    a = assumptions(catalog, "typical")
    years = float(a["depreciation_years"])
    rate = float(a["cost_of_capital_fraction"])
    curve = [float(a[f"residual_{i}y_fraction"]) for i in range(1, 6)]
    capex = price + float(a["networking_capex_per_accel_usd"])
    residual = price * tco.residual_fraction(years, curve)
    yearly = tco.annualized_capex_usd(capex, residual, rate, years)
    yearly += price * float(a["maintenance_per_year_fraction"])
    yearly += float(a["staff_per_accel_year_usd"])
    share = horizon_days / 365.0
    return yearly * share, (
        f"capex {price:,.0f} USD + network annuity over {years:g} y at {rate:.0%}, resale, "
        "maintenance and staff (cost_assumptions typical), horizon share"
    )


def _spot_lost_fraction(catalog: Catalog) -> float:

    a = assumptions(catalog, "typical")
    return cost.spot_lost_fraction(
        float(a["spot_preemptions_per_h"]),
        float(a["spot_checkpoint_interval_h"]),
        float(a["spot_restart_overhead_h"]),
    )


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
    if isinstance(w, TrainingWorkload):
        return (w.start_day, w.start_day + w.slo.deadline_days)
    return (w.start_day, scenario.horizon_days)


def _latency_critical(w: Any) -> bool:
    return isinstance(w, InteractiveWorkload | AgentWorkload | EdgeInferenceWorkload)


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
    horizon_h = scenario.horizon_days * HOURS_PER_DAY
    lost = _spot_lost_fraction(catalog)
    pools: dict[str, Pool] = {}
    notes: list[str] = []
    options: list[TableOption] = []
    rejected: list[TableOption] = []
    owned_count: dict[tuple[str, str, str], int] = {}
    for h in scenario.owned_hardware:
        k = (h.venue, h.region, h.accelerator)
        owned_count[k] = owned_count.get(k, 0) + h.count
    power_cache: dict[str, tuple[float, float]] = {}
    purchase_cache: dict[str, tuple[float | None, str]] = {}
    offers = catalog.tables["offers"]
    screen_counts = {
        w.name: dict(sc.excluded) for w, sc in zip(scenario.workloads, screens, strict=True)
    }
    cheapest: dict[int, tuple[list[Option], int]] = {}
    shapes: set[tuple[str, str, str, float, float]] = set()
    for w, screen in zip(scenario.workloads, screens, strict=True):
        if id(screen) not in cheapest:  # screens are shared by identical workloads
            cheapest[id(screen)] = _cheapest_per_group(scenario, catalog, screen.options)
        lengths = serving_lengths(w)
        if lengths is not None and isinstance(performance, PerformanceCache):
            precision = str(getattr(w, "precision", "bf16"))
            for opt in cheapest[id(screen)][0]:
                shapes.add((w.model, opt.accelerator, precision, *lengths))
    if isinstance(performance, PerformanceCache):
        performance.prefetch(shapes)
    for wi, (w, screen) in enumerate(zip(scenario.workloads, screens, strict=True)):
        window = _window(scenario, w)
        active_h = (scenario.horizon_days - w.start_day) * HOURS_PER_DAY
        kept, dearer = cheapest[id(screen)]
        if dearer:
            screen_counts[w.name]["dearer_duplicate"] = dearer
        perf_cache: dict[tuple[str, str], Performance] = {}
        for opt in kept:
            payment = _payment(opt.pricing_model)
            pkey = (opt.accelerator, opt.region)
            if pkey not in perf_cache:
                perf_cache[pkey] = performance(w, opt.accelerator, opt.region, catalog, active_h)
            perf = perf_cache[pkey]
            slo_met, detail = perf.slo_met, perf.detail
            hours = perf.hours
            if opt.pricing_model == "spot":
                if _latency_critical(w):
                    slo_met, detail = False, "spot preemptions would break a latency SLO"
                else:
                    hours = hours / (1.0 - lost)
                    detail += f"; spot: hours / (1 - {lost:.3f} lost to preemptions)"
            pool: str | None = None
            if payment == "committed":
                pool = f"offer:{opt.offer}"
                if pool not in pools:
                    term = offers[opt.offer].get("term_months") if opt.offer else None
                    paid_h = max(horizon_h, float(term or 0) * HOURS_PER_MONTH)
                    price = float(opt.price_usd_per_accel_h or 0.0)
                    pools[pool] = Pool(
                        pool,
                        payment,
                        opt.venue,
                        opt.accelerator,
                        opt.region,
                        opt.offer,
                        price * paid_h,
                        None,
                        f"{price:g} USD/accelerator-h x {paid_h:,.0f} h committed",
                    )
            elif payment == "owned":
                pool = f"owned:{opt.venue}:{opt.region}:{opt.accelerator}"
                if pool not in pools:
                    pools[pool] = Pool(
                        pool,
                        payment,
                        opt.venue,
                        opt.accelerator,
                        opt.region,
                        None,
                        0.0,
                        owned_count.get((opt.venue, opt.region, opt.accelerator), 0),
                        "owned: capital cost sunk, electricity paid",
                    )
            elif payment == "purchase":
                if opt.accelerator not in purchase_cache:
                    purchase_cache[opt.accelerator] = _purchase_usd_per_accel(
                        catalog, opt.accelerator, scenario.horizon_days
                    )
                usd, note = purchase_cache[opt.accelerator]
                if usd is None:
                    slo_met, detail = False, note
                    usd = math.inf
                pool = f"purchase:{opt.venue}:{opt.region}:{opt.accelerator}"
                if pool not in pools and math.isfinite(usd):
                    pools[pool] = Pool(
                        pool,
                        payment,
                        opt.venue,
                        opt.accelerator,
                        opt.region,
                        None,
                        usd,
                        None,
                        note,
                    )
            if opt.accelerator not in power_cache:
                power_cache[opt.accelerator] = _power_kw(catalog, opt.accelerator)
            idle_kw, max_kw = power_cache[opt.accelerator]
            pue = _region_value(catalog, opt.region, "pue") or 1.0
            grid = _region_value(catalog, opt.region, "grid_gco2_per_kwh") or 0.0
            unit = max(perf.unit_accelerators, 1)
            util = perf.utilization
            it_kw = energy.power_at_utilization_w(idle_kw, max_kw, util) * unit
            kwh = energy.facility_energy_kwh(energy.energy_kwh(it_kw * 1000.0, hours), pue)
            co2 = carbon.location_co2_kg(kwh, grid)
            if payment == "pay_per_use":
                usage = float(opt.price_usd_per_accel_h or 0.0) * unit * hours
            elif payment in ("owned", "purchase"):
                usd_kwh = _region_value(catalog, opt.region, "electricity_usd_per_kwh")
                if usd_kwh is None:
                    usd_kwh = 0.0
                    msg = f"no electricity price for region {opt.region}: energy cost not counted"
                    if msg not in notes:
                        notes.append(msg)
                usage = kwh * usd_kwh
            else:
                usage = 0.0
            row = TableOption(
                index=len(options),
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
                usage_usd_per_unit=usage,
                energy_kwh_per_unit=kwh,
                co2_location_kg_per_unit=co2,
                power_kw_per_unit=max_kw * unit * pue,
                it_power_kw_per_unit=max_kw * unit,
                pool=pool,
                window_days=window,
                slo_met=slo_met,
                detail=detail,
            )
            if slo_met and math.isfinite(perf.units_needed) and perf.units_needed > 0:
                options.append(row)
            else:
                rejected.append(row)
    table = OptionTable(
        scenario.name,
        scenario.horizon_days,
        tuple(w.name for w in scenario.workloads),
        options,
        pools,
        [],
        [],
        {},
        scenario.limits.budget_usd,
        screen_counts,
        rejected,
        notes,
    )
    attach_limits(table, scenario, catalog)
    return table


def _region_matches(catalog: Catalog, region: str, wanted: str | None) -> bool:
    if wanted is None or region == wanted:
        return True
    row = catalog.tables["regions"].get(region)
    return row is not None and row.get("country") == wanted


def accelerator_cap_covers(
    catalog: Catalog,
    cap: Any,
    payment: str,
    venue: str,
    region: str,
    accelerator: str,
    offer: str | None,
) -> bool:
    """Whether accelerator cap ``cap`` (a scenario ``AcceleratorCap``) covers an option: rented
    capacity (pay-per-use or committed) matching every selector the cap sets."""
    return (
        payment in ("pay_per_use", "committed")
        and (cap.offer is None or offer == cap.offer)
        and (cap.venue is None or venue == cap.venue)
        and (cap.accelerator is None or accelerator == cap.accelerator)
        and _region_matches(catalog, region, cap.region)
    )


def power_cap_covers(catalog: Catalog, cap: Any, venue: str, region: str) -> bool:
    """Whether power cap ``cap`` (a scenario ``PowerCap``) covers an option at venue/region."""
    return (cap.venue is None or venue == cap.venue) and _region_matches(
        catalog, region, cap.region
    )


def _cheapest_per_group(
    scenario: Scenario, catalog: Catalog, options: list[Option]
) -> tuple[list[Option], int]:
    """Keep, among pay-per-use offers of the same accelerator, region and pricing model under
    the same limits, only the cheapest: the others run identically and cost more (exact
    dominance). Returns the kept options and how many were dropped."""
    best: dict[tuple[Any, ...], Option] = {}
    kept: list[Option] = []
    caps = scenario.limits.accelerator_caps
    power = scenario.limits.power_caps
    for opt in options:
        payment = _payment(opt.pricing_model)
        if payment != "pay_per_use":
            kept.append(opt)
            continue
        signature = tuple(
            i
            for i, c in enumerate(caps)
            if accelerator_cap_covers(
                catalog, c, payment, opt.venue, opt.region, opt.accelerator, opt.offer
            )
        ) + tuple(
            -1 - i
            for i, p in enumerate(power)
            if power_cap_covers(catalog, p, opt.venue, opt.region)
        )
        key = (opt.accelerator, opt.region, opt.pricing_model, signature)
        current = best.get(key)
        if current is None or (opt.price_usd_per_accel_h or 0.0) < (
            current.price_usd_per_accel_h or 0.0
        ):
            best[key] = opt
    kept.extend(best.values())
    return kept, len(options) - len(kept)


def attach_limits(table: OptionTable, scenario: Scenario, catalog: Catalog) -> None:
    """Fill the table's accelerator and power caps and which options each covers."""
    table.accelerator_caps.clear()
    table.power_caps.clear()
    table.cap_members.clear()
    for i, c in enumerate(scenario.limits.accelerator_caps):
        key = f"accelerator_caps[{i}]"
        scope = ", ".join(
            f"{k}={v}" for k, v in c.model_dump(exclude={"max_count"}).items() if v is not None
        )
        table.accelerator_caps.append(
            Limit(
                key, "accelerators", float(c.max_count), f"rented accelerators ({scope or 'all'})"
            )
        )
        table.cap_members[key] = [
            o.index
            for o in table.options
            if accelerator_cap_covers(
                catalog, c, o.payment, o.venue, o.region, o.accelerator, o.offer
            )
        ]
    for i, p in enumerate(scenario.limits.power_caps):
        key = f"power_caps[{i}]"
        scope = ", ".join(f"{k}={v}" for k, v in (("venue", p.venue), ("region", p.region)) if v)
        table.power_caps.append(
            Limit(key, p.basis, p.power_cap_mw * 1000.0, f"{p.basis} power ({scope or 'all'}) kW")
        )
        table.cap_members[key] = [
            o.index for o in table.options if power_cap_covers(catalog, p, o.venue, o.region)
        ]


PRUNE_ABOVE = 2000
"""Tables with more options than this are pruned by :func:`prune_dominated`."""


class _Profile(NamedTuple):
    """What dominance compares: per-unit bounds of cost, per-unit other metrics, units needed
    (and its ceiling)."""

    option: int
    alone_lower: float
    unit_cost_lower: float
    unit_cost_upper: float
    unit_metrics: tuple[float, ...]
    units_needed: float
    splittable: bool
    whole_units: int


def _dominates(k: _Profile, o: _Profile) -> bool:
    """True when ``k`` is no worse than ``o`` at every share ``s`` of the workload: for cost and
    each metric, ``m_k * ceil(R_k s) <= m_o * ceil(R_o s)`` (cost: ``k``'s upper bound against
    ``o``'s lower bound). With ``r = min_m m_o / m_k`` this is ``ceil(R_k s) <= r ceil(R_o s)``,
    checked at every step of ``ceil(R_o s)`` (``s = j / R_o``), the first 64 exactly and the rest
    by the sufficient ``R_k / R_o + 1/65 <= r``; only ``s = 1`` for unsplit workloads."""
    theirs = k.unit_cost_upper
    ratio = o.unit_cost_lower / theirs if theirs > 0 else math.inf
    for mine, theirs in zip(o.unit_metrics, k.unit_metrics, strict=True):
        if theirs > 0 and mine / theirs < ratio:
            ratio = mine / theirs
    if ratio <= 0:
        return False
    rk, ro = k.units_needed, o.units_needed
    full_o = o.whole_units
    if k.whole_units > ratio * full_o * (1 + 1e-12):
        return False
    if not o.splittable:
        return True
    if rk <= ro and ratio >= 1.0:
        return True
    if math.ceil(rk * min(1.0 / ro, 1.0) - 1e-9) > ratio * (1 + 1e-12):
        return False  # the first step (j = 1) already fails
    steps = min(full_o, 64)
    j = np.arange(1, steps + 1, dtype=float)
    shares = np.minimum(j / ro, 1.0)
    if np.any(np.ceil(rk * shares - 1e-9) > ratio * j * (1 + 1e-12)):
        return False
    return full_o <= 64 or rk / ro + 1.0 / 65.0 <= ratio


def prune_dominated(
    table: OptionTable,
    above: int = PRUNE_ABOVE,
    *,
    carbon: bool = True,
    limits: frozenset[str] | None = None,
) -> OptionTable:
    """Drop options dominated within their workload and shared-limit signature (same caps, and
    the same owned pool): another option is no worse at any share of the workload
    (:func:`_dominates`) on cost (its upper bound: alone, with a private pool; against the
    dominated one's lower bound: for a pool option whose pool's other users run outside its
    window only its usage cost, since it may share the pool for free), on emissions (when
    ``carbon``: a carbon or weighted objective, or a Pareto sweep), on accelerators (when an
    accelerator cap or owned count covers them) and on power (when a power cap does). Exact:
    the optimum of the pruned table is that of the full one. Only tables above ``above`` options
    are pruned. ``limits`` restricts the caps considered (keys; None = all), for a model that
    enforces only those (:func:`gigawatt.optimize.lazy.solve_with_lazy_limits`)."""
    if len(table.options) <= above:
        return table
    member_of: dict[int, list[str]] = {}
    for key, members in table.cap_members.items():
        if limits is not None and key not in limits:
            continue
        for i in members:
            member_of.setdefault(i, []).append(key)
    span: dict[str, tuple[float, float]] = {}
    for o in table.options:
        if o.pool is not None:
            lo, hi = span.get(o.pool, (math.inf, -math.inf))
            span[o.pool] = (min(lo, o.window_days[0]), max(hi, o.window_days[1]))
    groups: dict[tuple[Any, ...], list[_Profile]] = {}
    kinds: dict[tuple[str, ...], tuple[bool, bool]] = {}
    for o in table.options:
        caps = tuple(member_of.get(o.index, ()))
        limited_pool = o.pool is not None and table.pools[o.pool].max_count is not None
        if limited_pool:
            caps = (*caps, f"pool:{o.pool}")  # owned hardware is a shared limit too
        upper = o.usage_usd_per_unit
        if o.pool is not None:
            upper += table.pools[o.pool].usd_per_accelerator * o.unit_accelerators
        lower = upper
        if o.pool is not None:
            lo, hi = span[o.pool]
            if not (o.window_days[0] <= lo and o.window_days[1] >= hi):
                lower = o.usage_usd_per_unit
        kind = kinds.get(caps)
        if kind is None:
            kind = kinds[caps] = (
                any(c.startswith("accelerator_caps") for c in caps),
                any(c.startswith("power_caps") for c in caps),
            )
        metrics: list[float] = []
        if carbon:
            metrics.append(o.co2_location_kg_per_unit)
        if limited_pool or kind[0]:
            metrics.append(float(o.unit_accelerators))
        if kind[1]:
            metrics.append(o.power_kw_per_unit)
        whole = math.ceil(o.units_needed - 1e-9)
        profile = _Profile(
            o.index,
            lower * max(1, whole),
            lower,
            upper,
            tuple(metrics),
            o.units_needed,
            o.splittable,
            whole,
        )
        groups.setdefault((o.workload_index, caps), []).append(profile)
    keep: list[int] = []
    for rows in groups.values():
        rows.sort(key=lambda p: (p.alone_lower, p.option))
        kept: list[_Profile] = []
        for r in rows:
            for pos, k in enumerate(kept):
                if _dominates(k, r):
                    if pos:  # move-to-front: the last dominator is the likeliest next
                        kept.insert(0, kept.pop(pos))
                    break
            else:
                kept.append(r)
        keep.extend(k.option for k in kept)
    keep.sort()
    out = table.reindexed(keep)
    out.notes = [
        *table.notes,
        f"{len(table.options) - len(keep)} dominated options pruned of {len(table.options)}",
    ]
    return out
