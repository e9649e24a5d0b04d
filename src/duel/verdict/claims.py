"""Public claims judged against the result across the assumption space, with the conditions that flip them.

Tests: ``no-chance`` holds in a draw of the assumptions when P(at least one object stopped) is below the
negligible probability ``verdict.negligible_p``; ``certain-stop`` when P(all objects stopped) is above one
minus it; ``flight-time-at-most`` when the modelled flight takes no longer than the claim says (the same in
every draw). ``holds_share`` is the share of the draws in which the claim holds; the verdict is ``holds``
when that share is at least one minus the negligible probability, ``fails`` when it is at most the
negligible probability, and ``depends`` (on the assumptions) otherwise.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from duel.scenario.schema import Claim


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
                sens: dict[str, Any], negligible: float) -> dict[str, Any]:
    """Test one stated claim in every draw (``p_all``, ``p_one``: P(all stopped) and P(at least one stopped)
    per draw) and name the input ends (tornado) that would flip it."""
    ft = flight_time_s
    holds = holds_in_draws(claim.test, p_all, p_one, ft, claim.value, negligible)
    share = float(np.mean(holds))
    verdict = verdict_of(share, negligible)
    flips = []
    for row in sens.get("tornado", []):
        for end in ("low", "high"):
            a = np.array([row[f"p_all_stopped_{end}"]])
            o = np.array([row[f"p_at_least_one_stopped_{end}"]])
            v = verdict_of(float(holds_in_draws(claim.test, a, o, ft, claim.value, negligible)[0]), negligible)
            if claim.test != "flight-time-at-most" and v != verdict and verdict != "depends":
                flips.append({"input": row["input"], "label": row["label"], "end": end, "value": row[end],
                              "verdict": v})
    if claim.test == "no-chance":
        lo, hi = np.percentile(p_one, [5, 95])
        what = (f"P(at least one object stopped) is {lo:.3f}-{hi:.3f} across 90 % of the assumption draws; "
                f"the claim needs it below {negligible:.2f}: it holds in {share:.0%} of the draws")
    elif claim.test == "certain-stop":
        lo, hi = np.percentile(p_all, [5, 95])
        what = (f"P(all objects stopped) is {lo:.3f}-{hi:.3f} across 90 % of the assumption draws; the claim "
                f"needs it above {1 - negligible:.2f}: it holds in {share:.0%} of the draws")
    else:
        what = f"the modelled flight takes {ft:,.0f} s; the claim says at most {claim.value:,.0f} s"
    return {"text": claim.text, "who": claim.who, "source": claim.source, "test": claim.test,
            "verdict": verdict, "holds_share": share, "explanation": what, "flips": flips}
