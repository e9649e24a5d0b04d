"""Basing comparison: flight times, heights, reentry speeds and warning times from several launch sites.

For each launch site and target: the minimum-energy flight and the fastest arc duel can fly for that missile
(the full-burn depressed arc where it exists), the warning from space-based infrared detection, and a check of
published flight-time claims: a claim shorter than the fastest modelled arc is physically impossible for the
missile as modelled (the result says which arc and by how much).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from duel.defence.setup import space_ir
from duel.errors import InputError
from duel.flight.api import FlightRequest, solve_flight
from duel.scenario.inputs import Inputs


@dataclass(frozen=True)
class FlightTimeClaim:
    """A published claim: the flight to ``target`` takes ``seconds`` (from any of the sites compared)."""

    target: str
    seconds: float
    text: str


def parse_claim(text: str) -> FlightTimeClaim:
    """``TARGET=TIME`` with TIME as ``111s``, ``111``, ``1m51s`` or ``1:51``."""
    if "=" not in text:
        raise InputError(f"--claim: '{text}' must be TARGET=TIME, e.g. kyiv=111s or kyiv=1m51s")
    target, t = (x.strip() for x in text.split("=", 1))
    m = re.fullmatch(r"(?:(\d+(?:\.\d+)?)\s*(?:m|min))?\s*(?:(\d+(?:\.\d+)?)\s*s?)?", t)
    if ":" in t:
        m2 = re.fullmatch(r"(\d+):(\d{1,2}(?:\.\d+)?)", t)
        if not m2:
            raise InputError(f"--claim: cannot read the time '{t}' (use 111s, 1m51s or 1:51)")
        seconds = 60 * float(m2.group(1)) + float(m2.group(2))
    elif m and (m.group(1) or m.group(2)):
        seconds = 60 * float(m.group(1) or 0) + float(m.group(2) or 0)
    else:
        raise InputError(f"--claim: cannot read the time '{t}' (use 111s, 1m51s or 1:51)")
    if not seconds > 0:
        raise InputError(f"--claim: the time in '{text}' must be positive")
    return FlightTimeClaim(target, seconds, text)


def compare_basing(sites: list[str], targets: list[str], missile: str, inputs: Inputs,
                   claims: Sequence[FlightTimeClaim] = (),
                   progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """The comparison table (one row per site and target) and the claim checks, every number from ``inputs``.

    ``progress(done, total)`` is called after each site-target pair (two aimed flights each).
    """
    if not sites:
        raise InputError("--sites: give at least one launch site")
    if not targets:
        raise InputError("--targets: give at least one target")
    places_s = [inputs.place(s, "--sites") for s in sites]
    places_t = [inputs.place(t, "--targets") for t in targets]
    mid = inputs.registry.missile_id(missile, "--missile")
    ir = space_ir(inputs)
    if ir is None:
        raise InputError("sensors.early_warning: the basing comparison needs an early-warning system (not none)")
    rows = []
    total = len(sites) * len(targets)
    for s_txt, sp in zip(sites, places_s):
        for t_txt, tp in zip(targets, places_t):
            me = solve_flight(FlightRequest(launch=s_txt, target=t_txt, missile=missile), inputs).summary
            try:
                fast = solve_flight(FlightRequest(launch=s_txt, target=t_txt, missile=missile, shape="depressed"),
                                    inputs).summary
                fastest = ("depressed", fast.flight_time_s)
            except InputError:
                fastest = ("min-energy", me.flight_time_s)
            rows.append({
                "site": sp.id or s_txt, "site_name": sp.name, "target": tp.id or t_txt, "target_name": tp.name,
                "distance_km": me.ground_range_km, "flight_time_s": me.flight_time_s,
                "apogee_km": me.apogee_km, "reentry_speed_mps": me.speed_at("down_30km"),
                "impact_speed_mps": me.impact.speed_mps, "max_mach": me.max_mach,
                "warning_from_ir_s": me.flight_time_s - float(ir.detection_delay_s),
                "fastest_arc": fastest[0], "fastest_time_s": fastest[1],
            })
            if progress:
                progress(len(rows), total)
    checks = []
    for c in claims:
        tp = inputs.place(c.target, "--claim")
        for r in rows:
            if r["target"] != (tp.id or c.target):
                continue
            impossible = c.seconds < r["fastest_time_s"]
            checks.append({
                "claim": c.text, "site": r["site"], "target": r["target"], "claimed_s": c.seconds,
                "fastest_modelled_s": r["fastest_time_s"], "fastest_arc": r["fastest_arc"],
                "min_energy_s": r["flight_time_s"], "physically_impossible": impossible,
                "verdict": (f"impossible: the fastest arc duel can fly ({r['fastest_arc']}) takes "
                            f"{r['fastest_time_s']:.0f} s, {r['fastest_time_s'] - c.seconds:.0f} s longer"
                            if impossible else
                            f"possible: the fastest modelled arc takes {r['fastest_time_s']:.0f} s"),
            })
        if not any(ch["claim"] == c.text for ch in checks):
            raise InputError(f"--claim: target '{c.target}' is not among --targets")
    return {"missile": mid, "ir_detection_delay_s": float(ir.detection_delay_s), "rows": rows, "claims": checks,
            "sources": sorted(set(inputs.registry.entry_sources("missile", mid)) | set(ir.sources))}
