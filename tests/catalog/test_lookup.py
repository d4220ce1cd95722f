"""gigawatt.catalog.lookup: the system of an accelerator, its power, pricing families, region
fallbacks; on the bundled catalog and on small overlays."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_loader import write_table

from gigawatt.catalog import load_catalog, table_schema
from gigawatt.catalog.lookup import (
    accelerator_power_kw,
    find_system,
    pricing_family,
    region_row_for,
    region_value,
    system_for,
    system_power_kw,
    systems_for,
)
from gigawatt.catalog.schema import PREEMPTIBLE_PRICING, PRICING_FAMILIES, PRICING_FAMILY
from gigawatt.errors import InputError

# The pick of every accelerator of the bundled catalog (what economics, training and the option
# table each picked by row order before the rule; they agreed everywhere).
BUNDLED_PICKS = {
    "a100-sxm-40gb": "dgx-a100-40gb",
    "a100-sxm-80gb": "dgx-a100-80gb",
    "h100-sxm": "dgx-h100",
    "h100-pcie": None,
    "h200": "hgx-h200",
    "h800": None,
    "b200": "dgx-b200",
    "gb200": "gb200-nvl72",
    "mi300x": "mi300x-platform",
    "mi325x": "mi325x-platform",
    "gaudi2": "hls-gaudi2",
    "gaudi3": "hls-gaudi3",
    "tpu-v5e": "tpu-v5e-256",
    "tpu-v5p": "tpu-v5p-512",
    "tpu-v6e": "tpu-v6e-256",
    "trainium2": "trn2-48xlarge",
    "l4": "l4-8gpu-server",
    "l40s": "l40s-8gpu-server",
    "jetson-agx-orin": "jetson-agx-orin-64gb",
    "jetson-orin-nano-super": "jetson-orin-nano-super-module",
    "b300": "hgx-b300",
    "gb300": "gb300-nvl72",
    "mi355x": "mi355x-platform",
    "tpu7x": "tpu7x-64",
    "trainium3": "trn3-ultraserver",
    "inferentia2": "inf2-48xlarge",
    "rubin": "vera-rubin-nvl72",
}


@pytest.fixture(scope="module")
def bundled() -> Any:
    return load_catalog(use_env=False)


def _system(bundled: Any, base: str, **changes: Any) -> dict[str, Any]:
    return {**bundled.get("systems", base), **changes}


# --- which system carries an accelerator ------------------------------------------------------


def test_bundled_picks(bundled: Any) -> None:
    assert set(BUNDLED_PICKS) == set(bundled.ids("accelerators"))
    for accelerator, expected in BUNDLED_PICKS.items():
        found = find_system(bundled, accelerator)
        assert (found and found["id"]) == expected, accelerator


def test_node_beats_rack_whatever_the_row_order(tmp_path: Path, bundled: Any) -> None:
    """trainium2: the 16-chip node, not the 64-chip UltraServer rack, also when the rack comes
    first in the file."""
    assert [s["id"] for s in systems_for(bundled, "trainium2")] == [
        "trn2-48xlarge",
        "trn2-ultraserver",
    ]
    rack = _system(bundled, "trn2-ultraserver", id="aaa-trn2-rack")
    write_table(tmp_path, "systems", [rack])
    cat = load_catalog([tmp_path], use_env=False)
    assert system_for(cat, "trainium2")["id"] == "trn2-48xlarge"


def test_tie_fewest_accelerators_then_id(tmp_path: Path, bundled: Any) -> None:
    """Two more h100 nodes: the 4-GPU one wins (fewest accelerators); among equal nodes the
    smallest id wins, in either row order."""
    half = _system(bundled, "dgx-h100", id="zz-hgx-h100-4", accelerators_per_system=4)
    twin = _system(bundled, "dgx-h100", id="aa-hgx-h100")
    for rows in ([half, twin], [twin, half]):
        write_table(tmp_path, "systems", rows)
        cat = load_catalog([tmp_path], use_env=False)
        assert system_for(cat, "h100-sxm")["id"] == "zz-hgx-h100-4"
        ranked = [s["id"] for s in systems_for(cat, "h100-sxm")]
        assert ranked == ["zz-hgx-h100-4", "aa-hgx-h100", "dgx-h100"]


def test_rack_beats_slice_and_module(tmp_path: Path, bundled: Any) -> None:
    rows = [
        _system(bundled, "tpu-v6e-256", id="a-module", kind="module", accelerators_per_system=1),
        _system(bundled, "tpu-v6e-256", id="b-rack", kind="rack"),
    ]
    write_table(tmp_path, "systems", rows)
    cat = load_catalog([tmp_path], use_env=False)
    assert [s["id"] for s in systems_for(cat, "tpu-v6e")] == ["b-rack", "tpu-v6e-256", "a-module"]


def test_no_system_and_unknown_accelerator(bundled: Any) -> None:
    assert find_system(bundled, "h100-pcie") is None
    with pytest.raises(InputError, match=r"^accelerator: no system in the catalog carries"):
        system_for(bundled, "h100-pcie")
    with pytest.raises(
        InputError,
        match=r"^accelerator: unknown accelerator id 'h100-sxn'; did you mean 'h100-sxm'",
    ):
        find_system(bundled, "h100-sxn")
    with pytest.raises(InputError, match=r"^--accelerator: unknown accelerator id 'b20'"):
        system_for(bundled, "b20", field="--accelerator")


# --- power -----------------------------------------------------------------------------------


def test_system_power_idle_from_system_or_accelerator_ratio(bundled: Any) -> None:
    h100 = bundled.get("accelerators", "h100-sxm")
    idle, peak = system_power_kw(bundled.get("systems", "dgx-h100"), h100)
    assert peak == 10.2
    assert idle == pytest.approx(10.2 * h100["idle_power_w"] / h100["tdp_w"])
    assert system_power_kw(bundled.get("systems", "gb200-nvl72"), {}) == (18.0, 120.0)
    tpu = bundled.get("accelerators", "tpu-v6e")
    assert tpu["idle_power_w"] is None
    assert system_power_kw(bundled.get("systems", "tpu-v6e-256"), tpu) == (0.0, 179.05)


def test_accelerator_power_is_the_systems_share(bundled: Any) -> None:
    for accelerator, system_id in BUNDLED_PICKS.items():
        accel = bundled.get("accelerators", accelerator)
        idle, peak = accelerator_power_kw(bundled, accelerator)
        if system_id is None:  # the accelerator alone
            assert (idle, peak) == pytest.approx(
                ((accel["idle_power_w"] or 0.0) / 1000.0, accel["tdp_w"] / 1000.0)
            )
            continue
        system = bundled.get("systems", system_id)
        whole = system_power_kw(system, accel)
        per = system["accelerators_per_system"]
        assert (idle * per, peak * per) == pytest.approx(whole)
        assert 0.0 <= idle <= peak and peak * 1000.0 >= accel["tdp_w"], accelerator


def test_accelerator_power_follows_the_rule_on_overlays(tmp_path: Path, bundled: Any) -> None:
    small = _system(bundled, "dgx-h100", id="zz-h100-4", accelerators_per_system=4, power_kw=4.0)
    small["idle_power_kw"] = 1.0
    write_table(tmp_path, "systems", [small])
    cat = load_catalog([tmp_path], use_env=False)
    assert accelerator_power_kw(cat, "h100-sxm") == (0.25, 1.0)
    with pytest.raises(InputError, match=r"^accelerator: unknown accelerator id"):
        accelerator_power_kw(cat, "h100-sxn")


# --- pricing-model families ------------------------------------------------------------------


def test_families_cover_the_offers_enum_once() -> None:
    allowed = table_schema("offers").attribute("pricing_model").allowed
    listed = [m for models in PRICING_FAMILIES.values() for m in models]
    assert sorted(listed) == sorted(allowed)  # every model in exactly one family
    assert set(PREEMPTIBLE_PRICING) <= set(PRICING_FAMILIES["pay_per_use"])
    assert PRICING_FAMILY["spot"] == "pay_per_use"
    assert PRICING_FAMILY["capacity_block"] == "committed"


def test_pricing_family_of_every_bundled_offer(bundled: Any) -> None:
    seen = {pricing_family(o["pricing_model"]) for o in bundled.rows("offers")}
    assert seen == {"pay_per_use", "committed"}


def test_unknown_pricing_model_suggests() -> None:
    with pytest.raises(
        InputError, match=r"^pricing_model: unknown pricing model 'reserved_2y'; did you mean"
    ):
        pricing_family("reserved_2y")
    with pytest.raises(InputError, match=r"^offer: unknown pricing model 'owned'; allowed: on_"):
        pricing_family("owned", field="offer")


# --- region fallbacks ------------------------------------------------------------------------


def test_bundled_region_values(bundled: Any) -> None:
    us = bundled.get("regions", "us")
    east = bundled.get("regions", "aws:us-east-1")
    assert region_value(bundled, "aws:us-east-1", "pue") == east["pue"]
    assert region_row_for(bundled, "aws:us-east-1", "pue") is east
    # carbon-free fraction and on-site WUE never come from the country
    assert us["carbon_free_fraction"] is not None and east["carbon_free_fraction"] is None
    assert region_value(bundled, "aws:us-east-1", "carbon_free_fraction") is None
    assert bundled.get("regions", "gcp:us-central1")["wue_l_per_kwh"] is None
    assert region_value(bundled, "gcp:us-central1", "wue_l_per_kwh") is None
    # unknown everywhere, and unknown regions
    assert region_value(bundled, "gcp:asia-northeast1", "electricity_usd_per_kwh") is None
    assert region_value(bundled, "no-such-region", "pue") is None


def test_overlay_region_falls_back_to_its_country(tmp_path: Path, bundled: Any) -> None:
    bare = {
        **bundled.get("regions", "aws:us-east-1"),
        "id": "aws:us-test-1",
        "pue": None,
        "electricity_usd_per_kwh": None,
        "water_offsite_l_per_kwh": None,
        "water_offsite_l_per_kwh_low": None,
        "water_offsite_l_per_kwh_high": None,
        "wue_l_per_kwh": None,
    }
    write_table(tmp_path, "regions", [bare])
    cat = load_catalog([tmp_path], use_env=False)
    us = cat.get("regions", "us")
    assert region_value(cat, "aws:us-test-1", "pue") == us["pue"]
    assert (
        region_value(cat, "aws:us-test-1", "electricity_usd_per_kwh")
        == (us["electricity_usd_per_kwh"])
    )
    assert region_row_for(cat, "aws:us-test-1", "water_offsite_l_per_kwh") is us
    assert region_value(cat, "aws:us-test-1", "wue_l_per_kwh") is None
    assert region_value(cat, "aws:us-test-1", "grid_gco2_per_kwh") == bare["grid_gco2_per_kwh"]
