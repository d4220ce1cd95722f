"""Screen a scenario against the catalog: which (venue, offer, accelerator, region) options each
workload may use, the smallest accelerator count that holds its model state, and why every other
option was excluded.

This is the first stage of the option table (see docs/design ARCHITECTURE): later stages add the
training/inference performance, cost and carbon of each option. Rules, in order, each a reason:

1. ``candidate``: the offer is among the scenario's candidates (``offers`` and the offers of
   ``venues``; every offer when both are null). Owned hardware is always a candidate; on-prem,
   edge and colocation venues among the candidates also sell every purchasable accelerator of a
   device class they deploy (``accelerators.device_class`` in ``venues.device_classes``: edge
   venues sell edge-class devices such as Jetson modules, data-centre venues no edge-only
   module; price shown when the catalog has one).
2. ``pinned``: the workload's own ``accelerators``/``venues``/``regions`` pins.
3. ``jurisdiction``: the region's jurisdictions meet ``data.allowed_jurisdictions``.
4. ``sovereignty``: with ``data.sovereign_only``, the operator is headquartered in an allowed
   jurisdiction; user-operated venues (on-prem, edge, colocation) always qualify.
5. ``offline``: with ``data.offline``, only on-prem and edge venues qualify; ``edge_inference``
   runs on edge venues only.
6. ``memory``: a lower bound only — the model state (see :func:`model_state_bytes_per_param`)
   sets the smallest accelerator count; at an edge venue, where a site runs each replica on one
   device (venues.csv, row ``edge``), a model state larger than one device's memory excludes the
   option with a reason the user reads (:func:`memory_reason`, e.g. "memory: llama-3.1-70b
   (70.6B params, bf16 weights) needs 131 GiB; jetson-agx-orin has 64 GiB"). Activations and KV
   cache come with the performance models.
7. ``announced``: an accelerator the catalog marks ``availability: announced`` (announced, not yet
   purchasable; preliminary figures) is never chosen unless the scenario sets
   ``limits.allow_announced: true``.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from gigawatt.catalog import Catalog
from gigawatt.evaluate.resolve import model_architecture
from gigawatt.models.params import parameter_counts
from gigawatt.models.precision import bytes_per_element
from gigawatt.spec import EdgeInferenceWorkload, FinetuneWorkload, Scenario, TrainingWorkload
from gigawatt.spec.workloads import Workload

GIB = 2**30
USER_OPERATED = ("onprem", "edge", "colocation")
ONE_DEVICE_VENUE_KINDS = ("edge",)
"""Venue kinds whose sites run each replica on one device (venues.csv ``edge`` row assumption)."""
CLOUD_ONLY_VENDORS = ("google", "aws")
"""TPUs and Trainium are sold only as cloud services, never for on-premises purchase."""
MIXED_PRECISION_ADAM_BYTES_PER_PARAM = 16.0
"""bf16 weights (2) + bf16 gradients (2) + fp32 master weights, Adam m and v (4 + 4 + 4):
Rajbhandari et al., "ZeRO: Memory Optimizations Toward Training Trillion Parameter Models", SC20,
section 3.1 ("16 Psi bytes")."""


@dataclass(frozen=True)
class Option:
    """One (workload, venue, offer, accelerator, region) a workload may use."""

    workload: str
    venue: str
    offer: str | None
    accelerator: str
    region: str
    pricing_model: str
    price_usd_per_accel_h: float | None
    purchase_price_usd: float | None
    min_accelerators: int
    accelerator_memory_gib: float


@dataclass
class WorkloadScreen:
    """Screening result of one workload."""

    workload: str
    kind: str
    model: str
    total_params_b: float
    active_params_b: float
    model_state_gib: float
    model_state_basis: str
    options: list[Option] = field(default_factory=list)
    excluded: Counter[str] = field(default_factory=Counter)

    def to_dict(self) -> dict[str, Any]:

        out = asdict(self)
        out["excluded"] = dict(self.excluded)
        return out


def model_state_bytes_per_param(workload: Workload) -> tuple[float, str]:
    """Bytes per parameter that must sit in accelerator memory, and a one-line basis."""
    if isinstance(workload, FinetuneWorkload) and workload.method == "qlora":
        return bytes_per_element("int4"), "4-bit frozen base weights (QLoRA)"
    if isinstance(workload, FinetuneWorkload) and workload.method == "lora":
        return bytes_per_element("bf16"), "bf16 frozen base weights (LoRA)"
    if isinstance(workload, TrainingWorkload):
        return MIXED_PRECISION_ADAM_BYTES_PER_PARAM, "weights + grads + Adam states (16 B/param)"
    precision = str(getattr(workload, "precision", "bf16"))
    return bytes_per_element(precision), f"{precision} weights"


def _candidate_offers(scenario: Scenario, catalog: Catalog) -> list[dict[str, Any]]:
    if scenario.venues is None and scenario.offers is None:
        return catalog.rows("offers")
    venues = set(scenario.venues or [])
    chosen = set(scenario.offers or [])
    return [o for o in catalog.rows("offers") if o["venue"] in venues or o["id"] in chosen]


def _purchase_options(scenario: Scenario, catalog: Catalog) -> list[dict[str, Any]]:
    """Owned hardware, plus every purchasable accelerator at user-operated candidate venues."""
    out = [
        {
            "venue": h.venue,
            "id": None,
            "accelerator": h.accelerator,
            "region": h.region,
            "pricing_model": "owned",
            "price_usd_per_accel_h": None,
        }
        for h in scenario.owned_hardware
    ]
    named = _named_regions(scenario)
    for venue_id in scenario.venues or []:
        venue = catalog.get("venues", venue_id)
        if venue["kind"] not in USER_OPERATED:
            continue
        regions = [r for r in venue["regions"] if r in named] or venue["regions"]
        for accel in catalog.rows("accelerators"):
            if not sold_at(accel, venue):
                continue
            for region in regions:
                out.append(
                    {
                        "venue": venue_id,
                        "id": None,
                        "accelerator": accel["id"],
                        "region": region,
                        "pricing_model": "purchase",
                        "price_usd_per_accel_h": None,
                    }
                )
    return out


def sold_at(accel: dict[str, Any], venue: dict[str, Any]) -> bool:
    """True when user-operated ``venue`` sells ``accel`` for purchase: a device class the venue
    deploys, and not a cloud-only chip (TPU, Trainium)."""
    if accel["vendor"] in CLOUD_ONLY_VENDORS:
        return False
    return bool(set(accel["device_class"]) & set(venue["device_classes"]))


def one_device_per_replica(venue: dict[str, Any]) -> bool:
    """True when ``venue``'s sites run each replica on one device (:data:`ONE_DEVICE_VENUE_KINDS`):
    its model must fit one device, and its serving layout is one device."""
    return venue["kind"] in ONE_DEVICE_VENUE_KINDS


def memory_reason(
    screen: WorkloadScreen, venue: dict[str, Any], accel: dict[str, Any]
) -> str | None:
    """Why the model state cannot sit on one device at a venue whose sites run each replica on one
    device (:data:`ONE_DEVICE_VENUE_KINDS`), or None when it fits (or the venue shards it)."""
    if not one_device_per_replica(venue) or screen.model_state_gib <= accel["memory_gib"]:
        return None
    return (
        f"memory: {screen.model} ({screen.total_params_b:.3g}B params, {screen.model_state_basis})"
        f" needs {screen.model_state_gib:.0f} GiB; {accel['id']} has {accel['memory_gib']:g} GiB"
    )


def _named_regions(scenario: Scenario) -> set[str]:
    """Regions the scenario names (owned hardware, power caps, users, sites, pins): where a
    user-operated venue would buy hardware."""
    named = {h.region for h in scenario.owned_hardware}
    named |= {c.region for c in scenario.limits.power_caps if c.region}
    for w in scenario.workloads:
        named |= set(w.regions or [])
        named |= {
            r for r in (getattr(w, "users_region", None), getattr(w, "sites_region", None)) if r
        }
    return named


def _operator_jurisdictions(catalog: Catalog, venue: dict[str, Any]) -> set[str]:
    country = venue.get("headquarters_country")
    if not country:
        return set()
    row = catalog.tables["regions"].get(country)
    return set(row["jurisdictions"]) if row else {country}


def exclusion_reason(workload: Workload, row: dict[str, Any], catalog: Catalog) -> str | None:
    """The first rule (module docstring) that ``row`` breaks for ``workload``, or None."""
    venue = catalog.get("venues", row["venue"])
    region = catalog.get("regions", row["region"])
    pins = (
        ("accelerators", row["accelerator"]),
        ("venues", row["venue"]),
        ("regions", row["region"]),
    )
    if any(
        getattr(workload, name) and value not in getattr(workload, name) for name, value in pins
    ):
        return "pinned"
    allowed = set(workload.data.allowed_jurisdictions or [])
    if allowed and not allowed & set(region["jurisdictions"]):
        return "jurisdiction"
    user_operated = venue["kind"] in USER_OPERATED
    if (
        workload.data.sovereign_only
        and not user_operated
        and not (allowed & _operator_jurisdictions(catalog, venue))
    ):
        return "sovereignty"
    if workload.data.offline and venue["kind"] not in ("onprem", "edge"):
        return "offline"
    if isinstance(workload, EdgeInferenceWorkload) and venue["kind"] != "edge":
        return "offline"
    return None


def announced_reason(accel: dict[str, Any], allow_announced: bool) -> str | None:
    """``announced`` when ``accel`` is announced but not yet purchasable and the scenario does not
    allow such hardware (``limits.allow_announced``), else None."""
    if accel["availability"] == "announced" and not allow_announced:
        return "announced"
    return None


def screen_workload(
    workload: Workload,
    rows: list[dict[str, Any]],
    catalog: Catalog,
    *,
    allow_announced: bool = False,
) -> WorkloadScreen:
    """Options and exclusion counts of one workload over candidate ``rows`` (offers, purchases);
    announced accelerators only with ``allow_announced``."""
    counts = parameter_counts(model_architecture(workload.model, catalog, field="model"))
    per_param, basis = model_state_bytes_per_param(workload)
    state_gib = counts.total * per_param / GIB
    result = WorkloadScreen(
        workload.name,
        workload.kind,
        workload.model,
        counts.total / 1e9,
        counts.active / 1e9,
        state_gib,
        basis,
    )
    for row in rows:
        accel = catalog.get("accelerators", row["accelerator"])
        reason = (
            exclusion_reason(workload, row, catalog)
            or memory_reason(result, catalog.get("venues", row["venue"]), accel)
            or announced_reason(accel, allow_announced)
        )
        if reason:
            result.excluded[reason] += 1
            continue
        result.options.append(
            Option(
                workload.name,
                row["venue"],
                row["id"],
                row["accelerator"],
                row["region"],
                row["pricing_model"],
                row["price_usd_per_accel_h"],
                accel["purchase_price_usd"],
                max(1, math.ceil(state_gib / accel["memory_gib"])),
                accel["memory_gib"],
            )
        )
    result.options.sort(key=_option_order)
    return result


def _option_order(option: Option) -> tuple[int, float]:
    """Owned first, then rentals by $/h for the minimum count, then purchases by capex."""
    if option.pricing_model == "owned":
        return (0, 0.0)
    if option.price_usd_per_accel_h is not None:
        return (1, option.price_usd_per_accel_h * option.min_accelerators)
    return (2, (option.purchase_price_usd or math.inf) * option.min_accelerators)


def screen_scenario(scenario: Scenario, catalog: Catalog) -> list[WorkloadScreen]:
    """Screen every workload of ``scenario`` (ids must already pass ``check_scenario_refs``)."""
    rows = _candidate_offers(scenario, catalog) + _purchase_options(scenario, catalog)
    allow = scenario.limits.allow_announced
    return [screen_workload(w, rows, catalog, allow_announced=allow) for w in scenario.workloads]
