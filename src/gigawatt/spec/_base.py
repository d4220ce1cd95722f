"""Shared building blocks of the scenario schema: the strict base model and common field types.

Every spec model forbids unknown keys, rejects NaN/inf, never coerces strings to numbers, and is
frozen once validated. Cross-field problems raise :class:`FieldError`, which carries the location
of the offending field relative to the model so error messages can point at it precisely.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from gigawatt.errors import closest

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
"""Workload and scenario names: letters, digits, ``.``, ``_``, ``-``; at most 64 characters."""

NAME_RULE = "letters, digits, '.', '_' or '-', starting with a letter or digit, at most 64 long"


class FieldError(ValueError):
    """A validation problem located at ``loc`` (relative to the model raising it)."""

    def __init__(
        self,
        message: str,
        loc: tuple[str | int, ...] = (),
        value: Any = None,
        *,
        show_value: bool | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.loc = loc
        self.value = value
        self.show_value = value is not None if show_value is None else show_value


class SpecModel(BaseModel):
    """Base of every scenario model: strict, closed, immutable."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        frozen=True,
        allow_inf_nan=False,
        validate_default=False,
    )

    @model_validator(mode="before")
    @classmethod
    def _reject_unknown_keys(cls, data: Any) -> Any:
        """Name the first unknown key and suggest the closest valid one."""
        if not isinstance(data, dict):
            return data
        known = list(cls.model_fields)
        unknown = [key for key in data if key not in cls.model_fields]
        if not unknown:
            return data
        key = unknown[0]
        near = closest(str(key), known, n=1)
        hint = f"did you mean {near[0]!r}?" if near else f"allowed: {', '.join(known)}"
        more = f" (and {len(unknown) - 1} more unknown)" if len(unknown) > 1 else ""
        raise FieldError(f"unknown key; {hint}{more}", (str(key),), key, show_value=False)


def _integral_float_to_int(value: Any) -> Any:
    """Accept ``1.5e+13`` for an integer field when it has no fractional part."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


Count = Annotated[int, BeforeValidator(_integral_float_to_int)]
"""An integer that may be written as a float with no fractional part (``1.5e+13``)."""

Name = Annotated[str, Field(pattern=NAME_PATTERN)]
"""A workload or scenario name."""

CatalogId = Annotated[str, Field(min_length=1, max_length=200)]
"""An id in one of the catalog tables (checked by :func:`gigawatt.spec.check_scenario_refs`)."""


def duplicates(values: list[Any]) -> list[tuple[int, int]]:
    """Return ``(index, index_of_first_occurrence)`` for every repeated value."""
    first: dict[Any, int] = {}
    repeats: list[tuple[int, int]] = []
    for index, value in enumerate(values):
        if value in first:
            repeats.append((index, first[value]))
        else:
            first[value] = index
    return repeats


def unique_ids(values: list[str] | None, field: str | None) -> list[str] | None:
    """Reject repeated ids in an id list (a repeat is almost always a copy-paste slip)."""
    if values:
        for index, first in duplicates(values):
            raise FieldError(
                f"duplicate id; already listed at {field}[{first}]", (index,), values[index]
            )
    return values
