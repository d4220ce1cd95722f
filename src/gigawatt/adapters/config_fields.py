"""Typed, one-line-error access to the fields of a parsed JSON config (Hugging Face style).

:class:`ConfigFields` reads integer, boolean, fraction, string and index-list fields under one or
more accepted spellings and raises a one-line :class:`~gigawatt.errors.InputError` naming the
field, the bad value, what is allowed and the model family.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gigawatt.errors import InputError

MISSING: Any = object()
"""Sentinel: a field is absent (or null), or a reader has no default."""


class ConfigFields:
    """Typed access to a config mapping that raises one-line :class:`InputError`s."""

    def __init__(self, config: Mapping[str, Any], family: str, where: str) -> None:
        self.config = config
        self.family = family
        self.where = where

    def _find(self, names: tuple[str, ...]) -> tuple[str, Any]:
        for name in names:
            if name in self.config and self.config[name] is not None:
                return name, self.config[name]
        return names[0], MISSING

    def _missing(self, names: tuple[str, ...]) -> InputError:
        also = f" (also accepted: {', '.join(names[1:])})" if len(names) > 1 else ""
        return InputError(
            f"missing required field {names[0]!r}{also} for family {self.family}", where=self.where
        )

    def bad(self, name: str, value: Any, allowed: str) -> InputError:
        """One-line error: field ``name`` has ``value`` but must be ``allowed``."""
        shown = repr(value).replace("\n", " ")[:60]
        return InputError(
            f"field {name!r} must be {allowed} for family {self.family}, got {shown}",
            where=self.where,
        )

    def int_(self, *names: str, default: Any = MISSING, minimum: int = 1) -> int:
        """Integer field (first of ``names`` present); ``default`` when absent."""
        name, value = self._find(names)
        if value is MISSING:
            if default is MISSING:
                raise self._missing(names)
            return int(default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.bad(name, value, f"an integer >= {minimum}")
        if isinstance(value, float) and not value.is_integer():
            raise self.bad(name, value, f"an integer >= {minimum}")
        if value < minimum:
            raise self.bad(name, value, f"an integer >= {minimum}")
        return int(value)

    def opt_int(self, *names: str, minimum: int = 1) -> int | None:
        """Integer field or ``None`` when absent or null."""
        _, value = self._find(names)
        return None if value is MISSING else self.int_(*names, minimum=minimum)

    def bool_(self, *names: str, default: bool) -> bool:
        """Boolean field; ``default`` when absent or null."""
        name, value = self._find(names)
        if value is MISSING:
            return default
        if not isinstance(value, bool):
            raise self.bad(name, value, "true or false")
        return value

    def float_(self, *names: str, default: float) -> float:
        """Number field in (0, 1]; ``default`` when absent."""
        name, value = self._find(names)
        if value is MISSING:
            return default
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
            raise self.bad(name, value, "a number in (0, 1]")
        return float(value)

    def int_list(self, name: str) -> tuple[int, ...]:
        """List of non-negative layer indices; empty when absent."""
        _, value = self._find((name,))
        if value is MISSING:
            return ()
        if not isinstance(value, list) or not all(
            isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value
        ):
            raise self.bad(name, value, "a list of layer indices >= 0")
        return tuple(value)

    def str_(self, name: str, default: str) -> str:
        """String field; ``default`` when absent."""
        _, value = self._find((name,))
        if value is MISSING:
            return default
        if not isinstance(value, str):
            raise self.bad(name, value, "a string")
        return value
