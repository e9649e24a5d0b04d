"""From a scenario result document to files: ``result.json``, ``report.html`` and the figures (SVG).

Presentation only: reads the result document assembled by :mod:`duel.verdict` (everything the report shows
is in it) and renders it with :mod:`duel.report.plots` and :mod:`duel.report.html`. Deterministic: the same
result gives byte-identical files.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from duel.errors import InputError
from duel.backend import default_workers, fork_map
from duel.verdict.prose import objects_words

EVENT_NAMES = {  # timeline key -> the words in the report's event table (IR gives warning, not a track)
    "notice_s": "notice sent", "notice_received_s": "notice reaches the defender", "launch_s": "launch",
    "early_warning_detection_s": "infrared detection of the boost", "early_warning_report_s": "infrared launch report",
    "cue_s": "cue to the batteries", "first_radar_detection_s": "first radar detection", "burnout_s": "burnout",
    "first_fire_control_track_s": "first fire-control track", "first_launch_s": "first interceptor launch possible",
    "apogee_s": "apogee", "reentry_100km_s": "reentry (100 km)", "impact_s": "impact",
}
CLAIM_STATUS = {"holds": "supported", "fails": "contradicted", "depends": "uncertain"}
TONES = {"yes": "good", "no": "bad", "not-all": "bad", "depends": "mixed", "partly": "mixed"}


def _dispersion_text(d: dict[str, Any] | None) -> str:
    """One sentence on the impact dispersion (empty without it)."""
    if not d:
        return ""
    lo, hi = d["cep_ci95_m"]
    return (f" Impact dispersion ({d['trials']} missiles x {d['objects']} objects, notional 1-sigma errors): CEP "
            f"{d['cep_m'] / 1e3:.2f} km (95 % interval {lo / 1e3:.2f}-{hi / 1e3:.2f} km); the objects of one missile "
            f"spread over {d['footprint_median_m'] / 1e3:.1f} km (median).")


def _exchange_text(ex: dict[str, Any] | None) -> str:
    """One sentence on the notice as run through the simulated exchange (empty without it)."""
    if not ex:
        return ""
    w = ex["warning_time_s"]
    n = w["notice"]
    return (f" Run through the simulated signed exchange ({ex['trials']} trials, notional latencies: link, watch "
            f"officer, relay, dissemination), the defender is informed before launch in "
            f"{ex['share_informed_before_launch']:.0%} of trials and before reentry in "
            f"{ex['share_informed_before_reentry']:.0%}; from the defender being informed to impact: median "
            f"{n['median'] / 60:.1f} min (5–95 %: {n['p05'] / 60:.1f}–{n['p95'] / 60:.1f} min), against "
            f"{w['sensors_alone'] / 60:.1f} min from the infrared launch report to impact.")


TORNADO_BARS = 15  # a tornado chart stays readable up to about this many inputs


def type_name(battery: dict[str, Any]) -> str:
    """An interceptor type as people name it ('Patriot PAC-3 MSE'), or its id in an older result."""
    return str(battery.get("type_name") or battery["type"])


def _battery_title(b: dict[str, Any]) -> str:
    """'Patriot PAC-3 MSE, 15 km east of Kyiv' (a battery or a time-budget layer), or its label where unnamed."""
    return str(b.get("title") or b.get("label") or b["battery"])


def _two_lines(title: str) -> str:
    """A battery's title on two lines for a chart's row label: the type, then where it stands."""
    for sep in (", ", " at "):
        if sep in title:
            head, tail = title.split(sep, 1)
            return f"{head}\n{tail}" if sep == ", " else f"{head}\nat {tail}"
    return title


def _same_as_sent(key: str, tl: dict[str, Any]) -> bool:
    """Whether ``key`` is the notice reaching the defender at the moment it was sent (no relay): one row then."""
    return key == "notice_received_s" and tl.get("notice_s") is not None and abs(tl[key] - tl["notice_s"]) < 1.0


def _speed_30km(c: dict[str, Any]) -> dict[str, Any]:
    """The card for an arc's speed descending through 30 km: the value, or a dash with the reason it has none."""
    card: dict[str, Any] = {"label": f"{c['trajectory']} arc: speed at 30 km (descending)", "unit": "m/s",
                            "value": None if c.get("speed_30km_mps") is None else round(c["speed_30km_mps"])}
    if card["value"] is None:
        card["why"] = (f"none: the arc never climbs above 30 km (apogee {c['apogee_km']:.0f} km)"
                       if c.get("apogee_km") is not None and c["apogee_km"] < 30 else "none: not computed for this arc")
    return card


