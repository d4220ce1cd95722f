"""Time-to-train: resolve ids, call the training models, return one result (thin orchestration).

``plan_training("llama-3.1-70b", "h100-sxm", 2048, 15e12)`` answers: how long, how many
accelerator-hours, with which parallel layout, and how much time failures cost. The formulas live
in :mod:`gigawatt.models.training`, :mod:`~gigawatt.models.train_memory`,
:mod:`~gigawatt.models.layout` and :mod:`~gigawatt.models.reliability`.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from gigawatt.catalog import Catalog, load_catalog
from gigawatt.catalog.lookup import find_system
from gigawatt.errors import InputError
from gigawatt.evaluate.resolve import model_architecture
from gigawatt.models.architecture import ModelArchitecture
from gigawatt.models.layout import LAYOUT_FIELDS, LayoutFixed, SearchResult, search_layouts
from gigawatt.models.precision import bytes_per_element, peak_tflops
from gigawatt.models.reliability import DEFAULT_RELIABILITY, ReliabilityConstants, goodput
from gigawatt.models.training import (
    DEFAULT_CONSTANTS,
    FINETUNE_MODES,
    RECOMPUTE_CODES,
    TrainHardware,
    TrainingConstants,
    TrainShape,
    hardware_flops_per_token,
    model_flops_per_token,
    train_shape,
)

TRAIN_PRECISIONS: tuple[str, ...] = ("bf16", "fp8")
DEFAULT_SCALE_OUT_GBIT_PER_S = 400.0
DEFAULT_SEQ_LEN = 4096
_SUFFIX = {"": 1.0, "K": 1e3, "M": 1e6, "B": 1e9, "G": 1e9, "T": 1e12, "P": 1e15}
_RECOMPUTE_NAMES = {v: k for k, v in RECOMPUTE_CODES.items()}


def parse_tokens(text: str | float | int, *, field: str = "--tokens") -> float:
    """Token count from ``15T``, ``2e12``, ``300B``, ``1_000_000`` or a number; must be > 0."""
    if isinstance(text, int | float) and not isinstance(text, bool):
        value = float(text)
    else:
        raw = str(text).strip().replace("_", "").replace(",", "")
        m = re.fullmatch(r"([+-]?\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)\s*([kKmMbBgGtTpP]?)", raw)
        if not m:
            raise InputError(
                f"cannot read {text!r}; use an integer or a suffix like 15T, 300B, 2e12",
                where=field,
            )
        value = float(m.group(1)) * _SUFFIX[m.group(2).upper()]
    if not math.isfinite(value) or value <= 0:
        raise InputError(f"must be > 0, got {text!r}", where=field)
    return value


def default_global_batch_tokens(count: int, seq_len: int) -> int:
    """Assumed global batch (tokens): max(4 Mi tokens, count * seq_len / 8).

    4M tokens is Llama 2's batch (arXiv:2307.09288); Llama 3 405B used 16M tokens on 16K GPUs
    (arXiv:2407.21783), i.e. about one sequence per 8 GPUs. Rounded to whole sequences.
    """
    tokens = max(2**22, count * seq_len // 8)
    seqs = max(1, round(tokens / seq_len))
    return int(seqs * seq_len)


def hardware_for(
    catalog: Catalog, accelerator: str, precision: str, scale_out_gbit_per_s: float | None = None
) -> tuple[TrainHardware, list[str]]:
    """Hardware figures of ``accelerator`` in its catalog system, plus assumption notes."""
    row = catalog.get("accelerators", accelerator, field="accelerator")
    peak = peak_tflops(row, precision, field="--precision")
    notes: list[str] = []
    system = find_system(catalog, accelerator)
    per_node = (
        int(system["accelerators_per_system"])
        if system
        else int(row.get("scale_up_domain_size") or 8)
    )
    if scale_out_gbit_per_s is None:
        if system and system.get("scale_out_bandwidth_gbit_per_s"):
            s = system
            scale_out_gbit_per_s = float(s["scale_out_bandwidth_gbit_per_s"]) / float(
                s["accelerators_per_system"]
            )
        else:
            scale_out_gbit_per_s = DEFAULT_SCALE_OUT_GBIT_PER_S
            notes.append(
                f"scale_out: no catalog system of {accelerator} gives a scale-out "
                f"bandwidth; assumed {DEFAULT_SCALE_OUT_GBIT_PER_S:g} Gbit/s per "
                "accelerator (one 400G NIC per accelerator)"
            )
    hw = TrainHardware(
        peak_tflops=peak,
        memory_gib=float(row["memory_gib"]),
        memory_bandwidth_gb_per_s=float(row["memory_bandwidth_gb_per_s"]),
        scale_up_bandwidth_gb_per_s=float(row.get("scale_up_bandwidth_gb_per_s") or 0.0)
        or (scale_out_gbit_per_s / 8.0),
        scale_up_domain_size=int(row.get("scale_up_domain_size") or 1),
        scale_out_bandwidth_gb_per_s=scale_out_gbit_per_s / 8.0,
        accelerators_per_node=per_node,
        bytes_per_element=bytes_per_element(precision),
    )
    return hw, notes


@dataclass
class TrainResult:
    """Answer of :func:`plan_training` (units in the names; None where nothing fits)."""

    model: str
    accelerator: str
    count: int
    tokens: float
    precision: str
    finetune: str
    seq_len: int
    global_batch_tokens: int
    fits: bool
    smallest_count_that_fits: int | None
    time_to_train_days: float | None = None
    time_to_train_days_ideal: float | None = None
    gpu_hours: float | None = None
    gpu_hours_ideal: float | None = None
    tokens_per_s: float | None = None
    tokens_per_s_per_gpu: float | None = None
    step_time_s: float | None = None
    steps: float | None = None
    mfu: float | None = None
    hfu: float | None = None
    achieved_tflops_per_gpu: float | None = None
    peak_tflops_per_gpu: float | None = None
    model_flops_per_token: float | None = None
    total_model_flops: float | None = None
    memory_per_gpu_gib: float | None = None
    memory_capacity_gib: float | None = None
    memory_breakdown_gib: dict[str, float] = field(default_factory=dict)
    layout: dict[str, Any] = field(default_factory=dict)
    step_breakdown_s: dict[str, float] = field(default_factory=dict)
    checkpoint_interval_s: float | None = None
    checkpoint_write_s: float | None = None
    mtbi_h: float | None = None
    expected_interruptions: float | None = None
    goodput: float | None = None
    assumptions: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (infinite values become None)."""
        return {
            k: (None if isinstance(v, float) and not math.isfinite(v) else v)
            for k, v in asdict(self).items()
        }


