"""Flight events as data: what the integration loop records, declared once.

Two kinds of event:

* **thrust-phase ends** (each stage's burnout, the thrust cut-off): the step policy ends a step exactly there,
  so they are read at a step end;
* **crossings** found *inside* a step, in free flight: the apogee (the height peaks) and the downward
  crossings of fixed heights (100 km: reentry; 30 km: the lower tier's ceiling; 0 m: impact, which also ends
  the flight). :data:`CROSSINGS` lists them; each has a typed key (:data:`CrossingKey`), used by every
  consumer instead of the display label.

A crossing is located on the cubic Hermite interpolant of the height over its step
(:func:`duel.flight.stepping.locate`). The :class:`EventLog` holds the result per trajectory (NaN where an
event did not happen). Times in s from launch (or from burnout for flights that start there), heights in m
above the ellipsoid, speeds in m/s relative to the rotating Earth, states in ECEF (m, m/s).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

# trajectory status codes
FLYING, IMPACT, CRASHED, TIMEOUT = 0, 1, 2, 3
STATUS_NAMES = {FLYING: "flying", IMPACT: "impact", CRASHED: "crashed in boost", TIMEOUT: "did not land"}

CrossingKey = Literal["apogee", "down_100km", "down_30km", "impact"]


@dataclass(frozen=True)
class Crossing:
    """An event inside a step: ``peak`` (the height stops rising) or ``down`` (the height falls through
    ``level_m``). ``label`` is how people read it in tables and reports."""

    key: CrossingKey
    kind: Literal["peak", "down"]
    level_m: float
    label: str


CROSSINGS: tuple[Crossing, ...] = (
    Crossing("apogee", "peak", 0.0, "apogee"),
    Crossing("down_100km", "down", 100_000.0, "descending through 100 km"),
    Crossing("down_30km", "down", 30_000.0, "descending through 30 km"),
    Crossing("impact", "down", 0.0, "impact"),
)
"""Every crossing the loop locates, in the order they happen on a ballistic arc."""

CROSSING_KEYS: tuple[CrossingKey, ...] = tuple(c.key for c in CROSSINGS)
LABELS: dict[str, str] = {c.key: c.label for c in CROSSINGS}


@dataclass
class EventLog:
    """Per-trajectory event records of a batch of N (arrays; NaN where an event did not happen).

    ``crossing_t``, ``crossing_v`` and ``crossing_h`` map each :data:`CrossingKey` to times (s), speeds (m/s)
    and heights (m; the level itself for a downward crossing, the interpolated peak for the apogee). The
    final burnout and the impact keep the full ECEF state (m, m/s): ``burnout_state``, ``impact_state``
    (N, 6). ``max_speed`` is the largest step-end speed (m/s).
    """

    n: int
    n_stages: int
    status: np.ndarray = field(init=False)
    stage_burnout_t: np.ndarray = field(init=False)
    stage_burnout_h: np.ndarray = field(init=False)
    stage_burnout_v: np.ndarray = field(init=False)
    burnout_t: np.ndarray = field(init=False)
    burnout_state: np.ndarray = field(init=False)
    crossing_t: dict[str, np.ndarray] = field(init=False)
    crossing_v: dict[str, np.ndarray] = field(init=False)
    crossing_h: dict[str, np.ndarray] = field(init=False)
    impact_state: np.ndarray = field(init=False)
    max_speed: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        nan = lambda *shape: np.full(shape, np.nan)  # noqa: E731
        self.status = np.full(self.n, FLYING)
        self.stage_burnout_t = nan(self.n, self.n_stages)
        self.stage_burnout_h = nan(self.n, self.n_stages)
        self.stage_burnout_v = nan(self.n, self.n_stages)
        self.burnout_t = nan(self.n)
        self.burnout_state = nan(self.n, 6)
        self.crossing_t = {k: nan(self.n) for k in CROSSING_KEYS}
        self.crossing_v = {k: nan(self.n) for k in CROSSING_KEYS}
        self.crossing_h = {k: nan(self.n) for k in CROSSING_KEYS}
        self.impact_state = nan(self.n, 6)
        self.max_speed = np.zeros(self.n)

    @property
    def impact_t(self) -> np.ndarray:
        """Impact time (s), NaN where a trajectory did not land."""
        return self.crossing_t["impact"]

    @property
    def apogee_t(self) -> np.ndarray:
        """Apogee time (s)."""
        return self.crossing_t["apogee"]

    @property
    def apogee_h(self) -> np.ndarray:
        """Apogee height (m)."""
        return self.crossing_h["apogee"]

    def arrays(self) -> dict[str, np.ndarray]:
        """Every per-trajectory array by a flat name (``crossing_t.impact``, ``status``, ...)."""
        out: dict[str, np.ndarray] = {}
        for name, value in vars(self).items():
            if isinstance(value, np.ndarray):
                out[name] = value
            elif isinstance(value, dict):
                out.update({f"{name}.{k}": v for k, v in value.items()})
        return out

    def assign(self, idx: np.ndarray | slice, part: EventLog) -> None:
        """Copy ``part``'s records into the trajectories ``idx`` of this log."""
        for name, value in part.arrays().items():
            self._array(name)[idx] = value

    def take(self, idx: np.ndarray) -> EventLog:
        """The records of the trajectories at ``idx`` (an index array)."""
        out = EventLog(len(idx), self.n_stages)
        for name, value in self.arrays().items():
            out._array(name)[...] = value[idx]
        return out

    def _array(self, name: str) -> np.ndarray:
        head, _, key = name.partition(".")
        value = getattr(self, head)
        return value[key] if key else value
