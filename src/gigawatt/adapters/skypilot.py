"""Import SkyPilot catalog files (``catalogs/v8/<cloud>/vms.csv``) as a catalog overlay of offers.

An adapter at the edge: rows are parsed by header name (column order differs per cloud), mapped to
catalog accelerators, checked, and written as ``offers.csv`` (plus ``venues.csv`` when the cloud is
not in the catalog) into an overlay directory. Checks reject a row with a reason when a price is
missing or $0, when spot >= on-demand, or when a per-accelerator price is more than
``FAR_FROM_MEDIAN`` times away from the median of the same accelerator and pricing model across the
catalog's other venues. The overlay is validated by loading it before any file is written, and files
are replaced atomically, so an error leaves nothing half-written.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import statistics
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gigawatt.catalog import Catalog, load_catalog, table_schema
from gigawatt.errors import InputError

FAR_FROM_MEDIAN = 3.0
REQUIRED_COLUMNS = ("InstanceType", "AcceleratorName", "AcceleratorCount", "Price", "Region")
ACCELERATOR_MAP = {
    "h100": "h100-sxm",
    "h100-80g-sxm5": "h100-sxm",
    "h100-sxm": "h100-sxm",
    "h100-80g-pcie": "h100-pcie",
    "h100-80g-pcie-nvlink": "h100-pcie",
    "h100-pcie": "h100-pcie",
    "h200": "h200",
    "b200": "b200",
    "gb200": "gb200",
    "a100-80gb": "a100-sxm-80gb",
    "a100": "a100-sxm-40gb",
    "l40s": "l40s",
    "l4": "l4",
    "mi300x": "mi300x",
    "mi325x": "mi325x",
}
Row = dict[str, Any]


@dataclass
class ImportResult:
    """Imported offer rows, rejected rows with reasons, and rows skipped (no mapping)."""

    imported: list[Row] = field(default_factory=list)
    rejected: list[Row] = field(default_factory=list)
    skipped: list[Row] = field(default_factory=list)
    venues: list[Row] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "imported": self.imported,
            "rejected": self.rejected,
            "skipped": self.skipped,
            "venues_added": self.venues,
        }


def _slug(text: str) -> str:
    return re.sub(r"-+", "-", re.sub(r"[^a-z0-9.]+", "-", text.lower())).strip("-.")


def _price(text: str | None) -> float | None:
    """Price cell -> float (None when empty); raises ValueError on junk."""
    return None if text is None or not text.strip() else float(text)


def read_vms(path: Path) -> list[dict[str, str]]:
    """Rows of a SkyPilot vms.csv, checked for the columns this importer needs."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read {str(path)!r}: {exc.strerror}", where="vms.csv") from None
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise InputError(
            f"missing column {missing[0]!r}; a SkyPilot vms.csv has "
            f"{', '.join(REQUIRED_COLUMNS)}, SpotPrice",
            where=str(path),
        )
    return list(reader)


def catalog_medians(catalog: Catalog, exclude_venue: str) -> dict[tuple[str, str], float]:
    """Median price (USD/accelerator-h) per (accelerator, on_demand|spot) over the other venues."""
    pools: dict[tuple[str, str], list[float]] = {}
    for o in catalog.rows("offers"):
        if o["venue"] != exclude_venue and o["pricing_model"] in ("on_demand", "spot"):
            pools.setdefault((o["accelerator"], o["pricing_model"]), []).append(
                o["price_usd_per_accel_h"]
            )
    return {k: statistics.median(v) for k, v in pools.items()}


def price_problems(
    on_demand: float | None,
    spot: float | None,
    accelerator: str,
    medians: dict[tuple[str, str], float],
) -> list[str]:
    """Reasons (possibly none) why per-accelerator prices (USD/h) should not be trusted."""
    problems = []
    if on_demand is None and spot is None:
        problems.append("missing price (neither Price nor SpotPrice)")
    for label, value in (("on_demand", on_demand), ("spot", spot)):
        if value is not None and value <= 0:
            problems.append(f"{label} price is ${value:g}")
    if on_demand and spot and spot >= on_demand:
        problems.append(f"spot {spot:.4g} >= on-demand {on_demand:.4g} USD/accelerator-h")
    for label, value in (("on_demand", on_demand), ("spot", spot)):
        median = medians.get((accelerator, label))
        if value and median and not median / FAR_FROM_MEDIAN <= value <= median * FAR_FROM_MEDIAN:
            problems.append(
                f"{label} {value:.4g} USD/accelerator-h is more than "
                f"{FAR_FROM_MEDIAN:g}x away from the catalog median {median:.4g} "
                f"for {accelerator}"
            )
    return problems


