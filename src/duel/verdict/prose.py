"""The verdict in words: a headline and a plain-language paragraph that a journalist can quote."""

from __future__ import annotations

from typing import Any


def answer(doc: dict[str, Any], negligible: float) -> tuple[str, str]:
    """A one-line headline and a one-paragraph plain-language answer to "could it be stopped in time?" from the
    result document; ``negligible`` is the probability counted as no chance (``verdict.negligible_p``)."""
    t, v, tb = doc["threat"], doc["verdict"], doc["time_budget"]
    pa, po = v["p_all_stopped"], v["p_at_least_one_stopped"]
    n = v["objects"]
    if pa["value"] >= 1 - negligible:
        head = "Yes: in this model the defence stops every object"
    elif po["value"] < negligible:
        head = "No: in this model the defence cannot stop any object"
    elif pa["value"] < negligible:
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
