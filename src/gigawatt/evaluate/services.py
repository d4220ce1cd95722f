"""Token-priced AI services next to self-hosting the same model (``gigawatt infer`` / ``tco``).

Thin wiring of the ``services`` catalog table into :mod:`gigawatt.models.services`: the price of
each service at the request's token mix, the self-hosting options' cost per million tokens, and
the break-even volume of every (self-hosting option, service) pair. A self-hosting option is a
deployment *unit* (``--count`` accelerators) with its cost per useful hour and its throughput.

Utilisation: capacity paid whether used or not (owned, colocated, reserved, contract) is held
all month and does useful work a share ``utilization`` of it (the load profile's mean over its
peak when sized for the peak); pay-per-use capacity (on-demand, spot) is taken to follow the
load hour by hour (billed only for useful hours) while keeping at least one unit up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gigawatt.catalog import Catalog
from gigawatt.errors import InputError
from gigawatt.evaluate.inference import (
    DEFAULT_INPUT_TOKENS,
    DEFAULT_OUTPUT_TOKENS,
    InferenceRequest,
    plan_inference,
)
from gigawatt.models import services as svc

Row = dict[str, Any]
PAY_PER_USE_KINDS = ("on_demand", "spot")
"""Option kinds (``gigawatt tco``) or pricing models billed only for the hours used."""
PRICE_ENDS = ("low", "typical", "high")


@dataclass(frozen=True)
class SelfHosted:
    """One self-hosting option: ``label`` (offer id or kind), ``kind`` (owned, colo, reserved,
    on_demand ...), the unit's cost per useful hour [USD/h] and its throughput at the SLO
    [tokens/s, input + output]."""

    label: str
    kind: str
    unit_usd_per_useful_h: float
    unit_tokens_per_s: float


def _price(row: Row, base: str, end: str) -> float:
    """``row[base]`` or its ``_low``/``_high`` end (typical where the end is empty)."""
    value = row.get(f"{base}_{end}") if end != "typical" else None
    return float(row[base] if value is None else value)


def service_price_rows(
    catalog: Catalog,
    model: str,
    input_tokens: float,
    output_tokens: float,
    cached_share: float = 0.0,
) -> list[Row]:
    """Every catalog service of ``model`` with its price at the token mix [USD/1M tokens, input
    and output together] at the low, typical and high ends of its published prices."""
    if not 0.0 <= cached_share <= 1.0:
        raise InputError(f"cached share {cached_share!r} must be in [0, 1]", where="cached_share")
    rows = []
    for row in catalog.rows("services"):
        if row["model"] != model:
            continue
        out: Row = {"id": row["id"], "venue": row["venue"], "region": row["region"]}
        for end in PRICE_ENDS:
            key = "usd_per_m_tokens" if end == "typical" else f"usd_per_m_tokens_{end}"
            out[key] = svc.blended_usd_per_m_tokens(
                _price(row, "input_usd_per_m_tokens", end),
                _price(row, "output_usd_per_m_tokens", end),
                input_tokens,
                output_tokens,
                cached_share,
                row.get("cached_input_usd_per_m_tokens"),
            )
        out |= {"precision": row.get("precision"), "as_of": row["as_of"], "source": row["source"]}
        rows.append(out)
    return sorted(rows, key=lambda r: r["usd_per_m_tokens"])


def held_terms(option: SelfHosted, utilization: float) -> tuple[float, float]:
    """(cost of the unit per hour held [USD/h], share of held capacity doing useful work):
    committed capacity is held all month at ``utilization``; pay-per-use follows the load
    (module docstring)."""
    if option.kind in PAY_PER_USE_KINDS:
        return option.unit_usd_per_useful_h, 1.0
    return option.unit_usd_per_useful_h * utilization, utilization


def self_host_row(option: SelfHosted, utilization: float) -> Row:
    """A self-hosting option's cost per million tokens at ``utilization``."""
    held_h, share = held_terms(option, utilization)
    return {
        "id": option.label,
        "kind": option.kind,
        "usd_per_m_tokens": svc.self_host_usd_per_m_tokens(held_h, option.unit_tokens_per_s, share),
        "unit_tokens_per_s": option.unit_tokens_per_s,
        "fixed_usd_per_month": svc.fixed_usd_per_month(held_h),
    }


def break_even_row(option: SelfHosted, service: Row, utilization: float) -> Row:
    """Break-even volume [tokens/month] of self-hosting ``option`` against ``service`` (a row of
    :func:`service_price_rows`), at each end of the service's price range; ``None`` stands for
    never (the service is at or below self-hosting's marginal cost)."""
    held_h, share = held_terms(option, utilization)
    out: Row = {"self_hosted": option.label, "kind": option.kind, "service": service["id"]}
    for end in PRICE_ENDS:
        suffix = "" if end == "typical" else f"_{end}"
        volume = svc.break_even_tokens_per_month(
            service[f"usd_per_m_tokens{suffix}"], held_h, option.unit_tokens_per_s, share
        )
        out[f"break_even_tokens_per_month{suffix}"] = volume if volume != float("inf") else None
    out["service_wins_below_tokens_per_month"] = svc.service_wins_below_tokens_per_month(
        service["usd_per_m_tokens"], held_h
    )
    return out


