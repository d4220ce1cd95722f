"""Effective price per *useful* accelerator-hour for each way of renting capacity.

- On-demand: pay only for the hours used, so the useful-hour price is the list price.
- Reserved, capacity blocks and contracts: paid whether used or not, so the useful-hour price is
  price / utilisation.
- Spot: each preemption loses on average half a checkpoint interval of work plus a restart; the paid
  hours that produce useful work shrink by that lost fraction, and a share of the work falls back to
  on-demand when spot capacity is missing.
- Hidden costs: egress ($/GB x GB moved; `gigawatt tco --egress-gb-per-month`); storage and
  support have no sourced figures in the catalog yet.
"""

from __future__ import annotations

from gigawatt.errors import InputError


def committed_usd_per_useful_h(price_usd_per_h: float, utilization: float) -> float:
    """Useful-hour price (USD/accelerator-h) of capacity paid whether used or not."""
    if not 0 < utilization <= 1:
        raise InputError(f"utilization {utilization!r} must be in (0, 1]", where="utilization")
    return price_usd_per_h / utilization


def spot_lost_fraction(
    preemptions_per_h: float, checkpoint_interval_h: float, restart_overhead_h: float
) -> float:
    """Fraction (0-1) of paid spot hours lost to preemptions: rate x (interval / 2 + restart)."""
    return min(0.99, preemptions_per_h * (checkpoint_interval_h / 2.0 + restart_overhead_h))


def spot_usd_per_useful_h(
    spot_usd_per_h: float,
    on_demand_usd_per_h: float,
    preemptions_per_h: float,
    checkpoint_interval_h: float,
    restart_overhead_h: float,
    fallback_fraction: float,
) -> float:
    """Useful-hour price (USD/accelerator-h) of spot capacity with an on-demand fallback for
    ``fallback_fraction`` (0-1) of the work."""
    lost = spot_lost_fraction(preemptions_per_h, checkpoint_interval_h, restart_overhead_h)
    return (1.0 - fallback_fraction) * spot_usd_per_h / (1.0 - lost) + (
        fallback_fraction * on_demand_usd_per_h
    )


def egress_usd(egress_usd_per_gb: float, data_gb: float) -> float:
    """Egress charge (USD) for moving ``data_gb`` (GB) out at ``egress_usd_per_gb``."""
    return egress_usd_per_gb * data_gb


def job_cost_usd(usd_per_useful_accel_h: float, accelerator_hours: float) -> float:
    """Cost (USD) of a job needing ``accelerator_hours`` useful accelerator-hours."""
    return usd_per_useful_accel_h * accelerator_hours