@dataclass(frozen=True)
class TrainOptions:
    """Knobs of a training plan (defaults as documented in docs/models/training.md)."""

    precision: str = "bf16"
    finetune: str = "full"
    lora_rank: int = 16
    seq_len: int | None = None
    global_batch_tokens: int | None = None
    fixed: LayoutFixed = field(default_factory=LayoutFixed)
    constants: TrainingConstants = DEFAULT_CONSTANTS
    reliability: ReliabilityConstants = DEFAULT_RELIABILITY


def _check_options(opts: TrainOptions, count: int) -> None:
    if count < 1:
        raise InputError(f"must be >= 1, got {count}", where="--count")
    if opts.precision not in TRAIN_PRECISIONS:
        raise InputError(
            f"unknown precision {opts.precision!r}; allowed: {', '.join(TRAIN_PRECISIONS)}",
            where="--precision",
        )
    if opts.finetune not in FINETUNE_MODES:
        raise InputError(
            f"unknown mode {opts.finetune!r}; allowed: {', '.join(FINETUNE_MODES)}",
            where="--finetune",
        )
    for name in LAYOUT_FIELDS:
        v = getattr(opts.fixed, name)
        if v is not None and v < (0 if name in ("recompute", "zero") else 1):
            raise InputError(f"must be >= 1, got {v}", where=f"--{name.replace('_', '-')}")
    f = opts.fixed
    given = [v for v in (f.tp, f.pp, f.dp, f.cp) if v is not None]
    if len(given) == 4 and math.prod(given) != count:
        raise InputError(
            f"tp*pp*dp*cp = {math.prod(given)} must equal --count {count}", where="layout"
        )
    if given and count % math.prod(given):
        raise InputError(
            f"the product of the given layout sizes ({math.prod(given)}) must "
            f"divide --count {count}",
            where="layout",
        )


