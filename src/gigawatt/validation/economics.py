"""Validation of the energy, carbon and facility models against published figures.

Cases live in ``validation/data/economics_cases.csv`` (each with its source and tolerance):
Llama 2/3/3.1/3.2/4 model-card training emissions (GPU-hours x card power x the catalog's US grid
intensity), LLMCarbon's reference set (energy and CO2 of T5, GPT-3, GShard, Switch, XLM; Apache-2.0,
see NOTICE-llmcarbon.md), and published PUE/WUE against the catalog's cooling table.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from gigawatt.catalog import Catalog
from gigawatt.models import carbon, energy
from gigawatt.validation.report import Case, checked, compared

CASES_FILE = Path(__file__).parent / "data" / "economics_cases.csv"
FAMILY = "economics.energy_carbon"
FAMILY_FACILITY = "economics.facility"


def _float(text: str) -> float:
    return float(text) if text.strip() else 0.0


def _energy_kwh(case: dict[str, str]) -> float:
    it = energy.accelerator_hours_energy_kwh(
        _float(case["accelerator_hours"]), _float(case["power_w"])
    )
    return energy.facility_energy_kwh(it, _float(case["pue"]) or 1.0)


def _grid(catalog: Catalog, case: dict[str, str]) -> float:
    if case["grid_gco2_per_kwh"].strip():
        return float(case["grid_gco2_per_kwh"])
    return float(catalog.get("regions", case["region"])["grid_gco2_per_kwh"])


def _predict(catalog: Catalog, case: dict[str, str]) -> float:
    kind = case["kind"]
    if kind == "energy":
        return _energy_kwh(case) / 1000.0
    if kind == "co2_location":
        return carbon.location_co2_kg(_energy_kwh(case), _grid(catalog, case)) / 1000.0
    if kind == "co2_market":
        return (
            carbon.market_co2_kg(
                _energy_kwh(case), _grid(catalog, case), _float(case["carbon_free_fraction"])
            )
            / 1000.0
        )
    air = catalog.get("cooling", "air")
    if kind == "pue_air":
        return float(air["pue"])
    return float(air["pue_low"])


def _case(catalog: Catalog, case: dict[str, str]) -> Case:
    family = FAMILY_FACILITY if case["kind"].startswith(("pue", "wue")) else FAMILY
    published = float(case["published"])
    if case["kind"] == "wue_air_range":
        air = catalog.get("cooling", "air")
        low, high = air["wue_l_per_kwh_low"], air["wue_l_per_kwh_high"]
        ok = low is not None and high is not None and low <= published <= high
        return checked(
            family,
            case["case_id"],
            case["subject"],
            case["metric"],
            ok,
            case["source"],
            f"{case['detail']}: {low}-{high} L/kWh vs {published}",
        )
    predicted = _predict(catalog, case)
    if published == 0:
        return checked(
            family,
            case["case_id"],
            case["subject"],
            case["metric"],
            predicted == 0.0,
            case["source"],
            f"{case['detail']}; predicted {predicted:g} {case['unit']}",
        )
    return compared(
        family,
        case["case_id"],
        case["subject"],
        case["metric"],
        case["unit"],
        predicted,
        published,
        float(case["tolerance_rel"]),
        case["source"],
        case["detail"],
    )


def economics_cases(catalog: Catalog) -> Iterator[Case]:
    """Every case of economics_cases.csv, predicted with the energy and carbon models."""
    with CASES_FILE.open(encoding="utf-8") as fh:
        for case in csv.DictReader(fh):
            yield _case(catalog, case)
