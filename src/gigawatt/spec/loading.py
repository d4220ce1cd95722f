"""Read scenario YAML and turn every validation problem into a one-line :class:`InputError`.

The YAML is parsed with PyYAML's safe loader, keeping the position of every key and value so
that errors read ``file.yaml:12:7: workloads[2].slo.p95_e2e_s = -1: must be > 0``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from gigawatt.errors import InputError, closest
from gigawatt.spec._base import NAME_PATTERN, NAME_RULE, FieldError
from gigawatt.spec.scenario import Scenario
from gigawatt.spec.workloads import JURISDICTION_PATTERN, KINDS, is_model_path

Loc = tuple[str | int, ...]
Marks = dict[Loc, tuple[yaml.Mark, yaml.Mark]]
"""For each path in the document: (mark of its key or item, mark of its value)."""

_MAX_DEPTH = 64
_NUMBER_RE = re.compile(r"^[-+]?(\d[\d_]*)?\.?\d*([eE][-+]?\d+)?$")
_YAML_BOOL_WORDS = {"yes", "no", "on", "off", "y", "n", "true", "false"}


# --- YAML with positions ----------------------------------------------------------------------


def _mark_text(mark: yaml.Mark | None) -> str:
    return f"{mark.line + 1}:{mark.column + 1}" if mark is not None else "?:?"


def _record_marks(node: yaml.Node, loc: Loc, marks: Marks, file: str, depth: int = 0) -> None:
    """Record where every key/item sits; reject duplicate keys (PyYAML keeps the last silently)."""
    if depth > _MAX_DEPTH:
        return
    if isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            marks.setdefault((*loc, index), (item.start_mark, item.start_mark))
            _record_marks(item, (*loc, index), marks, file, depth + 1)
    elif isinstance(node, yaml.MappingNode):
        seen: dict[str, yaml.Mark] = {}
        merges: list[yaml.Node] = []
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                merges.append(value_node)
                continue
            key = str(key_node.value)
            if key in seen:
                raise InputError(
                    f"duplicate key {key!r} (first at line {seen[key].line + 1})",
                    where=f"{file}:{_mark_text(key_node.start_mark)}",
                )
            seen[key] = key_node.start_mark
            marks[(*loc, key)] = (key_node.start_mark, value_node.start_mark)
            _record_marks(value_node, (*loc, key), marks, file, depth + 1)
        for merged in merges:  # `<<: *anchor` keys: explicit keys above take precedence
            sub: Marks = {}
            _record_marks(merged, loc, sub, file, depth + 1)
            for path, pair in sub.items():
                marks.setdefault(path, pair)


def read_yaml(path: Path) -> tuple[Any, Marks]:
    """Parse a YAML file safely; return the data and the position of every key and item."""
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("scenario file not found", where=file) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read scenario file: {exc}", where=file) from None
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}
        marks: Marks = {(): (node.start_mark, node.start_mark)}
        _record_marks(node, (), marks, file)
        return loader.construct_document(node), marks
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        context = ""
        if exc.context and exc.problem:
            started = exc.context_mark
            at = f" at {_mark_text(started)}" if started is not None and started != mark else ""
            context = f" ({exc.context}{at})"
        raise InputError(f"{problem}{context}", where=f"{file}:{_mark_text(mark)}") from None
    except yaml.YAMLError as exc:
        raise InputError(f"invalid YAML: {exc}", where=file) from None
    finally:
        loader.dispose()


# --- validation errors ------------------------------------------------------------------------


def _clean_loc(loc: Loc) -> Loc:
    """Drop the discriminator tags pydantic inserts after a list index (``workloads.0.rag``)."""
    out: list[str | int] = []
    for part in loc:
        if isinstance(part, str) and part in KINDS and out and isinstance(out[-1], int):
            continue
        out.append(part)
    return tuple(out)


def format_path(loc: Loc) -> str:
    """``("workloads", 2, "slo", "p95_e2e_s")`` -> ``workloads[2].slo.p95_e2e_s``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or "(top level)"


def _show(value: Any) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _type_hint(value: Any, expected: str) -> str:
    """Explain a wrong type, with the YAML 1.1 pitfalls (`no` is a boolean, `1e9` a string)."""
    if isinstance(value, float) and expected == "an integer":
        return "must be a whole number"
    if isinstance(value, bool) and expected == "a string":
        return f"must be {expected} (YAML reads yes/no/on/off as booleans: quote it)"
    if isinstance(value, str) and expected in {"an integer", "a number"}:
        if _NUMBER_RE.match(value.strip()) and any(c.isdigit() for c in value):
            return (
                f"must be {expected}, not a string (YAML needs a dot and a signed exponent: "
                "write 1.5e+13 or 15_000_000_000_000)"
            )
        if value.strip().lower() in _YAML_BOOL_WORDS:
            return f"must be {expected}"
    return f"must be {expected}"


