"""The verdict in words: a headline and a plain-language paragraph that a journalist can quote."""

from __future__ import annotations

from typing import Any


def _speeds(t: dict[str, Any]) -> str:
    """The missile's speeds, each with its altitude: peak Mach and where, Mach at 30 km, Mach at impact."""
    parts = []
    if t.get("max_mach") is not None:
        where = t.get("max_mach_altitude_km")
        top = where is not None and abs(where - 86.0) < 0.5  # where the standard atmosphere's air is coldest
        parts.append(f"Its highest Mach number is {t['max_mach']:.1f}"
                     + (f", at {where:.0f} km altitude" if where is not None else "")
                     + (" (the coldest air, where Mach is first defined)" if top else ""))
    if t.get("mach_30km") is not None:
        parts.append(f"Mach {t['mach_30km']:.1f} descending through 30 km")
    if t["impact"].get("mach") is not None:
        parts.append(f"Mach {t['impact']['mach']:.1f} at impact")
    return (", ".join(parts) + ".") if parts else ""


def _clock(t_s: float) -> str:
    """Seconds from launch as 'T+m:ss' (or 'T−m:ss' before launch)."""
    t = int(round(abs(t_s)))
    return f"T{'−' if t_s < 0 else '+'}{t // 60}:{t % 60:02d}"


def objects_words(t: dict[str, Any]) -> str:
    """'36 objects (6 warheads of 6 submunitions each)': the attacking objects and what they are."""
    n, w, m = t["objects"], t.get("warheads"), t.get("submunitions_per_warhead")
    head = f"{n} object{'s' if n != 1 else ''}"
    if w is None or m is None or w * m != n or n == 1:
        return head
    return head + (f" ({w} warheads of {m} submunitions each)" if m > 1 else f" ({w} warheads)")


def warning_words(tb: dict[str, Any]) -> str:
    """The warning times in one sentence, each named after the event it counts from (the infrared detection is
    left to the timeline: the defence acts on the report)."""
    times = [w for w in tb.get("warning_times", []) if w["key"] != "early_warning_detection"]
    if not times:
        return ""
    parts = [f"{w['seconds'] / 60:.1f} minutes from {w['counts_from']} ({_clock(w['from_s'])})" for w in times]
    return "Time left before impact: " + "; ".join(parts) + "."


def _between(lo: float, hi: float, fmt: str) -> str:
    """'lies between A and B', or 'is A' where both ends read the same."""
    a, b = format(lo, fmt), format(hi, fmt)
    return f"is {a}" if a == b else f"lies between {a} and {b}"


def _title(layer: dict[str, Any]) -> str:
    """A battery as people name it ('Patriot PAC-3 MSE, 15 km east of Kyiv'), or its label where unnamed."""
    return str(layer.get("title") or layer["battery"])


def answer(doc: dict[str, Any], negligible: float) -> tuple[str, str, str]:
    """The kind of answer (yes, no, not-all, depends, partly), a one-line headline and a one-paragraph
    plain-language answer to "could it be stopped in time?", judged on the 90 % range across the assumption
    draws; ``negligible`` is the probability counted as no chance (``verdict.negligible_p``)."""
    t, v, tb = doc["threat"], doc["verdict"], doc["time_budget"]
    pa, po = v["p_all_stopped"], v["p_at_least_one_stopped"]
    n = v["objects"]
    (pa_lo, pa_hi), (po_lo, po_hi) = pa["range90"], po["range90"]
    if pa_lo >= 1 - negligible:
        kind, head = "yes", "Yes: across the plausible assumptions the defence stops every object"
    elif po_hi < negligible:
        kind, head = "no", "No: across the plausible assumptions the defence cannot stop any object"
    elif pa_hi < negligible and po_lo >= 1 - negligible:
        kind, head = "not-all", "Not all of it: some objects are stopped, but almost surely not all, whatever the assumptions"
    elif pa_hi < negligible:
        kind, head = "not-all", ("Not all of it, whatever the assumptions; whether any object is stopped at all "
                                 "depends on them")
    elif pa_lo < negligible and pa_hi >= 1 - negligible:
        kind, head = "depends", "It depends on the assumptions: from no chance to near certainty of stopping every object"
    else:
        kind, head = "partly", "Partly, depending on the assumptions: whether every object is stopped is a matter of chance"
    windows = [ly for ly in tb["layers"] if ly["t_first_s"] is not None]
    none = [ly for ly in tb["layers"] if ly["t_first_s"] is None]
    parts = [
        f"An {t['missile_name']}, launched from {t['launch']['name']}, reaches {t['target']['name']} "
        f"({t['ground_range_km']:,.0f} km) after {t['flight_time_s'] / 60:.1f} minutes on a {t['trajectory']} "
        f"arc with {objects_words(t)}. {_speeds(t)}",
    ]
    if warning_words(tb):
        parts.append(warning_words(tb))
    if windows:
        ws = "; ".join(f"{_title(ly)} from {_clock(ly['t_first_s'])} to {_clock(ly['t_last_s'])} "
                       f"({ly['alt_first_km']:.0f}-{ly['alt_last_km']:.0f} km up)" for ly in windows)
        parts.append(f"With every input at its nominal value, batteries that get a chance to fire: {ws}.")
    else:
        which = f" ({'; '.join(_title(ly) for ly in none)})" if none else ""
        parts.append(f"With every input at its nominal value no battery{which} gets an engagement window, so every "
                     "object leaks.")
    if none and windows:
        parts.append("No window for " + "; ".join(_title(ly) for ly in none) + ".")
    el = v["expected_leakers"]
    who = "all " + str(n) + " objects are" if n != 1 else "the object is"
    if doc["run"]["trials"]:
        parts.append(
            f"Across {doc['run']['trials']} draws of the uncertain assumptions, the chance that {who} stopped "
            f"{_between(pa_lo, pa_hi, '.0%')} (90 % of the draws; median {pa['median']:.0%})"
            + (f"; the chance that at least one is stopped {_between(po_lo, po_hi, '.0%')}" if n != 1 else "")
            + f"; the number of objects that get through {_between(el['range90'][0], el['range90'][1], '.1f')} of {n} (median "
              f"{el['median']:.1f}).")
    else:
        parts.append(f"The chance that {who} stopped is {pa['value']:.1%}"
                     + (f"; at least one is stopped with {po['value']:.1%}" if n != 1 else "")
                     + f"; on average {el['value']:.1f} get{'s' if n == 1 else ''} through. Nothing was drawn: "
                       "the answer is for one set of assumptions.")
    if doc["time_budget"]["notice_lead_s"] is not None:
        parts.append(f"The advance notice ({doc['time_budget']['notice_lead_s'] / 60:.0f} min before launch at the "
                     "defender) only raises readiness: it creates no track.")
    parts.append("These are kinematic envelopes and notional kill probabilities from public estimates, "
                 "not a prediction of a real engagement.")
    return kind, head, " ".join(parts)
