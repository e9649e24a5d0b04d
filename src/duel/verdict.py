"""The verdict: aggregate the trials, check the claims, rank the uncertain inputs, and write the answer.

Takes what :func:`duel.run.run_scenario` computed and assembles the result document (``result.json``):
probabilities with 95 % intervals, the time budget, a plain-language answer to "could it be stopped in
time?", the claim check (and which input bands flip each claim), global sensitivity indices (SALib's
RBD-FAST on the trials themselves) with a one-at-a-time tornado, and the table of every number used with its
status and sources.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from duel import __version__

CLAIM_THRESHOLD = 0.05  # "no chance" / "certain": within 5 % of 0 or 1


def _num(x: Any) -> float | None:
    """A finite float or None."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def _interval(samples: np.ndarray, lo: float = 0.0, hi: float = math.inf) -> dict[str, Any]:
    """Mean of per-trial values with a normal 95 % interval of the mean, clipped to [lo, hi]."""
    m = float(np.mean(samples))
    half = 1.959964 * float(np.std(samples, ddof=1)) / math.sqrt(len(samples)) if len(samples) > 1 else 0.0
    return {"value": m, "ci95": [max(lo, m - half), min(hi, m + half)]}


def assemble(setup: Any, nominal: Any, draws: dict[str, np.ndarray], p0: np.ndarray, pall: np.ndarray,
             leak: np.ndarray, used: np.ndarray, pmf: np.ndarray, trials: int, seed: int,
             backend: str = "numpy") -> dict[str, Any]:
    """The result document of one scenario run (keys documented by ``duel schema result``)."""
    from duel.run import INNER_TRIALS

    sc = setup.scenario
    w = setup.warheads
    p_all = _interval(p0, 0.0, 1.0)
    p_one = _interval(1.0 - pall, 0.0, 1.0)
    e_leak = _interval(leak, 0.0, float(w))
    batteries = [e.to_dict() for e in nominal.engagements]
    budget = time_budget(setup, nominal)
    sens = sensitivity(setup, draws, p0, leak, backend=backend) if draws else {
        "method": None, "output": "P(all objects stopped)", "output_key": "p_all_stopped", "indices": [],
        "tornado": [], "base": p_all["value"], "base_p_at_least_one_stopped": p_one["value"]}
    claims = [check_claim(c, p_all, p_one, setup, sens) for c in sc.claims]
    threat = dict(setup.flight.summary)
    threat.update({"missile": setup.missile.id, "missile_name": setup.missile.name, "objects": w,
                   "decoys": sc.threat.decoys, "launch": _place(setup.launch), "target": _place(setup.target)})
    doc: dict[str, Any] = {
        "duel_version": __version__,
        "scenario": {"name": sc.scenario.name, "title": sc.scenario.title, "description": sc.scenario.description},
        "run": {"trials": trials if draws else 0, "seed": seed, "inner_trials": INNER_TRIALS,
                "uncertain_inputs": list(draws), "backend": backend},
        "threat": threat,
        "comparisons": compare_shapes(setup),
        "timeline": nominal.timeline,
        "readiness": nominal.readiness.to_dict(),
        "batteries": batteries,
        "nominal": {
            "p_all_stopped": float(nominal.pmf[0]), "p_at_least_one_stopped": float(1.0 - nominal.pmf[-1]),
            "expected_leakers": float(np.dot(np.arange(w + 1), nominal.pmf)), "method": nominal.raid.method,
            "note": nominal.raid.note, "layers": nominal.raid.to_dict()["layers"],
        },
        "verdict": {
            "p_all_stopped": p_all, "p_at_least_one_stopped": p_one, "expected_leakers": e_leak,
            "interceptors_used": _interval(used), "leaker_distribution": [float(x) for x in pmf],
            "p_all_stopped_spread": [float(np.percentile(p0, 5)), float(np.percentile(p0, 95))],
            "objects": w,
        },
        "time_budget": budget,
        "claims": claims,
        "sensitivity": sens,
        "convergence": convergence(p0, leak),
        "numbers": numbers_used(setup),
        "track": track_series(setup),
        "notice_exchange": notice_exchange(setup, nominal.timeline, seed),
        "dispersion": threat_dispersion(setup, seed),
    }
    doc["verdict"]["headline"], doc["verdict"]["answer"] = answer(doc)
    from duel import catalog

    ids = sorted({s for row in doc["numbers"] for s in row["sources"]} | set(threat.get("sources", [])))
    doc["sources"] = [_source(catalog.source(i)) for i in ids]
    return doc


