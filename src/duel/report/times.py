"""Times in words for the report and its figures: seconds from launch as ``T+m:ss``, durations as ``m min ss s``."""

from __future__ import annotations

from typing import Any


def fmt_time(t_s: Any) -> str:
    """Seconds from launch as 'T+m:ss'."""
    if t_s is None:
        return "—"
    t = float(t_s)
    sign = "−" if t < 0 else "+"
    a = int(round(abs(t)))
    return f"T{sign}{a // 60}:{a % 60:02d}"


def fmt_duration(t_s: Any) -> str:
    """A duration in seconds as 'm min ss s' (or 's s')."""
    if t_s is None:
        return "—"
    a = int(round(abs(float(t_s))))
    return f"{a // 60} min {a % 60:02d} s" if a >= 60 else f"{a} s"
