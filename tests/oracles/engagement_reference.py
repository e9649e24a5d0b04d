"""The pre-refactor engagement windows of one battery, kept as the test oracle of :mod:`duel.defence.windows`.

Independent of the batch window model: every condition is evaluated on the threat track's samples as booleans
(WGS84 geodesic distances by pyproj, not Andoyer-Lambert), each window edge and the first detection are then
refined between samples by bisection on the linearly interpolated track (32 points x 4 levels), so every
condition holds exactly at the reported edges. The package computes windows with margins interpolated between
samples; the tests check that both agree (opportunities exactly, edges within 0.05 s).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from duel.defence.records import BatteryEngagement, Window
from duel.defence.interceptors import Battery, InterceptorType
from duel.defence.radar import Radar, radar_geometry
from duel.defence.setup import EngagementParams
from duel.defence.track import ThreatTrack


def visible(radar: Radar, ground_m: Any, alt_m: Any, rcs_m2: float) -> np.ndarray:
    """True where an object at ground distance ``ground_m`` and altitude ``alt_m`` is detectable."""
    rho, eps, margin = radar_geometry(ground_m, radar.antenna_height_m, alt_m)
    alt = np.asarray(alt_m, float)
    return (np.isfinite(alt) & (alt >= 0.0) & (margin >= 0.0) & (eps >= math.radians(radar.elevation_mask_deg))
            & (rho <= radar.max_range_m(rcs_m2)))


def first_detection_s(radar: Radar, track: ThreatTrack, rcs_m2: float) -> np.ndarray:
    """First detection time of each object (s from launch; NaN if never), refined between samples."""

    def cond(obj: np.ndarray, t: np.ndarray) -> np.ndarray:
        lat, lon, alt, _ = track.at(obj, t)
        return visible(radar, track.ground_distance_m(radar.lat_deg, radar.lon_deg, lat, lon), alt, rcs_m2)

    ok = visible(radar, track.ground_distance_m(radar.lat_deg, radar.lon_deg), track.alt_m, rcs_m2)
    return first_visible(track.time_s, ok, cond)


def in_envelope(t: InterceptorType, ground_m: Any, alt_m: Any, speed_mps: Any) -> np.ndarray:
    """True where a point (ground distance, altitude, target speed) is inside the kinematic envelope."""
    d, h, v = (np.asarray(x, float) for x in (ground_m, alt_m, speed_mps))
    ok = (h >= t.min_alt_m) & (h <= t.max_alt_m) & (d <= t.max_range_m) & (d >= t.min_range_m)
    if t.max_target_speed_mps is not None:
        ok &= v <= t.max_target_speed_mps
    return ok


def launch_earliest(track_s: Any, cue_s: Any, decision_s: float, reaction_s: float) -> np.ndarray:
    """max(fire-control track, cue) + decision delay + reaction time; NaN without a track; no cue = NaN cue."""
    trk = np.asarray(track_s, float)
    cue = np.asarray(cue_s, float)
    start = np.where(np.isfinite(cue), np.fmax(trk, cue), trk)
    start = np.where(np.isfinite(trk), start, np.nan)
    return start + decision_s + reaction_s


def runs(ok: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Maximal runs of True along the last axis of a (N, S) boolean array.

    Returns (row, start, stop): run r covers samples [start[r], stop[r]) of row[r]; rows in order, runs in
    time order within a row.
    """
    ok = np.atleast_2d(ok).astype(np.int8)
    pad = np.pad(ok, ((0, 0), (1, 1)))
    d = np.diff(pad, axis=1)
    r0, s0 = np.nonzero(d == 1)
    r1, s1 = np.nonzero(d == -1)
    return r0, s0, s1


