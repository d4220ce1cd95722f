"""Facility figures of a simulation: explicit values, else the catalog region's, else None."""

from __future__ import annotations

import pytest

from gigawatt.catalog import load_catalog
from gigawatt.errors import InputError
from gigawatt.simulate.build import resolve_site
from gigawatt.spec.simulation import FacilitySpec


def test_region_supplies_missing_figures() -> None:
    cat = load_catalog(use_env=False)
    us = cat.get("regions", "us")
    site = resolve_site(FacilitySpec(region="us", pue=1.2), cat)
    assert site.pue == 1.2
    assert site.electricity_usd_per_kwh == us["electricity_usd_per_kwh"]
    assert site.grid_gco2_per_kwh == us["grid_gco2_per_kwh"]
    assert site.assumptions == ()


def test_unknown_figures_stay_none_and_are_reported() -> None:
    site = resolve_site(FacilitySpec(), load_catalog(use_env=False))
    assert site.pue == 1.0
    assert site.electricity_usd_per_kwh is None and site.grid_gco2_per_kwh is None
    assert len(site.assumptions) == 3


def test_unknown_region_suggests() -> None:
    with pytest.raises(InputError, match=r"facility.region.*'fr'"):
        resolve_site(FacilitySpec(region="frr"), load_catalog(use_env=False))