def notice_exchange(setup: Any, timeline: dict[str, Any], seed: int) -> dict[str, Any] | None:
    """The notice run through the simulated signed exchange (``[notice] exchange = true``), else None.

    Warning time at the defender against sensors alone, and the share of trials in which the notice reaches
    the defender before launch, apogee and reentry (duel.notify.chain; every latency is notional).
    """
    n = setup.scenario.notice
    if not n.exchange or n.lead_min is None:
        return None
    from duel.notify.chain import simulate_notice_chain
    from duel.notify.dist import Dist

    kw: dict[str, Any] = {}
    if n.recipient == "defender":
        kw["relay"] = Dist("fixed", 0.0)
    elif n.relay_delay_min is not None:
        kw["relay"] = Dist("fixed", n.relay_delay_min * 60.0)
    return simulate_notice_chain(
        n.lead_min * 60.0, n.exchange_trials, seed, apogee_s=timeline["apogee_s"] or timeline["impact_s"],
        reentry_s=timeline["reentry_100km_s"] or timeline["impact_s"], impact_s=timeline["impact_s"],
        sensor_cue_s=timeline["cue_s"] if timeline["cue_s"] is not None else timeline["first_fire_control_track_s"],
        drop=n.drop, retries=n.retries, **kw)


def threat_dispersion(setup: Any, seed: int, points: int = 300) -> dict[str, Any] | None:
    """Impact dispersion of the threat's objects (``[dispersion] enabled = true``), else None.

    CEP (median radial miss) with its 95 % interval, footprint of one missile's objects, and the impact
    offsets (east, north, km) of the first trials' objects for the report's scatter plot.
    """
    d = setup.scenario.dispersion
    if not d.enabled:
        return None
    from duel.dispersion import Dispersion, impact_dispersion

    given = {k: getattr(d, k) for k in ("speed_frac_sd", "angle_sd_deg", "azimuth_sd_deg", "release_sd_mps")
             if getattr(d, k) is not None}
    res = impact_dispersion(setup, d.trials, seed, Dispersion(**given))
    out = {k: v for k, v in res.summary().items() if k != "seconds"}  # wall time would break determinism
    east, north = res.east_m.ravel()[:points], res.north_m.ravel()[:points]
    out["sample_east_km"] = [float(x) / 1e3 for x in east]
    out["sample_north_km"] = [float(x) / 1e3 for x in north]
    out["status"] = "notional"
    return out


def track_series(setup: Any, max_points: int = 400) -> dict[str, list[float]]:
    """The nominal flight's time series, thinned to at most ``max_points`` samples (impact kept)."""
    from duel.earth import geodesic_inverse

    ser = setup.flight.trajectory.series(0)
    n = len(ser["time_s"])
    keep = np.unique(np.concatenate([np.linspace(0, n - 1, min(n, max_points)).astype(int), [n - 1]]))
    _, down = geodesic_inverse(np.full(keep.size, setup.launch.lat_deg), np.full(keep.size, setup.launch.lon_deg),
                               ser["lat_deg"][keep], ser["lon_deg"][keep], setup.flight.trajectory.earth)
    out = {k: [float(x) for x in v[keep]] for k, v in ser.items()}
    out["downrange_km"] = [float(x) / 1e3 for x in down]
    out["mach"] = [x if math.isfinite(x) else None for x in out["mach"]]  # type: ignore[misc]
    return out


def _place(p: Any) -> dict[str, Any]:
    return {"id": p.id, "name": p.name, "lat_deg": p.lat_deg, "lon_deg": p.lon_deg}


def _source(s: Any) -> dict[str, Any]:
    d = s.model_dump() if hasattr(s, "model_dump") else dict(vars(s))
    return {k: (str(v) if v is not None and not isinstance(v, (int, float, str)) else v) for k, v in d.items()}


