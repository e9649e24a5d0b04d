"""Notification regimes (a data table with sources) and the compliance checks a notice is held to.

Source tags ``S1`` ... are those of ``research/notification.md`` (titles and URLs listed there). A minimum
lead time of ``None`` means the regime fixes none (or none is public). Checks return human-readable flags;
they never reject a message: a late or out-of-regime notice is still delivered, and flagged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from duel.notify.canonical import parse_time

BALLISTIC = ("ICBM", "SLBM", "IRBM", "MRBM", "SRBM", "unknown")


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


REGIMES: dict[str, Regime] = {r.name: r for r in (
    Regime("bmlna-1988", "US-Soviet Ballistic Missile Launch Notification Agreement, 31 May 1988",
           "binding, bilateral, in force", ("ICBM", "SLBM"), 24 * 3600.0, None,
           "Nuclear Risk Reduction Centers", ("S1", "S2", "S3", "S23")),
    Regime("goodwill", "NRRC Protocol I Art. 3: any other communication 'as a display of good will'",
           "discretionary", BALLISTIC + ("SLV",), None, None, "Nuclear Risk Reduction Centers",
           ("S5", "S20", "S21")),
    Regime("hcoc", "Hague Code of Conduct against Ballistic Missile Proliferation, 2002: pre-launch notices",
           "politically binding, voluntary, confidential", BALLISTIC + ("SLV",), None, None,
           "HCoC Immediate Central Contact (Austria)", ("S16", "S17", "S18")),
    Regime("plns-2000", "US-Russia MOU on Notifications of Missile Launches, 16 Dec 2000 (never implemented)",
           "signed, never implemented", BALLISTIC + ("SLV",), None, None, "JDEC (never built)",
           ("S12c", "S12d", "S13")),
    Regime("cn-ru-2009", "China-Russia agreement on notification of ballistic-missile and space launches, 2009",
           "binding, bilateral, to 2030", ("ICBM", "SLBM", "IRBM", "SLV"), None, None, "not public",
           ("S26", "S26b")),
    Regime("in-pk-2005", "India-Pakistan agreement on pre-notification of ballistic-missile flight tests, 2005",
           "binding, bilateral", BALLISTIC, 3 * 86400.0, 5 * 86400.0, "foreign offices and high commissions",
           ("S36",)),
    Regime("notional", "duel notional regime (user-set)", "notional", BALLISTIC + ("SLV",), None, None,
           "notional", ()),
)}


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
