"""Public claims judged against the result across the assumption space, with the conditions that flip them.

Tests: ``no-chance`` holds in a draw of the assumptions when P(at least one object stopped) is below the
negligible probability ``verdict.negligible_p``; ``certain-stop`` when P(all objects stopped) is above one
minus it; ``flight-time-at-most`` when the modelled flight takes no longer than the claim says (the same in
every draw). ``holds_share`` is the share of the draws in which the claim holds; the verdict is ``holds``
when that share is at least one minus the negligible probability, ``fails`` when it is at most the
negligible probability, and ``depends`` (on the assumptions) otherwise. ``flips`` are the conditions on one
or two inputs under which the claim does the opposite of what it does in most draws
(:func:`duel.verdict.conditions.flip_conditions`), and, where it depends on the assumptions, then those under
which it does what it does in most draws ("fails when fire control is own-track"): each says its verdict.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from duel.scenario.schema import Claim
from duel.verdict.conditions import flip_conditions


def holds_in_draws(test: str, p_all: np.ndarray, p_one: np.ndarray, flight_time_s: float, value: float | None,
                   negligible: float) -> np.ndarray:
    """Whether the claim holds in each draw (bool array over draws)."""
    if test == "no-chance":  # claim: P(at least one stopped) ~ 0
        return np.asarray(p_one) < negligible
    if test == "certain-stop":  # claim: P(all stopped) ~ 1
        return np.asarray(p_all) > 1.0 - negligible
    return np.full(np.shape(p_all), flight_time_s <= float(value))  # type: ignore[arg-type]


def verdict_of(share: float, negligible: float) -> str:
    """holds | fails | depends from the share of the draws in which the claim holds."""
    return "holds" if share >= 1.0 - negligible else ("fails" if share <= negligible else "depends")


def check_claim(claim: Claim, p_all: np.ndarray, p_one: np.ndarray, flight_time_s: float,
                draws: Mapping[str, np.ndarray], labels: Mapping[str, tuple[str, str]], negligible: float
                ) -> dict[str, Any]:
    """Test one stated claim in every draw (``p_all``, ``p_one``: P(all stopped) and P(at least one stopped)
    per draw; ``draws``: the inputs drawn, path -> values; ``labels``: path -> (label, unit)) and find the
    conditions that flip it."""
    ft = flight_time_s
    holds = holds_in_draws(claim.test, p_all, p_one, ft, claim.value, negligible)
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
    if claim.test == "no-chance":
        lo, hi = np.percentile(p_one, [5, 95])
        what = (f"P(at least one object stopped) is {_range(lo, hi)} across 90 % of the assumption draws; "
                f"the claim needs it below {negligible:.2f}: it holds in {share:.0%} of the draws")
    elif claim.test == "certain-stop":
        lo, hi = np.percentile(p_all, [5, 95])
        what = (f"P(all objects stopped) is {_range(lo, hi)} across 90 % of the assumption draws; the claim "
                f"needs it above {1 - negligible:.2f}: it holds in {share:.0%} of the draws")
    else:
        what = f"the modelled flight takes {ft:,.0f} s; the claim says at most {claim.value:,.0f} s"
    return {"text": claim.text, "who": claim.who, "source": claim.source, "test": claim.test,
            "verdict": verdict, "holds_share": share, "explanation": what, "flips": flips}


def _p(x: float) -> str:
    """A probability for reading: 3 decimals, or 4 near 0 and 1 where 3 would round to them."""
    return f"{x:.4f}" if 0 < x < 0.0005 or 0.9995 < x < 1 else f"{x:.3f}"


def _range(lo: float, hi: float) -> str:
    """'A-B' with both ends to the same number of decimals, or 'A' where they read the same."""
    a, b = _p(lo), _p(hi)
    digits = max(len(a), len(b)) - 2
    a, b = f"{lo:.{digits}f}", f"{hi:.{digits}f}"
    return a if a == b else f"{a}-{b}"
