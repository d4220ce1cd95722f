"""Request path per venue kind (evaluate/network.py): a cloud region next to the users still has
an access and front-end floor; only an edge venue reaches below 5 ms."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from gigawatt.catalog import load_catalog
from gigawatt.errors import InputError
from gigawatt.evaluate.network import fibre_rtt_s, network_rtt_s, request_path, request_path_s


@pytest.fixture(scope="module")
def cat() -> Any:
    return load_catalog(use_env=False)


def test_cloud_region_next_to_users_has_a_floor(cat: Any) -> None:
    path = request_path(cat, "aws")
    same_region = request_path_s(cat, "aws:us-east-1", "aws:us-east-1", "aws")
    assert network_rtt_s(cat, "aws:us-east-1", "aws:us-east-1") == 0.0
    assert same_region == pytest.approx(path["access_rtt_s"] + path["front_end_s"])
    assert same_region >= 0.025  # ~20 ms access + ~9 ms API front end


def test_distance_adds_to_the_floor(cat: Any) -> None:
    near = request_path_s(cat, "us", "us", "aws")
    far = request_path_s(cat, "fr", "us", "aws")
    paris_to_us = fibre_rtt_s(cat.get("regions", "fr"), cat.get("regions", "us"))
    assert far == pytest.approx(near + paris_to_us)
    assert paris_to_us > 0.05  # transatlantic fibre round trip


def test_sub_5_ms_only_at_the_edge(cat: Any) -> None:
    for venue in cat.rows("venues"):
        region = venue["regions"][0]
        path_s = request_path_s(cat, region, region, venue["id"])
        if venue["kind"] == "edge":
            assert path_s < 0.005, venue["id"]
        else:
            assert path_s > 0.005, venue["id"]


def test_no_users_region_ignores_the_network_not_the_front_end(cat: Any) -> None:
    assert request_path_s(cat, None, "us", "aws") == request_path(cat, "aws")["front_end_s"]
    assert request_path_s(cat, None, "us", "edge") == 0.0  # in-process runtime on the device


def test_missing_venue_kind_is_an_error_not_zero(cat: Any) -> None:
    broken = copy.copy(cat)
    broken.tables = {**cat.tables, "request_paths": {}}
    with pytest.raises(InputError, match="no request path for venue kind 'hyperscaler'"):
        request_path_s(broken, "us", "us", "aws")
