"""Why self-hosting did or did not beat a per-token service, per workload: the break-even
volume (:func:`gigawatt.models.services.break_even_tokens_per_month`) of the workload's
cheapest self-hosted option alone against its cheapest qualifying service, beside its mean
volume, as a note of the option table that the plan's explanations quote.
"""

from __future__ import annotations

import math

from gigawatt.evaluate.performance import HOURS_PER_DAY
from gigawatt.evaluate.table import OptionTable, TableOption
from gigawatt.evaluate.table_services import SERVICE_PAYMENT, SERVICE_UNITS, service_load
from gigawatt.models import services as svc
from gigawatt.spec import Scenario

BREAK_EVEN_MARK = ": per-token "
"""Joins a workload's name to its break-even note (``<workload>: per-token <service> ...``)."""


def _unit_terms(table: OptionTable, o: TableOption, horizon_h: float) -> tuple[float, float]:
    """(cost of one deployed unit per hour held [USD/h], share of held capacity doing useful
    work) of a self-hosted option: committed capacity (a pool) is held all the horizon at the
    profile's mean over peak; pay-per-use follows the demand levels (see
    :mod:`gigawatt.evaluate.services`)."""
    usage_h = o.usage_usd_per_unit / o.hours if o.hours > 0 else 0.0
    if o.pool is None:
        return usage_h, 1.0
    levels = table.levels_of(o.workload_index)
    mean = sum(v * h for v, h in zip(levels.values, levels.hours_share, strict=True))
    pool_h = table.pools[o.pool].usd_per_accelerator * o.unit_accelerators / horizon_h
    return pool_h + usage_h * mean, mean


def break_even_notes(table: OptionTable, scenario: Scenario) -> None:
    """For each workload with a qualifying service: its cheapest service and cheapest
    self-hosted option alone (cost over the horizon, USD per 1M tokens, which is cheaper at the
    workload's volume) and the volumes below which the service, and above which self-hosting,
    wins whatever the rounding to whole units (:mod:`gigawatt.models.services`), as a note."""
    horizon_h = scenario.horizon_days * HOURS_PER_DAY
    by_workload = table.by_workload()
    for wi, w in enumerate(scenario.workloads):
        load = service_load(w)
        mine = [table.options[i] for i in by_workload[wi]]
        services = [o for o in mine if o.payment == SERVICE_PAYMENT]
        own = [o for o in mine if o.payment != SERVICE_PAYMENT]
        if load is None or not services or not own:
            continue
        service = min(services, key=table.alone_cost_usd)
        best = min(own, key=table.alone_cost_usd)
        peak_tokens_h = load.peak_per_s * load.tokens_per_request * 3600.0
        price = service.usage_usd_per_unit * SERVICE_UNITS / service.hours / peak_tokens_h * 1e6
        unit_h, used = _unit_terms(table, best, horizon_h)
        unit_tokens_s = load.peak_per_s * load.tokens_per_request / best.units_needed
        volume = svc.break_even_tokens_per_month(price, unit_h, unit_tokens_s, used)
        mean = svc.tokens_per_month(load.mean_per_s * load.tokens_per_request)
        where = f"{best.offer or best.venue} ({best.pricing_model} {best.accelerator})"
        service_usd, own_usd = table.alone_cost_usd(service), table.alone_cost_usd(best)
        side = "the service" if service_usd < own_usd else "self-hosting"
        head = (
            f"{service.offer} at {price:.3g} USD/1M tokens costs {service_usd:,.0f} USD alone "
            f"at a mean of {mean:.3g} tokens/month, self-hosting on {where} {own_usd:,.0f} USD "
            f"({svc.self_host_usd_per_m_tokens(unit_h, unit_tokens_s, used):.3g} USD/1M tokens "
            f"at its load), so {side} is cheaper at this volume"
        )
        below = svc.service_wins_below_tokens_per_month(price, unit_h)
        if math.isinf(volume):
            tail = (
                f"the service wins at any volume below {below:.3g} tokens/month and self-hosting "
                "never wins for sure at this load profile (the service is below its marginal "
                "cost per token)"
            )
        else:
            tail = (
                f"the service wins at any volume below {below:.3g} tokens/month, self-hosting "
                f"at any volume above {volume:.3g} (break-even)"
            )
        table.notes.append(f"{w.name}{BREAK_EVEN_MARK}{head}; {tail}")


def service_break_even(notes: list[str], workload: str) -> list[str]:
    """The break-even note(s) of ``workload`` among a table's notes, without the name
    (``per-token <service> at ... (break-even)``)."""
    head = f"{workload}{BREAK_EVEN_MARK}"
    return [n[len(workload) + 2 :] for n in notes if n.startswith(head)]