def _batch_seqs(opts: TrainOptions, count: int, seq_len: int) -> int:
    tokens = opts.global_batch_tokens or default_global_batch_tokens(count, seq_len)
    if tokens < seq_len:
        raise InputError(
            f"must be >= seq_len ({seq_len}), got {tokens}", where="--global-batch-tokens"
        )
    return max(1, tokens // seq_len)


def smallest_fitting_count(
    shape: TrainShape, hw: TrainHardware, opts: TrainOptions, start: int, limit: int = 2**20
) -> int | None:
    """Smallest count (whole nodes, doubling from ``start``) for which some layout fits."""
    n = max(hw.accelerators_per_node, 1)
    while n <= start:
        n *= 2
    fixed = LayoutFixed(
        **{
            k: getattr(opts.fixed, k)
            for k in ("tp", "pp", "cp", "ep", "mb", "recompute", "zero", "vpp")
        }
    )
    while n <= limit:
        batch = _batch_seqs(TrainOptions(global_batch_tokens=None), n, int(shape.seq_len))
        res = search_layouts(
            shape,
            hw,
            n,
            batch,
            opts.precision,
            opts.finetune,
            opts.lora_rank,
            opts.constants,
            fixed,
        )
        if res.best is not None:
            return n
        n *= 2
    return None


def evaluate_plan(
    shape: TrainShape,
    hw: TrainHardware,
    count: int,
    tokens: float,
    opts: TrainOptions,
    *,
    model: str = "",
    accelerator: str = "",
    notes: list[str] | None = None,
) -> TrainResult:
    """Search (or take) the layout, then time, memory and goodput for ``tokens`` tokens."""
    _check_options(opts, count)
    seq = int(shape.seq_len)
    batch = _batch_seqs(opts, count, seq)
    notes = list(notes or [])
    res = _search(shape, hw, count, batch, opts)
    for rounded in (2 ** round(math.log2(batch)), -(-batch // count) * count):
        if len(res.layouts) or rounded == batch:
            continue
        res = _search(shape, hw, count, rounded, opts)
        if len(res.layouts):
            notes.append(
                f"global_batch: {batch} sequences do not split into whole micro-batches on "
                f"{count} accelerators; rounded to {rounded}"
            )
            batch = rounded
    base = TrainResult(
        model,
        accelerator,
        count,
        tokens,
        opts.precision,
        opts.finetune,
        seq,
        batch * seq,
        res.best is not None,
        None,
        assumptions=notes,
    )
    if res.best is None:
        if len(res.layouts) == 0:
            raise InputError(
                f"no parallel layout splits {count} accelerators and a global "
                f"batch of {batch} sequences with the given sizes; change --count, "
                "--global-batch-tokens or the layout",
                where="layout",
            )
        base.smallest_count_that_fits = smallest_fitting_count(shape, hw, opts, count)
        i = res.smallest_memory
        if i is not None:
            base.memory_per_gpu_gib = float(res.evaluated["memory_gib"][i])
            base.layout = _layout_dict(res, i)
            base.memory_breakdown_gib = {
                k: float(v[i]) for k, v in res.evaluated["memory_parts_gib"].items()
            }
        base.memory_capacity_gib = hw.memory_gib
        return base
    return _fill(base, shape, hw, res, res.best, opts)


def _search(
    shape: TrainShape, hw: TrainHardware, count: int, batch: int, opts: TrainOptions
) -> SearchResult:
    return search_layouts(
        shape,
        hw,
        count,
        batch,
        opts.precision,
        opts.finetune,
        opts.lora_rank,
        opts.constants,
        opts.fixed,
    )


def _layout_dict(res: SearchResult, i: int) -> dict[str, Any]:
    lay: dict[str, Any] = res.layout(i)
    lay["recompute"] = _RECOMPUTE_NAMES[int(lay["recompute"])]
    lay["microbatches_per_step"] = int(res.evaluated["microbatches"][i])
    return lay


def _fill(
    r: TrainResult,
    shape: TrainShape,
    hw: TrainHardware,
    res: SearchResult,
    i: int,
    opts: TrainOptions,
) -> TrainResult:
    ev = res.evaluated
    step = float(ev["step_time_s"][i])
    r.layout = _layout_dict(res, i)
    r.step_time_s = step
    r.tokens_per_s = r.global_batch_tokens / step
    r.tokens_per_s_per_gpu = r.tokens_per_s / r.count
    r.steps = r.tokens / r.global_batch_tokens
    mf = model_flops_per_token(shape, opts.finetune)
    hf = float(hardware_flops_per_token(shape, res.layouts.recompute[i], opts.finetune))
    r.model_flops_per_token = mf
    r.total_model_flops = mf * r.tokens
    r.peak_tflops_per_gpu = hw.peak_tflops
    r.achieved_tflops_per_gpu = mf * r.tokens_per_s_per_gpu / 1e12
    r.mfu = r.achieved_tflops_per_gpu / hw.peak_tflops
    r.hfu = hf * r.tokens_per_s_per_gpu / 1e12 / hw.peak_tflops
    r.memory_per_gpu_gib = float(ev["memory_gib"][i])
    r.memory_capacity_gib = hw.memory_gib
    r.memory_breakdown_gib = {k: float(v[i]) for k, v in ev["memory_parts_gib"].items()}
    r.step_breakdown_s = {
        k: float(ev[k][i])
        for k in (
            "compute_s",
            "bubble_s",
            "tp_s",
            "cp_s",
            "ep_s",
            "pp_p2p_s",
            "dp_exposed_s",
            "optimizer_s",
        )
    }
    ideal_s = r.tokens / r.tokens_per_s
    trainable = (
        shape.params_total
        if opts.finetune == "full"
        else (shape.lora_params_per_rank * opts.lora_rank)
    )
    g = goodput(
        ideal_s,
        r.count,
        hw.accelerators_per_node,
        trainable * opts.reliability.checkpoint_bytes_per_param,
        opts.reliability,
    )
    r.time_to_train_days_ideal = ideal_s / 86400.0
    r.time_to_train_days = g.wall_clock_s / 86400.0
    r.gpu_hours_ideal = ideal_s / 3600.0 * r.count
    r.gpu_hours = g.wall_clock_s / 3600.0 * r.count
    r.checkpoint_interval_s = g.checkpoint_interval_s
    r.checkpoint_write_s = g.checkpoint_write_s
    r.mtbi_h = g.mtbi_s / 3600.0
    r.expected_interruptions = g.expected_interruptions
    r.goodput = g.goodput
    return r


def resolve_seq_len(arch: ModelArchitecture, seq_len: int | None) -> int:
    """``seq_len`` or the default (4,096 capped by the model's context), checked > 0."""
    if seq_len is not None:
        if seq_len < 1:
            raise InputError(f"must be >= 1, got {seq_len}", where="--seq-len")
        return seq_len
    return min(DEFAULT_SEQ_LEN, arch.max_position_embeddings or DEFAULT_SEQ_LEN)


def plan_training(
    model: str | ModelArchitecture,
    accelerator: str,
    count: int,
    tokens: float | str,
    opts: TrainOptions | None = None,
    *,
    catalog: Catalog | None = None,
    scale_out_gbit_per_s: float | None = None,
) -> TrainResult:
    """Time, accelerator-hours, layout and goodput of training ``model`` on ``tokens`` tokens.

    ``model`` is a catalog id, a path to a Hugging Face config.json, or an architecture.
    Raises :class:`InputError` for impossible input; a model that does not fit returns
    ``fits=False`` with ``smallest_count_that_fits``.
    """

    opts = opts or TrainOptions()
    catalog = catalog or load_catalog()
    n_tokens = parse_tokens(tokens)
    _check_options(opts, count)
    arch = (
        model
        if isinstance(model, ModelArchitecture)
        else model_architecture(model, catalog, field="--model")
    )
    hw, notes = hardware_for(catalog, accelerator, opts.precision, scale_out_gbit_per_s)
    shape = train_shape(arch, resolve_seq_len(arch, opts.seq_len))
    name = model if isinstance(model, str) else arch.family
    return evaluate_plan(
        shape, hw, count, n_tokens, opts, model=name, accelerator=accelerator, notes=notes
    )
