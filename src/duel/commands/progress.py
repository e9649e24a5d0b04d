"""A rich progress bar for long commands, shown only on an interactive terminal (stderr)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
QUIET_S = 2.0  # without a terminal, work shorter than this prints no progress lines (an error stays one line)


def with_progress(job: Callable[[Callable[[int, int], None] | None], T], label: str = "Monte Carlo") -> T:
    """Run ``job(progress)`` with a rich progress bar on an interactive terminal (stderr); elsewhere (stderr
    piped or in a file) with a plain line on stderr at each tenth of the work, once it has run ``QUIET_S``."""
    if not sys.stderr.isatty():
        import time

        start, shown = time.monotonic(), [-1]

        def lines(done: int, total: int) -> None:
            tenth = 10 * done // max(total, 1)
            if tenth > shown[0] and time.monotonic() - start >= QUIET_S:
                shown[0] = tenth
                print(f"{label}: {done}/{total} ({time.monotonic() - start:.0f} s)", file=sys.stderr, flush=True)

        return job(lines)
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn(label), BarColumn(), TextColumn("{task.fields[done]}"),
                  TimeRemainingColumn(), transient=True) as bar:
        task = bar.add_task("trials", total=None, done="starting")  # no "0/None" before the total is known

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total, done=f"{done}/{total}")

        return job(progress)
