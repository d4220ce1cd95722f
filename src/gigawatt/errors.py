"""Errors raised for bad input.

Every problem a user can fix (a bad YAML field, an unknown catalog id, a malformed file) is an
:class:`InputError` whose message is one line naming the field, the bad value and what is allowed.
Surfaces turn it into exit code 2 (CLI) or HTTP 422; nothing else prints a traceback for bad input.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class GigawattError(Exception):
    """Base class of every error gigawatt raises on purpose."""


class InputError(GigawattError, ValueError):
    """Bad user input: one line saying where, what and what is allowed.

    ``where`` names the place in the library's own words: a field or parameter name
    (``"accelerator"``, ``"input_tokens"``), a scenario path (``"workloads[0].slo"``) or a file
    position (``"plan.yaml:3:5"``). Surfaces translate field names into their own words (the CLI
    writes ``--input-tokens``); ``message`` is the text without the place.
    """

    def __init__(self, message: str, *, where: str | None = None) -> None:
        self.where = where
        self.message = message
        super().__init__(f"{where}: {message}" if where else message)


class CatalogError(InputError):
    """A catalog table (bundled or overlay) breaks its schema."""


def closest(value: str, choices: Iterable[str], n: int = 3) -> list[str]:
    """Return up to ``n`` entries of ``choices`` that look most like ``value``."""
    pool = list(choices)
    found = difflib.get_close_matches(value, pool, n=n, cutoff=0.5)
    if not found:
        lowered = value.lower()
        found = [c for c in pool if lowered and (lowered in c or c in lowered)][:n]
    return found


def unknown_id_error(
    kind: str, value: str, choices: Iterable[str], *, field: str | None = None
) -> InputError:
    """Build the error for an id that is not in the catalog, suggesting the closest ids."""
    pool = sorted(choices)
    near = closest(value, pool)
    hint = (
        f"did you mean {', '.join(repr(c) for c in near)}?"
        if near
        else f"known: {', '.join(pool[:12])}"
    )
    return InputError(f"unknown {kind} id {value!r}; {hint}", where=field)