# ------------------------------------------------------------------------------------------ time budget
def time_budget(setup: Any, ev: Any) -> dict[str, Any]:
    """Warning time, decision time left and each layer's first and last intercept opportunity (s)."""
    tl = ev.timeline
    impact = tl["impact_s"]
    layers = []
    latest_launch = None
    for e in ev.engagements:
        for win in e.windows:
            layers.append({"battery": e.battery.label, "type": e.battery.type.id, "t_first_s": win.t_first_s,
                           "t_last_s": win.t_last_s, "alt_first_km": win.alt_first_m / 1e3,
                           "alt_last_km": win.alt_last_m / 1e3})
            last = win.t_last_s - win.flyout_max_s
            latest_launch = last if latest_launch is None else max(latest_launch, last)
        if not e.windows:
            layers.append({"battery": e.battery.label, "type": e.battery.type.id, "t_first_s": None,
                           "t_last_s": None, "alt_first_km": None, "alt_last_km": None,
                           "why_none": next((r for r in e.reasons if r), None)})
    det, trk = tl["detection_s"], tl["first_fire_control_track_s"]
    return {
        "impact_s": impact,
        "warning_time_s": None if det is None else impact - det,
        "notice_lead_s": None if tl["notice_received_s"] is None else -tl["notice_received_s"],
        "first_detection_s": det,
        "first_fire_control_track_s": trk,
        "latest_useful_launch_s": latest_launch,
        "decision_time_left_s": None if trk is None or latest_launch is None else latest_launch - trk,
        "layers": layers,
    }


# ------------------------------------------------------------------------------------------ comparisons
def compare_shapes(setup: Any) -> list[dict[str, Any]]:
    """The same strike on other trajectory shapes (min-energy, lofted, ...), for the report's comparison."""
    from duel.errors import InputError
    from duel.flight.api import FlightRequest, solve_flight

    th = setup.scenario.threat
    out = []
    for shape in th.compare:
        try:
            s = solve_flight(FlightRequest(launch=th.launch, target=th.target, missile=th.missile, shape=shape,
                                           beta_kg_m2=th.beta_kg_m2)).summary
        except InputError as exc:
            out.append({"trajectory": shape, "error": str(exc)})
            continue
        out.append({"trajectory": shape, "flight_time_s": s["flight_time_s"], "apogee_km": s["apogee_km"],
                    "max_speed_mps": s["max_speed_mps"], "max_mach": s["max_mach"],
                    "impact_speed_mps": s["impact"]["speed_mps"], "impact_mach": s["impact"]["mach"],
                    "speed_30km_mps": next((e["speed_mps"] for e in s["events"]
                                           if e["name"] == "descending through 30 km"), None)})
    return out


# ------------------------------------------------------------------------------------------ sensitivity
def sensitivity(setup: Any, draws: dict[str, np.ndarray], p0: np.ndarray, leak: np.ndarray, seed: int = 1,
                backend: str = "numpy") -> dict[str, Any]:
    """Which uncertain inputs drive the answer: SALib RBD-FAST first-order indices on the trials, and a
    one-at-a-time tornado (each input at its low and high end, the others nominal).

    The output ranked is P(all objects stopped); when it does not vary over the draws (e.g. always 0) the
    expected number of leakers is ranked instead, and ``output`` says which. The tornado's 1 + 2 k cases
    (nominal, then each input at its low and high end) are one batch of the engine
    (:func:`duel.run.evaluate_draws`, 5 x :data:`duel.run.INNER_TRIALS` realisations where limits bind).
    """
    from duel.run import INNER_TRIALS, bounds, evaluate_draws

    names = list(draws)
    x = np.column_stack([draws[n] for n in names])
    key, y = ("p_all_stopped", p0) if np.ptp(p0) > 1e-9 else ("expected_leakers", leak)
    label = {"p_all_stopped": "P(all objects stopped)", "expected_leakers": "expected leakers"}[key]
    indices = []
    if len(y) >= 40 and np.ptp(y) > 1e-9:
        from SALib.analyze import rbd_fast

        problem = {"num_vars": len(names), "names": names,
                   "bounds": [[float(x[:, k].min()), float(x[:, k].max()) + 1e-12] for k in range(len(names))]}
        res = rbd_fast.analyze(problem, x, y, M=4, num_resamples=50, seed=1)
        indices = [{"input": n, "s1": _num(max(0.0, float(s))), "s1_conf": _num(c)}
                   for n, s, c in zip(names, res["S1"], res["S1_conf"])]
        indices.sort(key=lambda r: -(r["s1"] or 0.0))
    ends = [bounds(setup, n, setup.scenario.uncertain[n]) for n in names]
    cases = {n: np.full(1 + 2 * len(names), setup.nominal_inputs[n]) for n in names}
    for k, (n, (lo, hi)) in enumerate(zip(names, ends)):
        cases[n][1 + 2 * k], cases[n][2 + 2 * k] = lo, hi
    out = evaluate_draws(setup, cases, 1 + 2 * len(names), seed, backend, 5 * INNER_TRIALS)
    at = [{"p_all_stopped": float(out["p_all_stopped"][i]), "p_at_least_one_stopped": float(1.0 - out["p_all_leak"][i]),
           "expected_leakers": float(out["expected_leakers"][i])} for i in range(1 + 2 * len(names))]
    base = at[0]
    tornado = []
    for k, (n, (lo, hi)) in enumerate(zip(names, ends)):
        at_lo, at_hi = at[1 + 2 * k], at[2 + 2 * k]
        row = {"input": n, "low": lo, "high": hi, "nominal": setup.nominal_inputs[n],
               "output_low": at_lo[key], "output_high": at_hi[key]}
        for kk in ("p_all_stopped", "p_at_least_one_stopped"):
            row[f"{kk}_low"], row[f"{kk}_high"] = at_lo[kk], at_hi[kk]
        tornado.append(row)
    tornado.sort(key=lambda r: -abs(r["output_high"] - r["output_low"]))
    return {"method": "RBD-FAST (SALib), first-order indices on the Monte Carlo trials" if indices else
            "one-at-a-time only (too few trials, or no variation, for indices)", "output": label, "output_key": key,
            "indices": indices, "tornado": tornado, "base": base[key], "base_p_at_least_one_stopped":
            base["p_at_least_one_stopped"]}