def figures(result: dict[str, Any]) -> dict[str, Any]:
    """Every report figure as a matplotlib Figure, keyed by figure id."""
    return {fid: build() for fid, build in figure_builders(result).items()}


def figure_builders(result: dict[str, Any]) -> dict[str, Callable[[], Any]]:
    """Every report figure's builder (a function returning its matplotlib Figure), keyed by figure id, in the
    report's order: each figure can be drawn on its own, e.g. in another process."""
    from duel.report import plots

    tr, tl, tb = result["track"], result["timeline"], result["time_budget"]
    events = [{"name": "launch", "time_s": 0.0}]
    # the chart keeps the main milestones (the table below it lists every event)
    for key, name in (("burnout_s", "burnout"), ("first_fire_control_track_s", "fire-control track"),
                      ("apogee_s", "apogee")):
        if tl.get(key) is not None:
            events.append({"name": name, "time_s": tl[key]})
    windows = [{"label": _two_lines(_battery_title(ly)), "t_first_s": ly["t_first_s"], "t_last_s": ly["t_last_s"]}
               for ly in tb["layers"]]
    bands = []
    for b in result["batteries"]:
        label = type_name(b)
        if label not in [x["label"] for x in bands]:
            bands.append({"label": label, "min_km": b["envelope"]["min_alt_km"], "max_km": b["envelope"]["max_alt_km"]})
    mach = np.array([np.nan if m is None else m for m in tr["mach"]], float)
    mach = np.where(np.asarray(tr["altitude_m"]) > 86_000.0, np.nan, mach)
    t = result["threat"]
    figs: dict[str, Callable[[], Any]] = {
        "fig-timeline": lambda: plots.timeline_chart(events, windows, tl.get("notice_s"), tl["impact_s"],
                                                     notice_received_s=tl.get("notice_received_s")),
        "fig-altitude": lambda: plots.altitude_downrange(
            np.asarray(tr["downrange_km"]), np.asarray(tr["altitude_m"]) / 1e3, bands,
            comparisons=result.get("comparisons", ()), nominal_label=f"{t['trajectory']} (the scenario's arc)",
            time_s=np.asarray(tr["time_s"])),
        "fig-speed": lambda: plots.speed_mach(np.asarray(tr["time_s"]), np.asarray(tr["speed_mps"]), mach),
        "fig-map": lambda: plots.world_map(
            np.asarray(tr["lat_deg"]), np.asarray(tr["lon_deg"]),
            (t["launch"]["name"], t["launch"]["lat_deg"], t["launch"]["lon_deg"]),
            (t["target"]["name"], t["target"]["lat_deg"], t["target"]["lon_deg"]),
            [{"label": _battery_title(b), "lat": b["lat_deg"], "lon": b["lon_deg"],
              "range_km": b["envelope"]["max_ground_range_km"]} for b in result["batteries"]]),
        "fig-leakers": lambda: plots.leaker_distribution(result["verdict"]["leaker_distribution"],
                                                         result["verdict"]["objects"]),
    }
    disp = result.get("dispersion")
    if disp:
        figs["fig-impacts"] = lambda: plots.impact_scatter(disp["sample_east_km"], disp["sample_north_km"],
                                                           disp["cep_m"] / 1e3)
    conv, sens = result["convergence"], result["sensitivity"]
    if len(conv["trials"]) > 1:  # the same output the sensitivity ranks (expected leakers when P(all) is flat)
        key = sens.get("output_key", "p_all_stopped")
        figs["fig-convergence"] = lambda: plots.convergence_plot(conv["trials"], conv[key], sens["output"])
    if sens["inputs"]:
        ranked = sens["inputs"][:12]
        figs["fig-sobol"] = lambda: plots.sensitivity_bars(
            [r["label"] for r in ranked], [r["first_order"] for r in ranked], [r["total"] for r in ranked],
            title=f"What decides {sens['output']}: share of its spread")
    if sens["tornado"]:  # the inputs with the largest swings (all of them are in the table under it)
        rows = sorted(sens["tornado"], key=lambda r: -abs(r["output_high"] - r["output_low"]))[:TORNADO_BARS]
        figs["fig-tornado"] = lambda: plots.tornado([r["label"] for r in rows], [r["output_low"] for r in rows],
                                                    [r["output_high"] for r in rows], sens["base"], sens["output"])
    return figs


