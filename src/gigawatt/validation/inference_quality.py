"""Data-quality rules of the inference validation cases.

Stated before any fit and applied by rule to every case, never chosen per case; excluded
metrics stay in ``gigawatt validate`` with their error but are neither fitted nor graded
(see docs/models/inference.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from gigawatt.validation.inference import CaseArrays, InferenceCase


#: R1: a configuration measured more than once (same engine and version, model, accelerator,
#: precision and quantisation, lengths, concurrency, layout) whose measurements of a metric
#: spread by more than this (max / min - 1) is not reproducible: that metric of every copy is
#: excluded from fitting and grading.
REPEAT_SPREAD = 0.25
#: R2: a run whose TTFT exceeds this many of its own TPOT although the KV cache holds all its
#: concurrent sequences (so no request waits for a slot) measured something other than prefill
#: and scheduling (warm-up, kernel JIT compilation, request retraction): its TTFT is excluded.
TTFT_OVER_TPOT_LIMIT = 200.0
#: R3: the same measurement (TTFT and TPOT equal to 1 microsecond) recorded under different
#: configurations (layout or concurrency): at most one label is right, so every copy of both
#: metrics is excluded. (The silicon sample lists e.g. a 4-GPU SGLang "tp4 ep4" run also as
#: "tp16, moe_tp 4 x moe_ep 4", and attention-DP runs as 8 x 16 and 64 x 2 requests.)
SAME_MEASUREMENT_S = 1e-6
#: R4: a run labelled with a tensor-parallel size that does not divide the model's attention
#: heads (without attention data parallelism) describes a layout the engines refuse to build
#: (vLLM, SGLang and TensorRT-LLM shard attention heads evenly over the TP ranks): the label is
#: wrong, so both metrics are excluded. (In the silicon sample these are GB200 DeepSeek rows of
#: one source file with "tp" 12-72 and "moe_tp" equal to it, probably GPU counts of
#: disaggregated deployments.)


Exclusions = dict[tuple[int, str], str]
"""(case index, metric) -> the rule that excludes it."""
METRICS = ("ttft_s", "tpot_s")


def quality_exclusions(cases: Sequence[InferenceCase], arrays: CaseArrays) -> Exclusions:
    """(case index, metric) -> rule that excludes it (R4, R1, R3, R2 above: the first that
    applies); ``arrays`` the same cases as :class:`CaseArrays`."""
    out: Exclusions = {}
    _r4_impossible_tp(cases, np.asarray(arrays.model.heads, dtype=float), out)
    _r1_repeat_spread(cases, out)
    _r3_same_measurement(cases, out)
    _r2_ttft_without_queue(cases, arrays.kv_capacity(), out)
    return out


def _r4_impossible_tp(cases: Sequence[InferenceCase], heads: np.ndarray, out: Exclusions) -> None:
    for k, c in enumerate(cases):
        if c.kind == "serving" and c.dp == 1 and heads[k] % c.tp != 0:
            for metric in METRICS:
                out[(k, metric)] = (
                    f"R4: tp {c.tp} does not divide the model's {heads[k]:.0f} attention heads"
                )


def _r1_repeat_spread(cases: Sequence[InferenceCase], out: Exclusions) -> None:
    groups: dict[tuple[object, ...], list[int]] = {}
    for k, c in enumerate(cases):
        if c.kind == "serving":
            groups.setdefault(c.config_key(), []).append(k)
    for members in groups.values():
        if len(members) < 2:
            continue
        for metric in METRICS:
            values = [getattr(cases[k], metric) for k in members]
            if None in values or max(values) / min(values) - 1.0 <= REPEAT_SPREAD:
                continue
            spread = max(values) / min(values) - 1.0
            for k in members:
                out.setdefault(
                    (k, metric),
                    f"R1: {len(members)} repeated measurements spread {spread:.0%}"
                    f" > {REPEAT_SPREAD:.0%}",
                )


def _r3_same_measurement(cases: Sequence[InferenceCase], out: Exclusions) -> None:
    labels: dict[tuple[object, ...], list[int]] = {}
    for k, c in enumerate(cases):
        if c.kind == "serving" and c.ttft_s is not None and c.tpot_s is not None:
            pair = (
                c.engine,
                c.model,
                c.accelerator,
                c.isl,
                c.osl,
                round(c.ttft_s / SAME_MEASUREMENT_S),
                round(c.tpot_s / SAME_MEASUREMENT_S),
            )
            labels.setdefault(pair, []).append(k)
    for members in labels.values():
        configs = {cases[k].config_key()[2:] for k in members}  # engine version may differ
        if len(configs) < 2:
            continue
        for k in members:
            for metric in METRICS:
                out.setdefault(
                    (k, metric),
                    f"R3: the same measurement is recorded under {len(configs)} configurations",
                )


def _r2_ttft_without_queue(
    cases: Sequence[InferenceCase], capacity: np.ndarray, out: Exclusions
) -> None:
    for k, c in enumerate(cases):
        if c.kind != "serving" or c.ttft_s is None or not c.tpot_s or c.concurrency is None:
            continue
        ratio = c.ttft_s / c.tpot_s
        if ratio > TTFT_OVER_TPOT_LIMIT and c.concurrency <= capacity[k]:
            out.setdefault(
                (k, "ttft_s"),
                f"R2: TTFT = {ratio:.0f} TPOT > {TTFT_OVER_TPOT_LIMIT:.0f} with all"
                f" {c.concurrency:g} sequences in the KV cache ({capacity[k]:.0f})",
            )