def convergence(p0: np.ndarray, leak: np.ndarray) -> dict[str, list[float]]:
    """Running estimates of P(all stopped) and of the expected leakers against the number of trials (~40 points)."""
    n = len(p0)
    k = np.unique(np.geomspace(1, n, num=min(40, n)).astype(int))
    return {"trials": [int(i) for i in k], "p_all_stopped": [float(v) for v in np.cumsum(p0)[k - 1] / k],
            "expected_leakers": [float(v) for v in np.cumsum(leak)[k - 1] / k]}


# ------------------------------------------------------------------------------------------ claims
def _judge(test: str, p_all: dict[str, Any], p_one: dict[str, Any], flight_time: float, value: float | None) -> str:
    lo, hi = p_one["ci95"] if test == "no-chance" else p_all["ci95"]
    if test == "no-chance":  # claim: P(at least one stopped) ~ 0
        return "holds" if hi < CLAIM_THRESHOLD else ("fails" if lo > CLAIM_THRESHOLD else "undecided")
    if test == "certain-stop":  # claim: P(all stopped) ~ 1
        return "holds" if lo > 1 - CLAIM_THRESHOLD else ("fails" if hi < 1 - CLAIM_THRESHOLD else "undecided")
    return "holds" if flight_time <= float(value) else "fails"  # type: ignore[arg-type]


def check_claim(claim: Any, p_all: dict[str, Any], p_one: dict[str, Any], setup: Any,
                sens: dict[str, Any]) -> dict[str, Any]:
    """Test one stated claim against the result and name the input bands that would flip the verdict."""
    ft = setup.flight.summary["flight_time_s"]
    verdict = _judge(claim.test, p_all, p_one, ft, claim.value)
    flips = []
    for row in sens.get("tornado", []):
        for end in ("low", "high"):
            a = row[f"p_all_stopped_{end}"]
            o = row[f"p_at_least_one_stopped_{end}"]
            v = _judge(claim.test, {"ci95": [a, a]}, {"ci95": [o, o]}, ft, claim.value)
            if claim.test != "flight-time-at-most" and v != verdict and v != "undecided":
                flips.append({"input": row["input"], "end": end, "value": row[end], "verdict": v})
    if claim.test == "no-chance":
        what = (f"P(at least one object stopped) = {p_one['value']:.3f} "
                f"(95 % interval {p_one['ci95'][0]:.3f}-{p_one['ci95'][1]:.3f}); the claim needs it below "
                f"{CLAIM_THRESHOLD:.2f}")
    elif claim.test == "certain-stop":
        what = (f"P(all objects stopped) = {p_all['value']:.3f} (95 % interval {p_all['ci95'][0]:.3f}-"
                f"{p_all['ci95'][1]:.3f}); the claim needs it above {1 - CLAIM_THRESHOLD:.2f}")
    else:
        what = f"the modelled flight takes {ft:,.0f} s; the claim says at most {claim.value:,.0f} s"
    return {"text": claim.text, "who": claim.who, "source": claim.source, "test": claim.test,
            "verdict": verdict, "explanation": what, "flips": flips}


