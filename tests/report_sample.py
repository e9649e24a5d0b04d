"""A synthetic report context for the report tests (NOT a duel result).

``sample_context()`` is a complete :func:`duel.report.html.render_report` context with synthetic, deterministic
numbers (a smooth Kapustin Yar -> Kyiv arc: 1,118 km, 11.5 min, apogee 390 km; PAC-3 MSE and a notional THAAD
battery; six warheads); its banner says it is not a result. ``sample_trajectory()`` is the arc alone. The
bibliography entries are the shipped catalogue's (read offline).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from duel.report.html import figure_entry, fmt_duration, fmt_num, fmt_pct


def _catalogue_sources(ids: Sequence[str]) -> list[dict[str, Any]]:
    """Titles, authors, years and URLs of catalogue sources by id (the shipped catalogue; an unknown id raises)."""
    from duel.catalog import load_catalog

    return [{"id": s.id, "title": s.title, "author": s.author, "year": s.year, "url": s.url, "citation": s.citation}
            for s in load_catalog().sources(ids)]


def _speed_of_sound_approx(h_km: Any) -> Any:
    """US76 speed of sound (m/s) at altitude ``h_km`` (km); NaN above 86 km, where the sample shows no Mach."""
    import numpy as np

    from duel.physics.atmosphere import atmosphere_xp

    h = np.asarray(h_km, dtype=float)
    return np.where(h <= 86.0, atmosphere_xp(h * 1e3)[3], np.nan)


def sample_trajectory() -> dict[str, Any]:
    """A synthetic Kapustin Yar → Kyiv flight (NOT a duel result: smooth formulas shaped like a lofted
    IRBM-class arc, flight ~11.5 min, apogee ~390 km) for tests and for looking at the report.

    Returns arrays: time_s, downrange_km, altitude_km, speed_mps, mach, lat, lon, and scalars.
    """
    import numpy as np
    from pyproj import Geod

    launch = ("Kapustin Yar", 48.586111, 45.72)
    target = ("Kyiv", 50.45, 30.52333)
    g = Geod(ellps="WGS84")
    az, _, dist_m = g.inv(launch[2], launch[1], target[2], target[1])
    D = dist_m / 1e3
    T, tb, hb, H = 690.0, 170.0, 150.0, 390.0  # flight time, burnout time, burnout altitude, apogee (sample)
    t = np.linspace(0.0, T, 691)
    xb = D * tb / (2 * T - tb)  # continuous horizontal speed at burnout
    x = np.where(t < tb, xb * (t / tb) ** 2, xb + (D - xb) * (t - tb) / (T - tb))
    tau = T - tb
    r = hb / (H - hb)
    ta = tau * (-1 + np.sqrt(1 + r)) / r  # time from burnout to apogee
    gk = 2 * (H - hb) / ta**2  # km/s^2, effective
    pw = gk * ta * tb / hb  # power that makes the vertical speed continuous at burnout
    h = np.where(t < tb, hb * (t / tb) ** pw, hb + gk * ta * (t - tb) - 0.5 * gk * (t - tb) ** 2)
    h = np.maximum(h, 0.0)
    vx = np.gradient(x, t)
    vz = np.gradient(h, t)
    v = np.hypot(vx, vz) * 1e3
    desc = t > tb + ta
    v = np.where(desc, v * (1 - 0.28 * np.exp(-h / 12.0)), v)  # crude drag loss in the lower atmosphere
    mach = v / _speed_of_sound_approx(h)
    lon, lat, _ = g.fwd(np.full(t.size, launch[2]), np.full(t.size, launch[1]), np.full(t.size, az), x * 1e3)
    i_ap = int(np.argmax(h))
    return {"time_s": t, "downrange_km": x, "altitude_km": h, "speed_mps": v, "mach": mach, "lat": lat,
            "lon": lon, "launch": launch, "target": target, "range_km": D, "flight_time_s": T,
            "burnout_s": tb, "apogee_s": float(t[i_ap]), "apogee_km": float(h[i_ap])}


def sample_context() -> dict[str, Any]:
    """A realistic-looking report context with SYNTHETIC numbers (Oreshnik-like raid on Kyiv, PAC-3 MSE and a
    notional THAAD battery). Deterministic. Used by the tests and to look at the layout; not a result."""
    import numpy as np

    from duel.report import plots

    tr = sample_trajectory()
    t, h = tr["time_s"], tr["altitude_km"]
    T = tr["flight_time_s"]

    def descending_crossing(level_km: float) -> float:
        i = int(np.argmax(h))
        return float(np.interp(-level_km, -h[i:], t[i:]))

    bands = [{"label": "PAC-3 MSE", "min_km": 3.0, "max_km": 25.0},
             {"label": "THAAD (notional here)", "min_km": 40.0, "max_km": 150.0}]
    windows = [
        {"label": "THAAD (notional here)", "t_first_s": descending_crossing(150.0) + 20.0,
         "t_last_s": descending_crossing(40.0), "note": "upper tier; needs the cue before the target descends"},
        {"label": "PAC-3 MSE, Kyiv", "t_first_s": descending_crossing(25.0), "t_last_s": descending_crossing(3.0),
         "note": "terminal defence of the city"},
    ]
    events = [{"name": "launch", "time_s": 0.0}, {"name": "detection", "time_s": 45.0},
              {"name": "burnout", "time_s": tr["burnout_s"]}, {"name": "track", "time_s": 150.0},
              {"name": "notice", "time_s": 205.0}, {"name": "apogee", "time_s": tr["apogee_s"]}]
    notice = 205.0
    objects = 6
    q = 0.40  # sample per-warhead leak probability
    from math import comb

    dist = [comb(objects, k) * q**k * (1 - q) ** (objects - k) for k in range(objects + 1)]
    p_all, p_any, e_leak = dist[0], 1 - q**objects, objects * q

    batteries = [{"label": "PAC-3 MSE", "lat": 50.40, "lon": 30.45, "range_km": 40.0},
                 {"label": "THAAD (notional)", "lat": 50.52, "lon": 30.80, "range_km": 200.0}]
    tnames = ["PAC-3 MSE kill probability per shot", "THAAD kill probability per shot", "notice delay",
              "battery reaction time", "THAAD lowest intercept altitude", "warheads in the raid"]
    tlow = [3.05, 2.75, 2.21, 2.30, 2.33, 1.62]
    thigh = [1.45, 1.92, 2.86, 2.55, 2.49, 2.70]

    figs = {
        "timeline": plots.timeline_chart(events, windows, notice, T),
        "altitude": plots.altitude_downrange(tr["downrange_km"], h, bands),
        "speed": plots.speed_mach(t, tr["speed_mps"], tr["mach"]),
        "map": plots.world_map(tr["lat"], tr["lon"], tr["launch"], tr["target"], batteries),
        "leakers": plots.leaker_distribution(dist, objects),
        "tornado": plots.tornado(tnames, tlow, thigh, e_leak, "expected number of leakers"),
        "sobol": plots.sensitivity_bars(tnames, [0.41, 0.17, 0.12, 0.02, 0.01, 0.15],
                                        [0.48, 0.22, 0.16, 0.04, 0.02, 0.19]),
    }
    fe = figure_entry
    v_burnout = float(np.interp(tr["burnout_s"], t, tr["speed_mps"]))
    mach_max = float(np.nanmax(tr["mach"]))
    ids = ["wiki-kapustin-yar", "wiki-kyiv", "hur-2024-11-22-reuters", "techwp-patriot-pac3mse-poland-2024",
           "osint-envelopes-ts", "trtworld-thaad-2017", "nextgov-sbirs-2011"]
    return {
        "title": "The Oreshnik duel: could a strike on Kyiv be stopped in time?",
        "subtitle": "Scenario: six warheads from Kapustin Yar against Kyiv, defended by PAC-3 MSE and a notional "
                    "THAAD battery.",
        "banner": "SAMPLE REPORT — the numbers on this page are synthetic, made to test the layout. "
                  "They are not a result of duel.",
        "meta": [{"label": "scenario", "value": "sample (built in tests/report_sample.py)"},
                 {"label": "Monte Carlo samples", "value": "100,000"}, {"label": "seed", "value": "20241121"},
                 {"label": "duel", "value": "0.1.0"}],
        "verdict": {
            "headline": "Most likely, some warheads get through.",
            "answer": (f"In this sample, the missile takes {fmt_duration(T)} from launch to impact and the "
                       f"defence is warned {fmt_duration(T - notice)} before impact. Each of the six warheads "
                       f"passes through two short engagement windows; in {fmt_pct(p_all)} of the simulated raids "
                       "every warhead is stopped, and on average "
                       f"{fmt_num(e_leak)} of six reach the city. Whether anything is stopped at all depends "
                       "mostly on the interceptors' kill probability per shot, which no public source gives."),
            "tone": "bad", "objects": objects,
            "p_all_stopped": {"value": p_all, "ci95": [p_all * 0.92, p_all * 1.08]},
            "p_any_stopped": {"value": p_any, "ci95": [p_any - 0.002, min(p_any + 0.002, 1.0)]},
            "expected_leakers": {"value": e_leak, "ci95": [e_leak - 0.03, e_leak + 0.03]},
            "extra": [{"label": "flight time", "value": fmt_duration(T), "unit": ""},
                      {"label": "warning after notice", "value": fmt_duration(T - notice), "unit": ""},
                      {"label": "apogee", "value": tr["apogee_km"], "unit": "km"}],
        },
        "claims": [
            {"claim": "“No air defence system in the world can intercept Oreshnik.”",
             "verdict": "Not supported in this model: at least one warhead is intercepted in most raids.",
             "status": "contradicted",
             "flip": "No THAAD-class battery and a PAC-3 MSE kill probability below about 0.2 per shot."},
             {"claim": "“Kyiv would have no time to react.”",
             "verdict": f"Partly: {fmt_duration(T - notice)} of warning in this sample, enough for batteries, "
                        "short for people.",
             "status": "uncertain",
             "flip": "A notice delay over about 6 minutes leaves no upper-tier window."},
            {"claim": "“The missile flies at Mach 10 or more.”",
             "verdict": "Consistent: the sample peaks near Mach 11 in the upper atmosphere.",
             "status": "supported", "flip": "A depressed or much shorter flight."},
        ],
        "timeline": {
            "intro": "What happens when, counted from launch. The yellow band is the time the defence has after "
                     "it is told a missile is coming; the coloured bars are when each battery could fire.",
            "figures": [fe(figs["timeline"], "fig-timeline",
                           "Timeline from launch to impact at T+11:30 with detection, burnout, notice, apogee, and "
                           "engagement windows for THAAD and PAC-3 MSE in the last minutes.",
                           "Engagement windows allow for each interceptor's fly-out time.")],
            "events": events + [{"name": "impact", "time_s": T}],
            "windows": windows,
        },
        "trajectory": {
            "intro": "The arc the warheads follow, and how fast they go. Shaded bands are the altitudes at "
                     "which each interceptor can hit a target.",
            "figures": [fe(figs["altitude"], "fig-altitude",
                           f"Altitude against downrange: the arc rises to about {fmt_num(tr['apogee_km'])} km and "
                           f"falls onto Kyiv {fmt_num(tr['range_km'])} km away; bands show PAC-3 MSE (3–25 km) "
                           "and THAAD (40–150 km).",
                           "Vertical scale exaggerated."),
                        fe(figs["speed"], "fig-speed",
                           f"Speed and Mach number against time: about {fmt_num(v_burnout / 1e3, 2)} km/s at "
                           f"burnout and up to Mach {fmt_num(mach_max, 2)} during reentry.")],
            "facts": [{"label": "ground range", "value": tr["range_km"], "unit": "km"},
                      {"label": "flight time", "value": T, "unit": "s"},
                      {"label": "apogee", "value": tr["apogee_km"], "unit": "km"},
                      {"label": "speed at impact", "value": float(tr["speed_mps"][-1]), "unit": "m/s"}],
        },
        "map": {
            "intro": "The ground track from the launch site to the target, and how far each battery reaches.",
            "figures": [fe(figs["map"], "fig-map",
                           "Map of Ukraine and southern Russia with the ground track from Kapustin Yar to Kyiv "
                           "and range rings of 40 km (PAC-3 MSE) and 200 km (THAAD) around Kyiv.")],
        },
        "leakers": {
            "intro": "Out of six warheads, how many are not intercepted.",
            "figures": [fe(figs["leakers"], "fig-leakers",
                           "Bar chart of the probability of 0 to 6 leakers; the most likely outcome is 2.")],
            "distribution": dist,
        },
        "sensitivity": {
            "intro": "Each input moved from its low to its high value with the others held at nominal, and the "
                     "share of the spread each input explains.",
            "figures": [fe(figs["tornado"], "fig-tornado",
                           "Tornado chart: the PAC-3 MSE kill probability moves the expected leakers most, "
                           "from 1.5 to 3.1."),
                        fe(figs["sobol"], "fig-sobol",
                           "Sensitivity indices: the PAC-3 MSE kill probability explains about 40 % of the "
                           "variance.")],
            "rows": [{"name": n, "low": lo, "high": hi} for n, lo, hi in zip(tnames, tlow, thigh)],
            "output": "expected leakers",
        },
        "numbers": {
            "rows": [
                {"name": "launch site (Kapustin Yar)", "value": "48.586° N, 45.720° E", "unit": "",
                 "status": "reported", "sources": ["wiki-kapustin-yar"]},
                {"name": "target (Kyiv city centre)", "value": "50.450° N, 30.523° E", "unit": "",
                 "status": "reported", "sources": ["wiki-kyiv"]},
                {"name": "warheads per missile", "value": 6, "unit": "", "status": "reported",
                 "sources": ["hur-2024-11-22-reuters"]},
                {"name": "PAC-3 MSE highest intercept altitude", "value": 25.0, "low": 20.0, "high": 30.0,
                 "unit": "km", "status": "estimated",
                 "sources": ["osint-envelopes-ts", "techwp-patriot-pac3mse-poland-2024"]},
                {"name": "PAC-3 MSE kill probability per shot", "value": 0.7, "low": 0.4, "high": 0.9, "unit": "",
                 "status": "notional", "sources": []},
                {"name": "THAAD highest intercept altitude", "value": 150.0, "low": 100.0, "high": 150.0,
                 "unit": "km", "status": "reported", "sources": ["trtworld-thaad-2017", "osint-envelopes-ts"]},
                {"name": "notice delay after launch", "value": notice, "unit": "s", "status": "user-set",
                 "sources": ["nextgov-sbirs-2011"]},
            ],
            "sources": _catalogue_sources(ids),
        },
        "method": {
            "notes": ["Trajectories: point-mass flight over a rotating WGS84 Earth with the US Standard "
                      "Atmosphere 1976, integrated with fixed-step RK4 (in this sample: synthetic curves).",
                      "Engagement windows: the times at which the target is inside a battery's altitude band and "
                      "ground reach, after the notice, the reaction time and the interceptor's fly-out.",
                      "Leakers: independent shots with a single-shot kill probability; Monte Carlo with 95 % "
                      "intervals (Wilson score for probabilities).",
                      "Map: Natural Earth 1:50m borders (public domain), vendored; range rings are geodesic "
                      "circles on WGS84 (pyproj)."],
        },
    }