_TYPE_WORDS = {
    "int_type": "an integer",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "string_type": "a string",
    "bool_type": "a boolean (true or false)",
    "list_type": "a list",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "dict_type": "a mapping",
}


_BOUNDS = {
    "greater_than": ">",
    "greater_than_equal": ">=",
    "less_than": "<",
    "less_than_equal": "<=",
}

_UNION_TAG_RE = re.compile(
    r"^(str|int|float|bool|none|constrained-\w+|(literal|list|dict|function-\w+)\[.*\]|[A-Z]\w*)$"
)
"""The names pydantic gives the members of a union in an error's location (``tokens.float``)."""


def _union_size(errors: list[ErrorDetails]) -> int:
    """How many leading errors are one value failing every member of a union (else 1).

    They share the location up to a member name and the input, and fail in different ways.
    """
    first = errors[0]
    loc, value = tuple(first["loc"]), first.get("input")
    if not loc or not isinstance(loc[-1], str) or not _UNION_TAG_RE.match(loc[-1]):
        return 1
    size = 1
    for other in errors[1:]:
        other_loc = tuple(other["loc"])
        if other_loc[:-1] != loc[:-1] or other.get("input") != value:
            break
        if not isinstance(other_loc[-1], str) or not _UNION_TAG_RE.match(other_loc[-1]):
            break
        size += 1
    kinds = {error["type"] for error in errors[:size]}
    return size if size > 1 and len(kinds) == size else 1


def _member_word(error: ErrorDetails) -> str:
    """What one union member accepts: ``a number > 0``, ``a string``, ``'young-daly'``."""
    kind, ctx = error["type"], error.get("ctx", {})
    if kind in _BOUNDS:
        return f"a number {_BOUNDS[kind]} {_show(next(iter(ctx.values())))}"
    if kind in _TYPE_WORDS:
        return _TYPE_WORDS[kind]
    if kind == "literal_error":
        return str(ctx.get("expected", ""))
    return _problem(error)


def _literal_problem(value: Any, expected: str) -> str:
    allowed = re.findall(r"'([^']*)'|(\d+)", expected)
    choices = [a or b for a, b in allowed]
    near = closest(str(value), choices, n=1) if isinstance(value, str) else []
    hint = f"; did you mean {near[0]!r}?" if near else ""
    return f"allowed: {', '.join(choices)}{hint}"


def _pattern_problem(pattern: str) -> str:
    if pattern == NAME_PATTERN:
        return f"must be {NAME_RULE}"
    if pattern == JURISDICTION_PATTERN:
        return "must be a lowercase ISO 3166-1 alpha-2 country code (fr, de) or eu"
    return f"must match {pattern}"


def _problem(error: ErrorDetails) -> str:
    """What is allowed, in a few words, for one pydantic error."""
    kind, ctx, value = error["type"], error.get("ctx", {}), error.get("input")
    if kind in _BOUNDS:
        return f"must be {_BOUNDS[kind]} {_show(next(iter(ctx.values())))}"
    if kind in _TYPE_WORDS:
        return _type_hint(value, _TYPE_WORDS[kind])
    if kind == "literal_error":
        return _literal_problem(value, str(ctx.get("expected", "")))
    if kind == "missing":
        return "required field missing"
    if kind == "too_short":
        return f"must have at least {ctx.get('min_length')} item(s)"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "string_pattern_mismatch":
        return _pattern_problem(str(ctx.get("pattern", "")))
    if kind == "finite_number":
        return "must be a finite number"
    if kind == "extra_forbidden":
        return "unknown key"
    message = error["msg"]
    return message[:1].lower() + message[1:]


def _kind_problem(error: ErrorDetails) -> str:
    value = error.get("input")
    tag = value.get("kind") if isinstance(value, Mapping) else None
    allowed = ", ".join(KINDS)
    if error["type"] == "union_tag_not_found":
        return f"required field missing; allowed: {allowed}"
    near = closest(str(tag), KINDS, n=1)
    hint = f"; did you mean {near[0]!r}?" if near else ""
    return f"unknown workload kind; allowed: {allowed}{hint}"


