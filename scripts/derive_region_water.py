"""Fill regions.csv's water_offsite_l_per_kwh(_low/_high) from each country's generation mix.

Run from the repository root (needs ../shared, read once here, never at run time):

    python scripts/derive_region_water.py [--mix PATH] [--check]

EWIF = sum over sources of generation share x water_factors consumption_l_per_kwh (low, typical,
high), with the OWID 2023 mix bundled by codecarbon (global_energy_mix.json). Cloud regions take
their hosting country's mix. The derivation is named in each row's ``assumptions`` and the factor
and mix sources are appended to its ``source``. ``--check`` only reports differences.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

from gigawatt.models.water import ewif_l_per_kwh

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "src" / "gigawatt" / "catalog" / "data"
DEFAULT_MIX = (
    ROOT.parent / "shared" / "cost-data" / "carbon" / "codecarbon" / "global_energy_mix.json"
)
MIX_SOURCE = "github:mlco2/codecarbon@b05965e:codecarbon/data/private_infra/global_energy_mix.json"
FACTOR_SOURCE = (
    "catalog water_factors.csv: github:Ren-Research/Making-AI-Less-Thirsty@cb619b9:"
    "utils/dataloader.py (Li et al. 2023) and github:JGCRI/gcam-core@2cccef3:"
    "input/gcamdata/inst/extdata/water/Macknick_elec_water_m3MWh.csv (Macknick et al. 2012)"
)
ISO3 = {
    "us": "USA", "ca": "CAN", "mx": "MEX", "br": "BRA", "gb": "GBR", "ie": "IRL", "fr": "FRA",
    "de": "DEU", "nl": "NLD", "be": "BEL", "se": "SWE", "no": "NOR", "fi": "FIN", "dk": "DNK",
    "es": "ESP", "it": "ITA", "pl": "POL", "ch": "CHE", "at": "AUT", "is": "ISL", "jp": "JPN",
    "kr": "KOR", "sg": "SGP", "in": "IND", "id": "IDN", "au": "AUS", "cn": "CHN", "tw": "TWN",
    "za": "ZAF", "ae": "ARE", "sa": "SAU", "il": "ISR",
}  # fmt: skip
ENDS = {"_low": "consumption_l_per_kwh_low", "": "consumption_l_per_kwh",
        "_high": "consumption_l_per_kwh_high"}  # fmt: skip


def region_ewif(record: dict[str, float], factors: list[dict[str, str]]) -> dict[str, float]:
    """{'_low', '', '_high'} -> EWIF (L/kWh, 3 decimals) of one OWID country record."""
    mix = {f["id"]: float(record.get(f["mix_field"]) or 0.0) for f in factors}
    out = {}
    for suffix, column in ENDS.items():
        per_source = {f["id"]: float(f[column] or f["consumption_l_per_kwh"]) for f in factors}
        out[suffix] = round(ewif_l_per_kwh(mix, per_source), 3)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mix", type=Path, default=DEFAULT_MIX)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    mix = json.loads(args.mix.read_text())
    with (DATA / "water_factors.csv").open() as f:
        factors = list(csv.DictReader(f))
    path = DATA / "regions.csv"
    with path.open(newline="") as f:
        reader = csv.DictReader(f)
        header, rows = list(reader.fieldnames or []), list(reader)
    changed = 0
    for row in rows:
        iso3 = ISO3.get(row["country"])
        if iso3 is None or iso3 not in mix:
            print(
                f"{row['id']}: no mix for country {row['country']!r}; left empty", file=sys.stderr
            )
            continue
        record = mix[iso3]
        for suffix, value in region_ewif(record, factors).items():
            key = f"water_offsite_l_per_kwh{suffix}"
            if row.get(key) != f"{value:g}":
                changed += 1
            row[key] = f"{value:g}"
        year = record.get("year")
        rule = (
            f"water_offsite_l_per_kwh: derived = sum of OWID {year} {record['country_name']} "
            "generation shares x water_factors consumption (Li et al. 2023 method); low/high use "
            "the factors' ends (high charges hydro reservoir evaporation)"
        )
        if row["kind"] == "cloud_region":
            rule += "; the hosting country's average mix, not the region's own supply"
        notes = [a for a in (row["assumptions"] or "").split(" | ") if a]
        notes = [a for a in notes if not a.startswith("water_offsite_l_per_kwh:")] + [rule]
        row["assumptions"] = " | ".join(notes)
        sources = row["source"].split(" ; ")
        for extra in (MIX_SOURCE, FACTOR_SOURCE):
            if extra not in sources:
                sources.append(extra)
        row["source"] = " ; ".join(sources)
    print(f"{changed} cells differ", file=sys.stderr)
    if args.check:
        return 1 if changed else 0
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
