"""Edge rows of the catalog: device classes, edge modules with power and price, and a request path
for every venue kind."""

from __future__ import annotations

from typing import Any

import pytest

from gigawatt.catalog import load_catalog, table_schema
from gigawatt.catalog.lookup import find_system
from gigawatt.catalog.schema import parse_cell


@pytest.fixture(scope="module")
def cat() -> Any:
    return load_catalog(use_env=False)


def test_device_class_defaults_to_datacenter() -> None:
    attr = table_schema("accelerators").attribute("device_class")
    assert parse_cell(attr, "") == ["datacenter"]
    assert parse_cell(attr, "datacenter;edge") == ["datacenter", "edge"]
    with pytest.raises(ValueError, match="not allowed"):
        parse_cell(attr, "rack")


def test_device_classes_of_the_bundled_rows(cat: Any) -> None:
    assert cat.get("accelerators", "jetson-agx-orin")["device_class"] == ["edge"]
    assert cat.get("accelerators", "jetson-orin-nano-super")["device_class"] == ["edge"]
    assert cat.get("accelerators", "l4")["device_class"] == ["datacenter", "edge"]
    assert cat.get("accelerators", "b200")["device_class"] == ["datacenter"]
    assert cat.get("venues", "edge")["device_classes"] == ["edge"]
    assert cat.get("venues", "onprem")["device_classes"] == ["datacenter"]


def test_edge_devices_have_price_power_and_a_module(cat: Any) -> None:
    edge = [a for a in cat.rows("accelerators") if "edge" in a["device_class"]]
    assert len(edge) >= 3
    for accel in edge:
        assert accel["purchase_price_usd"] and accel["tdp_w"] > 0, accel["id"]
        system = find_system(cat, accel["id"])
        assert system and system["power_kw"] * 1000 >= accel["tdp_w"], accel["id"]
    for accel in (a for a in edge if a["device_class"] == ["edge"]):
        assert find_system(cat, accel["id"])["kind"] == "module"


def test_every_venue_kind_has_a_request_path(cat: Any) -> None:
    kinds = {v["kind"] for v in cat.rows("venues")}
    assert kinds <= set(cat.ids("request_paths"))
    for row in cat.rows("request_paths"):
        low, high = row["access_rtt_s_low"], row["access_rtt_s_high"]
        assert low is None or low <= row["access_rtt_s"], row["id"]
        assert high is None or row["access_rtt_s"] <= high, row["id"]
        assert row["source"] and row["as_of"], row["id"]


def test_only_the_edge_path_is_below_5_ms(cat: Any) -> None:
    for row in cat.rows("request_paths"):
        floor_s = row["access_rtt_s"] + row["front_end_s"]
        assert (floor_s < 0.005) == (row["id"] == "edge"), row["id"]