def _no_condition(claim: dict[str, Any], draws: int) -> str:
    """What to say when no condition on one or two inputs was found for a claim."""
    if claim["verdict"] != "depends":
        return "nothing: it " + ("holds" if claim["verdict"] == "holds" else "fails") + " in every draw or nearly"
    return (f"no condition on one or two inputs settles it among these {draws} draws (several inputs decide it "
            "together, or more draws are needed to name one)")


def figure_file(fid: str) -> str:
    """Where ``write_outputs`` puts figure ``fid`` in the output folder (``figures/<name>.svg``)."""
    return f"figures/{fid.removeprefix('fig-')}.svg"


def deciding_inputs(sens: dict[str, Any]) -> list[dict[str, Any]]:
    """The result's ``sensitivity.inputs`` rows (highest Sobol' total index first) whose total index exceeds its
    95 % half-width: the inputs that, as far as the draws can tell, decide the answer."""
    return [r for r in sens["inputs"] if r["total"] > r["conf"]]  # an index larger than its uncertainty


def deciding_words(sens: dict[str, Any], most: int = 3) -> str:
    """The inputs that decide the answer in words: the ``most`` highest Sobol' total indices that exceed their
    95 % half-width (an index within its noise of 0 is not named), or the tornado's largest swings where none
    does or no Sobol' design ran."""
    resolved = deciding_inputs(sens)
    if resolved:
        top = [f"{r['label']} ({min(r['total'], 1.0):.0%} ± {r['conf']:.0%} of the spread, with interactions)"
               for r in resolved[:most]]
        return ("(Sobol' total indices with their 95 % uncertainty; inputs whose index is within its noise of zero "
                "are not named) " + "; ".join(top) + ".")
    if sens["tornado"]:
        rows = sorted(sens["tornado"], key=lambda r: -abs(r["output_high"] - r["output_low"]))[:most]
        return ("(one input at a time, the largest swings: no Sobol' index stands out of its noise) "
                + "; ".join(r["label"] for r in rows) + ".")
    return ""