def _describe(error: ErrorDetails) -> tuple[Loc, str, Any, bool]:
    """Return (location, problem, bad value, whether to show the value) for one error."""
    loc = _clean_loc(tuple(error["loc"]))
    ctx_error = error.get("ctx", {}).get("error")
    if isinstance(ctx_error, FieldError):
        return (*loc, *ctx_error.loc), ctx_error.message, ctx_error.value, ctx_error.show_value
    if error["type"] in {"union_tag_invalid", "union_tag_not_found"}:
        value = error.get("input")
        tag = value.get("kind") if isinstance(value, Mapping) else None
        return (*loc, "kind"), _kind_problem(error), tag, error["type"] == "union_tag_invalid"
    if error["type"] == "value_error":
        message = str(ctx_error) if ctx_error is not None else error["msg"]
        return loc, message, error.get("input"), True
    show = error["type"] not in {"missing", "extra_forbidden"}
    return loc, _problem(error), error.get("input"), show


def _describe_union(errors: list[ErrorDetails]) -> tuple[Loc, str, Any, bool]:
    """Like :func:`_describe`, for one value that fits no member of a union."""
    words = " or ".join(_member_word(error) for error in errors)
    return (
        _clean_loc(tuple(errors[0]["loc"])[:-1]),
        f"must be {words}",
        errors[0].get("input"),
        True,
    )


def _where(source: str, loc: Loc, marks: Marks, *, on_key: bool) -> str:
    """``file:line:col`` of the deepest known part of ``loc``."""
    for end in range(len(loc), -1, -1):
        pair = marks.get(loc[:end])
        if pair is not None:
            key_mark, value_mark = pair
            exact = end == len(loc)
            return f"{source}:{_mark_text(key_mark if on_key or not exact else value_mark)}"
    return source


def validation_error(exc: ValidationError, source: str, marks: Marks | None = None) -> InputError:
    """Turn a pydantic error into one line: ``where: path = value: what is allowed (+N more)``."""
    errors = exc.errors()
    size = _union_size(errors)
    loc, problem, value, show = _describe_union(errors[:size]) if size > 1 else _describe(errors[0])
    on_key = problem.startswith("unknown key") or problem == "required field missing"
    where = _where(source, loc, marks or {}, on_key=on_key)
    shown = f" = {_show(value)}" if show else ""
    more = f" (+{len(errors) - size} more)" if len(errors) > size else ""
    return InputError(f"{format_path(loc)}{shown}: {problem}{more}", where=where or None)


# --- public entry points ----------------------------------------------------------------------


M = TypeVar("M", bound=BaseModel)


def parse_document(
    model: type[M], data: Any, *, source: str, marks: Marks | None, expected: str
) -> M:
    """Validate already-parsed data into ``model`` (the one rule of every input document).

    Raises :class:`InputError` (one line, ``source:line:col`` when ``marks`` are given) on the
    first problem, counting the others; ``expected`` says what the top level must hold.
    """
    if not isinstance(data, Mapping):
        got = "an empty document" if data is None else f"a {type(data).__name__}"
        raise InputError(f"{expected}, got {got}", where=source)
    try:
        return model.model_validate(dict(data))
    except ValidationError as exc:
        raise validation_error(exc, source, marks) from None


def parse_scenario(
    data: Any, *, source: str = "<scenario>", marks: Marks | None = None
) -> Scenario:
    """Validate already-parsed data (from YAML, JSON or Python) into a :class:`Scenario`."""
    return parse_document(
        Scenario,
        data,
        source=source,
        marks=marks,
        expected="a scenario must be a mapping with at least name and workloads",
    )


def _absolute(value: str, base: Path) -> str:
    path = Path(value).expanduser()
    return str(path if path.is_absolute() else (base / path).resolve())


def _resolve_model_paths(data: Any, base: Path) -> None:
    """Make relative ``model`` and ``load.path`` paths relative to the scenario file's folder
    (in place)."""
    workloads = data.get("workloads") if isinstance(data, dict) else None
    if not isinstance(workloads, list):
        return
    for workload in workloads:
        if not isinstance(workload, dict):
            continue
        model = workload.get("model")
        if isinstance(model, str) and model and is_model_path(model):
            workload["model"] = _absolute(model, base)
        load = workload.get("load")
        if isinstance(load, dict) and isinstance(load.get("path"), str) and load["path"]:
            load["path"] = _absolute(load["path"], base)


def load_scenario(path: Path) -> Scenario:
    """Read and validate a scenario YAML file.

    Relative model config paths are resolved against the file's folder. Raises
    :class:`InputError` with ``file:line:col`` for malformed YAML and for invalid fields.
    """
    path = Path(path)
    data, marks = read_yaml(path)
    _resolve_model_paths(data, path.parent)
    return parse_scenario(data, source=str(path), marks=marks)
