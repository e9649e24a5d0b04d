"""What every benchmark keeps of a measurement: when and on what machine it was made, and how fast that machine
ran a fixed reference workload then (:func:`speed_reference`), appended as JSON lines to
``benchmarks/results.jsonl`` (the figures in docs/performance.md are quoted from there).

The reference is there because this project's shared virtual machine runs the same code up to 2.5 times slower on
one day than on another (docs/performance.md): a figure measured on a slow day and one measured on a fast day
compare through it (or, better, through a baseline run paired with each run, as ``duel_run.py --baseline`` does).
"""

from __future__ import annotations

import json
import os
import platform
import time
from datetime import datetime, timezone
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

RESULTS = Path(__file__).with_name("results.jsonl")


def stamp() -> dict[str, Any]:
    """``date`` (UTC, ISO 8601) and ``machine`` (processor, cores, Python) of a measurement made now."""
    return {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
                       f"Python {platform.python_version()}"}


def _best_of(work: Any, repeat: int = 3) -> float:
    """The shortest of ``repeat`` timings of ``work()`` (s): the least disturbed by other processes."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - t0)
    return best


def _interpreter() -> None:
    """Pure Python: a loop of small integer and attribute work, like the interpreter's share of a run."""
    total = 0
    for i in range(3_000_000):
        total += i % 7
    assert total > 0


def _small_arrays() -> None:
    """NumPy calls on arrays of 9 elements, the per-call overhead that dominates a small batch's flight step."""
    x = np.linspace(1.0, 2.0, 9)
    for _ in range(20_000):
        y = np.arctan2(x, x * 0.5 + 1.0)
        x = np.sqrt(x * x + y * y) * 0.5 + 1.0


def _large_arrays() -> None:
    """NumPy arithmetic and trigonometry over 10^6 elements (memory bandwidth and vector units)."""
    x = np.linspace(0.0, 1.0, 1_000_000)
    for _ in range(5):
        x = np.sin(x) * np.cos(x) + np.sqrt(x * x + 1.0) - 1.0


@cache
def speed_reference() -> dict[str, float]:
    """How fast this machine runs three fixed workloads now (s, best of 3 each; about 2 s in all on this project's
    machine): pure Python (``python_s``), NumPy calls on 9-element arrays (``numpy_calls_s``) and NumPy over 10^6
    elements (``numpy_arrays_s``). Measured once per process, after the benchmark's own work."""
    return {"python_s": round(_best_of(_interpreter), 4), "numpy_calls_s": round(_best_of(_small_arrays), 4),
            "numpy_arrays_s": round(_best_of(_large_arrays), 4)}


def append(*rows: dict[str, Any]) -> None:
    """Append each row to ``results.jsonl``, one JSON object per line, each with the machine's
    :func:`speed_reference` (``speed_reference``; measured at the first append of this process, unless every row
    brings its own)."""
    with RESULTS.open("a", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps({**row, "speed_reference": row.get("speed_reference") or speed_reference()}) + "\n")
