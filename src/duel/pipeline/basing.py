"""Basing comparison: flight times, heights, reentry speeds and warning times from several launch sites.

For each launch site and target: the minimum-energy flight and the full-burn depressed arc (where it exists),
each labelled flyable or not against the flight limits (:mod:`duel.flight.flyability`: dynamic pressure and
nose heating of the boosting and coasting missile); the fastest arc among the flyable ones (every arc with
``allow_unflyable``); the warning from space-based infrared detection; and a check of published flight-time
claims: a claim shorter than the fastest arc is physically impossible for the missile as modelled (the
result says which arc, by how much, and which faster arc was excluded and why).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from duel.defence.setup import space_ir
from duel.errors import InputError
from duel.flight.api import FlightRequest, solve_flights
from duel.flight.flyability import LIMIT_PATHS
from duel.flight.summary import FlightSummary
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


def _arc(shape: str, summary: FlightSummary | None, error: str | None = None) -> dict[str, Any]:
    """One flown arc of a basing row: time, apogee, speeds with their heights, flyability (or why not flown)."""
    if summary is None:
        return {"trajectory": shape, "error": error}
    f = summary.flyability
    return {"trajectory": shape, "flight_time_s": summary.flight_time_s, "apogee_km": summary.apogee_km,
            "max_mach": summary.max_mach, "max_mach_altitude_km": summary.max_mach_altitude_km,
            "mach_30km": summary.mach_30km, "impact_mach": summary.impact.mach,
            "flyable": None if f is None else f.flyable, "limit_broken": None if f is None else f.limit_broken,
            "limit_broken_short": None if f is None else f.limit_broken_short,
            "max_dynamic_pressure_kpa": None if f is None else f.max_dynamic_pressure_kpa,
            "max_heat_flux_mw_m2": None if f is None else f.max_heat_flux_mw_m2}


def _fastest(arcs: list[dict[str, Any]], allow_unflyable: bool) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """The fastest usable arc (None if none) and the faster arcs left out because they are not flyable."""
    flown = sorted((a for a in arcs if "error" not in a and a["flight_time_s"] is not None),
                   key=lambda a: a["flight_time_s"])
    usable = [a for a in flown if allow_unflyable or a["flyable"] is not False]
    best = usable[0] if usable else None
    excluded = [a for a in flown if a not in usable and (best is None or a["flight_time_s"] < best["flight_time_s"])]
    return best, excluded


def _claim_verdict(c: FlightTimeClaim, r: dict[str, Any]) -> tuple[bool | None, bool, str]:
    """(physically impossible? (None: undecided), does that rest on the flight limits?, the verdict in words) of
    a claim against one basing row."""
    best, excl = r["fastest_time_s"], r["fastest_excluded"]

    def out(a: dict[str, Any]) -> str:
        return f"the {a['trajectory']} arc ({a['flight_time_s']:.0f} s, not flyable: {a['limit_broken_short']})"

    if best is None:
        return None, True, ("undecided: no arc duel flew is within the flight limits ("
                            + "; ".join(out(a) for a in excl) + "); --allow-unflyable counts them, "
                            "--set flight.max_dynamic_pressure_kpa=... changes the limit")
    arc = r["fastest_arc"] + ("" if r["fastest_flyable"] is not False
                              else ", not flyable, counted because of --allow-unflyable")
    if c.seconds >= best:
        return False, False, f"possible: the fastest modelled arc ({arc}) takes {best:.0f} s"
    which = "can fly" if r["fastest_flyable"] is not False else "flew"
    text = f"impossible: the fastest arc duel {which} ({arc}) takes {best:.0f} s, {best - c.seconds:.0f} s longer"
    faster = [a for a in excl if c.seconds >= a["flight_time_s"]]
    if faster:
        return True, True, (text + "; only " + " or ".join(out(a) for a in faster) + ", or an arc between it and "
                            f"the {r['fastest_arc']} arc (duel does not search those), could be that fast")
    if excl:
        text += "; even " + " and ".join(out(a) for a in excl) + " is slower"
    return True, False, text


def compare_basing(sites: list[str], targets: list[str], missile: str, inputs: Inputs,
                   claims: Sequence[FlightTimeClaim] = (),
                   progress: Callable[[int, int], None] | None = None,
                   allow_unflyable: bool = False) -> dict[str, Any]:
    """The comparison table (one row per site and target) and the claim checks, every number from ``inputs``.

    ``progress(done, total)`` is called after each site-target pair (two aimed flights each; a site's pairs are
    aimed together in one batch first). The fastest arc
    of a row is the fastest flyable arc flown (minimum-energy or depressed); with ``allow_unflyable`` the
    fastest arc flown, flyable or not.
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
    target_ids = {tp.id or t for tp, t in zip(places_t, targets)}
    for c in claims:  # before any flight: a claim about a target not flown is an input error
        if (inputs.place(c.target, "--claim").id or c.target) not in target_ids:
            raise InputError(f"--claim: target '{c.target}' is not among --targets")
    rows = []
    total = len(sites) * len(targets)
    for s_txt, sp in zip(sites, places_s):
        # a site's arcs aimed together (each flight as solve_flight gives it alone)
        flights = solve_flights([FlightRequest(launch=s_txt, target=t_txt, missile=missile, shape=shape)
                                 for t_txt in targets for shape in ("min-energy", "depressed")], inputs)
        for j, (t_txt, tp) in enumerate(zip(targets, places_t)):
            first, dep = flights[2 * j], flights[2 * j + 1]
            if isinstance(first, InputError):
                raise first
            me = first.summary
            arcs = [_arc("min-energy", me), _arc("depressed", None, str(dep)) if isinstance(dep, InputError)
                    else _arc("depressed", dep.summary)]
            best, excluded = _fastest(arcs, allow_unflyable)
            rows.append({
                "site": sp.id or s_txt, "site_name": sp.name, "target": tp.id or t_txt, "target_name": tp.name,
                "distance_km": me.ground_range_km, "flight_time_s": me.flight_time_s,
                "apogee_km": me.apogee_km, "reentry_speed_mps": me.speed_at("down_30km"),
                "impact_speed_mps": me.impact.speed_mps, "max_mach": me.max_mach,
                "max_mach_altitude_km": me.max_mach_altitude_km, "mach_30km": me.mach_30km,
                "impact_mach": me.impact.mach,
                "flyable": arcs[0]["flyable"], "limit_broken": arcs[0]["limit_broken"],
                "warning_from_ir_s": me.flight_time_s - float(ir.detection_delay_s),
                "fastest_arc": None if best is None else best["trajectory"],
                "fastest_time_s": None if best is None else best["flight_time_s"],
                "fastest_flyable": None if best is None else best["flyable"],
                "fastest_excluded": [{"trajectory": a["trajectory"], "flight_time_s": a["flight_time_s"],
                                      "limit_broken": a["limit_broken"],
                                      "limit_broken_short": a["limit_broken_short"]} for a in excluded],
                "arcs": arcs,
            })
            if progress:
                progress(len(rows), total)
    checks = []
    for c in claims:
        tp = inputs.place(c.target, "--claim")
        for r in rows:
            if r["target"] != (tp.id or c.target):
                continue
            impossible, on_limits, verdict = _claim_verdict(c, r)
            checks.append({
                "claim": c.text, "site": r["site"], "target": r["target"], "claimed_s": c.seconds,
                "fastest_modelled_s": r["fastest_time_s"], "fastest_arc": r["fastest_arc"],
                "fastest_flyable": r["fastest_flyable"],
                "excluded_arcs": [a["trajectory"] for a in r["fastest_excluded"]],
                "min_energy_s": r["flight_time_s"], "physically_impossible": impossible,
                "depends_on_flight_limits": on_limits, "verdict": verdict,
            })
    return {"missile": mid, "ir_detection_delay_s": float(ir.detection_delay_s), "allow_unflyable": allow_unflyable,
            "flight_limits": {k: float(inputs[p]) for k, p in LIMIT_PATHS.items()},
            "rows": rows, "claims": checks,
            "sources": sorted(set(inputs.registry.entry_sources("missile", mid)) | set(ir.sources)
                              | {sid for p in LIMIT_PATHS.values() for sid in inputs.spec(p).sources})}
