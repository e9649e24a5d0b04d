"""Public claims judged against the result across the assumption space, with the conditions that flip them.

A claim is judged in every draw of the uncertain assumptions, on that draw's defence or that draw's flight (the
threat re-flown with the draw's reentry beta and the nominal aim: :class:`FlightDraws`; where nothing is
drawn, on the nominal flight alone). Tests:

* ``no-chance`` holds in a draw when P(at least one object stopped) is below the negligible probability
  ``verdict.negligible_p``;
* ``certain-stop`` when P(all objects stopped) is above one minus it;
* ``flight-time-at-most`` (``value``: s) when the draw's flight, launch to impact, takes no longer than
  ``value``;
* ``flight-time-about`` (``value``, ``tolerance``: s) when the draw's flight time is within ``value`` ±
  ``tolerance`` (a "15-minute flight": 900 ± 60 s by default);
* ``mach-at-least`` (``value``: Mach) when the highest Mach number of the draw's flight after apogee, where
  Mach is defined (at or below 86 km, the US76 speed of sound), is at least ``value`` (a claim of "over Mach
  11 in the final part of the flight").

The flight tests are judged on the scenario's arc: a "flight-time:900" arc is aimed to take 900 s, so a
claim of a 15-minute flight holds there by construction and the test says only that the drawn betas keep it
so. Their explanation therefore also gives the comparison arcs' numbers (flight time; Mach at 30 km on the way
down, a lower bound on the highest Mach after apogee), marking the arcs that break the flight limits.

``holds_share`` is the share of the draws in which the claim holds; the verdict is ``holds`` when that share
is at least one minus the negligible probability, ``fails`` when it is at most the negligible probability,
and ``depends`` (on the assumptions) otherwise. ``flips`` are the conditions on one or two inputs under which
the claim does the opposite of what it does in most draws (:func:`duel.verdict.conditions.flip_conditions`),
and, where it depends on the assumptions, then those under which it does what it does in most draws ("fails
when fire control is own-track"): each says its verdict.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from duel.flight.solved import Comparison, Flight
from duel.scenario.schema import Claim
from duel.trials.results import TrialsResult
from duel.verdict.conditions import flip_conditions


@dataclass(frozen=True)
class FlightDraws:
    """The modelled flight in each draw (arrays over the draws, or one value: the nominal flight where nothing
    is drawn): ``flight_time_s`` (s, launch to impact), ``descent_max_mach`` (the highest Mach number after
    apogee, at or below 86 km; NaN where the descent never gets there) and ``descent_max_mach_alt_m`` (m, where
    it is reached), on the arc ``trajectory``, whose Mach at 30 km on the way down is ``mach_30km``; and the
    comparison arcs, whose numbers the flight claims' explanations quote."""

    trajectory: str
    flight_time_s: np.ndarray
    descent_max_mach: np.ndarray
    descent_max_mach_alt_m: np.ndarray
    mach_30km: float | None = None
    comparisons: tuple[Comparison, ...] = ()

    @classmethod
    def of(cls, flight: Flight, trials: TrialsResult, comparisons: Sequence[Comparison] = ()) -> FlightDraws:
        """From the per-draw outcomes, or, where nothing is drawn, the nominal flight's numbers (the trials
        stage's :class:`~duel.trials.results.NominalFlight`; failing that, the summary's flight time and highest
        Mach below 86 km)."""
        s, out, nom = flight.summary, trials.outcomes, trials.nominal_flight
        if out is not None:
            ft, mach, alt = out.flight_time_s, out.descent_max_mach, out.descent_max_mach_alt_m
        elif nom is not None:
            ft, mach, alt = nom.flight_time_s, nom.descent_max_mach, nom.descent_max_mach_alt_m
        else:
            ft, mach = s.flight_time_s, s.max_mach
            alt = None if s.max_mach_altitude_km is None else s.max_mach_altitude_km * 1e3
        arr = [np.atleast_1d(np.asarray(np.nan if x is None else x, float)) for x in (ft, mach, alt)]
        return cls(s.trajectory, *arr, s.mach_30km, tuple(comparisons))