# ------------------------------------------------------------------------------------------ the answer
def answer(doc: dict[str, Any]) -> tuple[str, str]:
    """A one-line headline and a one-paragraph plain-language answer to "could it be stopped in time?"."""
    t, v, tb = doc["threat"], doc["verdict"], doc["time_budget"]
    pa, po = v["p_all_stopped"], v["p_at_least_one_stopped"]
    n = v["objects"]
    if pa["value"] >= 0.95:
        head = "Yes: in this model the defence stops every object"
    elif po["value"] < CLAIM_THRESHOLD:
        head = "No: in this model the defence cannot stop any object"
    elif pa["value"] < 0.05:
        head = "Not all of it: some objects are stopped, but almost surely not all"
    else:
        head = "Partly: whether every object is stopped is a matter of chance"
    windows = [ly for ly in tb["layers"] if ly["t_first_s"] is not None]
    none = [ly for ly in tb["layers"] if ly["t_first_s"] is None]
    parts = [
        f"An {t['missile_name']} launched from {t['launch']['name']} reaches {t['target']['name']} "
        f"({t['ground_range_km']:,.0f} km) after {t['flight_time_s'] / 60:.1f} minutes on a {t['trajectory']} "
        f"arc, with {n} object{'s' if n != 1 else ''} arriving at up to Mach {t['max_mach']:.0f}.",
    ]
    if tb["warning_time_s"] is not None:
        parts.append(f"Sensors give about {tb['warning_time_s'] / 60:.1f} minutes of warning before impact.")
    if windows:
        ws = "; ".join(f"{ly['battery']} from {ly['t_first_s']:.0f} to {ly['t_last_s']:.0f} s "
                       f"({ly['alt_first_km']:.0f}-{ly['alt_last_km']:.0f} km up)" for ly in windows)
        parts.append(f"Batteries that get a chance to fire: {ws}.")
    else:
        parts.append("No battery gets an engagement window, so every object leaks.")
    if none:
        parts.append("No window for " + ", ".join(ly["battery"] for ly in none) + ".")
    parts.append(
        (f"Over {doc['run']['trials']} draws of the uncertain inputs, t" if doc["run"]["trials"] else "T") +
        f"he chance that {'all ' + str(n) + ' objects are' if n != 1 else 'the object is'} stopped is {pa['value']:.1%} (95 % interval {pa['ci95'][0]:.1%}-{pa['ci95'][1]:.1%}); "
        + (f"the chance that at least one is stopped is {po['value']:.1%}; " if n != 1 else "")
        + f"on average {v['expected_leakers']['value']:.1f} get{'s' if n == 1 else ''} through.")
    if doc["time_budget"]["notice_lead_s"] is not None:
        parts.append(f"The advance notice ({doc['time_budget']['notice_lead_s'] / 60:.0f} min before launch at the "
                     "defender) only raises readiness: it creates no track.")
    parts.append("These are kinematic envelopes and notional kill probabilities from public estimates, "
                 "not a prediction of a real engagement.")
    return head, " ".join(parts)


# ------------------------------------------------------------------------------------------ provenance
_UNITS = (("_kg_m2", "kg/m²"), ("_m2", "m²"), ("_mps", "m/s"), ("_kg", "kg"), ("_km", "km"), ("_deg", "deg"),
          ("_s", "s"), ("_m", "m"))  # catalogue key suffix -> unit


def _rows_of(prefix: str, entry: dict[str, Any], status_default: str = "reported") -> list[dict[str, Any]]:
    """Rows for every value table of a catalogue entry (and of its stages)."""
    rows = []
    for key, val in entry.items():
        if isinstance(val, dict) and "nominal" in val:
            unit = next((u for suffix, u in _UNITS if key.endswith(suffix)), "")
            rows.append({"name": f"{prefix} {key}", "value": val["nominal"], "low": val.get("low"),
                         "high": val.get("high"), "unit": unit, "status": val.get("status", status_default),
                         "sources": list(val.get("sources", []))})
        elif key == "stages" and isinstance(val, list):
            for i, st in enumerate(val):
                rows += _rows_of(f"{prefix} stage {i + 1}", st, status_default)
    return rows


