"""Capacity limits per offer (``max_accelerators``): one sourced rule per pricing model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_loader import write_table

from gigawatt.catalog import load_catalog
from gigawatt.catalog.lookup import offer_capacity
from gigawatt.errors import InputError


@pytest.fixture(scope="module")
def bundled() -> Any:
    return load_catalog(use_env=False)


def test_every_bundled_offer_has_whole_instance_capacity(bundled: Any) -> None:
    for offer in bundled.rows("offers"):
        cap = offer_capacity(bundled, offer["id"])
        per = offer["accelerators_per_instance"]
        assert cap is not None, offer["id"]
        assert per <= cap[0] <= cap[1] <= cap[2], (offer["id"], cap)
        assert all(n % per == 0 for n in cap), (offer["id"], cap)
        assert "max_accelerators" in (offer["assumptions"] or ""), offer["id"]


def test_spot_capacity_is_far_below_a_pretraining_fleet(bundled: Any) -> None:
    """Issue 13: a 400B pre-training became 3,712 B200 on spot; spot now caps at 64."""
    spot = [o for o in bundled.rows("offers") if o["pricing_model"] == "spot"]
    assert spot
    for offer in spot:
        _, typical, high = offer_capacity(bundled, offer["id"]) or (0, 0, 0)
        assert typical <= 16 and high <= 64, offer["id"]


def test_pay_per_use_never_exceeds_committed_capacity(bundled: Any) -> None:
    by_kind: dict[tuple[str, str], dict[str, int]] = {}
    for o in bundled.rows("offers"):
        cap = offer_capacity(bundled, o["id"])
        assert cap is not None
        by_kind.setdefault((o["venue"], o["accelerator"]), {})[o["pricing_model"]] = cap[1]
    compared = 0
    for caps in by_kind.values():
        if "spot" in caps and "on_demand" in caps:
            assert caps["spot"] <= caps["on_demand"]
            compared += 1
        for committed in ("reserved_1y", "reserved_3y", "contract"):
            if committed in caps and "on_demand" in caps:
                assert caps["on_demand"] < caps[committed]
    assert compared > 5


def test_aws_capacity_blocks_follow_aws_limits(bundled: Any) -> None:
    """AWS: up to 64 instances per Capacity Block, 256 across blocks."""
    blocks = [
        o
        for o in bundled.rows("offers")
        if o["venue"] == "aws" and o["pricing_model"] == "capacity_block"
    ]
    assert blocks
    for o in blocks:
        per = o["accelerators_per_instance"]
        assert offer_capacity(bundled, o["id"]) == (per, 64 * per, 256 * per)


def test_offer_sources_are_public(bundled: Any) -> None:
    for o in bundled.rows("offers"):
        for text in (o["source"], o["assumptions"] or "", o["notes"] or ""):
            assert "/work/" not in text and "prices.csv PRI" not in text, o["id"]


def test_overlay_offer_without_capacity_is_unknown(bundled: Any, tmp_path: Path) -> None:
    base = bundled.get("offers", "lambda-h100-sxm-on-demand-us-south-1")
    unknown = {**base, "id": "my-offer", "assumptions": None}
    for key in ("max_accelerators_low", "max_accelerators", "max_accelerators_high"):
        unknown[key] = None
    only_typical = {**unknown, "id": "my-offer-2", "max_accelerators": 24}
    write_table(tmp_path, "offers", [unknown, only_typical])
    cat = load_catalog([tmp_path], use_env=False)
    assert offer_capacity(cat, "my-offer") is None
    assert offer_capacity(cat, "my-offer-2") == (24, 24, 24)


def test_unknown_offer_names_the_closest(bundled: Any) -> None:
    with pytest.raises(InputError, match="aws-p6-b200-spot-us-east-1"):
        offer_capacity(bundled, "aws-p6-b200-spot-us-east")


def test_no_catalog_table_cites_a_local_path(bundled: Any) -> None:
    """Sources are public URLs or github:owner/repo@commit:path, in every table."""
    for table, rows in bundled.tables.items():
        for row in rows.values():
            for key, value in row.items():
                assert not (isinstance(value, str) and "/work/" in value), (table, row["id"], key)
