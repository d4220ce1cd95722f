"""Print the package's import graph problems: upward imports, cycles and deferred imports.

The house has floors (``FLOORS`` below, top first). A *room* is a top-level module or package of
``gigawatt`` (``cli``, ``optimize``, ``errors`` ...). An import is *upward* when a room imports a
room on a higher floor, and *sideways* when two different rooms on the same floor import each
other's modules. A *cycle* is a strongly connected set of files; cycles are allowed only inside
the kernels listed in ``CYCLE_KERNELS``. A *deferred* import sits inside a function; it must carry
a ``# deferred:`` comment on its line or the line above saying why (a measured start-up cost).

Exit status 1 when any upward or sideways import, disallowed cycle or uncommented deferred
import exists (CI runs this), 0 otherwise.

Usage: ``python scripts/import_graph.py [--verbose]``
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "src" / "gigawatt"

FLOORS: tuple[tuple[str, ...], ...] = (
    ("__main__",),
    ("cli",),
    ("__init__",),
    ("report",),
    ("validation",),
    ("optimize", "simulate"),
    ("evaluate",),
    ("adapters",),
    ("spec",),
    ("models", "catalog"),
    ("errors", "json_safe"),
)
"""Rooms from the top floor down: a room may import only rooms on lower floors."""

CYCLE_KERNELS = ("gigawatt.simulate.", "gigawatt.validation.")
"""Packages whose files may import each other in a circle (the event kernel, the case registry)."""


def module_name(path: Path) -> str:
    """Dotted module name of a file under ``src/gigawatt``."""
    rel = path.relative_to(ROOT.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def room_of(module: str) -> str:
    """The room (top-level module or package of gigawatt) a dotted module belongs to."""
    parts = module.split(".")
    return "__init__" if len(parts) == 1 else parts[1]


def floor_of(room: str) -> int:
    """Floor index of a room (0 = top); unknown rooms raise so the table stays complete."""
    for index, rooms in enumerate(FLOORS):
        if room in rooms:
            return index
    raise SystemExit(f"room {room!r} is on no floor: add it to FLOORS in {__file__}")


def resolve(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """Absolute module name of a (possibly relative) ``from ... import``."""
    if node.level == 0:
        return node.module or ""
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def imports_of(path: Path, known: set[str]) -> tuple[list[tuple[str, int, bool]], list[int]]:
    """(imported gigawatt module, line, type-checking only) edges and uncommented deferred lines."""
    module = module_name(path)
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    tree = ast.parse(source)
    edges: list[tuple[str, int, bool]] = []
    deferred: list[int] = []
    type_only = _type_checking_lines(tree)
    for node, in_function, run_start in _walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = resolve(node, module, path.name == "__init__.py")
            targets = [
                f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names
            ]
        else:
            continue
        if in_function and not _commented(lines, run_start):
            deferred.append(node.lineno)
        for target in targets:
            if target == "gigawatt" or target.startswith("gigawatt."):
                edges.append((target, node.lineno, node.lineno in type_only))
    return edges, deferred


def _submodule(base: str, name: str, known: set[str]) -> str:
    """``base.name`` when that is a module (``from pkg import module``), else ``base``."""
    return f"{base}.{name}" if f"{base}.{name}" in known else base


def _walk(tree: ast.AST) -> list[tuple[ast.AST, bool, int]]:
    """Every node, whether it sits inside a function body, and the first line of its import run.

    An import's *run* is the sequence of import statements directly before it in the same body;
    one ``# deferred:`` comment above the run covers all of them.
    """
    out: list[tuple[ast.AST, bool, int]] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        run_start = 0
        for child in ast.iter_child_nodes(node):
            is_import = isinstance(child, ast.Import | ast.ImportFrom)
            if not is_import:
                run_start = 0
            elif run_start == 0:
                run_start = child.lineno
            inside = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            out.append((child, in_function, run_start or getattr(child, "lineno", 0)))
            visit(child, inside)

    visit(tree, False)
    return out


def _type_checking_lines(tree: ast.Module) -> set[int]:
    """Line numbers of imports under ``if TYPE_CHECKING:`` (not run, so not edges of the graph)."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in ast.walk(node):
                if isinstance(child, ast.Import | ast.ImportFrom):
                    lines.add(child.lineno)
    return lines


def _commented(lines: list[str], lineno: int) -> bool:
    """True when the first import line of a run or the line above it says ``# deferred:``."""
    here = lines[lineno - 1]
    above = lines[lineno - 2] if lineno >= 2 else ""
    return "# deferred:" in here or above.strip().startswith("# deferred:")


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one file (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def connect(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for node in sorted(graph):
        if node not in index:
            connect(node)
    return found


def main(argv: list[str]) -> int:
    """Print upward/sideways imports, disallowed cycles and uncommented deferred imports."""
    files = sorted(ROOT.rglob("*.py"))
    known = {module_name(f) for f in files}
    graph: dict[str, set[str]] = defaultdict(set)
    problems: list[str] = []
    room_edges: set[tuple[str, str]] = set()
    for path in files:
        module = module_name(path)
        edges, deferred = imports_of(path, known)
        rel = path.relative_to(ROOT.parent.parent)
        for line in deferred:
            problems.append(f"deferred import without '# deferred:' reason: {rel}:{line}")
        for target, line, type_only in edges:
            target = target if target in known else target.rsplit(".", 1)[0]
            if target not in known or type_only:
                continue
            graph[module].add(target)
            src_room, dst_room = room_of(module), room_of(target)
            if src_room == dst_room:
                continue
            room_edges.add((src_room, dst_room))
            src_floor, dst_floor = floor_of(src_room), floor_of(dst_room)
            if dst_floor < src_floor:
                problems.append(f"upward import: {rel}:{line} ({src_room} -> {dst_room})")
            elif dst_floor == src_floor:
                problems.append(f"sideways import: {rel}:{line} ({src_room} -> {dst_room})")
    for component in cycles(graph):
        if not all(m.startswith(CYCLE_KERNELS) for m in component):
            problems.append(f"import cycle: {' <-> '.join(component)}")
    if "--verbose" in argv:
        for src, dst in sorted(room_edges):
            print(f"{src} -> {dst}")
    rooms = {room_of(m) for m in known}
    print(
        f"{len(files)} files, {len(rooms)} rooms, {len(room_edges)} room arrows, "
        f"{len(problems)} problems"
    )
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
