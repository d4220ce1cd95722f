"""Shared test helpers: run the CLI in-process, locate ../shared."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"

CliResult = tuple[int, str, str]


@pytest.fixture
def run_cli(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., CliResult]:
    """Run ``gigawatt <args>`` in-process through the console entry point.

    Returns (exit code, stdout, stderr)."""
    from gigawatt.cli.app import main

    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.delenv("GIGAWATT_CATALOG_PATH", raising=False)

    def run(*args: str) -> CliResult:
        monkeypatch.setattr(sys, "argv", ["gigawatt", *args])
        code = 0
        try:
            main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def shared() -> Path:
    """The ../shared folder beside the repository (skips when absent, e.g. in an sdist)."""
    if not SHARED.is_dir():
        pytest.skip("../shared is not beside the repository")
    return SHARED
