"""``gigawatt train``: time-to-train, accelerator-hours, layout and goodput of a training run."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from gigawatt.cli.options import JsonFlag, OfferOption, RegionOption, VenueOption

_Int = Annotated[int | None, typer.Option(help="Fix this layout size (default: searched).")]


def train(
    ctx: typer.Context,
    model: Annotated[str, typer.Option("--model", help="Model id or path to a config.json.")],
    accelerator: Annotated[str, typer.Option("--accelerator", help="Accelerator id.")],
    count: Annotated[int, typer.Option("--count", help="Number of accelerators.")],
    tokens: Annotated[
        str,
        typer.Option("--tokens", help="Training tokens: integer or suffix, e.g. 15T, 300B, 2e12."),
    ],
    precision: Annotated[str, typer.Option("--precision", help="bf16 or fp8.")] = "bf16",
    seq_len: Annotated[
        int | None,
        typer.Option("--seq-len", help="Sequence length (default 4096, capped by the model)."),
    ] = None,
    global_batch_tokens: Annotated[
        str | None,
        typer.Option(
            "--global-batch-tokens", help="Global batch in tokens (default max(4M, N*seq/8))."
        ),
    ] = None,
    tp: _Int = None,
    pp: _Int = None,
    dp: _Int = None,
    ep: _Int = None,
    cp: _Int = None,
    micro_batch: Annotated[
        int | None,
        typer.Option("--micro-batch", help="Micro-batch in sequences (default: searched)."),
    ] = None,
    recompute: Annotated[
        str | None, typer.Option("--recompute", help="none, selective or full (default: searched).")
    ] = None,
    zero: Annotated[
        int | None,
        typer.Option("--zero", help="ZeRO stage 0-3 (3 = FSDP; default: searched among 1 and 3)."),
    ] = None,
    finetune: Annotated[str, typer.Option("--finetune", help="full, lora or qlora.")] = "full",
    lora_rank: Annotated[int, typer.Option("--lora-rank", help="LoRA rank.")] = 16,
    scale_out_gbit_per_s: Annotated[
        float | None,
        typer.Option(
            "--scale-out-gbit-per-s",
            help="Scale-out bandwidth per accelerator (default: catalog system).",
        ),
    ] = None,
    oversubscription: Annotated[
        float | None,
        typer.Option("--oversubscription", help="Scale-out oversubscription (default 1)."),
    ] = None,
    restart_s: Annotated[
        float | None,
        typer.Option("--restart-s", help="Restart time after an interruption, s (default 600)."),
    ] = None,
    storage_gb_per_s: Annotated[
        float | None,
        typer.Option(
            "--storage-gb-per-s", help="Checkpoint storage bandwidth, GB/s (default 2000)."
        ),
    ] = None,
    failure_rate_scale: Annotated[
        float,
        typer.Option("--failure-rate-scale", help="Multiply the Llama 3 failure rates by this."),
    ] = 1.0,
    offer: OfferOption = None,
    venue: VenueOption = None,
    region: RegionOption = None,
    as_json: JsonFlag = False,
) -> None:
    """How long training takes, how many accelerator-hours, with which layout and goodput; with
    --offer/--venue/--region also energy, carbon, water and cost."""
    # deferred: engines import numpy/pydantic/rich (~0.3 s); `gigawatt --help` must stay fast
    from gigawatt.cli.options import cli_catalog
    from gigawatt.evaluate.footprint import job_footprint
    from gigawatt.evaluate.training import plan_training

    opts = _options(
        precision,
        seq_len,
        global_batch_tokens,
        tp,
        pp,
        dp,
        ep,
        cp,
        micro_batch,
        recompute,
        zero,
        finetune,
        lora_rank,
        oversubscription,
        restart_s,
        storage_gb_per_s,
        failure_rate_scale,
    )
    catalog = cli_catalog(ctx)
    result = plan_training(
        model,
        accelerator,
        count,
        tokens,
        opts,
        catalog=catalog,
        scale_out_gbit_per_s=scale_out_gbit_per_s,
    ).to_dict()
    if result["gpu_hours"] is not None:
        extra = job_footprint(
            catalog, accelerator, result["gpu_hours"], region=region, offer=offer, venue=venue
        )
        result["assumptions"] = [*result["assumptions"], *extra.pop("assumptions")]
        result |= extra
    if as_json:
        typer.echo(json.dumps(result, indent=2, default=str))
        return
    _print(result)


def _options(
    precision: str,
    seq_len: int | None,
    global_batch_tokens: str | None,
    tp: int | None,
    pp: int | None,
    dp: int | None,
    ep: int | None,
    cp: int | None,
    micro_batch: int | None,
    recompute: str | None,
    zero: int | None,
    finetune: str,
    lora_rank: int,
    oversubscription: float | None,
    restart_s: float | None,
    storage_gb_per_s: float | None,
    failure_rate_scale: float,
) -> Any:
    # deferred: engines import numpy/pydantic/rich (~0.3 s); `gigawatt --help` must stay fast
    from dataclasses import replace

    from gigawatt.errors import InputError
    from gigawatt.evaluate.training import TrainOptions, parse_tokens
    from gigawatt.models.layout import LayoutFixed
    from gigawatt.models.reliability import DEFAULT_RELIABILITY
    from gigawatt.models.training import DEFAULT_CONSTANTS, RECOMPUTE_CODES

    if recompute is not None and recompute not in RECOMPUTE_CODES:
        raise InputError(
            f"unknown mode {recompute!r}; allowed: none, selective, full", where="--recompute"
        )
    if zero is not None and not 0 <= zero <= 3:
        raise InputError(f"must be 0, 1, 2 or 3, got {zero}", where="--zero")
    for name, value in (
        ("--oversubscription", oversubscription),
        ("--restart-s", restart_s),
        ("--storage-gb-per-s", storage_gb_per_s),
        ("--failure-rate-scale", failure_rate_scale),
    ):
        if value is not None and (
            value < 0 or (value == 0 and name != "--restart-s" and name != "--failure-rate-scale")
        ):
            raise InputError(f"must be > 0, got {value}", where=name)
    if lora_rank < 1:
        raise InputError(f"must be >= 1, got {lora_rank}", where="--lora-rank")
    rel = DEFAULT_RELIABILITY
    rel = replace(
        rel,
        accelerator_failures_per_h=rel.accelerator_failures_per_h * failure_rate_scale,
        node_failures_per_h=rel.node_failures_per_h * failure_rate_scale,
    )
    if restart_s is not None:
        rel = replace(rel, restart_s=restart_s)
    if storage_gb_per_s is not None:
        rel = replace(rel, storage_bandwidth_gb_per_s=storage_gb_per_s)
    batch = (
        None
        if global_batch_tokens is None
        else int(parse_tokens(global_batch_tokens, field="--global-batch-tokens"))
    )
    fixed = LayoutFixed(
        tp=tp,
        pp=pp,
        dp=dp,
        ep=ep,
        cp=cp,
        mb=micro_batch,
        zero=zero,
        recompute=None if recompute is None else RECOMPUTE_CODES[recompute],
    )
    return TrainOptions(
        precision=precision,
        finetune=finetune,
        lora_rank=lora_rank,
        seq_len=seq_len,
        global_batch_tokens=batch,
        fixed=fixed,
        constants=DEFAULT_CONSTANTS.replaced(oversubscription=oversubscription),
        reliability=rel,
    )


def _print(r: dict[str, Any]) -> None:
    # deferred: engines import numpy/pydantic/rich (~0.3 s); `gigawatt --help` must stay fast
    from gigawatt.report.tables import print_tables, rows_table

    title = (
        f"train {r['model']} on {r['count']} x {r['accelerator']}, {r['tokens']:.3g} tokens "
        f"({r['precision']}, {r['finetune']})"
    )
    keys = (
        "fits",
        "smallest_count_that_fits",
        "time_to_train_days",
        "time_to_train_days_ideal",
        "gpu_hours",
        "tokens_per_s",
        "step_time_s",
        "mfu",
        "hfu",
        "achieved_tflops_per_gpu",
        "memory_per_gpu_gib",
        "memory_capacity_gib",
        "checkpoint_interval_s",
        "checkpoint_write_s",
        "mtbi_h",
        "expected_interruptions",
        "goodput",
        "global_batch_tokens",
        "seq_len",
        "region",
        "energy_it_kwh",
        "energy_kwh",
        "co2_location_kg",
        "co2_market_kg",
        "co2_embodied_kg",
        "water_l",
        "offer",
        "cost_usd",
    )
    rows = [{"quantity": k, "value": r.get(k)} for k in keys]
    tables = [rows_table(title, ("quantity", "value"), rows)]
    layout = r.get("layout") or {}
    if layout:
        tables.append(rows_table("layout", tuple(layout), [layout]))
    parts = {
        **r.get("step_breakdown_s", {}),
        **{f"memory_{k}_gib": v for k, v in r.get("memory_breakdown_gib", {}).items()},
    }
    if parts:
        tables.append(
            rows_table(
                "breakdown", ("part", "value"), [{"part": k, "value": v} for k, v in parts.items()]
            )
        )
    print_tables(tables)
    for note in r.get("assumptions", []):
        typer.echo(f"assumption: {note}")
