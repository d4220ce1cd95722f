"""``gigawatt infer``: throughput, TTFT/TPOT under load, SLO capacity and sizing of LLM serving."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from gigawatt.cli.options import (
    JsonFlag,
    OfferOption,
    RegionOption,
    VenueOption,
    add_unvalidated_notes,
    cli_catalog,
    print_json,
)

ModelOpt = Annotated[str, typer.Option("--model", help="Catalog model id or a config.json path.")]
AcceleratorOpt = Annotated[str, typer.Option("--accelerator", help="Catalog accelerator id.")]
CountOpt = Annotated[
    int,
    typer.Option(
        "--count",
        help="Accelerators you have (all replicas): throughput and latency are of this fleet; "
        "the accelerators an SLO needs do not depend on it.",
    ),
]
PrecisionOpt = Annotated[
    str, typer.Option("--precision", help="Weights: bf16, fp8, int8, int4 (AWQ-style) or fp4.")
]
InputTokensOpt = Annotated[
    int | None, typer.Option("--input-tokens", help="Prompt tokens per request (default 1024).")
]
OutputTokensOpt = Annotated[
    int | None, typer.Option("--output-tokens", help="Output tokens per request (default 256).")
]
TraceOpt = Annotated[
    Path | None,
    typer.Option(
        "--trace",
        help="Request log: Azure 2023 CSV, Mooncake JSONL, or "
        "arrival_s,input_tokens,output_tokens CSV/JSONL.",
    ),
]
OfflineOpt = Annotated[
    bool, typer.Option("--offline", help="Maximum throughput (unbounded arrival rate).")
]
QpsOpt = Annotated[
    float | None,
    typer.Option("--qps", help="Open-loop Poisson arrival rate, requests/s (whole system)."),
]
ConcurrencyOpt = Annotated[
    int | None,
    typer.Option("--concurrency", help="Closed loop: requests always in flight (whole system)."),
]
SloTtftSOpt = Annotated[
    float | None, typer.Option("--slo-ttft-s", help="p95 time-to-first-token target, s.")
]
SloTpotSOpt = Annotated[
    float | None, typer.Option("--slo-tpot-s", help="p95 time-per-output-token target, s.")
]
TpOpt = Annotated[int | None, typer.Option("--tp", help="Tensor-parallel size per replica.")]
EpOpt = Annotated[int | None, typer.Option("--ep", help="Expert-parallel size per replica.")]
PpOpt = Annotated[int | None, typer.Option("--pp", help="Pipeline-parallel stages per replica.")]
EngineOpt = Annotated[
    str,
    typer.Option(
        "--engine", help="Serving engine whose calibration applies: vllm, sglang, trtllm."
    ),
]
PrefixHitRateOpt = Annotated[
    float,
    typer.Option("--prefix-hit-rate", help="Share of prompt tokens served from the prefix cache."),
]
SpecTokensOpt = Annotated[
    int,
    typer.Option("--spec-tokens", help="Speculative decoding: draft tokens per step (0 = off)."),
]
SpecAcceptanceOpt = Annotated[
    float,
    typer.Option(
        "--spec-acceptance", help="Speculative decoding: acceptance rate per draft token."
    ),
]
DisaggregateOpt = Annotated[
    bool, typer.Option("--disaggregate", help="Separate prefill and decode replicas.")
]
SeedOpt = Annotated[int, typer.Option("--seed", help="Seed of the latency sampling.")]
PeakToMeanOpt = Annotated[
    float,
    typer.Option(
        "--peak-to-mean",
        min=1.0,
        help="Load profile's peak over mean rate: the fleet is held for the peak, so the "
        "break-even volume against per-token services uses utilisation 1 / this.",
    ),
]
HoursOpt = Annotated[
    float, typer.Option("--hours", min=0.0, help="Serving window for energy and cost, h.")
]


def infer(
    ctx: typer.Context,
    model: ModelOpt,
    accelerator: AcceleratorOpt,
    count: CountOpt,
    precision: PrecisionOpt = "bf16",
    input_tokens: InputTokensOpt = None,
    output_tokens: OutputTokensOpt = None,
    trace: TraceOpt = None,
    offline: OfflineOpt = False,
    qps: QpsOpt = None,
    concurrency: ConcurrencyOpt = None,
    slo_ttft_s: SloTtftSOpt = None,
    slo_tpot_s: SloTpotSOpt = None,
    tp: TpOpt = None,
    ep: EpOpt = None,
    pp: PpOpt = None,
    engine: EngineOpt = "vllm",
    prefix_hit_rate: PrefixHitRateOpt = 0.0,
    spec_tokens: SpecTokensOpt = 0,
    spec_acceptance: SpecAcceptanceOpt = 0.7,
    disaggregate: DisaggregateOpt = False,
    seed: SeedOpt = 0,
    offer: OfferOption = None,
    venue: VenueOption = None,
    region: RegionOption = None,
    hours: HoursOpt = 1.0,
    peak_to_mean: PeakToMeanOpt = 1.0,
    as_json: JsonFlag = False,
) -> None:
    """How many tokens/s, what TTFT/TPOT, and how many accelerators for an SLO; with
    --offer/--venue/--region also energy, carbon, cost and $ per 1M tokens, next to the
    per-token services of the same model and the break-even volume between them."""
    # deferred: engines import numpy/pydantic/rich (~0.3 s); `gigawatt --help` must stay fast
    from gigawatt.evaluate.inference import InferenceRequest, plan_inference
    from gigawatt.evaluate.services import services_for_inference
    from gigawatt.models.serving import ServingOptions

    req = InferenceRequest(
        model=model,
        accelerator=accelerator,
        count=count,
        precision=precision,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        trace=str(trace) if trace else None,
        offline=offline,
        qps=qps,
        concurrency=concurrency,
        slo_ttft_s=slo_ttft_s,
        slo_tpot_s=slo_tpot_s,
        tp=tp,
        ep=ep,
        pp=pp,
        engine=engine,
        options=ServingOptions(
            prefix_hit_rate=prefix_hit_rate,
            spec_tokens=spec_tokens,
            spec_acceptance=spec_acceptance,
            disaggregated=disaggregate,
        ),
        seed=seed,
    )
    catalog = cli_catalog(ctx)
    result = plan_inference(req, catalog, offer=offer, venue=venue, region=region, hours=hours)
    d = add_unvalidated_notes(result.to_dict(), catalog, [accelerator], "assumptions")
    services = services_for_inference(catalog, d, peak_to_mean)
    if as_json:
        print_json(d | {"services": services})
        return
    _render(d)
    _render_services(services)


def _render_services(services: dict[str, Any]) -> None:
    # deferred: engines import numpy/pydantic/rich (~0.3 s); `gigawatt --help` must stay fast
    from gigawatt.report.services import service_tables
    from gigawatt.report.tables import print_tables

    if not services["services"]:
        return
    print_tables(service_tables(services))
    for note in services["notes"]:
        typer.echo(f"note: {note}")


def _render(d: dict[str, Any]) -> None:
    # deferred: engines import numpy/pydantic/rich (~0.3 s); `gigawatt --help` must stay fast
    from gigawatt.report.tables import print_tables, rows_table

    if not d["fits"]:
        typer.echo(f"does not fit: {d['message']}")
        return
    summary = [
        {"quantity": "layout", "value": _layout(d["layout"])},
        {"quantity": "mode", "value": d["mode"]},
        {"quantity": "weights (GiB, one copy)", "value": d["weights_gib"]},
        {"quantity": "KV cache (GiB, all replicas)", "value": d["kv_cache_gib"]},
        {"quantity": "max concurrent sequences", "value": d["max_concurrent_sequences"]},
        {"quantity": "output tokens/s", "value": d["throughput_output_tokens_per_s"]},
        {"quantity": "input tokens/s", "value": d["throughput_input_tokens_per_s"]},
        {"quantity": "request rate (req/s)", "value": d["request_rate_per_s"]},
        {"quantity": "requests in flight", "value": d["concurrency"]},
    ]
    per_window = ("energy_kwh", "co2_location_kg", "cost_usd")
    for key in (
        "region",
        "offer",
        "kwh_per_thousand_tokens",
        "usd_per_million_tokens",
        *per_window,
    ):
        if d.get(key) is not None:
            label = f"{key} ({d['serving_hours']:g} h)" if key in per_window else key
            summary.append({"quantity": label, "value": d[key]})
    if d["max_qps_at_slo"] is not None:
        summary += [
            {"quantity": "max QPS at SLO (p95)", "value": d["max_qps_at_slo"]},
            {"quantity": "goodput at SLO (req/s)", "value": d["goodput_requests_per_s"]},
            {"quantity": "accelerators needed", "value": d["accelerators_needed"]},
        ]
    lat = [
        {"metric": m, **{s: d[f"{m}_s_{s}"] for s in ("mean", "p50", "p95", "p99")}}
        for m in ("ttft", "tpot")
    ]
    title = f"{d['model']} on {d['count']} x {d['accelerator']} ({d['precision']}, {d['engine']})"
    print_tables(
        [
            rows_table(title, ("quantity", "value"), summary),
            rows_table("latency (s)", ("metric", "mean", "p50", "p95", "p99"), lat),
        ]
    )
    if d["message"] != "ok":
        typer.echo(d["message"])
    for note in d.get("assumptions", []):
        typer.echo(f"assumption: {note}")


def _layout(layout: dict[str, Any]) -> str:
    return (
        f"{layout['replicas']} replica(s) x {layout['accelerators_per_replica']} "
        f"(tp {layout['tp']}, ep {layout['ep']}, dp {layout['dp']}, pp {layout['pp']})"
    )
