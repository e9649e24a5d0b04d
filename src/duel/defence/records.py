"""The defence's results as records: windows, each battery's engagement, the raid outcome, the assessment.

Plain data with their JSON forms (``to_dict``), made by :mod:`duel.defence.engagement`; the verdict and the
report read them. Times in s from launch, distances in m, speeds in m/s.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from duel.defence.interceptors import Battery
from duel.defence.notice import Readiness
from duel.defence.raid import Layer, RaidResult


@dataclass(frozen=True)
class Window:
    """One engagement window of a battery against one object (SI units; times s from launch)."""

    object: str
    object_index: int
    t_first_s: float
    t_last_s: float
    alt_first_m: float
    alt_last_m: float
    range_first_m: float
    range_last_m: float
    speed_first_mps: float
    speed_last_mps: float
    flyout_max_s: float
    launch_earliest_s: float
    opportunities: int
    shots_per_opportunity: int

    @property
    def duration_s(self) -> float:
        return self.t_last_s - self.t_first_s

    @property
    def shots(self) -> int:
        """Most interceptors this battery can fire at the object in the window (shots x opportunities)."""
        return self.opportunities * self.shots_per_opportunity

    def to_dict(self) -> dict[str, Any]:
        return {
            "object": self.object,
            "t_first_s": self.t_first_s,
            "t_last_s": self.t_last_s,
            "duration_s": self.duration_s,
            "alt_first_km": self.alt_first_m / 1e3,
            "alt_last_km": self.alt_last_m / 1e3,
            "range_first_km": self.range_first_m / 1e3,
            "range_last_km": self.range_last_m / 1e3,
            "speed_first_mps": self.speed_first_mps,
            "speed_last_mps": self.speed_last_mps,
            "flyout_max_s": self.flyout_max_s,
            "first_launch_s": self.launch_earliest_s,
            "opportunities": self.opportunities,
            "shots_per_opportunity": self.shots_per_opportunity,
            "shots": self.shots,
        }


def _f(x: Any) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


@dataclass(frozen=True)
class BatteryEngagement:
    """A battery's timeline and windows against every object of a threat track.

    Arrays have one entry per object: first detection and fire-control track by its own radar, the track its
    launch waits for (its own, or another radar's; ``remote`` says which) and earliest launch (s from launch;
    NaN = never). ``reasons[n]`` says why object n has no window (None if it has one). ``fire_control`` is the
    battery's mode; ``engages`` is ``warheads`` (its windows start above the separation altitude),
    ``submunitions`` or ``objects`` (the warheads carry no submunitions).
    """

    battery: Battery
    detection_s: np.ndarray
    track_s: np.ndarray
    launch_earliest_s: np.ndarray
    decision_delay_s: float
    reaction_time_s: float
    windows: tuple[Window, ...]
    reasons: tuple[str | None, ...]
    n_objects: int = 0
    fire_control: str = "own-track"
    launch_track_s: np.ndarray | None = None
    remote: np.ndarray | None = None
    engages: str = "objects"

    def opportunities(self) -> np.ndarray:
        """Opportunities per object (sum over its windows; 0 = no window)."""
        out = np.zeros(self.n_objects, dtype=int)
        for w in self.windows:
            out[w.object_index] += w.opportunities
        return out

    @property
    def t_first_s(self) -> float:
        """Earliest window start over all objects (inf if none)."""
        return min((w.t_first_s for w in self.windows), default=math.inf)

    def to_dict(self) -> dict[str, Any]:
        b = self.battery
        t = b.type
        return {
            "type": t.id,
            "name": t.name,
            "type_name": t.short_name,
            "label": b.label,
            "title": b.title,
            "place": b.place,
            "lat_deg": b.lat_deg,
            "lon_deg": b.lon_deg,
            "launchers": b.launchers,
            "magazine": b.magazine,
            "fire_channels": t.simultaneous_engagements,
            "sspk": t.sspk,
            "envelope": {
                "min_alt_km": t.min_alt_m / 1e3, "max_alt_km": t.max_alt_m / 1e3,
                "max_ground_range_km": t.max_range_m / 1e3, "min_ground_range_km": t.min_range_m / 1e3,
                "average_speed_mps": t.average_speed_mps, "max_target_speed_mps": t.max_target_speed_mps,
            },
            "radar": {
                "id": b.radar.id, "name": b.radar.name, "antenna_height_m": b.radar.antenna_height_m,
                "elevation_mask_deg": b.radar.elevation_mask_deg,
                "range_ref_km": b.radar.range_ref_m / 1e3, "rcs_ref_m2": b.radar.rcs_ref_m2,
            },
            "fire_control": self.fire_control,
            "engages": self.engages,
            "detection_s": [_f(x) for x in self.detection_s],
            "track_s": [_f(x) for x in self.track_s],
            "launch_track_s": [_f(x) for x in (self.track_s if self.launch_track_s is None else self.launch_track_s)],
            "remote_track": [bool(x) for x in (np.zeros(len(self.track_s), bool) if self.remote is None else self.remote)],
            "launch_earliest_s": [_f(x) for x in self.launch_earliest_s],
            "decision_delay_s": self.decision_delay_s,
            "reaction_time_s": self.reaction_time_s,
            "windows": [w.to_dict() for w in self.windows],
            "no_window_reason": next((r for r in self.reasons if r), None),
            "sources": list(t.sources) + [s for s in b.radar.sources if s not in t.sources],
        }


@dataclass(frozen=True)
class RaidOutcome:
    """The raid through the layers the windows allow: closed form, Monte Carlo, and which one answers."""

    warheads: int
    decoys: int
    layers: tuple[Layer, ...]
    layer_batteries: tuple[int, ...]
    limits_can_bind: bool
    closed_form: RaidResult | None
    monte_carlo: RaidResult | None
    method: str
    p_zero_leakers: float
    expected_leakers: float
    interceptors_used_mean: float
    note: str

    def leaker_pmf(self) -> np.ndarray:
        """P(k objects leak), k = 0..W, from the method that answers (all leak without a defence)."""
        if self.method == "no defence":
            out = np.zeros(self.warheads + 1)
            out[self.warheads] = 1.0
            return out
        res = self.monte_carlo if self.method == "monte carlo" else self.closed_form
        return np.asarray(res.leaker_pmf, float)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "method": self.method,
            "p_zero_leakers": self.p_zero_leakers,
            "expected_leakers": self.expected_leakers,
            "interceptors_used_mean": self.interceptors_used_mean,
            "warheads": self.warheads,
            "decoys": self.decoys,
            "limits_can_bind": self.limits_can_bind,
            "layers": [
                {"battery": ly.name, "sspk": ly.sspk, "shots": ly.shots, "opportunities": ly.opportunities,
                 "doctrine": ly.doctrine, "magazine": ly.magazine, "fire_channels": ly.fire_channels}
                for ly in self.layers
            ],
            "note": self.note,
            "closed_form": None,
            "monte_carlo": None,
        }
        if self.closed_form is not None:
            d = self.closed_form.to_dict()
            out["closed_form"] = {k: d[k] for k in ("p_zero_leakers", "expected_leakers", "interceptors_used_mean",
                                                     "leaker_pmf", "leakers_lower_bound")}
            out["closed_form"]["ignores_limits"] = self.limits_can_bind
        if self.monte_carlo is not None:
            d = self.monte_carlo.to_dict()
            out["monte_carlo"] = {k: d[k] for k in ("p_zero_leakers", "ci95", "expected_leakers",
                                                     "expected_leakers_ci95", "trials", "seed",
                                                     "leaker_distribution", "interceptors_used")}
        return out


@dataclass(frozen=True)
class Assessment:
    """The defence of one evaluation: timeline, readiness, every battery's windows and the raid."""

    timeline: dict[str, float | str | None]
    readiness: Readiness
    engagements: tuple[BatteryEngagement, ...]
    raid: RaidOutcome

    def to_dict(self) -> dict[str, Any]:
        return {
            "timeline": self.timeline,
            "readiness": self.readiness.to_dict(),
            "batteries": [e.to_dict() for e in self.engagements],
            "raid": self.raid.to_dict(),
        }
