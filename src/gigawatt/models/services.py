"""Token-priced AI services against self-hosting: prices of a token mix and break-even volumes.

A *service* (serverless, per-token inference: DeepInfra, Fireworks, Bedrock ...) bills
``p`` USD per token whatever the load. *Self-hosting* (owning, colocating, reserving or renting
accelerators) deploys whole *units* (replicas) of ``c`` USD per hour each, each serving at most
``T`` tokens/s within the latency SLO. Held for a month of ``H`` hours, a volume of ``V``
tokens/month needs ``n = ceil(V / (u T 3600 H))`` units, ``u`` being the share of the held
capacity that does useful work (the load profile's mean over its peak for capacity sized for
the peak; 1 for capacity that follows the load). With ``ceil(x) <= x + 1`` self-hosting costs
at most ``F + m V``, where

- ``F = c H`` [USD/month] is the fixed cost of the smallest deployment (one unit), and
- ``m = c / (3600 u T)`` [USD/token] the marginal cost of a token at utilisation ``u``.

The service costs ``p V``. Self-hosting is cheaper for every volume above the **break-even
volume** ``V* = F / (p - m)`` (when ``p > m``; otherwise never, whatever the volume) and the
service is cheaper for every volume below ``F / p`` (less than one unit's month of tokens).
Prices in USD per million tokens (USD/1M tokens) throughout, volumes in tokens per month.
"""

from __future__ import annotations

import math

from gigawatt.models.energy import HOURS_PER_YEAR

TOKENS_PER_MILLION = 1e6
HOURS_PER_MONTH = HOURS_PER_YEAR / 12.0
"""Average hours in a month [h] (8,760 / 12 = 730)."""
SECONDS_PER_HOUR = 3600.0


def blended_usd_per_m_tokens(
    input_usd_per_m: float,
    output_usd_per_m: float,
    input_tokens: float,
    output_tokens: float,
    cached_share: float = 0.0,
    cached_input_usd_per_m: float | None = None,
) -> float:
    """Price of a request mix per million tokens, input and output together [USD/1M tokens].

    ``input_tokens`` / ``output_tokens`` [tokens per request]; ``cached_share`` [0-1] of the
    input served from the provider's prompt cache at ``cached_input_usd_per_m`` (at the input
    price when the provider publishes no cached price).
    """
    total = input_tokens + output_tokens
    if total <= 0:
        raise ValueError("a request needs at least one token")
    cached = input_usd_per_m if cached_input_usd_per_m is None else cached_input_usd_per_m
    input_cost = input_tokens * ((1.0 - cached_share) * input_usd_per_m + cached_share * cached)
    return (input_cost + output_tokens * output_usd_per_m) / total


def service_cost_usd(tokens: float, usd_per_m_tokens: float) -> float:
    """Cost of ``tokens`` tokens at ``usd_per_m_tokens`` [USD]."""
    return tokens * usd_per_m_tokens / TOKENS_PER_MILLION


def self_host_usd_per_m_tokens(
    unit_usd_per_h: float, unit_tokens_per_s: float, utilization: float
) -> float:
    """Marginal self-hosting cost ``m`` of a token [USD/1M tokens]: one unit's hourly cost over
    the tokens it serves in an hour at ``utilization`` (0-1] of its SLO throughput
    ``unit_tokens_per_s`` [tokens/s, input + output]."""
    if unit_tokens_per_s <= 0 or not 0 < utilization <= 1:
        raise ValueError("throughput must be > 0 and utilization in (0, 1]")
    tokens_per_h = unit_tokens_per_s * SECONDS_PER_HOUR * utilization
    return unit_usd_per_h / tokens_per_h * TOKENS_PER_MILLION


def fixed_usd_per_month(unit_usd_per_h: float) -> float:
    """Fixed cost ``F`` of the smallest deployment, one unit held a whole month [USD/month]."""
    return unit_usd_per_h * HOURS_PER_MONTH


def break_even_tokens_per_month(
    service_usd_per_m: float, unit_usd_per_h: float, unit_tokens_per_s: float, utilization: float
) -> float:
    """Break-even volume ``V* = F / (p - m)`` [tokens/month] above which self-hosting on units
    of ``unit_usd_per_h`` [USD/h] serving ``unit_tokens_per_s`` [tokens/s] at ``utilization``
    always costs less than the service at ``service_usd_per_m`` [USD/1M tokens] (module
    docstring); ``inf`` when the service is at or below self-hosting's marginal cost."""
    marginal = self_host_usd_per_m_tokens(unit_usd_per_h, unit_tokens_per_s, utilization)
    if service_usd_per_m <= marginal:
        return math.inf
    fixed = fixed_usd_per_month(unit_usd_per_h)
    return fixed / ((service_usd_per_m - marginal) / TOKENS_PER_MILLION)


def service_wins_below_tokens_per_month(service_usd_per_m: float, unit_usd_per_h: float) -> float:
    """Volume ``F / p`` [tokens/month] below which the service costs less than even one
    self-hosted unit held for the month."""
    if service_usd_per_m <= 0:
        raise ValueError("a service price must be > 0")
    return fixed_usd_per_month(unit_usd_per_h) / (service_usd_per_m / TOKENS_PER_MILLION)


def tokens_per_month(tokens_per_s: float) -> float:
    """A mean rate [tokens/s] as a monthly volume [tokens/month]."""
    return tokens_per_s * SECONDS_PER_HOUR * HOURS_PER_MONTH


def service_co2_kg(tokens: float, kwh_per_m_tokens: float, grid_gco2_per_kwh: float) -> float:
    """Estimated emissions of a service serving ``tokens`` [kgCO2e]: its facility energy per
    million tokens [kWh/1M tokens] (an estimate: providers publish none) times the grid
    intensity of the region that serves it [gCO2e/kWh]."""
    return tokens / TOKENS_PER_MILLION * kwh_per_m_tokens * grid_gco2_per_kwh / 1000.0
