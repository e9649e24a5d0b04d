"""The result document (``result.json``; schema: ``duel schema result``), assembled from the stage results.

A pure function of what the stages computed: the nominal flight and the comparison arcs, the nominal defence
(:class:`~duel.defence.engagement.Assessment`), the trials (:class:`~duel.trials.runner.TrialsResult`) and the
inputs read. Nothing here flies, computes a window or draws a random number.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from duel import __version__
from duel.catalog.schema import Place
from duel.defence.records import Assessment
from duel.flight.solved import Comparison, Flight
from duel.physics.earth import geodesic_inverse
from duel.scenario.inputs import Inputs, UncertainInput
from duel.scenario.schema import Scenario
from duel.trials.results import TrialsResult
from duel.verdict.claims import FlightDraws, check_claim
from duel.verdict.prose import answer
from duel.verdict.provenance import numbers_used, sources_of
from duel.trials.spread import spread
from duel.verdict.quantities import convergence
from duel.verdict.sensitivity import no_sensitivity, sensitivity

TRACK_POINTS = 400  # samples of the nominal flight kept for the report's charts


def assemble(sc: Scenario, inputs: Inputs, uncertain: Sequence[UncertainInput], read: Iterable[str],
             flight: Flight, comparisons: Sequence[Comparison], launch: Place, target: Place, timeline: dict[str, Any],
             assessment: Assessment, trials: TrialsResult, backend: str) -> dict[str, Any]:
    """The result document of one scenario run (keys documented by ``duel schema result``).

    ``timeline``: the defence's timeline with the flight's apogee and reentry; ``read``: the inputs the run read.
    """
    raid = assessment.raid
    w = raid.warheads
    nominal_pmf = raid.leaker_pmf()
    out = trials.outcomes
    if out is not None:
        p0, pall, leak, used, pmf = (out.p_all_stopped, out.p_all_leak, out.expected_leakers, out.interceptors,
                                     out.pmf.mean(axis=0))
    else:  # nothing is uncertain: the nominal case is the answer (its own Monte Carlo error only)
        p0, pall = np.array([nominal_pmf[0]]), np.array([nominal_pmf[-1]])
        leak = np.array([float(np.dot(np.arange(w + 1), nominal_pmf))])
        used, pmf = np.array([raid.interceptors_used_mean]), nominal_pmf.copy()
    p_one_draws = 1.0 - pall
    p_all = spread(p0, 0.0, 1.0).to_dict()
    p_one = spread(p_one_draws, 0.0, 1.0).to_dict()
    e_leak = spread(leak, 0.0, float(w)).to_dict()
    negligible = float(inputs["verdict.negligible_p"])
    sens = (sensitivity(trials.sensitivity, trials.tornado)
            if trials.tornado is not None and trials.sensitivity is not None
            else no_sensitivity(p_all["value"], p_one["value"]))
    summary = flight.summary
    labels = {u.path: (u.spec.label, u.spec.unit) for u in uncertain}
    flown = FlightDraws.of(flight, trials, comparisons)  # the flight in each draw (or the nominal), for the claims
    claims = [check_claim(c, p0, p_one_draws, flown, trials.draws, labels, negligible) for c in sc.claims]
    threat = summary.to_dict()
    threat.update({"missile": flight.missile.id, "missile_name": flight.missile.name, "objects": w,  # type: ignore[union-attr]
                   "warheads": flight.missile.warheads,  # type: ignore[union-attr]
                   "submunitions_per_warhead": flight.missile.submunitions_per_warhead,  # type: ignore[union-attr]
                   "decoys": raid.decoys, "launch": _place(launch), "target": _place(target)})
    numbers = numbers_used(inputs, read, sc, uncertain)
    doc: dict[str, Any] = {
        "duel_version": __version__,
        "scenario": {"name": sc.scenario.name, "title": sc.scenario.title, "description": sc.scenario.description},
        "run": {"trials": trials.trials, "seed": trials.seed, "inner_trials": trials.inner_trials,
                "uncertain_inputs": list(trials.draws), "backend": backend, "draws_capped": trials.capped},
        "threat": threat,
        "comparisons": [_comparison(c) for c in comparisons],
        "timeline": timeline,
        "readiness": assessment.readiness.to_dict(),
        "batteries": [e.to_dict() for e in assessment.engagements],
        "nominal": {
            "p_all_stopped": float(nominal_pmf[0]), "p_at_least_one_stopped": float(1.0 - nominal_pmf[-1]),
            "expected_leakers": float(np.dot(np.arange(w + 1), nominal_pmf)), "method": raid.method,
            "note": raid.note, "layers": raid.to_dict()["layers"],
        },
        "verdict": {
            "p_all_stopped": p_all, "p_at_least_one_stopped": p_one, "expected_leakers": e_leak,
            "interceptors_used": spread(used, 0.0).to_dict(), "leaker_distribution": [float(x) for x in pmf],
            "objects": w,
        },
        "time_budget": time_budget(assessment, timeline),
        "claims": claims,
        "sensitivity": sens,
        "convergence": convergence(p0, leak),
        "numbers": numbers,
        "track": track_series(flight, launch),
        "notice_exchange": trials.notice_exchange,
        "dispersion": _dispersion(trials),
    }
    doc["verdict"]["answer_kind"], doc["verdict"]["headline"], doc["verdict"]["answer"] = answer(doc, negligible)
    ids = {s for row in numbers for s in row["sources"]} | set(threat.get("sources", []))
    doc["sources"] = sources_of(inputs, ids)
    return doc


def _place(p: Place) -> dict[str, Any]:
    return {"id": p.id, "name": p.name, "lat_deg": p.lat_deg, "lon_deg": p.lon_deg}


def _comparison(c: Comparison) -> dict[str, Any]:
    """One row of ``comparisons``: the arc's times, heights and speeds (each Mach with its height), whether it is
    flyable (the limit it breaks, the largest dynamic pressure and heat flux of boost and coast) and its thinned
    altitude track (or why it cannot be flown)."""
    s = c.summary
    if s is None:
        return {"trajectory": c.trajectory, "error": c.error}
    f = s.flyability
    return {"trajectory": c.trajectory, "flight_time_s": s.flight_time_s, "apogee_km": s.apogee_km,
            "max_speed_mps": s.max_speed_mps, "max_mach": s.max_mach, "impact_speed_mps": s.impact.speed_mps,
            "impact_mach": s.impact.mach, "speed_30km_mps": s.speed_at("down_30km"),
            "max_mach_altitude_km": s.max_mach_altitude_km, "mach_30km": s.mach_30km,
            "flyable": None if f is None else f.flyable, "limit_broken": None if f is None else f.limit_broken,
            "limit_broken_short": None if f is None else f.limit_broken_short,
            "max_dynamic_pressure_kpa": None if f is None else f.max_dynamic_pressure_kpa,
            "max_dynamic_pressure_altitude_km": None if f is None else f.max_dynamic_pressure_altitude_km,
            "max_heat_flux_mw_m2": None if f is None else f.max_heat_flux_mw_m2,
            "max_heat_flux_altitude_km": None if f is None else f.max_heat_flux_altitude_km,
            "track": c.track}


def _dispersion(trials: TrialsResult, points: int = 300) -> dict[str, Any] | None:
    """CEP with its 95 % interval, the footprint of one missile's objects, and the impact offsets (east, north,
    km) of the first trials' objects for the report's scatter plot."""
    res = trials.dispersion
    if res is None:
        return None
    out = {k: v for k, v in res.summary().items() if k != "seconds"}  # wall time would break determinism
    out["sample_east_km"] = [float(x) / 1e3 for x in res.east_m.ravel()[:points]]
    out["sample_north_km"] = [float(x) / 1e3 for x in res.north_m.ravel()[:points]]
    out["status"] = "notional"
    return out


def track_series(flight: Flight, launch: Place, max_points: int = TRACK_POINTS) -> dict[str, list[float | None]]:
    """The nominal flight's time series, thinned to at most ``max_points`` samples (impact kept)."""
    tr = flight.trajectory
    ser = tr.series(0)
    n = len(ser["time_s"])
    keep = np.unique(np.concatenate([np.linspace(0, n - 1, min(n, max_points)).astype(int), [n - 1]]))
    _, down = geodesic_inverse(np.full(keep.size, launch.lat_deg), np.full(keep.size, launch.lon_deg),
                               ser["lat_deg"][keep], ser["lon_deg"][keep], tr.earth)
    out: dict[str, list[float | None]] = {k: [float(x) for x in v[keep]] for k, v in ser.items()}
    out["downrange_km"] = [float(x) / 1e3 for x in down]
    out["mach"] = [x if x is not None and math.isfinite(x) else None for x in out["mach"]]
    return out