def compare_services(
    catalog: Catalog,
    model: str,
    input_tokens: float,
    output_tokens: float,
    options: list[SelfHosted],
    utilization: float,
    cached_share: float = 0.0,
) -> Row:
    """Services of ``model`` and self-hosting ``options`` side by side at the token mix:
    ``{"services", "self_hosted", "break_even", "notes"}`` (USD/1M tokens, tokens/month)."""
    if not 0.0 < utilization <= 1.0:
        raise InputError(f"utilization {utilization!r} must be in (0, 1]", where="utilization")
    services = service_price_rows(catalog, model, input_tokens, output_tokens, cached_share)
    usable = [o for o in options if o.unit_tokens_per_s > 0]
    notes = [
        "break-even: self-hosting costs at most one unit's month plus its marginal cost per "
        "token; above the break-even volume it costs less than the service at any volume "
        "(docs/models/economics.md, 'Token-priced services')",
        "pay-per-use self-hosting is taken to follow the load hour by hour, keeping one unit up",
    ]
    if not services:
        notes.append(f"no per-token service for {model} in the catalog (services table)")
    return {
        "model": model,
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "utilization": utilization,
        "services": services,
        "self_hosted": [self_host_row(o, utilization) for o in usable],
        "break_even": [break_even_row(o, s, utilization) for o in usable for s in services],
        "notes": notes,
    }


def _capacity_tokens_per_s(result: Row) -> tuple[float, str]:
    """The fleet's throughput [tokens/s, input + output] and what it is: at the SLO's
    maximum request rate when an SLO was given, else what the run carried (the capacity in
    ``--offline`` mode; at least that in ``--qps`` / ``--concurrency`` mode)."""
    per_request = float(result["input_tokens_mean"]) + float(result["output_tokens_mean"])
    if result.get("max_qps_at_slo"):
        return float(result["max_qps_at_slo"]) * per_request, "max request rate at the SLO"
    carried = float(result.get("throughput_output_tokens_per_s") or 0.0)
    carried += float(result.get("throughput_input_tokens_per_s") or 0.0)
    basis = "offline maximum" if result.get("mode") == "offline" else "the load this run carried"
    return carried, basis


def services_for_inference(catalog: Catalog, result: Row, peak_to_mean: float = 1.0) -> Row:
    """``gigawatt infer``'s fleet (``result``: :meth:`InferenceResult.to_dict`, with an offer's
    cost) against every service of its model at its token mix; the fleet is held for the
    profile's peak, so its utilisation is ``1 / peak_to_mean``."""
    if peak_to_mean < 1.0:
        raise InputError(f"peak-to-mean {peak_to_mean!r} must be >= 1", where="peak_to_mean")
    options: list[SelfHosted] = []
    notes: list[str] = []
    hours = float(result.get("serving_hours") or 0.0)
    if result.get("fits") and result.get("cost_usd") is not None and hours > 0:
        tokens_per_s, basis = _capacity_tokens_per_s(result)
        offer = catalog.get("offers", str(result["offer"])) if result.get("offer") else {}
        kind = str(offer.get("pricing_model", "owned"))
        usd_per_h = float(result["cost_usd"]) / hours
        options.append(SelfHosted(str(result.get("offer")), kind, usd_per_h, tokens_per_s))
        notes.append(f"self-hosted throughput: {tokens_per_s:,.0f} tokens/s ({basis})")
    else:
        notes.append("no self-hosting cost: give --offer or --venue to compare break-even volumes")
    out = compare_services(
        catalog,
        str(result["model"]),
        float(result["input_tokens_mean"]),
        float(result["output_tokens_mean"]),
        options,
        1.0 / peak_to_mean,
    )
    out["notes"] = notes + out["notes"]
    return out


def services_for_tco(
    catalog: Catalog,
    tco_result: Row,
    model: str,
    input_tokens: int = DEFAULT_INPUT_TOKENS,
    output_tokens: int = DEFAULT_OUTPUT_TOKENS,
) -> Row:
    """``gigawatt tco``'s options (``tco_result``: :func:`gigawatt.evaluate.economics.compare`)
    serving ``model`` against its per-token services: each option's ``count`` accelerators
    serve the offline maximum throughput of the model at the token mix
    (:func:`gigawatt.evaluate.inference.plan_inference`; no latency SLO: an upper bound on
    capacity) at ``tco_result``'s utilisation."""
    inputs = tco_result["inputs"]
    count = int(inputs["count"])
    request = InferenceRequest(
        model=model,
        accelerator=str(inputs["accelerator"]),
        count=count,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        offline=True,
    )
    fleet = plan_inference(request, catalog)
    notes: list[str] = []
    tokens_per_s = 0.0
    if fleet.fits:
        tokens_per_s = float(fleet.throughput_output_tokens_per_s or 0.0)
        tokens_per_s += float(fleet.throughput_input_tokens_per_s or 0.0)
        notes.append(
            f"self-hosted throughput: {tokens_per_s:,.0f} tokens/s on {count} x "
            f"{inputs['accelerator']} (offline maximum, no latency SLO: an upper bound)"
        )
    else:
        notes.append(f"{model} does not fit on {count} x {inputs['accelerator']}: {fleet.message}")
    options = [
        SelfHosted(
            str(o["id"]), str(o["kind"]), float(o["usd_per_useful_gpu_hour"]) * count, tokens_per_s
        )
        for o in tco_result["options"]
    ]
    out = compare_services(
        catalog, model, input_tokens, output_tokens, options, float(inputs["utilization"])
    )
    out["notes"] = notes + out["notes"]
    return out