def context(result: dict[str, Any], figs: dict[str, Any]) -> dict[str, Any]:
    """The :func:`duel.report.html.render_report` context of a result (figures inlined as SVG)."""
    from duel.report.html import figure_entry

    def fig(fid: str, alt: str, caption: str = "") -> list[dict[str, Any]]:
        return [figure_entry(figs[fid], fid, alt, caption)] if fid in figs else []

    v, t, tb, tl = result["verdict"], result["threat"], result["time_budget"], result["timeline"]
    p_all, p_one = v["p_all_stopped"], v["p_at_least_one_stopped"]
    extra = [
        {"label": "flight time", "value": round(t["flight_time_s"] / 60, 1), "unit": "min"},
        {"label": "ground range", "value": round(t["ground_range_km"]), "unit": "km"},
        {"label": "apogee", "value": round(t["apogee_km"]), "unit": "km"},
        {"label": "peak Mach" + (f" (at {t['max_mach_altitude_km']:.0f} km)" if t.get("max_mach_altitude_km")
                                  is not None else ""), "value": round(t["max_mach"], 1), "unit": ""},
    ]
    if t.get("mach_30km") is not None:
        extra.append({"label": "Mach descending through 30 km", "value": round(t["mach_30km"], 1), "unit": ""})
    if t["impact"].get("mach") is not None:
        extra.append({"label": "Mach at impact", "value": round(t["impact"]["mach"], 1), "unit": ""})
    for w in tb.get("warning_times", []):  # each named after the event it counts from, as everywhere
        if w["key"] != "early_warning_detection":  # the defence acts on the report (both are in the events)
            extra.append({"label": w["label"], "value": round(w["seconds"] / 60, 1), "unit": "min"})
    if tb["decision_time_left_s"] is not None:
        extra.append({"label": "decision time: from the first fire-control track to the last useful interceptor "
                               "launch", "value": round(tb["decision_time_left_s"]), "unit": "s"})
    claims = [{"claim": f"“{c['text']}”" + (f" ({c['who']})" if c["who"] else ""),
               "verdict": c["explanation"], "status": CLAIM_STATUS[c["verdict"]],
               "flip": "; ".join(f.get("text") or f"{f['label']} at its {f['end']} end ({f['value']:g}) → {f['verdict']}"
                                 for f in c["flips"]) or _no_condition(c, result["run"]["trials"])}
              for c in result["claims"]]
    comparisons = [
        {"label": f"{c['trajectory']} arc" + ("" if c.get("flyable", True) else
                                              f" (not flyable: {str(c['limit_broken_short']).replace('^2', '²')})") + ": flight time",
         "value": round(c["flight_time_s"] / 60, 1), "unit": "min"}
        for c in result["comparisons"] if "error" not in c
    ] + [_speed_30km(c) for c in result["comparisons"] if "error" not in c]
    sens = result["sensitivity"]
    sources = [{"id": s["id"], "title": s.get("title", ""), "author": s.get("author", ""), "year": s.get("year", ""),
                "url": s.get("url"), "citation": s.get("citation")} for s in result["sources"]]
    sc = result["scenario"]
    return {
        "title": sc["title"] or sc["name"],
        "subtitle": f"{t['missile_name']}: {t['launch']['name']} → {t['target']['name']}, {objects_words(t)}",
        "meta": [{"label": "scenario", "value": sc["name"]}, {"label": "seed", "value": str(result["run"]["seed"])},
                 {"label": "Monte Carlo draws", "value": str(result["run"]["trials"])},
                 {"label": "duel", "value": result["duel_version"]}],
        "verdict": {"headline": v["headline"], "answer": v["answer"], "tone": TONES[v["answer_kind"]],
                    "deciding": deciding_words(result["sensitivity"]),
                    "claims": [f"“{c['text']}”: {c['verdict']} — holds in {c['holds_share']:.0%} of the assumption "
                               "draws" for c in result["claims"]],
                    "objects": v["objects"], "p_all_stopped": p_all, "p_any_stopped": p_one,
                    "expected_leakers": v["expected_leakers"], "extra": extra},
        "claims": claims,
        "timeline": {"intro": "Minutes after launch. Bars: when each battery could intercept; markers: what the "
                              "defence knows when." + _exchange_text(result.get("notice_exchange")),
                     "figures": fig("fig-timeline", "Timeline from launch to impact with the engagement windows"),
                     "events": sorted(({"name": name, "time_s": tl[k]} for k, name in EVENT_NAMES.items()
                                       if tl.get(k) is not None and not _same_as_sent(k, tl)),
                                      key=lambda e: e["time_s"]),
                     "windows": [{"label": _battery_title(ly), "t_first_s": ly["t_first_s"], "t_last_s": ly["t_last_s"],
                                  "note": ly.get("why_none") or ""} for ly in tb["layers"]]},
        "trajectory": {"intro": result["threat"]["trajectory"] + " trajectory; shaded: each interceptor's altitudes.",
                       "figures": fig("fig-altitude", "Altitude against downrange with interceptor altitude bands")
                       + fig("fig-speed", "Speed and Mach number against time"),
                       "facts": extra[:3] + comparisons},
        "map": {"intro": "Ground track, target, batteries and their maximum ground ranges against ballistic targets."
                + _dispersion_text(result.get("dispersion")),
                "figures": fig("fig-map", "Map of the ground track with the batteries' range rings")
                + fig("fig-impacts", "Impact points of the dispersed objects around the target, with the CEP")},
        "leakers": {"intro": "Probability of each number of objects getting through, averaged over the uncertain "
                             "inputs.",
                    "figures": fig("fig-leakers", "Distribution of the number of leakers")
                    + fig("fig-convergence", "Running Monte Carlo estimate against the number of trials"),
                    "distribution": v["leaker_distribution"]},
        "sensitivity": {"intro": ((sens["method"] + ".") if sens["method"] else "No uncertain inputs in this scenario.") +
                        (f" Tornado: {sens['output']} with one input at its low and high end (a choice at each "
                         f"choice), the others nominal; the {min(TORNADO_BARS, len(sens['tornado']))} largest "
                         f"swings are drawn, all {len(sens['tornado'])} are in the table."
                         if sens["tornado"] else ""),
                        "figures": fig("fig-sobol", "Inputs ranked by their share of the answer's spread "
                                                    "(Sobol' total and first-order indices)", sens["meaning"])
                        + fig("fig-tornado", "Tornado chart of the uncertain inputs"),
                        "rows": [{"name": r["label"], "low": r["output_low"], "high": r["output_high"]}
                                 for r in sens["tornado"]], "output": sens["output"]},
        "numbers": {"rows": [{**r, "note": f"drawn per trial: {r['drawn']}" if r.get("drawn")
                              else (f"pinned: {r['pinned']}" if r.get("pinned") else "")}
                             for r in result["numbers"]], "sources": sources},
        "method": {"notes": [
            "Trajectory: staged boost, ballistic flight and reentry with drag on a rotating WGS84 Earth (J2, US "
            "Standard Atmosphere 1976), batch RK4; see docs/physics.md.",
            "Defence: space-based IR warning (cue only), radar line of sight on a 4/3 Earth with R^4 range "
            "scaling, kinematic interceptor envelopes, fly-out at an average speed.",
            "Raid: Wilkening's closed form where no magazine or fire-channel limit can bind, a seeded Monte Carlo "
            "otherwise; uncertainty by Monte Carlo over the uncertain inputs, one random stream per draw.",
            f"Nominal case: {result['nominal']['note']}.",
        ]},
    }


