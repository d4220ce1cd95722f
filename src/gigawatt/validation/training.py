"""Training validation: predicted vs published throughput, MFU, step time and GPU-hours.

Cases live in ``validation/data/training_cases.csv`` (copied with their sources from the shared
reference set). ``role`` says whether a case was used to calibrate the two fitted constants
(``fit``: Megatron-LM A100 tables) or only checks generalisation (``generalisation``: MosaicML
MPT on A100/H100 with FSDP and FP8, Llama 2/3 GPU-hours, GPT-3 FLOPs).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from importlib import resources
from typing import Any

from gigawatt.adapters.hf_config import architecture_from_hf_config
from gigawatt.catalog import Catalog
from gigawatt.evaluate.resolve import model_architecture
from gigawatt.evaluate.train_result import TrainResult
from gigawatt.evaluate.training import TrainOptions, evaluate_plan, hardware_for
from gigawatt.models.layout import LayoutFixed
from gigawatt.models.reliability import LLAMA3_DAYS, LLAMA3_GPUS, goodput
from gigawatt.models.training import (
    DEFAULT_CONSTANTS,
    RECOMPUTE_CODES,
    TrainingConstants,
    TrainShape,
    train_shape,
)
from gigawatt.validation.report import Case, checked, compared

FAMILY = "training"

# Framework behaviour of the published runs (documented settings, not fitted): Megatron-LM of
# 2021-22 all-reduced fp32 main gradients after the backward pass (no overlap).
FRAMEWORK_SETTINGS: dict[str, dict[str, float]] = {
    "megatron-lm-2021": {"dp_overlap": 0.0, "grad_reduce_bytes": 4.0},
    "megatron-lm-2022": {"dp_overlap": 0.0, "grad_reduce_bytes": 4.0},
}


def load_cases() -> list[dict[str, str]]:
    """Rows of the bundled training validation dataset."""
    path = resources.files("gigawatt.validation") / "data" / "training_cases.csv"
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _int(value: str) -> int | None:
    return int(float(value)) if value else None


def case_shape(row: dict[str, str], catalog: Catalog) -> TrainShape:
    """Architecture of a case: a catalog model or a GPT-style shape given in the row."""
    seq = int(row["seq_len"])
    if row["model"]:
        return train_shape(model_architecture(row["model"], catalog), seq)
    config = {
        "model_type": "gpt2",
        "n_embd": int(row["hidden"]),
        "n_layer": int(row["layers"]),
        "n_head": int(row["heads"]),
        "n_inner": int(row["ffn"]),
        "vocab_size": int(row["vocab"]),
        "n_positions": seq,
    }
    return train_shape(architecture_from_hf_config(config, where=row["case_id"]), seq)


def run_case(
    row: dict[str, str], catalog: Catalog, constants: TrainingConstants = DEFAULT_CONSTANTS
) -> TrainResult:
    """Evaluate one case with its explicit (or searched) layout."""
    shape = case_shape(row, catalog)
    settings = FRAMEWORK_SETTINGS.get(row.get("framework", ""), {})
    constants = constants.replaced(**settings) if settings else constants
    hw, notes = hardware_for(catalog, row["accelerator"], row["precision"])
    fixed = LayoutFixed(
        tp=_int(row["tp"]),
        pp=_int(row["pp"]),
        dp=_int(row["dp"]),
        cp=_int(row["cp"]),
        mb=_int(row["mb"]),
        zero=_int(row["zero"]),
        vpp=_int(row["vpp"]),
        recompute=RECOMPUTE_CODES[row["recompute"]] if row["recompute"] else None,
    )
    batch = _int(row["global_batch_seqs"])
    opts = TrainOptions(
        precision=row["precision"],
        seq_len=int(row["seq_len"]),
        global_batch_tokens=batch * int(row["seq_len"]) if batch else None,
        fixed=fixed,
        constants=constants,
    )
    tokens = float(row["tokens"]) if row["tokens"] else 1e9
    count = int(row["count"])
    return evaluate_plan(
        shape,
        hw,
        count,
        tokens,
        opts,
        model=row["subject"],
        accelerator=row["accelerator"],
        notes=notes,
    )


def predicted_value(row: dict[str, str], result: TrainResult) -> float | None:
    """The figure of ``result`` that the case's ``metric`` names."""
    metric = row["metric"]
    if metric == "achieved_hfu_tflops_per_gpu":
        if result.hfu is None or result.peak_tflops_per_gpu is None:
            return None
        return result.hfu * result.peak_tflops_per_gpu
    value: Any = getattr(result, metric)
    return None if value is None else float(value)


def _case(row: dict[str, str], catalog: Catalog, constants: TrainingConstants) -> Case:
    result = run_case(row, catalog, constants)
    pred = predicted_value(row, result)
    layout = ", ".join(
        f"{k}={v}"
        for k, v in result.layout.items()
        if k in ("tp", "pp", "dp", "mb", "recompute", "zero")
    )
    detail = f"{row['role']}; {layout}; {row['notes']}"
    if pred is None:
        return checked(
            FAMILY,
            row["case_id"],
            row["subject"],
            row["metric"],
            False,
            row["source"],
            f"does not fit; {detail}",
        )
    return compared(
        FAMILY,
        row["case_id"],
        row["subject"],
        row["metric"],
        row["unit"],
        pred,
        float(row["published"]),
        float(row["tolerance_rel"]),
        row["source"],
        detail,
    )


def training_cases(
    catalog: Catalog, constants: TrainingConstants = DEFAULT_CONSTANTS
) -> Iterator[Case]:
    """Every bundled training case plus the Llama 3 goodput check."""
    for row in load_cases():
        yield _case(row, catalog, constants)
    yield llama3_goodput_case()


def llama3_goodput_case() -> Case:
    """Meta kept > 90 % effective training time on 16,384 H100 over 54 days (Llama 3 405B)."""
    state = 405e9 * 14.0
    g = goodput(LLAMA3_DAYS * 86400.0 * 0.9, LLAMA3_GPUS, 8, state)
    return checked(
        FAMILY,
        "llama3-405b-goodput",
        "Llama 3 405B, 16,384 H100",
        "goodput",
        g.goodput > 0.9,
        "arXiv:2407.21783 section 3.3.4 (Llama 3 paper)",
        f"predicted goodput {g.goodput:.3f} (published: > 0.90 effective training "
        f"time); {g.expected_interruptions:.0f} interruptions expected",
    )


def cases_by_role(cases: Iterable[Case]) -> dict[str, list[Case]]:
    """Split cases by the role recorded at the start of their detail text."""
    out: dict[str, list[Case]] = {}
    for c in cases:
        out.setdefault(c.detail.split(";")[0], []).append(c)
    return out
