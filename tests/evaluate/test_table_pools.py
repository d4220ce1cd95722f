"""Payment kinds and commitment pools of the option table: one constructor for the three pool
kinds, priced as the module docstring says."""

from __future__ import annotations

import pytest

from gigawatt.catalog import load_catalog
from gigawatt.evaluate.screen import Option
from gigawatt.evaluate.table_pools import (
    committed_terms,
    make_pool,
    payment_kind,
    pool_key,
    purchase_terms,
)

RESERVED = "aws-p5-h100-sxm-reserved-1y-us-east-1"  # 4.128 USD/accelerator-h, 12 months


def _option(pricing_model: str, offer: str | None = None, price: float | None = None) -> Option:
    return Option("w", "aws", offer, "h100-sxm", "aws:us-east-1", pricing_model, price, None, 1, 80)


def test_payment_kinds() -> None:
    assert [payment_kind(p) for p in ("on_demand", "spot")] == ["pay_per_use"] * 2
    assert payment_kind("reserved_3y") == payment_kind("capacity_block") == "committed"
    assert payment_kind("owned") == "owned"
    assert payment_kind("purchase") == "purchase"


def test_pool_keys_and_one_constructor() -> None:
    assert pool_key("pay_per_use", _option("on_demand")) is None
    committed = _option("reserved_1y", RESERVED, 4.128)
    assert pool_key("committed", committed) == f"offer:{RESERVED}"
    assert pool_key("owned", _option("owned")) == "owned:aws:aws:us-east-1:h100-sxm"
    pool = make_pool("offer:x", "committed", committed, 10.0, None, "n")
    assert (pool.offer, pool.usd_per_accelerator, pool.max_count) == (RESERVED, 10.0, None)
    owned = make_pool("owned:x", "owned", _option("owned", "ignored"), 0.0, 8, "n")
    assert owned.offer is None and owned.max_count == 8


def test_committed_pool_pays_the_longer_of_horizon_and_term() -> None:
    cat = load_catalog()
    opt = _option("reserved_1y", RESERVED, 4.128)
    short, _, _ = committed_terms(cat, opt, 30 * 24.0)
    long, _, _ = committed_terms(cat, opt, 2 * 8760.0)
    assert short == pytest.approx(4.128 * 8760.0)  # the 12-month term
    assert long == pytest.approx(4.128 * 2 * 8760.0)  # the horizon


def test_purchase_scales_with_the_horizon() -> None:
    cat = load_catalog()
    year, limit, note = purchase_terms(cat, "h100-sxm", 365.0)
    half, _, _ = purchase_terms(cat, "h100-sxm", 182.5)
    assert year is not None and half is not None and limit is None
    assert half == pytest.approx(year / 2)
    assert "capex" in note