def prepare_out(out_dir: str | Path, figures: bool = True) -> Path:
    """Create the output folder (and, with ``figures``, its ``figures/``) or fail at once, naming ``--out``."""
    out = Path(out_dir)
    try:
        (out / "figures" if figures else out).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"--out: cannot create '{out}': {exc.strerror}") from None
    return out


def write_outputs(result: dict[str, Any], out_dir: str | Path, report: bool = True,
                  workers: int | None = None) -> dict[str, Path]:
    """Write ``result.json`` and, with ``report``, ``report.html`` and ``figures/*.svg`` into ``out_dir``, the
    figures drawn in ``workers`` processes (default: this process's cores)."""
    workers = default_workers() if workers is None else max(1, workers)
    out = prepare_out(out_dir)
    paths = {"result": out / "result.json"}
    paths["result"].write_text(json.dumps(result, indent=2, allow_nan=False) + "\n", encoding="utf-8")
    if not report:
        return paths
    from duel.report.html import write_report
    from duel.report.plots import figure_to_svg

    builders = figure_builders(result)
    ids = list(builders)

    def render(group: list[str]) -> dict[str, str]:
        return {fid: figure_to_svg(builders[fid](), id_prefix=f"{fid}-") for fid in group}

    # each figure drawn once, the figures shared out over forked processes (the same bytes as drawn here)
    drawn: dict[str, str] = {}
    for part in fork_map(render, [ids[k::workers] for k in range(workers)], workers):
        drawn.update(part)
    svgs = {fid: drawn[fid] for fid in ids}
    for fid, svg in svgs.items():
        p = out / figure_file(fid)
        p.write_text(svg, encoding="utf-8")
        paths[fid] = p
    paths["report"] = write_report(context(result, svgs), out / "report.html")
    return paths
