"""Break-even volume of self-hosting against a per-token service (models/services.py)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gigawatt.models import services as svc


def test_blended_price_of_a_token_mix() -> None:
    # 3 input tokens at 0.2 and 1 output token at 0.6 USD/1M: (0.6 + 0.6) / 4 = 0.3
    assert svc.blended_usd_per_m_tokens(0.2, 0.6, 3, 1) == pytest.approx(0.3)
    # half the input cached at 0.1: (1.5 * 0.2 + 1.5 * 0.1 + 0.6) / 4 = 0.2625
    assert svc.blended_usd_per_m_tokens(0.2, 0.6, 3, 1, 0.5, 0.1) == pytest.approx(0.2625)
    with pytest.raises(ValueError):
        svc.blended_usd_per_m_tokens(0.2, 0.6, 0, 0)


def test_break_even_by_hand() -> None:
    # a 2 USD/h unit serving 1,000 tokens/s at full use: m = 2 / 3.6e6 tokens = 0.556 USD/1M;
    # F = 2 x 730 = 1,460 USD/month; against 1.0 USD/1M: V* = 1460 / (1.0 - 0.5556) per 1M
    m = svc.self_host_usd_per_m_tokens(2.0, 1000.0, 1.0)
    assert m == pytest.approx(2.0 / 3.6, rel=1e-12)
    volume = svc.break_even_tokens_per_month(1.0, 2.0, 1000.0, 1.0)
    assert volume == pytest.approx(1460.0 / (1.0 - 2.0 / 3.6) * 1e6)
    # at the break-even volume the service costs one unit's month plus the marginal cost
    assert svc.service_cost_usd(volume, 1.0) == pytest.approx(1460.0 + volume * m / 1e6)
    assert svc.service_wins_below_tokens_per_month(1.0, 2.0) == pytest.approx(1.46e9)
    assert svc.break_even_tokens_per_month(0.5, 2.0, 1000.0, 1.0) == math.inf


def test_bad_inputs_raise() -> None:
    with pytest.raises(ValueError):
        svc.self_host_usd_per_m_tokens(2.0, 0.0, 1.0)
    with pytest.raises(ValueError):
        svc.self_host_usd_per_m_tokens(2.0, 10.0, 1.5)
    with pytest.raises(ValueError):
        svc.service_wins_below_tokens_per_month(0.0, 2.0)


prices = st.floats(0.01, 20.0)
costs = st.floats(0.1, 100.0)
rates = st.floats(10.0, 1e5)
shares = st.floats(0.01, 1.0)


@given(prices, prices, costs, rates, shares)
def test_break_even_falls_as_the_service_price_rises(
    p1: float, p2: float, usd_h: float, tokens_s: float, u: float
) -> None:
    low, high = sorted((p1, p2))
    assert svc.break_even_tokens_per_month(high, usd_h, tokens_s, u) <= (
        svc.break_even_tokens_per_month(low, usd_h, tokens_s, u)
    )


@given(prices, costs, rates, shares, shares)
def test_break_even_falls_as_utilisation_rises(
    p: float, usd_h: float, tokens_s: float, u1: float, u2: float
) -> None:
    low, high = sorted((u1, u2))
    assert svc.break_even_tokens_per_month(p, usd_h, tokens_s, high) <= (
        svc.break_even_tokens_per_month(p, usd_h, tokens_s, low)
    )


@given(prices, costs, rates, shares)
def test_the_service_always_wins_below_one_units_month(
    p: float, usd_h: float, tokens_s: float, u: float
) -> None:
    below = svc.service_wins_below_tokens_per_month(p, usd_h)
    assert below <= svc.break_even_tokens_per_month(p, usd_h, tokens_s, u)


def test_service_carbon_estimate() -> None:
    # 2e9 tokens at 0.01 kWh per 1M tokens on a 400 g/kWh grid: 20 kWh -> 8 kg
    assert svc.service_co2_kg(2e9, 0.01, 400.0) == pytest.approx(8.0)
    assert svc.tokens_per_month(1.0) == pytest.approx(3600 * 730)
