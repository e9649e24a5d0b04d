"""Public claims judged against the result, with the input ends that would flip each verdict.

Tests: ``no-chance`` (P(at least one object stopped) stays below the negligible probability),
``certain-stop`` (P(all objects stopped) stays above one minus it) and ``flight-time-at-most`` (the modelled
flight takes no longer than the claim says). The negligible probability is the input
``verdict.negligible_p``; a verdict is ``holds`` or ``fails`` when the whole 95 % interval is on one side,
``undecided`` otherwise.
"""

from __future__ import annotations

from typing import Any

from duel.scenario.schema import Claim


def judge(test: str, p_all: dict[str, Any], p_one: dict[str, Any], flight_time: float, value: float | None,
          negligible: float) -> str:
    """holds | fails | undecided for one claim test (see the module docstring)."""
    lo, hi = p_one["ci95"] if test == "no-chance" else p_all["ci95"]
    if test == "no-chance":  # claim: P(at least one stopped) ~ 0
        return "holds" if hi < negligible else ("fails" if lo > negligible else "undecided")
    if test == "certain-stop":  # claim: P(all stopped) ~ 1
        return "holds" if lo > 1 - negligible else ("fails" if hi < 1 - negligible else "undecided")
    return "holds" if flight_time <= float(value) else "fails"  # type: ignore[arg-type]


def check_claim(claim: Claim, p_all: dict[str, Any], p_one: dict[str, Any], flight_time_s: float,
                sens: dict[str, Any], negligible: float) -> dict[str, Any]:
    """Test one stated claim against the result and name the input ends (tornado) that would flip it."""
    ft = flight_time_s
    verdict = judge(claim.test, p_all, p_one, ft, claim.value, negligible)
    flips = []
    for row in sens.get("tornado", []):
        for end in ("low", "high"):
            a = row[f"p_all_stopped_{end}"]
            o = row[f"p_at_least_one_stopped_{end}"]
            v = judge(claim.test, {"ci95": [a, a]}, {"ci95": [o, o]}, ft, claim.value, negligible)
            if claim.test != "flight-time-at-most" and v != verdict and v != "undecided":
                flips.append({"input": row["input"], "label": row["label"], "end": end, "value": row[end],
                              "verdict": v})
    if claim.test == "no-chance":
        what = (f"P(at least one object stopped) = {p_one['value']:.3f} "
                f"(95 % interval {p_one['ci95'][0]:.3f}-{p_one['ci95'][1]:.3f}); the claim needs it below "
                f"{negligible:.2f}")
    elif claim.test == "certain-stop":
        what = (f"P(all objects stopped) = {p_all['value']:.3f} (95 % interval {p_all['ci95'][0]:.3f}-"
                f"{p_all['ci95'][1]:.3f}); the claim needs it above {1 - negligible:.2f}")
    else:
        what = f"the modelled flight takes {ft:,.0f} s; the claim says at most {claim.value:,.0f} s"
    return {"text": claim.text, "who": claim.who, "source": claim.source, "test": claim.test,
            "verdict": verdict, "explanation": what, "flips": flips}