def refine_edges(
    cond: Callable[[np.ndarray, np.ndarray], np.ndarray],
    obj: np.ndarray,
    t_in: np.ndarray,
    t_out: np.ndarray,
    levels: int = 4,
    points: int = 32,
) -> np.ndarray:
    """Edge search between a time where ``cond`` holds (t_in) and one where it does not (t_out), per object.

    ``cond(obj, t)`` -> bool array. Each level evaluates ``cond`` at ``points`` evenly spaced times from t_in
    towards t_out in one vectorised call and keeps the sub-interval where it first fails. Returns the last
    inside point found: ``cond`` holds there exactly (on the interpolated track), and the first crossing
    from the inside end lies within |t_out - t_in| / points**levels of it (0.5 s / 32**4 = 0.5 us).
    """
    t_in = np.asarray(t_in, float).copy()
    t_out = np.asarray(t_out, float).copy()
    if t_in.size == 0:
        return t_in
    frac = np.arange(1, points + 1) / points
    for _ in range(levels):
        ts = t_in[:, None] + (t_out - t_in)[:, None] * frac[None, :]
        ts[:, -1] = t_out
        ok = np.asarray(cond(np.repeat(obj, points), ts.ravel()), bool).reshape(-1, points)
        ok[:, -1] = False  # t_out is outside by construction
        k = np.argmax(~ok, axis=1)  # first failing sub-sample
        rows = np.arange(ts.shape[0])
        t_out = ts[rows, k]
        t_in = np.where(k > 0, ts[rows, np.maximum(k - 1, 0)], t_in)
    return t_in


def first_visible(
    time_s: np.ndarray, ok: np.ndarray, cond: Callable[[np.ndarray, np.ndarray], np.ndarray]
) -> np.ndarray:
    """First time per row where ``ok`` (N, S) is True, refined between samples with ``cond``; NaN if never."""
    ok = np.atleast_2d(ok)
    n = ok.shape[0]
    out = np.full(n, np.nan)
    any_ok = ok.any(axis=1)
    j = np.argmax(ok, axis=1)
    rows = np.nonzero(any_ok)[0]
    if rows.size == 0:
        return out
    jr = j[rows]
    out[rows] = time_s[jr]
    inner = jr > 0
    if inner.any():
        rr = rows[inner]
        out[rr] = refine_edges(cond, rr, time_s[jr[inner]], time_s[jr[inner] - 1])
    return out




def sls_opportunities(length_s: Any, flyout_s: Any, kill_assessment_s: float) -> np.ndarray:
    """Shoot-look-shoot opportunities in a window: 1 + floor(L / (F + T_ka)) (arrays)."""
    L = np.maximum(np.asarray(length_s, float), 0.0)
    cycle = np.asarray(flyout_s, float) + kill_assessment_s
    with np.errstate(divide="ignore", invalid="ignore"):
        extra = np.where(cycle > 0, np.floor(L / np.where(cycle > 0, cycle, 1.0) + 1e-9), 0.0)
    return (1 + extra).astype(int)


def battery_windows(
    track: ThreatTrack,
    battery: Battery,
    params: EngagementParams,
    cue_s: Any = np.nan,
    decision_delay_s: float = 5.0,
    reaction_time_s: float | None = None,
) -> BatteryEngagement:
    """Engagement windows of ``battery`` against every object of ``track`` (model in the module docstring).

    ``cue_s``: the IR cue per object (s; NaN = none); ``reaction_time_s``: None = the catalogue value.
    Vectorised over objects and time samples; a loop runs only over the bisection steps.
    """
    t_type, radar = battery.type, battery.radar
    react = t_type.reaction_time_s if reaction_time_s is None else float(reaction_time_s)
    n, time = track.n, track.time_s
    rcs = params.rcs_m2

    det = first_detection_s(radar, track, rcs)
    trk = det + t_type.track_formation_s
    cue = np.broadcast_to(np.asarray(cue_s, float), (n,))
    t_l = launch_earliest(trk, cue, decision_delay_s, react)

    def parts(obj: np.ndarray, t: np.ndarray, lat: Any, lon: Any, alt: Any, v: Any):
        d = track.ground_distance_m(battery.lat_deg, battery.lon_deg, lat, lon)
        env = in_envelope(t_type, d, alt, v)
        vis = visible(radar, d, alt, rcs)
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
                           f"(range {float(radar.max_range_m(rcs)) / 1e3:,.0f} km for RCS {rcs:g} m^2, horizon, mask)")
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