def numbers_used(setup: Any) -> list[dict[str, Any]]:
    """Every number the run used: name, value, unit, status (reported/estimated/notional/user-set), sources."""
    from duel import catalog
    from duel.defence.sensors import NOTIONAL

    sc = setup.scenario
    rows: list[dict[str, Any]] = []
    m = catalog.entries("missiles").get(setup.missile.id)
    if m:
        rows += _rows_of(setup.missile.id, m)
    for p in (setup.launch, setup.target):
        if p.id:
            rec = catalog.entries("places")[p.id]
            rows.append({"name": f"{p.id} latitude, longitude", "value": f"{p.lat_deg:.4f}, {p.lon_deg:.4f}",
                         "low": None, "high": None, "unit": "deg", "status": rec.get("status", "reported"),
                         "sources": list(rec.get("sources", []))})
        else:
            rows.append({"name": "point latitude, longitude", "value": f"{p.lat_deg:.4f}, {p.lon_deg:.4f}",
                         "low": None, "high": None, "unit": "deg", "status": "user-set", "sources": []})
    types = dict.fromkeys(b.type.id for b in setup.batteries)
    for tid in types:
        rows += _rows_of(tid, catalog.entries("interceptors")[tid])
    sensors = catalog.entries("sensors")
    used_sensors = dict.fromkeys([b.radar.id for b in setup.batteries] +
                                 ([setup.space_ir.id] if setup.space_ir is not None and hasattr(setup.space_ir, "id")
                                  else (["sbirs"] if setup.space_ir is not None else [])))
    for sid in used_sensors:
        if sid in sensors:
            rows += _rows_of(sid, sensors[sid])
    user = {"rcs_m2": sc.sensors.rcs_m2, "track_formation_s": sc.sensors.track_formation_s,
            "decision_delay_s": sc.sensors.decision_delay_s, "kill_assessment_s": sc.doctrine.kill_assessment_s}
    for name, n in NOTIONAL.items():
        set_by_user = user.get(name) is not None
        rows.append({"name": f"assumption {name}", "value": user[name] if set_by_user else n.value,
                     "low": None if set_by_user else n.low, "high": None if set_by_user else n.high, "unit": n.unit,
                     "status": "user-set" if set_by_user else "notional", "sources": []})
    for b in sc.batteries:
        for k in ("launchers", "magazine", "sspk"):
            if getattr(b, k) is not None:
                rows.append({"name": f"{b.type}@{b.at} {k}", "value": getattr(b, k), "low": None, "high": None,
                             "unit": "", "status": "user-set", "sources": []})
    n = sc.notice
    if n.lead_min is not None:
        rows.append({"name": "notice lead time", "value": n.lead_min, "low": None, "high": None, "unit": "min",
                     "status": "user-set", "sources": []})
    rows.append({"name": "doctrine shots per object per opportunity", "value": sc.doctrine.shots, "low": None,
                 "high": None, "unit": "", "status": "user-set", "sources": []})
    rows.append({"name": "doctrine p_track", "value": sc.doctrine.p_track, "low": None, "high": None, "unit": "",
                 "status": "user-set", "sources": []})
    if sc.dispersion.enabled:
        from duel.threat_defaults import threat_defaults

        for key, d in threat_defaults().items():
            if not key.startswith("dispersion_"):
                continue
            given = getattr(sc.dispersion, key.removeprefix("dispersion_"))
            rows.append({"name": f"threat {key}", "value": d["nominal"] if given is None else given,
                         "low": d["low"] if given is None else None, "high": d["high"] if given is None else None,
                         "unit": d["unit"], "status": "notional" if given is None else "user-set", "sources": []})
    for path, dist in sc.uncertain.items():
        spec = {k: v for k, v in dist.model_dump().items() if v is not None}
        rows.append({"name": f"uncertain {path}", "value": ", ".join(f"{k}={v}" for k, v in spec.items()),
                     "low": None, "high": None, "unit": "", "status": "user-set", "sources": []})
    return rows