def _offer(
    venue: str,
    raw: dict[str, str],
    accelerator: str,
    count: int,
    pricing: str,
    price: float,
    region: str,
    source: str,
    as_of: str,
) -> Row:
    return {
        "id": f"{venue}-{_slug(raw['InstanceType'])}-{pricing.replace('_', '-')}-"
        f"{_slug(raw['Region'])}",
        "venue": venue,
        "accelerator": accelerator,
        "pricing_model": pricing,
        "region": region,
        "instance_type": raw["InstanceType"],
        "accelerators_per_instance": count,
        "price_usd_per_accel_h": round(price, 6),
        "term_months": 0,
        "source": source,
        "as_of": as_of,
        "assumptions": "as_of: date of import; the SkyPilot catalog has no per-row date",
        "notes": "imported by gigawatt catalog import-skypilot; per-accelerator price = instance "
        "price / AcceleratorCount",
    }


def _check_row(
    raw: dict[str, str], catalog: Catalog, venue: str, medians: dict[tuple[str, str], float]
) -> tuple[str, Any]:
    """('ignore'|'skip'|'reject'|'ok', detail) for one vms.csv row."""
    name = (raw.get("AcceleratorName") or "").strip()
    if not name:
        return "ignore", None
    accelerator = ACCELERATOR_MAP.get(name.lower())
    if accelerator is None or accelerator not in catalog.ids("accelerators"):
        return "skip", f"accelerator {name!r} has no catalog id"
    try:
        count = int(float(raw["AcceleratorCount"]))
        on_demand, spot = _price(raw.get("Price")), _price(raw.get("SpotPrice"))
    except ValueError as exc:
        return "reject", f"unreadable number: {exc}"
    if count < 1:
        return "reject", f"AcceleratorCount {raw['AcceleratorCount']!r} < 1"
    per = [None if p is None else p / count for p in (on_demand, spot)]
    problems = price_problems(per[0], per[1], accelerator, medians)
    if problems:
        return "reject", "; ".join(problems)
    region = f"{venue}:{_slug(raw['Region'])}"
    if region not in catalog.ids("regions"):
        return "skip", f"region {region!r} is not in the catalog (add a regions row)"
    return "ok", (accelerator, count, region, per[0], per[1])


def import_rows(
    rows: Iterable[dict[str, str]], catalog: Catalog, venue: str, source: str, as_of: str
) -> ImportResult:
    """Check and convert vms.csv rows of cloud ``venue`` into offer rows."""
    result = ImportResult()
    medians = catalog_medians(catalog, venue)
    seen: set[str] = set()
    for line, raw in enumerate(rows, start=2):
        status, detail = _check_row(raw, catalog, venue, medians)
        entry = {"line": line, **raw}
        if status == "skip":
            result.skipped.append({"row": entry, "reason": detail})
        elif status == "reject":
            result.rejected.append({"row": entry, "reason": detail})
        elif status == "ok":
            accelerator, count, region, on_demand, spot = detail
            for pricing, price in (("on_demand", on_demand), ("spot", spot)):
                if price is None:
                    continue
                offer = _offer(
                    venue, raw, accelerator, count, pricing, price, region, source, as_of
                )
                if offer["id"] in seen:
                    result.rejected.append({"row": entry, "reason": f"duplicate of {offer['id']}"})
                    continue
                seen.add(offer["id"])
                result.imported.append(offer)
    if result.imported and venue not in catalog.ids("venues"):
        regions = sorted({o["region"] for o in result.imported})
        result.venues.append(
            {
                "id": venue,
                "name": venue,
                "kind": "neocloud",
                "regions": regions,
                "source": source,
                "as_of": as_of,
                "notes": "added by import-skypilot; fill in the venue's details",
            }
        )
    return result


def _csv_text(table: str, rows: list[Row]) -> str:
    names = table_schema(table).names
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(names)
    for row in rows:
        writer.writerow(
            [
                ";".join(v) if isinstance(v := row.get(n), list) else ("" if v is None else v)
                for n in names
            ]
        )
    return buf.getvalue()


def write_overlay(result: ImportResult, out_dir: Path, base_overlays: list[Path]) -> list[Path]:
    """Validate the overlay (load it on top of the catalog) and only then write its files."""
    files = {"offers": _csv_text("offers", result.imported)}
    if result.venues:
        files["venues"] = _csv_text("venues", result.venues)
    with tempfile.TemporaryDirectory() as tmp:
        for table, text in files.items():
            (Path(tmp) / f"{table}.csv").write_text(text, encoding="utf-8")
        load_catalog([*base_overlays, Path(tmp)])
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for table, text in files.items():
        target = out_dir / f"{table}.csv"
        fd, partial = tempfile.mkstemp(dir=out_dir, prefix=f".{table}.", suffix=".part")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        Path(partial).replace(target)
        written.append(target)
    return written


def import_skypilot(
    path: Path,
    catalog: Catalog,
    *,
    venue: str | None = None,
    source: str | None = None,
    as_of: str | None = None,
) -> ImportResult:
    """Read ``path`` (a SkyPilot vms.csv) and check its rows against ``catalog``."""
    cloud = venue or _slug(path.stem.removesuffix("_vms").removesuffix("vms")) or "skypilot"
    stamp = as_of or dt.date.today().isoformat()
    return import_rows(
        read_vms(path),
        catalog,
        cloud,
        source
        or f"SkyPilot catalog file {path.name} (skypilot-org/skypilot-catalog catalogs/v8 schema)",
        stamp,
    )
