"""Engagement windows of every battery against every threat object, as fixed-shape array code (any backend).

The model is :mod:`duel.defence.engagement`'s (read its docstring): an intercept at time t is feasible when
the object is inside the battery's altitude band, ground-range band and target-speed limit, the battery's
radar sees it (4/3-Earth line of sight, elevation mask, range for the object's RCS) and an interceptor
launched at the earliest launch time t_L can be there by t:

    t_L = max(fire-control track, cue) + decision delay + reaction time,
    track = first radar detection + track formation time,
    feasible(t) = envelope(t) & visible(t) & (t - t_L - fly-out(t) >= 0).

:func:`duel.defence.engagement.battery_windows` evaluates this for one battery on a NumPy track and refines
every window edge and the first detection between samples, giving a record per window for the report.
:func:`window_table` is the Monte Carlo form: many trials x objects x batteries at once, with every
parameter an array that broadcasts (so each trial may draw its own SSPK, altitude band, reaction time,
RCS...), no Python loop over trials, objects or windows, and only operations that JAX compiles (it runs on
NumPy by default and on the GPU under ``jax.jit``).

Each condition is a *margin*, >= 0 where it holds (altitude above the band's floor, range left to the
radar's maximum, time to spare for the interceptor, ...); a sample is feasible where all ten hold, and a
window is a maximal run of feasible samples. Window edges and the first detection are placed between
samples by linear interpolation of the margins that change sign there (the latest crossing when entering,
the earliest when leaving): second-order accurate in the sample step, and within 10^-4 s of the reference
path's bisection on the shipped scenarios.

Per (trial, object, battery) it returns the number of shot opportunities (salvo: one per window;
shoot-look-shoot: 1 + floor(L / (F + T_ka)) per window of length L and longest fly-out F, summed over the
object's windows), the earliest window start and the first detection. The run statistics come from
cumulative sums and maxima, not loops: run ids are the cumulative count of run starts; the longest fly-out
within a run is the cumulative maximum of ``run_id * BIG + fly-out`` (run ids grow along time, so earlier
runs never win) minus ``run_id * BIG``, read at the run's last sample; the edges of the first
:data:`REFINED_RUNS` runs are interpolated, later runs (none in the shipped scenarios) use sample times.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from duel.earth import EarthModel, andoyer_lambert_m
from duel.defence.interceptors import slant_distance_m
from duel.defence.sensors import max_detection_range_m, radar_geometry

_BIG_S = 1.0e6  # > any fly-out time (s); separates run ids in the cumulative maximum
REFINED_RUNS = 3  # shoot-look-shoot windows per object and battery whose edges are refined between samples


class BatteryArrays(NamedTuple):
    """Battery parameters as arrays that broadcast against (trials, objects, batteries) (SI units).

    A NamedTuple, so JAX treats it as a tree of arrays. ``max_target_speed_mps`` is +inf where none is
    credited; ``radar_range_m`` is the detection range for the objects' RCS (R^4 scaling already applied).
    """

    lat_deg: Any
    lon_deg: Any
    min_alt_m: Any
    max_alt_m: Any
    min_range_m: Any
    max_range_m: Any
    max_target_speed_mps: Any
    average_speed_mps: Any
    reaction_time_s: Any
    radar_height_m: Any
    radar_mask_deg: Any
    radar_range_m: Any


class Timing(NamedTuple):
    """Timing inputs that broadcast against (trials, objects, batteries): IR cue (s from launch, NaN =
    none), decision delay (s), fire-control track formation time (s), kill-assessment time (s)."""

    cue_s: Any
    decision_delay_s: Any
    track_formation_s: Any
    kill_assessment_s: Any


def cummax_last(a: Any, xp: Any) -> Any:
    """Cumulative maximum along the last axis (NumPy ufunc accumulate or ``jax.lax.cummax``)."""
    if xp is np:
        return np.maximum.accumulate(a, axis=-1)
    import jax

    return jax.lax.cummax(a, axis=a.ndim - 1)


def window_table(
    time_s: Any,
    lat_deg: Any,
    lon_deg: Any,
    alt_m: Any,
    speed_mps: Any,
    bat: BatteryArrays,
    timing: Timing,
    earth: EarthModel,
    sls: bool = False,
    xp: Any = np,
) -> tuple[Any, Any, Any]:
    """Shot opportunities, earliest window start and first radar detection per (..., battery).

    Args:
        time_s: (S,) sample times (s from launch), increasing; or an array broadcasting with the track
            (e.g. (T, W, 1, S)) when objects have their own sample times (e.g. each ends at its impact).
        lat_deg, lon_deg, alt_m, speed_mps: the objects' track, shape P + (S,) where P broadcasts with the
            batteries' shape (e.g. (T, W, 1, S) against batteries (1, 1, B)); NaN outside a flight.
        bat: battery parameters, each broadcastable to P (e.g. (T or 1, 1, B)).
        timing: cue, delays and kill-assessment time, each broadcastable to P.
        earth: the figure for ground distances (Andoyer-Lambert).
        sls: shoot-look-shoot (True) or salvo doctrine.
        xp: the array namespace.
    Returns:
        ``opportunities`` (int, P), ``t_first_s`` (P; +inf without a window) and ``detection_s`` (P; NaN if
        the radar never sees the object).
    """
    with np.errstate(invalid="ignore", divide="ignore"):  # inf - inf where no speed limit (NumPy only)
        return _window_table(xp.asarray(time_s), lat_deg, lon_deg, alt_m, speed_mps, bat, timing, earth, sls, xp)


def _window_table(t: Any, lat_deg: Any, lon_deg: Any, alt_m: Any, speed_mps: Any, bat: BatteryArrays,
                  timing: Timing, earth: EarthModel, sls: bool, xp: Any) -> tuple[Any, Any, Any]:
    ex = lambda a: xp.asarray(a)[..., None]  # noqa: E731  (parameters broadcast against the time axis)
    d = andoyer_lambert_m(ex(bat.lat_deg), ex(bat.lon_deg), lat_deg, lon_deg, earth, xp)
    rho, eps, margin = radar_geometry(d, ex(bat.radar_height_m), alt_m, xp=xp)
    sight = [alt_m, margin, eps - xp.radians(ex(bat.radar_mask_deg)), ex(bat.radar_range_m) - rho]
    sight = [xp.broadcast_to(g, rho.shape) for g in sight]
    t = xp.broadcast_to(t, rho.shape)
    vis = _all_hold(sight)
    seen = xp.any(vis, axis=-1)
    det = xp.where(seen, _enter_time(sight, t, xp.argmax(vis, axis=-1), xp), xp.nan)
    trk = det + timing.track_formation_s
    cue = xp.asarray(timing.cue_s, dtype=float)
    start = xp.where(xp.isfinite(trk), xp.where(xp.isfinite(cue), xp.fmax(trk, cue), trk), xp.nan)
    t_launch = start + timing.decision_delay_s + bat.reaction_time_s  # NaN without a track
    fly = slant_distance_m(d, alt_m, xp=xp) / ex(bat.average_speed_mps)
    margins = sight + [xp.broadcast_to(g, rho.shape) for g in (
        alt_m - ex(bat.min_alt_m), ex(bat.max_alt_m) - alt_m, ex(bat.max_range_m) - d, d - ex(bat.min_range_m),
        ex(bat.max_target_speed_mps) - speed_mps)] + [t - ex(t_launch) - fly]
    ok = _all_hold(margins)

    false = xp.zeros(ok.shape[:-1] + (1,), dtype=bool)
    starts = ok & ~xp.concatenate([false, ok[..., :-1]], axis=-1)
    ends = ok & ~xp.concatenate([ok[..., 1:], false], axis=-1)
    run_id = xp.cumsum(starts, axis=-1)
    n_runs = run_id[..., -1]
    t_first = xp.where(n_runs > 0, _enter_time(margins, t, xp.argmax(starts, axis=-1), xp), xp.inf)
    if not sls:
        return n_runs, t_first, det
    # shoot-look-shoot: per run 1 + floor(L / (F + T_ka)); F, the longest fly-out of the run, from a
    # cumulative maximum; the first REFINED_RUNS runs with sub-sample edges, any later ones on the grid
    f_run = cummax_last(xp.where(ok, run_id * _BIG_S + fly, -xp.inf), xp) - run_id * _BIG_S
    t_ka = xp.asarray(timing.kill_assessment_s)

    def count(length: Any, f_max: Any) -> Any:
        cycle = f_max + t_ka
        return 1 + xp.where(cycle > 0, xp.floor(length / xp.where(cycle > 0, cycle, 1.0) + 1e-9), 0.0).astype(int)

    opp = xp.zeros(n_runs.shape, dtype=int)
    for r in range(1, REFINED_RUNS + 1):
        j_in = xp.argmax(starts & (run_id == r), axis=-1)
        j_out = xp.argmax(ends & (run_id == r), axis=-1)
        length = _leave_time(margins, t, j_out, xp) - _enter_time(margins, t, j_in, xp)
        f_max = xp.take_along_axis(f_run, j_out[..., None], axis=-1)[..., 0]
        opp = opp + xp.where(n_runs >= r, count(length, f_max), 0)
    t_run0 = cummax_last(xp.where(starts, t, -xp.inf), xp)
    later = ends & (run_id > REFINED_RUNS)
    opp = opp + xp.sum(xp.where(later, count(t - t_run0, f_run), 0), axis=-1)
    return opp, t_first, det


def _all_hold(margins: list[Any]) -> Any:
    ok = margins[0] >= 0.0
    for g in margins[1:]:
        ok = ok & (g >= 0.0)
    return ok


def _gather(a: Any, j: Any, xp: Any) -> Any:
    return xp.take_along_axis(a, j[..., None], axis=-1)[..., 0]


def _enter_time(margins: list[Any], t: Any, j: Any, xp: Any) -> Any:
    """Sub-sample start of a run that begins at sample ``j`` (all margins >= 0 there): the latest zero
    crossing, by linear interpolation between samples j - 1 and j, of the margins that were negative at
    j - 1. The sample time itself where j = 0 or there was no object at j - 1 (NaN margins)."""
    i = xp.maximum(j - 1, 0)
    t_a, t_b = _gather(t, i, xp), _gather(t, j, xp)
    out, gone = t_a, j == 0
    for g in margins:
        g_a, g_b = _gather(g, i, xp), _gather(g, j, xp)
        gone = gone | xp.isnan(g_a)
        rise = g_a < 0.0
        frac = xp.where(rise, g_a / xp.where(rise, g_a - g_b, -1.0), 0.0)
        out = xp.maximum(out, t_a + (t_b - t_a) * frac)
    return xp.where(gone, t_b, xp.minimum(out, t_b))


def _leave_time(margins: list[Any], t: Any, j: Any, xp: Any) -> Any:
    """Sub-sample end of a run whose last sample is ``j``: the earliest zero crossing between samples j and
    j + 1 of the margins negative at j + 1; the sample time where j is the last sample or the object is
    gone at j + 1."""
    last = t.shape[-1] - 1
    k = xp.minimum(j + 1, last)
    t_a, t_b = _gather(t, j, xp), _gather(t, k, xp)
    out, gone = t_b, j == last
    for g in margins:
        g_a, g_b = _gather(g, j, xp), _gather(g, k, xp)
        gone = gone | xp.isnan(g_b)
        fall = g_b < 0.0
        frac = xp.where(fall, g_a / xp.where(fall, g_a - g_b, 1.0), 1.0)
        out = xp.minimum(out, t_a + (t_b - t_a) * frac)
    return xp.where(gone, t_a, xp.maximum(out, t_a))


def battery_arrays(batteries: Any, rcs_m2: Any = None) -> BatteryArrays:
    """:class:`BatteryArrays` (NumPy, shape (B,)) of :class:`~duel.defence.interceptors.Battery` objects.

    ``rcs_m2`` (scalar or array broadcasting against (..., B)) sets the radar ranges by R^4 scaling
    (default: the reference RCS of each radar).
    """
    bs = list(batteries)
    t = [b.type for b in bs]
    r = [b.radar for b in bs]
    ref = np.array([x.range_ref_m for x in r], float)
    rcs_ref = np.array([x.rcs_ref_m2 for x in r], float)
    rng = ref if rcs_m2 is None else max_detection_range_m(ref, rcs_ref, rcs_m2)
    fields = dict(
        lat_deg=np.array([b.lat_deg for b in bs], float), lon_deg=np.array([b.lon_deg for b in bs], float),
        min_alt_m=np.array([x.min_alt_m for x in t], float), max_alt_m=np.array([x.max_alt_m for x in t], float),
        min_range_m=np.array([x.min_range_m for x in t], float),
        max_range_m=np.array([x.max_range_m for x in t], float),
        max_target_speed_mps=np.array([math.inf if x.max_target_speed_mps is None else x.max_target_speed_mps
                                       for x in t], float),
        average_speed_mps=np.array([x.average_speed_mps for x in t], float),
        reaction_time_s=np.array([x.reaction_time_s for x in t], float),
        radar_height_m=np.array([x.antenna_height_m for x in r], float),
        radar_mask_deg=np.array([x.elevation_mask_deg for x in r], float), radar_range_m=rng,
    )
    return BatteryArrays(**fields)
