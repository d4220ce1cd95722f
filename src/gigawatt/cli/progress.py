"""A progress bar on stderr for long simulations (rich), for ``gigawatt simulate`` and any
command that runs the twin.

:func:`progress_bar` yields the callback :func:`gigawatt.simulate.run.simulate` takes
(``progress(now_s, horizon_s)``), or None when the bar is off (``--json``, ``--quiet``, or stderr
not a terminal), so a quiet run pays nothing. The bar appears only for runs projected to take
more than :data:`SHOW_IF_TOTAL_S` (checked from :data:`SHOW_AFTER_S` on) and vanishes when done.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

from gigawatt.report.units import format_duration

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import TaskID

QuietFlag = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar on stderr.")]
ProgressFn = Callable[[float, float], None]

SHOW_AFTER_S = 0.5
"""Wall time (s) before the bar may appear: short runs never flash one."""
SHOW_IF_TOTAL_S = 2.0
"""The bar appears when the run's projected wall time (elapsed / fraction done) exceeds this."""


@contextmanager
def progress_bar(
    label: str,
    *,
    enabled: bool = True,
    console: Console | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> Iterator[ProgressFn | None]:
    """Yield a ``progress(now_s, horizon_s)`` callback drawing a bar on ``console`` (default:
    stderr), or None when disabled or the console is not a terminal."""
    # deferred: rich.progress is needed only while a simulation runs, not for `gigawatt --help`
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    console = console if console is not None else Console(stderr=True)
    if not enabled or not console.is_terminal:
        yield None
        return
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[simulated]} of {task.fields[horizon]} simulated"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )
    started = clock()
    task: list[TaskID] = []

    def update(now_s: float, horizon_s: float) -> None:
        simulated, horizon = format_duration(now_s), format_duration(horizon_s)
        if not task:
            elapsed = clock() - started
            done = now_s / horizon_s if horizon_s > 0 else 1.0
            if elapsed < SHOW_AFTER_S or (done > 0 and elapsed / done <= SHOW_IF_TOTAL_S):
                return
            bar.start()
            task.append(bar.add_task(label, total=horizon_s, simulated="", horizon=horizon))
        bar.update(task[0], completed=now_s, simulated=simulated, horizon=horizon)

    try:
        yield update
    finally:
        if task:
            bar.stop()