#: the warning times, each named after the event it counts from (timeline key, the event in words)
WARNING_FROM = (("early_warning_detection_s", "infrared detection of the boost"),
                ("early_warning_report_s", "the infrared launch report"),
                ("notice_s", "the notice being sent"),
                ("notice_received_s", "the notice reaching the defender"))


def warning_times(timeline: dict[str, Any]) -> list[dict[str, Any]]:
    """Each warning time as ``{"key", "counts_from", "label", "from_s", "seconds"}``: the time (s) from an
    event of the timeline to impact, named after that event ("from the infrared launch report to impact").
    The notice reaching the defender is listed only where it differs from the notice being sent (a relay)."""
    out = []
    for key, event in WARNING_FROM:
        t = timeline.get(key)
        if t is None or (key == "notice_received_s" and timeline.get("notice_s") is not None
                         and abs(t - timeline["notice_s"]) < 1.0):
            continue
        out.append({"key": key.removesuffix("_s"), "counts_from": event, "label": f"from {event} to impact",
                    "from_s": t, "seconds": timeline["impact_s"] - t})
    return out


def time_budget(ev: Assessment, timeline: dict[str, Any]) -> dict[str, Any]:
    """The warning times (each named after the event it counts from), decision time left and each layer's
    first and last intercept opportunity (s). ``warning_time_s`` is the time from the first detection (the
    infrared one where there is one) to impact."""
    tl = timeline
    impact = tl["impact_s"]
    layers = []
    latest_launch = None
    for e in ev.engagements:
        for win in e.windows:
            layers.append({"battery": e.battery.label, "title": e.battery.title, "type": e.battery.type.id,
                           "t_first_s": win.t_first_s,
                           "t_last_s": win.t_last_s, "alt_first_km": win.alt_first_m / 1e3,
                           "alt_last_km": win.alt_last_m / 1e3})
            last = win.t_last_s - win.flyout_max_s
            latest_launch = last if latest_launch is None else max(latest_launch, last)
        if not e.windows:
            layers.append({"battery": e.battery.label, "title": e.battery.title, "type": e.battery.type.id,
                           "t_first_s": None,
                           "t_last_s": None, "alt_first_km": None, "alt_last_km": None,
                           "why_none": next((r for r in e.reasons if r), None)})
    det, trk = tl["detection_s"], tl["first_fire_control_track_s"]
    return {
        "impact_s": impact,
        "warning_time_s": None if det is None else impact - det,
        "warning_times": warning_times(tl),
        "notice_lead_s": None if tl["notice_received_s"] is None else -tl["notice_received_s"],
        "first_detection_s": det,
        "first_fire_control_track_s": trk,
        "latest_useful_launch_s": latest_launch,
        "decision_time_left_s": None if trk is None or latest_launch is None else latest_launch - trk,
        "layers": layers,
    }
