"""A rich progress bar for long commands, shown only on an interactive terminal (stderr)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def with_progress(job: Callable[[Callable[[int, int], None] | None], T], label: str = "Monte Carlo") -> T:
    """Run ``job(progress)`` with a rich progress bar on an interactive terminal (stderr)."""
    if not sys.stderr.isatty():
        return job(None)
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn(label), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeRemainingColumn(), transient=True) as bar:
        task = bar.add_task("trials", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        return job(progress)
