"""Time-to-train: resolve ids, call the training models, return one result (thin orchestration).

``plan_training("llama-3.1-70b", "h100-sxm", 2048, 15e12)`` answers: how long, how many
accelerator-hours, with which parallel layout, and how much time failures cost; with
``footprint=True`` (or an offer, venue or region) also the energy, carbon, water and cost of the
run (:func:`gigawatt.evaluate.footprint.job_footprint`). The formulas live in
:mod:`gigawatt.models.training`, :mod:`~gigawatt.models.train_step`,
:mod:`~gigawatt.models.train_memory`, :mod:`~gigawatt.models.layout` and
:mod:`~gigawatt.models.reliability`.

Options are checked once, by :func:`plan_training` (:func:`check_options`); errors name the
library's fields (``count``, ``recompute``, ``lora_rank``), which the CLI shows as its flags.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace

from gigawatt.catalog import Catalog, load_catalog
from gigawatt.catalog.lookup import find_system
from gigawatt.errors import InputError
from gigawatt.evaluate.footprint import job_footprint
from gigawatt.evaluate.resolve import model_architecture
from gigawatt.evaluate.train_result import TrainResult, fill_fitting, fill_memory, layout_dict
from gigawatt.models.architecture import ModelArchitecture
from gigawatt.models.layout import LayoutFixed, SearchResult, search_layouts
from gigawatt.models.precision import bytes_per_element, peak_tflops
from gigawatt.models.reliability import DEFAULT_RELIABILITY, ReliabilityConstants
from gigawatt.models.training import (
    DEFAULT_CONSTANTS,
    FINETUNE_MODES,
    RECOMPUTE_CODES,
    TrainHardware,
    TrainingConstants,
    TrainShape,
    train_shape,
)

TRAIN_PRECISIONS: tuple[str, ...] = ("bf16", "fp8")
DEFAULT_SCALE_OUT_GBIT_PER_S = 400.0
DEFAULT_SEQ_LEN = 4096
_SUFFIX = {"": 1.0, "K": 1e3, "M": 1e6, "B": 1e9, "G": 1e9, "T": 1e12, "P": 1e15}
# layout field -> (smallest allowed, largest allowed or None, the library's name of the field)
_LAYOUT_LIMITS: dict[str, tuple[int, int | None, str]] = {
    "tp": (1, None, "tp"),
    "pp": (1, None, "pp"),
    "dp": (1, None, "dp"),
    "cp": (1, None, "cp"),
    "ep": (1, None, "ep"),
    "mb": (1, None, "micro_batch"),
    "vpp": (1, None, "vpp"),
    "recompute": (0, max(RECOMPUTE_CODES.values()), "recompute"),
    "zero": (0, 3, "zero"),
}


def parse_tokens(text: str | float | int, *, field: str = "tokens") -> float:
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
    peak = peak_tflops(row, precision, field="precision")
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


def _at_least(value: float | None, minimum: float, where: str, *, strict: bool = False) -> None:
    """Raise a one-line InputError naming ``where`` when ``value`` is below ``minimum`` (or
    equal to it with ``strict``); None passes."""
    if value is None:
        return
    if value < minimum or (strict and value == minimum):
        raise InputError(f"must be {'>' if strict else '>='} {minimum:g}, got {value}", where=where)


def train_options(
    *,
    precision: str = "bf16",
    finetune: str = "full",
    lora_rank: int = 16,
    seq_len: int | None = None,
    global_batch_tokens: str | float | None = None,
    tp: int | None = None,
    pp: int | None = None,
    dp: int | None = None,
    ep: int | None = None,
    cp: int | None = None,
    micro_batch: int | None = None,
    recompute: str | None = None,
    zero: int | None = None,
    oversubscription: float | None = None,
    restart_s: float | None = None,
    storage_gb_per_s: float | None = None,
    failure_rate_scale: float = 1.0,
) -> TrainOptions:
    """:class:`TrainOptions` from plain values (CLI flags, a request body).

    ``recompute`` is a name of :data:`RECOMPUTE_CODES`; ``global_batch_tokens`` may carry a
    suffix (``4M``); ``failure_rate_scale`` multiplies the Llama 3 failure rates; the others
    replace one training or reliability constant. Checks the values that exist only here; the
    rest is checked by :func:`check_options` when the plan runs.
    """
    if recompute is not None and recompute not in RECOMPUTE_CODES:
        raise InputError(
            f"unknown mode {recompute!r}; allowed: {', '.join(RECOMPUTE_CODES)}", where="recompute"
        )
    _at_least(oversubscription, 0.0, "oversubscription", strict=True)
    _at_least(restart_s, 0.0, "restart_s")
    _at_least(storage_gb_per_s, 0.0, "storage_gb_per_s", strict=True)
    _at_least(failure_rate_scale, 0.0, "failure_rate_scale")
    batch_tokens = (
        None
        if global_batch_tokens is None
        else int(parse_tokens(global_batch_tokens, field="global_batch_tokens"))
    )
    code = None if recompute is None else RECOMPUTE_CODES[recompute]
    return TrainOptions(
        precision=precision,
        finetune=finetune,
        lora_rank=lora_rank,
        seq_len=seq_len,
        global_batch_tokens=batch_tokens,
        fixed=LayoutFixed(
            tp=tp, pp=pp, dp=dp, ep=ep, cp=cp, mb=micro_batch, zero=zero, recompute=code
        ),
        constants=DEFAULT_CONSTANTS.replaced(oversubscription=oversubscription),
        reliability=_reliability(failure_rate_scale, restart_s, storage_gb_per_s),
    )


def _reliability(
    failure_rate_scale: float, restart_s: float | None, storage_gb_per_s: float | None
) -> ReliabilityConstants:
    """Default reliability constants with scaled failure rates and the given restart time (s)
    and checkpoint storage bandwidth (GB/s)."""
    rel = DEFAULT_RELIABILITY
    return replace(
        rel,
        accelerator_failures_per_h=rel.accelerator_failures_per_h * failure_rate_scale,
        node_failures_per_h=rel.node_failures_per_h * failure_rate_scale,
        restart_s=rel.restart_s if restart_s is None else restart_s,
        storage_bandwidth_gb_per_s=storage_gb_per_s or rel.storage_bandwidth_gb_per_s,
    )


def check_options(opts: TrainOptions, count: int) -> None:
    """Check ``count`` and every value of ``opts`` (one-line InputError naming the field)."""
    _at_least(count, 1, "count")
    if opts.precision not in TRAIN_PRECISIONS:
        raise InputError(
            f"unknown precision {opts.precision!r}; allowed: {', '.join(TRAIN_PRECISIONS)}",
            where="precision",
        )
    if opts.finetune not in FINETUNE_MODES:
        raise InputError(
            f"unknown mode {opts.finetune!r}; allowed: {', '.join(FINETUNE_MODES)}",
            where="finetune",
        )
    _at_least(opts.lora_rank, 1, "lora_rank")
    _at_least(opts.seq_len, 1, "seq_len")
    for name, (low, high, where) in _LAYOUT_LIMITS.items():
        value = getattr(opts.fixed, name)
        _at_least(value, low, where)
        if high is not None and value is not None and value > high:
            raise InputError(f"must be {low} to {high}, got {value}", where=where)
    _check_layout_product(opts.fixed, count)


def _check_layout_product(fixed: LayoutFixed, count: int) -> None:
    """The given tp, pp, dp, cp must multiply to ``count`` (all four) or divide it."""
    given = [v for v in (fixed.tp, fixed.pp, fixed.dp, fixed.cp) if v is not None]
    if len(given) == 4 and math.prod(given) != count:
        raise InputError(
            f"tp*pp*dp*cp = {math.prod(given)} must equal the count {count}", where="layout"
        )
    if given and count % math.prod(given):
        raise InputError(
            f"the product of the given layout sizes ({math.prod(given)}) must "
            f"divide the count {count}",
            where="layout",
        )


def _batch_seqs(opts: TrainOptions, count: int, seq_len: int) -> int:
    """Global batch in sequences: the given tokens (>= ``seq_len``) or the default."""
    tokens = opts.global_batch_tokens or default_global_batch_tokens(count, seq_len)
    if tokens < seq_len:
        raise InputError(
            f"must be >= seq_len ({seq_len}), got {tokens}", where="global_batch_tokens"
        )
    return max(1, tokens // seq_len)


def _search(
    shape: TrainShape, hw: TrainHardware, count: int, batch: int, opts: TrainOptions
) -> SearchResult:
    """Layout search with the precision, fine-tuning mode, constants and fixed sizes of ``opts``."""
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


def smallest_fitting_count(
    shape: TrainShape, hw: TrainHardware, opts: TrainOptions, start: int, limit: int = 2**20
) -> int | None:
    """Smallest count (whole nodes, doubling from ``start``) for which some layout fits."""
    n = max(hw.accelerators_per_node, 1)
    while n <= start:
        n *= 2
    searched = replace(opts, fixed=replace(opts.fixed, dp=None))
    while n <= limit:
        batch = _batch_seqs(TrainOptions(global_batch_tokens=None), n, int(shape.seq_len))
        if _search(shape, hw, n, batch, searched).best is not None:
            return n
        n *= 2
    return None


def _search_rounding_batch(
    shape: TrainShape,
    hw: TrainHardware,
    count: int,
    batch: int,
    opts: TrainOptions,
    notes: list[str],
) -> tuple[SearchResult, int]:
    """Search layouts; when ``batch`` sequences split into no whole micro-batches, retry with
    the nearest power of two, then the next multiple of ``count`` (said in ``notes``)."""
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
    return res, batch


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
    """Search (or take) the layout, then time, memory and goodput for ``tokens`` tokens.

    ``opts`` and ``count`` are taken as checked (:func:`plan_training` checks them).
    """
    seq = int(shape.seq_len)
    notes = list(notes or [])
    res, batch = _search_rounding_batch(
        shape, hw, count, _batch_seqs(opts, count, seq), opts, notes
    )
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
        return _not_fitting(base, shape, hw, res, batch, opts)
    return fill_fitting(
        base,
        shape,
        hw,
        res,
        res.best,
        finetune=opts.finetune,
        lora_rank=opts.lora_rank,
        reliability=opts.reliability,
    )


def _not_fitting(
    r: TrainResult,
    shape: TrainShape,
    hw: TrainHardware,
    res: SearchResult,
    batch: int,
    opts: TrainOptions,
) -> TrainResult:
    """No layout fits in memory: the smallest count that fits and the leanest layout's memory.
    Raises InputError when no layout even splits the accelerators and the batch."""
    if len(res.layouts) == 0:
        raise InputError(
            f"no parallel layout splits {r.count} accelerators and a global "
            f"batch of {batch} sequences with the given sizes; change count, "
            "global_batch_tokens or the layout",
            where="layout",
        )
    r.smallest_count_that_fits = smallest_fitting_count(shape, hw, opts, r.count)
    i = res.smallest_memory
    if i is not None:
        r.layout = layout_dict(res, i)
        fill_memory(r, res, i)
    r.memory_capacity_gib = hw.memory_gib
    return r


def resolve_seq_len(arch: ModelArchitecture, seq_len: int | None) -> int:
    """``seq_len`` or the default (4,096 capped by the model's context)."""
    if seq_len is not None:
        return seq_len
    return min(DEFAULT_SEQ_LEN, arch.max_position_embeddings or DEFAULT_SEQ_LEN)


def _add_footprint(
    r: TrainResult,
    catalog: Catalog,
    *,
    offer: str | None,
    venue: str | None,
    region: str | None,
) -> None:
    """Energy, carbon, water and cost of the run's accelerator-hours into ``r.footprint``."""
    if r.gpu_hours is None or not math.isfinite(r.gpu_hours):
        return
    extra = job_footprint(
        catalog, r.accelerator, r.gpu_hours, region=region, offer=offer, venue=venue
    )
    r.assumptions = [*r.assumptions, *extra.pop("assumptions")]
    r.footprint = extra


def plan_training(
    model: str | ModelArchitecture,
    accelerator: str,
    count: int,
    tokens: float | str,
    opts: TrainOptions | None = None,
    *,
    catalog: Catalog | None = None,
    scale_out_gbit_per_s: float | None = None,
    footprint: bool = False,
    offer: str | None = None,
    venue: str | None = None,
    region: str | None = None,
) -> TrainResult:
    """Time, accelerator-hours, layout and goodput of training ``model`` on ``tokens`` tokens.

    ``model`` is a catalog id, a path to a Hugging Face config.json, or an architecture. With
    ``footprint`` (implied by ``offer``, ``venue`` or ``region``) a plan that fits also carries
    the energy, carbon, water and cost of its accelerator-hours (``TrainResult.footprint``,
    keys of :func:`~gigawatt.evaluate.footprint.job_footprint`). Raises :class:`InputError`
    for impossible input; a model that does not fit returns ``fits=False`` with
    ``smallest_count_that_fits``.
    """
    opts = opts or TrainOptions()
    catalog = catalog or load_catalog()
    n_tokens = parse_tokens(tokens)
    check_options(opts, count)
    arch = model if isinstance(model, ModelArchitecture) else model_architecture(model, catalog)
    hw, notes = hardware_for(catalog, accelerator, opts.precision, scale_out_gbit_per_s)
    shape = train_shape(arch, resolve_seq_len(arch, opts.seq_len))
    name = model if isinstance(model, str) else arch.family
    result = evaluate_plan(
        shape, hw, count, n_tokens, opts, model=name, accelerator=accelerator, notes=notes
    )
    if footprint or any(v is not None for v in (offer, venue, region)):
        _add_footprint(result, catalog, offer=offer, venue=venue, region=region)
    return result
