"""What every benchmark keeps of a measurement: when and on what machine it was made, appended as JSON lines to
``benchmarks/results.jsonl`` (the figures in docs/performance.md are quoted from there)."""

from __future__ import annotations

import json
import os
import platform
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).with_name("results.jsonl")


def stamp() -> dict[str, Any]:
    """``date`` (UTC, ISO 8601) and ``machine`` (processor, cores, Python) of a measurement made now."""
    return {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
                       f"Python {platform.python_version()}"}


def append(*rows: dict[str, Any]) -> None:
    """Append each row to ``results.jsonl``, one JSON object per line."""
    with RESULTS.open("a", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row) + "\n")
