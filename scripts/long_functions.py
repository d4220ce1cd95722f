"""List functions longer than a limit (default 60 lines) and files longer than 500 lines.

Usage: ``python scripts/long_functions.py [--limit 60] [--file-limit 500] [paths...]``
(default path ``src/gigawatt``). Exit status 0 always: this is a report, the limits are guides.
"""

from __future__ import annotations

import argparse
import ast
from pathlib import Path


def long_functions(path: Path, limit: int) -> list[tuple[int, str, int]]:
    """(line, qualified name, length in lines) of functions in ``path`` longer than ``limit``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[int, str, int]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                name = f"{prefix}{child.name}"
                if not isinstance(child, ast.ClassDef):
                    length = (child.end_lineno or child.lineno) - child.lineno + 1
                    if length > limit:
                        found.append((child.lineno, name, length))
                visit(child, f"{name}.")

    visit(tree, "")
    return found


def main() -> None:
    """Print the report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--limit", type=int, default=60)
    parser.add_argument("--file-limit", type=int, default=500)
    parser.add_argument("paths", nargs="*", default=["src/gigawatt"])
    args = parser.parse_args()
    files = sorted(f for p in args.paths for f in Path(p).rglob("*.py"))
    for f in files:
        lines = len(f.read_text(encoding="utf-8").splitlines())
        if lines > args.file_limit:
            print(f"{f}: file {lines} lines")
        for line, name, length in long_functions(f, args.limit):
            print(f"{f}:{line}: {name} {length} lines")


if __name__ == "__main__":
    main()
