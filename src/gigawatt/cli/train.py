"""``gigawatt train``: time-to-train, accelerator-hours, layout and goodput of a training run.

The command parses flags, makes one call (:func:`gigawatt.evaluate.training.plan_training`; the
flags named like the parameters of :func:`~gigawatt.evaluate.training.train_options` become its
options) and renders the result.
Values are checked by the library, whose errors name fields that ``gigawatt`` shows as flags.
"""

from __future__ import annotations

import inspect
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

_Int = Annotated[int | None, typer.Option(help="Fix this layout size (default: searched).")]
_Model = Annotated[str, typer.Option("--model", help="Model id or path to a config.json.")]
_Accelerator = Annotated[str, typer.Option("--accelerator", help="Accelerator id.")]
_Count = Annotated[int, typer.Option("--count", help="Number of accelerators.")]
_Tokens = Annotated[
    str, typer.Option("--tokens", help="Training tokens: integer or suffix, e.g. 15T, 300B, 2e12.")
]
_Precision = Annotated[str, typer.Option("--precision", help="bf16 or fp8.")]
_SeqLen = Annotated[
    int | None,
    typer.Option("--seq-len", help="Sequence length (default 4096, capped by the model)."),
]
_GlobalBatch = Annotated[
    str | None,
    typer.Option(
        "--global-batch-tokens", help="Global batch in tokens (default max(4M, N*seq/8))."
    ),
]
_MicroBatch = Annotated[
    int | None, typer.Option("--micro-batch", help="Micro-batch in sequences (default: searched).")
]
_Recompute = Annotated[
    str | None, typer.Option("--recompute", help="none, selective or full (default: searched).")
]
_Zero = Annotated[
    int | None,
    typer.Option("--zero", help="ZeRO stage 0-3 (3 = FSDP; default: searched among 1 and 3)."),
]
_Finetune = Annotated[str, typer.Option("--finetune", help="full, lora or qlora.")]
_LoraRank = Annotated[int, typer.Option("--lora-rank", help="LoRA rank.")]
_ScaleOut = Annotated[
    float | None,
    typer.Option(
        "--scale-out-gbit-per-s",
        help="Scale-out bandwidth per accelerator (default: catalog system).",
    ),
]
_Oversubscription = Annotated[
    float | None, typer.Option("--oversubscription", help="Scale-out oversubscription (default 1).")
]
_RestartS = Annotated[
    float | None,
    typer.Option("--restart-s", help="Restart time after an interruption, s (default 600)."),
]
_StorageGbPerS = Annotated[
    float | None,
    typer.Option("--storage-gb-per-s", help="Checkpoint storage bandwidth, GB/s (default 2000)."),
]
_FailureRateScale = Annotated[
    float, typer.Option("--failure-rate-scale", help="Multiply the Llama 3 failure rates by this.")
]

# rows of the summary table, in order (footprint rows are empty without a fitting plan)
SUMMARY_KEYS: tuple[str, ...] = (
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


def train(
    ctx: typer.Context,
    model: _Model,
    accelerator: _Accelerator,
    count: _Count,
    tokens: _Tokens,
    precision: _Precision = "bf16",
    seq_len: _SeqLen = None,
    global_batch_tokens: _GlobalBatch = None,
    tp: _Int = None,
    pp: _Int = None,
    dp: _Int = None,
    ep: _Int = None,
    cp: _Int = None,
    micro_batch: _MicroBatch = None,
    recompute: _Recompute = None,
    zero: _Zero = None,
    finetune: _Finetune = "full",
    lora_rank: _LoraRank = 16,
    scale_out_gbit_per_s: _ScaleOut = None,
    oversubscription: _Oversubscription = None,
    restart_s: _RestartS = None,
    storage_gb_per_s: _StorageGbPerS = None,
    failure_rate_scale: _FailureRateScale = 1.0,
    offer: OfferOption = None,
    venue: VenueOption = None,
    region: RegionOption = None,
    as_json: JsonFlag = False,
) -> None:
    """How long training takes, how many accelerator-hours, with which layout and goodput; with
    --offer/--venue/--region also energy, carbon, water and cost."""
    # deferred: engines import numpy/pydantic/rich (~0.3 s); `gigawatt --help` must stay fast
    from gigawatt.evaluate.training import plan_training

    cat = cli_catalog(ctx)
    result = plan_training(
        model,
        accelerator,
        count,
        tokens,
        _options(ctx),
        catalog=cat,
        scale_out_gbit_per_s=scale_out_gbit_per_s,
        footprint=True,
        offer=offer,
        venue=venue,
        region=region,
    ).to_dict()
    add_unvalidated_notes(result, cat, [accelerator], "assumptions")
    if as_json:
        print_json(result)
        return
    _print(result)


def _options(ctx: typer.Context) -> Any:
    """``TrainOptions`` from the flags named like the parameters of ``train_options`` (every one
    of them is a flag of this command, so a renamed flag fails loudly here)."""
    # deferred: engines import numpy/pydantic/rich (~0.3 s); `gigawatt --help` must stay fast
    from gigawatt.evaluate.training import train_options

    return train_options(**{k: ctx.params[k] for k in inspect.signature(train_options).parameters})


def _print(r: dict[str, Any]) -> None:
    """Summary, layout and breakdown tables, then the assumptions."""
    # deferred: engines import numpy/pydantic/rich (~0.3 s); `gigawatt --help` must stay fast
    from gigawatt.report.tables import print_tables, rows_table

    title = (
        f"train {r['model']} on {r['count']} x {r['accelerator']}, {r['tokens']:.3g} tokens "
        f"({r['precision']}, {r['finetune']})"
    )
    rows = [{"quantity": k, "value": r.get(k)} for k in SUMMARY_KEYS]
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
