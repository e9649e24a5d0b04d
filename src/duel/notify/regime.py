"""Notification regimes (data file ``duel/notify/regimes.toml``, with sources) and the compliance checks a notice is held to.

Source tags ``S1`` ... are listed with their titles and public addresses in ``docs/notify.md``. A minimum
lead time of ``None`` means the regime fixes none (or none is public). Checks return human-readable flags;
they never reject a message: a late or out-of-regime notice is still delivered, and flagged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from duel.notify.canonical import parse_time


@dataclass(frozen=True)
class Regime:
    """One notification regime: who must notify what, how early, through which channel."""

    name: str
    title: str
    legal_status: str
    classes: tuple[str, ...]
    min_lead_s: float | None
    max_window_s: float | None
    channel: str
    sources: tuple[str, ...]


def _load_regimes() -> dict[str, Regime]:
    """Read ``duel/notify/regimes.toml`` (hours in the file, seconds here)."""
    import tomllib
    from importlib.resources import files

    raw = tomllib.loads(files("duel.notify").joinpath("regimes.toml").read_text(encoding="utf-8"))
    return {
        name: Regime(name, r["title"], r["legal_status"], tuple(r["classes"]),
                     r["min_lead_h"] * 3600.0 if "min_lead_h" in r else None,
                     r["max_window_h"] * 3600.0 if "max_window_h" in r else None, r["channel"], tuple(r["sources"]))
        for name, r in raw.items()
    }


REGIMES: dict[str, Regime] = _load_regimes()
"""The regimes by id (data file ``duel/notify/regimes.toml``)."""


def _hours(s: float) -> str:
    return f"{s / 3600:.3g} h"


def check_notice(m: dict[str, Any]) -> list[str]:
    """Flags for a NOTIFY/UPDATE/POST_LAUNCH ``m``: class outside the regime, late notice, window too long."""
    reg = REGIMES[m["regime"]]
    flags = []
    if m["missile_class"] not in reg.classes:
        flags.append(f"class {m['missile_class']} outside {reg.name}: goodwill - not required")
    if "window" in m:
        lead = parse_time(m["window"]["start"]) - parse_time(m["sent"])
        if m["type"] == "NOTIFY" and reg.min_lead_s is not None and lead < reg.min_lead_s:
            flags.append(f"late notice: lead time {_hours(lead)} < {reg.name} minimum {_hours(reg.min_lead_s)}")
        span = parse_time(m["window"]["end"]) - parse_time(m["window"]["start"])
        if reg.max_window_s is not None and span > reg.max_window_s:
            flags.append(f"window {_hours(span)} longer than {reg.name} maximum {_hours(reg.max_window_s)}")
    return flags


def check_launch(window: dict[str, str], launch_time: float) -> list[str]:
    """Flag a launch (POSIX s, UTC) outside the notified ``window``."""
    if parse_time(window["start"]) <= launch_time <= parse_time(window["end"]):
        return []
    return ["launch outside the notified window"]


def check_cancel(cancel_sent: float, launch_time: float | None) -> list[str]:
    """Flag a cancellation sent (POSIX s, UTC) at or after a known launch."""
    if launch_time is not None and cancel_sent >= launch_time:
        return ["cancellation after launch"]
    return []