def holds_in_draws(claim: Claim, p_all: np.ndarray, p_one: np.ndarray, flight: FlightDraws,
                   negligible: float) -> np.ndarray:
    """Whether the claim holds in each draw (bool array over draws; module docstring for each test)."""
    test = claim.test
    if test == "no-chance":  # claim: P(at least one stopped) ~ 0
        return np.asarray(p_one) < negligible
    if test == "certain-stop":  # claim: P(all stopped) ~ 1
        return np.asarray(p_all) > 1.0 - negligible
    value = float(claim.value)  # type: ignore[arg-type]  # the schema makes the flight tests give one
    ft = np.broadcast_to(flight.flight_time_s, np.shape(p_all))
    if test == "flight-time-at-most":
        return ft <= value
    if test == "flight-time-about":
        return np.abs(ft - value) <= claim.tolerance_s
    if test == "mach-at-least":  # NaN (never below 86 km after apogee) does not hold
        return np.broadcast_to(flight.descent_max_mach, np.shape(p_all)) >= value
    raise ValueError(f"unknown claim test {test!r}")


def verdict_of(share: float, negligible: float) -> str:
    """holds | fails | depends from the share of the draws in which the claim holds."""
    return "holds" if share >= 1.0 - negligible else ("fails" if share <= negligible else "depends")


def check_claim(claim: Claim, p_all: np.ndarray, p_one: np.ndarray, flight: FlightDraws,
                draws: Mapping[str, np.ndarray], labels: Mapping[str, tuple[str, str]], negligible: float
                ) -> dict[str, Any]:
    """Test one stated claim in every draw (``p_all``, ``p_one``: P(all stopped) and P(at least one stopped)
    per draw; ``flight``: the flight in each draw; ``draws``: the inputs drawn, path -> values; ``labels``:
    path -> (label, unit)) and find the conditions that flip it."""
    holds = holds_in_draws(claim, p_all, p_one, flight, negligible)
    share = float(np.mean(holds))
    verdict = verdict_of(share, negligible)
    flips = []
    if draws and 0.0 < share < 1.0:
        mostly = share >= 0.5
        # first what flips the usual answer; where the answer depends, also what settles it the usual way
        wanted = [("fails", ~holds) if mostly else ("holds", holds)]
        if verdict == "depends":
            wanted.append(("holds", holds) if mostly else ("fails", ~holds))
        for becomes, target in wanted:
            for c in flip_conditions(draws, labels, target, most=3 if len(flips) == 0 else 2):
                flips.append({"text": f"{becomes} when {c.words()} ({c.purity:.0%} of the {c.share:.0%} of draws "
                                      "that meet this)", "verdict": becomes,
                              "conditions": [t.to_dict() for t in c.thresholds], "share": c.share,
                              "purity": c.purity})
    held = f"it holds in {share:.0%} of the draws"
    if claim.test == "no-chance":
        lo, hi = np.percentile(p_one, [5, 95])
        what = (f"P(at least one object stopped) is {_range(lo, hi)} across 90 % of the assumption draws; "
                f"the claim needs it below {negligible:.2f}: {held}")
    elif claim.test == "certain-stop":
        lo, hi = np.percentile(p_all, [5, 95])
        what = (f"P(all objects stopped) is {_range(lo, hi)} across 90 % of the assumption draws; the claim "
                f"needs it above {1 - negligible:.2f}: {held}")
    elif claim.test == "mach-at-least":
        what = (f"the highest Mach after apogee (at or below 86 km, where US76 defines the speed of sound) is "
                f"{_spread(flight.descent_max_mach, _mach)}, reached at "
                f"{_spread(flight.descent_max_mach_alt_m / 1e3, _km)}; the claim says at least Mach "
                f"{claim.value:.1f}: {held} ({_arcs(flight, claim, 'mach')})")
    else:
        says = (f"at most {claim.value:,.0f} s" if claim.test == "flight-time-at-most"
                else f"about {claim.value:,.0f} ± {claim.tolerance_s:,.0f} s")
        what = (f"the modelled flight takes {_spread(flight.flight_time_s, _seconds)}; the claim says {says}: "
                f"{held} ({_arcs(flight, claim, 'time')})")
    return {"text": claim.text, "who": claim.who, "source": claim.source, "test": claim.test,
            "verdict": verdict, "holds_share": share, "explanation": what, "flips": flips}


