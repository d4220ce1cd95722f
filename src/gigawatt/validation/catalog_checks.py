"""Catalog validation families: derived parameter counts vs published totals, and spec sanity.

Tolerance of a parameter count: published totals are rounded ("8B"), so a case passes when the
derived count lies within half a unit of the published figure's last digit, or within
``PARAM_TOLERANCE_REL`` (2 %) when that is wider (embedding/bias conventions differ by ~1 %).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from gigawatt.adapters.hf_config import load_hf_config
from gigawatt.catalog import Catalog
from gigawatt.errors import InputError
from gigawatt.models.params import parameter_counts
from gigawatt.validation import inference, training
from gigawatt.validation.report import Case, checked, compared

PARAM_TOLERANCE_REL = 0.02
FAMILY_PARAMS = "catalog.parameter_counts"
FAMILY_SANITY = "catalog.spec_sanity"


def rounding_tolerance_rel(published: float) -> float:
    """Relative half-unit of the last published digit: 405 -> 0.5/405, 6.74 -> 0.005/6.74."""
    exponent = Decimal(repr(published)).normalize().as_tuple().exponent
    half_unit = 0.5 * 10.0 ** (exponent if isinstance(exponent, int) else 0)
    return half_unit / published


def _param_tolerance(published: float) -> float:
    return max(PARAM_TOLERANCE_REL, rounding_tolerance_rel(published))


def parameter_count_cases(catalog: Catalog) -> Iterator[Case]:
    """Total (and for MoE, active) parameters derived from each config vs the published total."""
    for row in catalog.rows("models"):
        try:
            counts = parameter_counts(load_hf_config(catalog.model_config_path(row["id"])))
        except InputError as exc:
            yield checked(
                FAMILY_PARAMS,
                f"params-{row['id']}",
                row["id"],
                "config_parses",
                False,
                row["source"],
                str(exc),
            )
            continue
        pairs = [("total_params_b", counts.total, row["published_total_params_b"])]
        if row["published_active_params_b"] is not None:
            pairs.append(("active_params_b", counts.active, row["published_active_params_b"]))
        for metric, derived, published in pairs:
            yield compared(
                FAMILY_PARAMS,
                f"{metric.split('_')[0]}-params-{row['id']}",
                row["id"],
                metric,
                "B",
                derived / 1e9,
                published,
                _param_tolerance(published),
                row["params_source"],
            )


def _ordered(values: list[tuple[str, Any]]) -> tuple[bool, str]:
    """True when the non-null values are non-decreasing; detail lists them."""
    present = [(n, v) for n, v in values if v is not None]
    ok = all(a[1] <= b[1] for a, b in itertools.pairwise(present))
    return ok, " <= ".join(f"{n}={v:g}" for n, v in present)


def _accelerator_checks(catalog: Catalog) -> Iterator[Case]:
    for row in catalog.rows("accelerators"):
        aid, src = row["id"], catalog.origin("accelerators", row["id"])
        chains = {
            "precision_throughput_order": [
                ("bf16_dense_tflops", row["bf16_dense_tflops"]),
                ("fp8_dense_tflops", row["fp8_dense_tflops"]),
                ("fp4_dense_tflops", row["fp4_dense_tflops"]),
            ],
            "int8_not_below_bf16": [
                ("bf16_dense_tflops", row["bf16_dense_tflops"]),
                ("int8_dense_tops", row["int8_dense_tops"]),
            ],
            "idle_below_tdp": [("idle_power_w", row["idle_power_w"]), ("tdp_w", row["tdp_w"])],
            "price_range_order": [
                ("low", row["purchase_price_usd_low"]),
                ("typical", row["purchase_price_usd"]),
                ("high", row["purchase_price_usd_high"]),
            ],
        }
        for metric, values in chains.items():
            ok, detail = _ordered(values)
            yield checked(FAMILY_SANITY, f"{metric}-{aid}", aid, metric, ok, src, detail)


def validated_accelerators() -> set[str]:
    """Accelerators the bundled training and inference validation cases measure (the evidence a
    ``validation_status`` of ``measured`` needs)."""
    return {c.accelerator for c in inference.load_cases()} | {
        r["accelerator"] for r in training.load_cases()
    }


def _status_checks(catalog: Catalog) -> Iterator[Case]:
    """``validation_status`` agrees with the bundled validation cases; an ``announced``
    accelerator carries its ``announced_date``."""
    evidence = validated_accelerators()
    for row in catalog.rows("accelerators"):
        aid, src = row["id"], catalog.origin("accelerators", row["id"])
        has_cases = aid in evidence
        yield checked(
            FAMILY_SANITY,
            f"validation_status_matches_cases-{aid}",
            aid,
            "validation_status_matches_cases",
            (row["validation_status"] == "measured") == has_cases,
            src,
            f"validation_status={row['validation_status']}; bundled validation cases: "
            + ("yes" if has_cases else "none"),
        )
        if row["availability"] == "announced":
            yield checked(
                FAMILY_SANITY,
                f"announced_has_date-{aid}",
                aid,
                "announced_has_date",
                row["announced_date"] is not None,
                src,
                f"announced_date={row['announced_date']}",
            )


PRICE_FIELDS = {
    "accelerators": ("purchase_price_usd_low", "purchase_price_usd", "purchase_price_usd_high"),
    "systems": ("price_usd_low", "price_usd", "price_usd_high"),
    "offers": ("price_usd_per_accel_h_low", "price_usd_per_accel_h", "price_usd_per_accel_h_high"),
}


def _price_checks(catalog: Catalog) -> Iterator[Case]:
    """No price is zero: an unknown price is empty, never $0."""
    for table, fields in PRICE_FIELDS.items():
        for row in catalog.rows(table):
            present = {f: row[f] for f in fields if row[f] is not None}
            yield checked(
                FAMILY_SANITY,
                f"price_positive-{row['id']}",
                row["id"],
                "price_positive",
                all(v > 0 for v in present.values()),
                catalog.origin(table, row["id"]),
                ", ".join(f"{f}={v:g}" for f, v in present.items()) or "no price",
            )


def _system_checks(catalog: Catalog) -> Iterator[Case]:
    for row in catalog.rows("systems"):
        accel = catalog.get("accelerators", row["accelerator"])
        accel_kw = row["accelerators_per_system"] * accel["tdp_w"] / 1000
        yield checked(
            FAMILY_SANITY,
            f"power_covers_accelerators-{row['id']}",
            row["id"],
            "power_covers_accelerators",
            accel_kw <= row["power_kw"],
            catalog.origin("systems", row["id"]),
            f"{row['accelerators_per_system']} x {accel['tdp_w']:g} W = {accel_kw:.2f} kW"
            f" <= power_kw={row['power_kw']:g}",
        )


def _offer_checks(catalog: Catalog) -> Iterator[Case]:
    on_demand = {
        (o["venue"], o["accelerator"], o["region"]): o
        for o in catalog.rows("offers")
        if o["pricing_model"] == "on_demand"
    }
    for row in catalog.rows("offers"):
        src = catalog.origin("offers", row["id"])
        ok, detail = _ordered(
            [
                ("low", row["price_usd_per_accel_h_low"]),
                ("typical", row["price_usd_per_accel_h"]),
                ("high", row["price_usd_per_accel_h_high"]),
            ]
        )
        yield checked(
            FAMILY_SANITY,
            f"price_range_order-{row['id']}",
            row["id"],
            "price_range_order",
            ok,
            src,
            detail,
        )
        base = on_demand.get((row["venue"], row["accelerator"], row["region"]))
        if row["pricing_model"] != "on_demand" and base is not None:
            cheaper = row["price_usd_per_accel_h"] < base["price_usd_per_accel_h"]
            yield checked(
                FAMILY_SANITY,
                f"discount_below_on_demand-{row['id']}",
                row["id"],
                "discount_below_on_demand",
                cheaper,
                src,
                f"{row['pricing_model']} {row['price_usd_per_accel_h']:g} < on_demand "
                f"{base['price_usd_per_accel_h']:g} USD/accelerator-h ({base['id']})",
            )


def _service_checks(catalog: Catalog) -> Iterator[Case]:
    """Per-token services: prices above zero, low <= typical <= high, cached <= input."""
    for row in catalog.rows("services"):
        sid, src = row["id"], catalog.origin("services", row["id"])
        for side in ("input", "output"):
            base = f"{side}_usd_per_m_tokens"
            ok, detail = _ordered(
                [(end, row[f"{base}_{end}"]) for end in ("low",)]
                + [("typical", row[base]), ("high", row[f"{base}_high"])]
            )
            ok = ok and row[base] > 0 and (row[f"{base}_low"] or row[base]) > 0
            yield checked(
                FAMILY_SANITY,
                f"{side}_price_order-{sid}",
                sid,
                f"{side}_price_order",
                ok,
                src,
                detail,
            )
        cached = row["cached_input_usd_per_m_tokens"]
        if cached is not None:
            yield checked(
                FAMILY_SANITY,
                f"cached_below_input-{sid}",
                sid,
                "cached_below_input",
                0 < cached <= row["input_usd_per_m_tokens"],
                src,
                f"cached {cached:g} <= input {row['input_usd_per_m_tokens']:g} USD/1M tokens",
            )


def spec_sanity_cases(catalog: Catalog) -> Iterator[Case]:
    """Physical and commercial sanity of catalog rows (orderings that must hold)."""
    yield from _accelerator_checks(catalog)
    yield from _status_checks(catalog)
    yield from _price_checks(catalog)
    yield from _system_checks(catalog)
    yield from _offer_checks(catalog)
    yield from _service_checks(catalog)
