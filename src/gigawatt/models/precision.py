"""Numeric precisions: bytes per element and the accelerator peak that applies to each.

Weight-only quantisation (``int4``/AWQ-style, ``int8`` weights) stores weights narrow but computes
in 16-bit, so its matmul peak is the BF16 peak; ``fp8``/``fp4`` compute natively where the hardware
has the format (``fp8_dense_tflops`` / ``fp4_dense_tflops`` in the catalog), else they are
unsupported.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from gigawatt.errors import InputError

Precision = Literal["fp32", "bf16", "fp16", "fp8", "int8", "int4", "fp4"]
PRECISIONS: tuple[str, ...] = ("fp32", "bf16", "fp16", "fp8", "int8", "int4", "fp4")

BYTES_PER_ELEMENT: dict[str, float] = {
    "fp32": 4.0,
    "bf16": 2.0,
    "fp16": 2.0,
    "fp8": 1.0,
    "int8": 1.0,
    "int4": 0.5,
    "fp4": 0.5,
}
_PEAK_COLUMN: dict[str, str] = {
    "fp32": "bf16_dense_tflops",
    "bf16": "bf16_dense_tflops",
    "fp16": "bf16_dense_tflops",
    "fp8": "fp8_dense_tflops",
    "int8": "bf16_dense_tflops",
    "int4": "bf16_dense_tflops",
    "fp4": "fp4_dense_tflops",
}


def bytes_per_element(precision: str, *, field: str = "precision") -> float:
    """Bytes of one weight/activation element stored at ``precision``."""
    if precision not in BYTES_PER_ELEMENT:
        raise InputError(
            f"unknown precision {precision!r}; allowed: {', '.join(PRECISIONS)}", where=field
        )
    return BYTES_PER_ELEMENT[precision]


def peak_tflops(
    accelerator: Mapping[str, Any], precision: str, *, field: str = "precision"
) -> float:
    """Dense matmul peak (TFLOPS) of ``accelerator`` (a catalog row) for ``precision``.

    FP32 uses the BF16 tensor peak (mixed precision). Raises InputError when the accelerator has no
    such format (e.g. ``fp8`` on an A100), naming the formats it supports.
    """
    bytes_per_element(precision, field=field)
    value = accelerator.get(_PEAK_COLUMN[precision])
    if value is None:
        supported = [p for p in PRECISIONS if accelerator.get(_PEAK_COLUMN[p]) is not None]
        raise InputError(
            f"{accelerator['id']} has no {precision} support; supported: {', '.join(supported)}",
            where=field,
        )
    return float(value)
