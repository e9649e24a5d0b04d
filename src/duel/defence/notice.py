"""The advance notice and the readiness it buys the defence.

A launch notice has a lead time before launch (30 min as reported for 21 Nov 2024; 24 h as in the 1988
US-Soviet agreement; any value), a content (``window``: a time window only; ``launch-area``;
``impact-area``) and a recipient (``defender``, or ``third-party`` that relays it after a delay). It reaches
the defender at t = -lead + relay (s from launch). Its effect is explicit and modest: *readiness*. It never
creates a track, never moves a battery (batteries are where the user puts them) and never shortens a window.
The rules (their values are the notional ``assumption.*`` inputs, :class:`ReadinessRules`):

* notice received after launch, or none: decision delay as given, catalogue reaction time (level "none");
* received before launch: the decision delay shrinks to the readiness value (level "alert");
* received at least ``ready_lead_s`` before launch *and* naming a launch or impact area (the defender knows
  which batteries to ready and where to look): the reaction time is multiplied by the readiness factor too
  (level "ready": missiles and radar in ready state, crews at stations).

A longer lead time gives an earlier receipt, hence the same or a higher level, hence delays that are the
same or shorter: windows can only grow (a property the tests check). Every time is in s; values may be
arrays over trials (one draw each), which the rules broadcast.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from duel.scenario.inputs import Number

NONE, ALERT, READY = 0, 1, 2  # readiness levels (codes of :func:`readiness_levels`)
AREA_CONTENTS = ("launch-area", "impact-area")


@dataclass(frozen=True)
class Notice:
    """A launch notice: sent ``lead_s`` before launch (s, >= 0), naming ``content``, to ``recipient``; it
    reaches the defender ``relay_s`` later (0 for the defender itself; a scalar or an array over trials)."""

    lead_s: float
    content: str
    recipient: str
    relay_s: Number = 0.0

    @property
    def sent_s(self) -> float:
        """When the notice is sent (s from launch; negative = before)."""
        return -self.lead_s

    @property
    def received_s(self) -> Any:
        """When the notice reaches the defender (s from launch)."""
        return -self.lead_s + self.relay_s


@dataclass(frozen=True)
class ReadinessRules:
    """The notional numbers of the rules (module docstring): decision delay when alerted (s), factor on reaction
    times when ready, and the lead the defender needs to be ready (s). Scalars or arrays over trials."""

    decision_delay_ready_s: Number
    reaction_factor_ready: Number
    ready_lead_s: Number


@dataclass(frozen=True)
class Readiness:
    """The defence's readiness that the notice buys: decision delay (s) and a factor on reaction times."""

    level: str
    decision_delay_s: float | None
    reaction_factor: float
    notice_received_s: float | None
    note: str

    def to_dict(self) -> dict[str, Any]:
        return {"level": self.level, "decision_delay_s": self.decision_delay_s,
                "reaction_factor": self.reaction_factor, "notice_received_s": self.notice_received_s,
                "note": self.note}


def readiness_levels(notice: Notice | None, rules: ReadinessRules | None) -> tuple[np.ndarray, Any]:
    """The readiness level (NONE, ALERT or READY, an int array broadcast over the inputs) and the time the
    notice reaches the defender (s from launch; None without a notice, when there are no rules either)."""
    if notice is None or rules is None:
        return np.full((), NONE), None
    rl = np.asarray(rules.ready_lead_s, float)
    rec = np.asarray(notice.received_s, float)
    before = rec <= 0.0
    ready = before & (-rec >= rl) & (notice.content in AREA_CONTENTS)
    return np.where(ready, READY, np.where(before, ALERT, NONE)), notice.received_s


def readiness_arrays(notice: Notice | None, decision_delay_s: Any, rules: ReadinessRules | None
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Decision delays (s) and the reaction factor by the rules: alert or ready -> min(decision delay, ready
    delay); ready -> reaction times x the ready factor. ``decision_delay_s`` has a last axis over batteries
    (shape (..., B)); the rules' inputs and the factor have the leading shape (...) (arrays over trials, or 0-d
    for one evaluation). Without a notice (``rules`` None) the delays as given and factor 1."""
    dd = np.asarray(decision_delay_s, float)
    if notice is None or rules is None:
        return dd.copy(), np.ones(dd.shape[:-1])
    level, _ = readiness_levels(notice, rules)
    per_battery = lambda a: np.asarray(a, float)[..., None]  # noqa: E731  (the same for every battery)
    alerted = per_battery(level >= ALERT) > 0
    dec = np.where(alerted, np.minimum(dd, per_battery(rules.decision_delay_ready_s)), dd)
    fac = np.where(level == READY, np.asarray(rules.reaction_factor_ready, float), 1.0)
    fac = np.broadcast_to(fac, np.broadcast_shapes(fac.shape, dec.shape[:-1]))
    return np.broadcast_to(dec, np.broadcast_shapes(dec.shape, dd.shape)).astype(float), np.asarray(fac, float)


def readiness(notice: Notice | None, decision_delay_s: Any, rules: ReadinessRules | None) -> Readiness:
    """Readiness level, decision delay and reaction factor of one evaluation, with a note for the report
    (``decision_delay_s``: per battery; the record keeps the shortest after readiness)."""
    level, rec = readiness_levels(notice, rules)
    decs, facs = readiness_arrays(notice, np.atleast_1d(np.asarray(decision_delay_s, float)), rules)
    if not decs.size and rules is not None and int(level) >= ALERT:  # no battery: the delay an alerted one has
        decs = np.atleast_1d(np.asarray(rules.decision_delay_ready_s, float))
    dec, fac = (float(np.min(decs)) if decs.size else None), float(facs)
    delay = "" if dec is None else f"decision delay {dec:g} s" + (" (the shortest of the batteries')" if np.ptp(decs) > 0 else "")
    level = int(level)
    if level == NONE:
        why = "no notice" if rec is None else f"notice reached the defender {float(rec) / 60:.1f} min after launch"
        return Readiness("none", dec, fac, None if rec is None else float(rec),
                         f"{why}: decision delay and reaction times unchanged")
    rec = float(rec)
    if level == READY:
        return Readiness(
            "ready", dec, fac, rec,
            f"notice with the {notice.content} reached the defender {-rec / 60:.1f} min before launch: "  # type: ignore[union-attr]
            f"{delay}, reaction times x {fac:g} (notional); no track is created",
        )
    return Readiness(
        "alert", dec, fac, rec,
        f"notice reached the defender {-rec / 60:.1f} min before launch: {delay or 'no battery to alert'} "
        "(notional); reaction times unchanged; no track is created",
    )
