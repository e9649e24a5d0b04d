"""Engagement windows, shot opportunities and the raid they feed: battery x threat object, vectorised.

Scope: kinematics and timing only (design.md). Interceptors are envelopes with an SSPK; there is no
guidance, no homing and no damage model.

The window
----------
For a battery b and a threat object n, an intercept at time t (s from launch) is *feasible* when all of

1. h_min <= h(t) <= h_max                                  (altitude band of the interceptor type)
2. d_min <= d(t) <= d_max                                  (ground range from the battery, WGS84 geodesic)
3. v(t) <= v_max                                           (fastest target credited, where the catalogue has one)
4. the battery's own radar sees the object at t            (4/3-Earth line of sight, mask, range for the RCS)
5. t >= t_L(n) + t_fly(d(t), h(t))                         (the interceptor can get there by t)

with t_L(n) = max(first fire-control track of n by b's radar, cue) + decision delay + reaction time
(:func:`duel.defence.sensors.launch_earliest`; no radar track, no window) and t_fly the straight-line,
constant-average-speed fly-out (:meth:`InterceptorType.flyout_time_s`). Condition 4 says that the radar
must hold the track to intercept; for a terminal defence it never binds once the track exists.

The conditions are evaluated on the threat's time samples for all objects at once (arrays N x S); each
maximal run of feasible samples is a window. Its ends are refined between samples by bisection on the
interpolated track, keeping the feasible side, so every condition holds *exactly* at the reported
t_first and t_last (runs shorter than a sample step can be missed: use a fine grid, 0.5 s by default).
A window reports time, altitude, ground range and speed at both ends. Objects may have several windows
(e.g. ascent and descent); their opportunities add up.

Shot opportunities per window
-----------------------------
* ``salvo``: 1 opportunity per window; ``shots`` interceptors per object at it (no look).
* ``sls`` (shoot-look-shoot) with kill-assessment time T_ka: the first salvo intercepts at t_first, the
  look takes T_ka, the next salvo is launched then and needs at most F = the longest fly-out to any point
  of the window, and so on; intercept k happens by t_first + (k - 1)(F + T_ka), which must be <= t_last:

      opportunities = 1 + floor((t_last - t_first) / (F + T_ka))

  (conservative: later intercepts are closer and their fly-outs shorter).

The raid
--------
:func:`raid_outcome` turns windows into :class:`duel.defence.raid.Layer` s, one per battery that has a
window for every object, ordered by t_first: SSPK from the catalogue, ``shots`` per opportunity, the
opportunities above, the battery's magazine, fire channels = ``simultaneous_engagements``. (Objects with
different windows in one battery get the smallest count; an object without a window drops the layer:
conservative.) The closed form (Wilkening 1999, limits dropped) is always given; when a magazine or the
fire channels can bind it is only an upper bound on the defence, and the seeded Monte Carlo, which applies
them, is the answer. All threat objects count as warheads (W); decoys (D) fly the same trajectory and
absorb interceptors and channels.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from duel.defence.interceptors import Battery
from duel.defence.sensors import (
    NOTIONAL,
    Notice,
    Readiness,
    SpaceIR,
    ThreatTrack,
    launch_earliest,
    readiness,
    refine_edges,
    runs,
)
from duel.errors import InputError

__all__ = [
    "EngagementParams",
    "Window",
    "BatteryEngagement",
    "RaidOutcome",
    "Assessment",
    "sls_opportunities",
    "battery_windows",
    "raid_layers",
    "raid_outcome",
    "assess",
]

DEFAULT_TRIALS = 20_000


@dataclass(frozen=True)
class EngagementParams:
    """Parameters of the engagement model (defaults are the notional values in ``sensors.NOTIONAL``).

    Attributes:
        rcs_m2: radar cross-section of each threat object (m^2).
        track_formation_s: radar first detection -> fire-control track (s).
        shots: interceptors per object per opportunity (>= 1).
        doctrine: ``"salvo"`` or ``"sls"`` (shoot-look-shoot).
        kill_assessment_s: T_ka, the look after an intercept (s; sls only).
        p_kill_assessment: probability a surviving object is seen to be alive (sls only).
    """

    rcs_m2: float = NOTIONAL["rcs_m2"].value
    track_formation_s: float = NOTIONAL["track_formation_s"].value
    shots: int = int(NOTIONAL["shots_per_opportunity"].value)
    doctrine: str = "salvo"
    kill_assessment_s: float = NOTIONAL["kill_assessment_s"].value
    p_kill_assessment: float = 1.0

    def __post_init__(self) -> None:
        if not (math.isfinite(self.rcs_m2) and self.rcs_m2 > 0):
            raise InputError(f"--rcs: must be a positive cross-section in m^2, got {self.rcs_m2:g}")
        if not (math.isfinite(self.track_formation_s) and self.track_formation_s >= 0):
            raise InputError(f"--track-delay: must be >= 0 s, got {self.track_formation_s:g}")
        if isinstance(self.shots, bool) or int(self.shots) != self.shots or self.shots < 1:
            raise InputError(f"--shots: must be a whole number >= 1, got {self.shots}")
        if self.doctrine not in ("salvo", "sls"):
            raise InputError(f"--doctrine: must be 'salvo' or 'sls', got '{self.doctrine}'")
        if not (math.isfinite(self.kill_assessment_s) and self.kill_assessment_s >= 0):
            raise InputError(f"--kill-assessment: must be >= 0 s, got {self.kill_assessment_s:g}")
        if not (0.0 <= self.p_kill_assessment <= 1.0):
            raise InputError(f"--p-kill-assessment: must be a probability in [0, 1], got {self.p_kill_assessment:g}")


def sls_opportunities(length_s: Any, flyout_s: Any, kill_assessment_s: float) -> np.ndarray:
    """Shoot-look-shoot opportunities in a window: 1 + floor(L / (F + T_ka)) (arrays)."""
    L = np.maximum(np.asarray(length_s, float), 0.0)
    cycle = np.asarray(flyout_s, float) + kill_assessment_s
    with np.errstate(divide="ignore", invalid="ignore"):
        extra = np.where(cycle > 0, np.floor(L / np.where(cycle > 0, cycle, 1.0) + 1e-9), 0.0)
    return (1 + extra).astype(int)


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

    Arrays have one entry per object: first radar detection, fire-control track and earliest launch (s
    from launch; NaN = never). ``reasons[n]`` says why object n has no window (None if it has one).
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
            "label": b.label,
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
            "detection_s": [_f(x) for x in self.detection_s],
            "track_s": [_f(x) for x in self.track_s],
            "launch_earliest_s": [_f(x) for x in self.launch_earliest_s],
            "decision_delay_s": self.decision_delay_s,
            "reaction_time_s": self.reaction_time_s,
            "windows": [w.to_dict() for w in self.windows],
            "no_window_reason": next((r for r in self.reasons if r), None),
            "sources": list(t.sources) + [s for s in b.radar.sources if s not in t.sources],
        }


def battery_windows(
    track: ThreatTrack,
    battery: Battery,
    cue_s: Any = np.nan,
    decision_delay_s: float = NOTIONAL["decision_delay_s"].value,
    reaction_time_s: float | None = None,
    params: EngagementParams = EngagementParams(),
) -> BatteryEngagement:
    """Engagement windows of ``battery`` against every object of ``track`` (model in the module docstring).

    ``cue_s``: the IR cue per object (s; NaN = none); ``reaction_time_s``: None = the catalogue value.
    Vectorised over objects and time samples; a loop runs only over the bisection steps.
    """
    t_type, radar = battery.type, battery.radar
    react = t_type.reaction_time_s if reaction_time_s is None else float(reaction_time_s)
    n, time = track.n, track.time_s
    rcs = params.rcs_m2

    det = radar.first_detection_s(track, rcs)
    trk = det + params.track_formation_s
    cue = np.broadcast_to(np.asarray(cue_s, float), (n,))
    t_l = launch_earliest(trk, cue, decision_delay_s, react)

    def parts(obj: np.ndarray, t: np.ndarray, lat: Any, lon: Any, alt: Any, v: Any):
        d = track.ground_distance_m(battery.lat_deg, battery.lon_deg, lat, lon)
        env = t_type.in_envelope(d, alt, v)
        vis = radar.visible(d, alt, rcs)
        fly = t_type.flyout_time_s(d, alt)
        with np.errstate(invalid="ignore"):
            timely = (t - t_l[obj] - fly) >= 0.0
        return env, vis, timely, d, fly

    def cond(obj: np.ndarray, t: np.ndarray) -> np.ndarray:
        lat, lon, alt, v = track.at(obj, t)
        env, vis, timely, _, _ = parts(obj, t, lat, lon, alt, v)
        return env & vis & timely

    obj_grid = np.broadcast_to(np.arange(n)[:, None], track.alt_m.shape)
    t_grid = np.broadcast_to(time[None, :], track.alt_m.shape)
    env, vis, timely, dist, fly = parts(obj_grid, t_grid, track.lat_deg, track.lon_deg, track.alt_m, track.speed_mps)
    ok = env & vis & timely

    row, s0, s1 = runs(ok)
    windows: list[Window] = []
    if row.size:
        # start edges: refine between the sample before the run and its first sample
        first = time[s0].copy()
        inner = s0 > 0
        first[inner] = refine_edges(cond, row[inner], time[s0[inner]], time[s0[inner] - 1])
        last = time[s1 - 1].copy()
        inner = s1 < time.size
        last[inner] = refine_edges(cond, row[inner], time[s1[inner] - 1], time[s1[inner]])
        lat0, lon0, alt0, v0 = track.at(row, first)
        lat1, lon1, alt1, v1 = track.at(row, last)
        d0 = track.ground_distance_m(battery.lat_deg, battery.lon_deg, lat0, lon0)
        d1 = track.ground_distance_m(battery.lat_deg, battery.lon_deg, lat1, lon1)
        j = np.arange(time.size)[None, :]
        inside = (j >= s0[:, None]) & (j < s1[:, None])
        fmax = np.where(inside, fly[row], -np.inf).max(axis=1)
        fmax = np.maximum(fmax, np.maximum(t_type.flyout_time_s(d0, alt0), t_type.flyout_time_s(d1, alt1)))
        if params.doctrine == "sls":
            opp = sls_opportunities(last - first, fmax, params.kill_assessment_s)
        else:
            opp = np.ones(row.size, dtype=int)
        for k in range(row.size):  # one small record per window (not per sample)
            o = int(row[k])
            windows.append(Window(
                object=track.labels[o], object_index=o, t_first_s=float(first[k]), t_last_s=float(last[k]),
                alt_first_m=float(alt0[k]), alt_last_m=float(alt1[k]), range_first_m=float(d0[k]),
                range_last_m=float(d1[k]), speed_first_mps=float(v0[k]), speed_last_mps=float(v1[k]),
                flyout_max_s=float(fmax[k]), launch_earliest_s=float(t_l[o]), opportunities=int(opp[k]),
                shots_per_opportunity=int(params.shots),
            ))

    has = ok.any(axis=1)
    reasons: list[str | None] = []
    for o in range(n):
        if has[o]:
            reasons.append(None)
        elif not np.isfinite(det[o]):
            reasons.append(f"radar {radar.id or 'of the battery'} never sees the object "
                           f"(range {radar.max_range_m(rcs) / 1e3:,.0f} km for RCS {rcs:g} m^2, horizon, mask)")
        elif not env[o].any():
            reasons.append("no point of the flight is inside the envelope (altitude band, ground range, target speed)")
        elif not (env[o] & vis[o]).any():
            reasons.append("the radar does not see the object while it is inside the envelope")
        else:
            tin = time[env[o] & vis[o]]
            reasons.append(f"too late: the envelope is crossed at {tin[0]:.0f}-{tin[-1]:.0f} s, but the first "
                           f"launch is at {t_l[o]:.0f} s and an interceptor needs {np.nanmin(fly[o][env[o]]):.0f} s or more")
    return BatteryEngagement(battery, det, trk, t_l, float(decision_delay_s), react, tuple(windows),
                             tuple(reasons), n)


# ------------------------------------------------------------------------------------------- raid
def raid_layers(engagements: Sequence[BatteryEngagement], params: EngagementParams) -> tuple[list[Any], list[int]]:
    """One :class:`~duel.defence.raid.Layer` per battery with a window for every object, ordered by t_first.

    Returns (layers, indices of the engagements they came from).
    """
    from duel.defence.raid import Layer

    usable = []
    for i, e in enumerate(engagements):
        opp = e.opportunities()
        if opp.size and opp.min() >= 1:
            usable.append((e.t_first_s, i, int(opp.min())))
    usable.sort()
    layers = []
    for _, i, opp in usable:
        b = engagements[i].battery
        layers.append(Layer(
            sspk=b.type.sspk, shots=params.shots, opportunities=opp, doctrine=params.doctrine,  # type: ignore[arg-type]
            p_kill_assessment=params.p_kill_assessment, magazine=b.magazine,
            fire_channels=b.type.simultaneous_engagements, name=b.label,
        ))
    return layers, [i for _, i, _ in usable]


@dataclass(frozen=True)
class RaidOutcome:
    """The raid through the layers the windows allow: closed form, Monte Carlo, and which one answers."""

    warheads: int
    decoys: int
    layers: tuple[Any, ...]
    layer_batteries: tuple[int, ...]
    limits_can_bind: bool
    closed_form: Any | None
    monte_carlo: Any | None
    method: str
    p_zero_leakers: float
    expected_leakers: float
    interceptors_used_mean: float
    note: str

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


def raid_outcome(
    engagements: Sequence[BatteryEngagement],
    warheads: int,
    decoys: int = 0,
    params: EngagementParams = EngagementParams(),
    p_track: float = 1.0,
    p_decoy_engaged: float = 1.0,
    common_mode: bool = False,
    trials: int | None = None,
    seed: int = 0,
) -> RaidOutcome:
    """Leakers of ``warheads`` (+ ``decoys``) through the layers the windows allow.

    Closed form (limits dropped) always; the Monte Carlo runs when ``trials`` is given or when a magazine
    or fire channels can bind (then with :data:`DEFAULT_TRIALS`), and is then the answer.
    """
    from duel.defence.raid import closed_form_raid, simulate_raid

    if isinstance(warheads, bool) or int(warheads) != warheads or warheads < 1:
        raise InputError(f"warheads: must be a whole number >= 1, got {warheads}")
    if isinstance(decoys, bool) or int(decoys) != decoys or decoys < 0:
        raise InputError(f"--decoys: must be a whole number >= 0, got {decoys}")
    if not (0.0 <= p_track <= 1.0):
        raise InputError(f"--p-track: must be a probability in [0, 1], got {p_track:g}")
    if not (0.0 <= p_decoy_engaged <= 1.0):
        raise InputError(f"--p-decoy-engaged: must be a probability in [0, 1], got {p_decoy_engaged:g}")
    layers, idx = raid_layers(engagements, params)
    w, d = int(warheads), int(decoys)
    if not layers:
        return RaidOutcome(w, d, (), (), False, None, None, "no defence", 0.0, float(w), 0.0,
                           "no battery has an engagement window: every object leaks")
    binds = any(ly.limits_can_bind(w + d) for ly in layers)
    cf = closed_form_raid(w, d, layers, p_track, p_decoy_engaged, common_mode, ignore_limits=True)
    mc = None
    if trials is not None or binds:
        mc = simulate_raid(w, d, layers, p_track, p_decoy_engaged, trials or DEFAULT_TRIALS, seed, common_mode)
    main = mc if binds else cf
    note = (
        "magazine or fire channels can bind: the Monte Carlo (which applies them) is the answer; the closed "
        "form drops them and is an upper bound on the defence"
        if binds else "limits cannot bind: the closed form (Wilkening 1999) is exact"
    )
    return RaidOutcome(w, d, tuple(layers), tuple(idx), binds, cf, mc, main.method, main.p_zero_leakers,
                       main.expected_leakers, main.interceptors_used_mean, note)


# ---------------------------------------------------------------------------------------- pipeline
@dataclass(frozen=True)
class Assessment:
    """Everything ``duel engage`` reports except the threat summary."""

    timeline: dict[str, Any]
    readiness: Readiness
    engagements: tuple[BatteryEngagement, ...]
    raid: RaidOutcome
    params: EngagementParams
    notice: Notice | None
    space_ir: SpaceIR | None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "timeline": self.timeline,
            "readiness": self.readiness.to_dict(),
            "batteries": [e.to_dict() for e in self.engagements],
            "raid": self.raid.to_dict(),
        }


def assess(
    track: ThreatTrack,
    batteries: Sequence[Battery],
    warheads: int,
    *,
    space_ir: SpaceIR | None = None,
    notice: Notice | None = None,
    params: EngagementParams = EngagementParams(),
    decision_delay_s: float | None = None,
    decoys: int = 0,
    p_track: float = 1.0,
    p_decoy_engaged: float = 1.0,
    common_mode: bool = False,
    trials: int | None = None,
    seed: int = 0,
    readiness_kw: dict[str, float] | None = None,
) -> Assessment:
    """Sensors + notice -> cue -> windows per battery x object -> raid (the defence half of design.md).

    ``readiness_kw`` overrides the notional readiness settings (see :func:`readiness`). With no battery every
    object leaks.
    """
    ready = readiness(notice, decision_delay_s, **(readiness_kw or {}))
    if space_ir is not None:
        det_ir, rep_ir, cue = space_ir.warning(track.burnout_s)
    else:
        det_ir = rep_ir = cue = np.full(track.n, np.nan)
    engs = tuple(
        battery_windows(track, b, cue, ready.decision_delay_s, b.type.reaction_time_s * ready.reaction_factor, params)
        for b in batteries
    )
    raid = raid_outcome(engs, warheads, decoys, params, p_track, p_decoy_engaged, common_mode, trials, seed)

    def first(*arrays: np.ndarray) -> float | None:
        vals = np.concatenate([np.ravel(a) for a in arrays]) if arrays else np.array([])
        vals = vals[np.isfinite(vals)]
        return float(vals.min()) if vals.size else None

    radar_det = [e.detection_s for e in engs]
    radar_trk = [e.track_s for e in engs]
    timeline = {
        "launch_s": 0.0,
        "notice_s": None if notice is None else notice.sent_s,
        "notice_received_s": None if notice is None else notice.received_s,
        "detection_s": first(det_ir, *radar_det),
        "early_warning_detection_s": first(det_ir),
        "early_warning_report_s": first(rep_ir),
        "cue_s": first(cue),
        "first_track_s": first(rep_ir, *radar_trk),
        "first_radar_detection_s": first(*radar_det),
        "first_fire_control_track_s": first(*radar_trk),
        "first_launch_s": first(*[e.launch_earliest_s for e in engs]),
        "burnout_s": first(track.burnout_s),
        "impact_s": float(np.nanmax(track.impact_s)),
        "note": "IR warning sees the boost plume only: warning and cue, not a fire-control track; only a "
                "battery's own radar track allows a launch",
    }
    return Assessment(timeline, ready, engs, raid, params, notice, space_ir)