def _seconds(x: float) -> str:
    return f"{x:,.0f} s"


def _mach(x: float) -> str:
    return f"{x:.1f}"


def _km(x: float) -> str:
    return f"{x:.0f} km"


def _spread(x: np.ndarray, fmt: Any) -> str:
    """A per-draw quantity in words: its value where it does not vary (or nothing is drawn), else its median
    and its range across 90 % of the draws."""
    x = np.asarray(x, float)
    if not np.isfinite(x).any():
        return "undefined (the descent never comes below 86 km)"
    lo, med, hi = np.nanpercentile(x, [5, 50, 95])
    if x.size == 1 or fmt(lo) == fmt(hi):
        return fmt(med)
    return f"{fmt(med)} (median; {fmt(lo).split(' ')[0]}-{fmt(hi)} across 90 % of the draws)"


def _arcs(flight: FlightDraws, claim: Claim, kind: str) -> str:
    """Where a flight claim is judged and what the comparison arcs give. ``kind`` "time": each arc's flight
    time and whether the claim would hold there; "mach": Mach at 30 km on the way down on this arc and on each
    comparison arc (the summaries keep no highest Mach after apogee; this one is a lower bound on it). Arcs that
    break the flight limits are marked."""
    where = f"on the {flight.trajectory} arc"
    if kind == "time" and flight.trajectory.startswith("flight-time:"):
        where += ", aimed at that flight time"
    rows = []
    for c in flight.comparisons:
        s = c.summary
        if s is None:
            continue
        flyable = "" if s.flyability is None or s.flyability.flyable else "not flyable"
        if kind == "time":
            if s.flight_time_s is None:
                continue
            one = FlightDraws(c.trajectory, np.array([s.flight_time_s]), np.array([np.nan]), np.array([np.nan]))
            ok = bool(holds_in_draws(claim, np.zeros(1), np.zeros(1), one, 0.0)[0])
            rows.append(f"{c.trajectory} {_seconds(s.flight_time_s)} "
                        f"({'holds' if ok else 'fails'}{'; ' + flyable if flyable else ''})")
        elif s.mach_30km is not None:
            rows.append(f"{c.trajectory} {_mach(s.mach_30km)}" + (f" ({flyable})" if flyable else ""))
    if kind == "time":
        return where + ("; on the other arcs: " + ", ".join(rows) if rows else "")
    here = "" if flight.mach_30km is None else f"{_mach(flight.mach_30km)} on this arc"
    if not here and not rows:
        return where
    return where + "; Mach at 30 km on the way down: " + "; ".join(
        x for x in (here, ", ".join(("on the other arcs: " if here else "") + r if i == 0 else r
                                     for i, r in enumerate(rows))) if x)


def _p(x: float) -> str:
    """A probability for reading: 3 decimals, or 4 near 0 and 1 where 3 would round to them."""
    return f"{x:.4f}" if 0 < x < 0.0005 or 0.9995 < x < 1 else f"{x:.3f}"


def _range(lo: float, hi: float) -> str:
    """'A-B' with both ends to the same number of decimals, or 'A' where they read the same."""
    a, b = _p(lo), _p(hi)
    digits = max(len(a), len(b)) - 2
    a, b = f"{lo:.{digits}f}", f"{hi:.{digits}f}"
    return a if a == b else f"{a}-{b}"
