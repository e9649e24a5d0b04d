"""A solved flight: what :func:`duel.flight.api.solve_flight` returns, and the same strike on another shape."""

from __future__ import annotations

from dataclasses import dataclass, field

from duel.flight.aim import AimResult
from duel.flight.summary import FlightSummary
from duel.flight.trajectory import Trajectory
from duel.flight.vehicles import StagedMissile


@dataclass
class Flight:
    """A solved flight: the recorded trajectory, its summary, a title for tables, the aim (parameters of the
    flown arc) and the missile flown (None for a burnout-state flight)."""

    trajectory: Trajectory
    summary: FlightSummary
    title: str
    aim: AimResult | None = None
    missile: StagedMissile | None = None


@dataclass(frozen=True)
class Comparison:
    """The same strike on another trajectory shape: its summary (with its flyability) and its altitude track
    (:func:`duel.flight.summary.thin_track`: time s, altitude km, downrange km), or why it cannot be flown."""

    trajectory: str
    summary: FlightSummary | None
    error: str | None = None
    track: dict[str, list[float]] | None = field(default=None, compare=False)
