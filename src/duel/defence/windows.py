"""Engagement windows of every battery against every threat object, as fixed-shape array code (any backend).

Scope: kinematics and timing only. Interceptors are envelopes with an SSPK; no guidance, no homing, no damage.

The model. An intercept at time t (s from launch) is *feasible* when the object is inside the battery's
altitude band, ground-range band and target-speed limit, the battery's radar sees it (4/3-Earth line of
sight, elevation mask, range for the object's RCS: :mod:`duel.defence.radar`) and an interceptor launched at
the earliest launch time t_L can be there by t:

    t_L = max(fire-control track, IR cue) + decision delay + reaction time,
    track = first radar detection + track formation time,
    feasible(t) = envelope(t) & visible(t) & (t - t_L - fly-out(t) >= 0),

with the fly-out a straight chord at the interceptor's average speed
(:func:`duel.defence.interceptors.slant_distance_m`). No radar track, no launch: the IR cue alone never
suffices. A window is a maximal run of feasible samples; objects may have several (their opportunities add).

:func:`window_table` evaluates this for many trials x objects x batteries at once, with every parameter an
array that broadcasts (so each trial may draw its own SSPK, altitude band, reaction time, RCS...), no Python
loop over trials, objects or windows, and only operations that JAX compiles (NumPy by default, the GPU under
``jax.jit``), on whole tracks sampled on a grid. It serves the nominal case's per-window records
(``detail=True``, :mod:`duel.defence.engagement`), the draws over the assumption space and, on JAX backends, the
dispersed full-duel trials. The model's pieces (:func:`sample_margins`, :func:`fire_control_tracks`,
:func:`launch_after`, :func:`feasibility_margins`, :func:`enter_between` / :func:`leave_between`,
:func:`count_opportunities`) are also what :mod:`duel.defence.stepwise` calls when it accumulates the windows
inside the flight loop (the NumPy full-duel trials), for which this whole-track evaluation on a fine grid is
the test oracle.

Each condition is a *margin*, >= 0 where it holds (altitude above the band's floor, range left to the
radar's maximum, time to spare for the interceptor, ...); a sample is feasible where all ten hold. Window
edges and the first detection are placed between samples by linear interpolation of the margins that change
sign there (the latest crossing when entering, the earliest when leaving): second-order accurate in the
sample step (within 10^-4 s of a bisection on the interpolated track on the shipped scenarios; the bisection
is kept as a test oracle).

Shot opportunities per window: ``salvo``, one; shoot-look-shoot with kill-assessment time T_ka,
1 + floor(L / (F + T_ka)) for a window of length L whose longest fly-out is F (over its samples and both
edges): the first salvo intercepts at t_first, the look takes T_ka, the next salvo is launched then and
needs at most F, and so on (conservative: later intercepts are closer). The run statistics come from
cumulative sums and maxima, not loops: run ids are the cumulative count of run starts; the longest fly-out
within a run is the cumulative maximum of ``run_id * BIG + fly-out`` (run ids grow along time, so earlier
runs never win) minus ``run_id * BIG``, read at the run's last sample; the edges of the first
:data:`REFINED_RUNS` runs are interpolated, later runs (none in the shipped scenarios) use sample times.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from duel.defence.interceptors import Battery, slant_distance_m
from duel.defence.radar import A_EFFECTIVE_M, max_detection_range_m, radar_geometry
from duel.physics.earth import EarthModel, andoyer_lambert_m

_BIG_S = 1.0e6  # > any fly-out time (s); separates run ids in the cumulative maximum
REFINED_RUNS = 3  # shoot-look-shoot windows per object and battery whose edges are refined between samples


class BatteryArrays(NamedTuple):
    """Battery parameters as arrays that broadcast against (trials, objects, batteries) (SI units).

    A NamedTuple, so JAX treats it as a tree of arrays. ``max_target_speed_mps`` is +inf where none is
    credited; ``radar_range_m`` / ``radar_range_warhead_m`` are the detection ranges for a submunition's and
    a warhead's RCS (R^4 scaling already applied); ``track_formation_s`` and ``decision_delay_s`` (after the
    readiness the notice buys) are the type's; ``fire_control`` is the code of :data:`FIRE_CONTROL`.
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
    radar_range_warhead_m: Any
    track_formation_s: Any
    decision_delay_s: Any
    fire_control: Any


FIRE_CONTROL = ("own-track", "launch-on-remote", "engage-on-remote")
"""The fire-control modes; a battery's mode is its index here (0, 1, 2)."""
OWN, LOR, EOR = 0, 1, 2


class Timing(NamedTuple):
    """Inputs of a trial that broadcast against (trials, objects, batteries): IR cue (s from launch, NaN =
    none), kill-assessment time (s), network latency of a remote track (s) and the altitude at which the
    warheads release their submunitions (m; +inf: objects are submunitions from the start)."""

    cue_s: Any
    kill_assessment_s: Any
    network_latency_s: Any
    separation_alt_m: Any


def cummax_last(a: Any, xp: Any) -> Any:
    """Cumulative maximum along the last axis (NumPy ufunc accumulate or ``jax.lax.cummax``)."""
    if xp is np:
        return np.maximum.accumulate(a, axis=-1)
    import jax

    return jax.lax.cummax(a, axis=a.ndim - 1)


class WindowTable(NamedTuple):
    """What :func:`window_table` returns, per (..., object, battery) P (SI; times s from launch).

    Always: ``opportunities`` (int), ``t_first_s`` (+inf without a window), ``detection_s`` (first detection
    by the battery's own radar; NaN if never), ``alt_first_m`` (the object's altitude at ``t_first_s``; NaN
    without a window) and ``remote`` (the launch uses another radar's track: launch-on-remote or
    engage-on-remote, with that track earlier than the battery's own). With ``detail``: ``launch_s`` (earliest
    launch, NaN without a track), ``track_s`` (the fire-control track the launch waits for), ``runs``
    (windows), for the first :data:`REFINED_RUNS` windows (leading axis R; NaN where absent) ``t_in_s``,
    ``t_out_s``, ``flyout_max_s`` and ``run_opportunities``, and, to say why there is no window,
    ``in_envelope`` (some sample inside the envelope), ``seen_in_envelope`` (some sample inside and visible),
    ``seen_in_envelope_from_s`` / ``_to_s`` (first and last such sample) and ``flyout_min_s`` (shortest
    fly-out inside the envelope).
    """

    opportunities: Any
    t_first_s: Any
    detection_s: Any
    alt_first_m: Any
    remote: Any
    launch_s: Any = None
    track_s: Any = None
    runs: Any = None
    t_in_s: Any = None
    t_out_s: Any = None
    flyout_max_s: Any = None
    run_opportunities: Any = None
    in_envelope: Any = None
    seen_in_envelope: Any = None
    seen_in_envelope_from_s: Any = None
    seen_in_envelope_to_s: Any = None
    flyout_min_s: Any = None


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
    detail: bool = False,
    network: bool = False,
) -> WindowTable:
    """Shot opportunities, earliest window start and first radar detection per (..., battery).

    Args:
        time_s: (S,) sample times (s from launch), increasing; or an array broadcasting with the track
            (e.g. (T, W, 1, S)) when objects have their own sample times (e.g. each ends at its impact).
        lat_deg, lon_deg, alt_m, speed_mps: the objects' track, shape P + (S,) where P broadcasts with the
            batteries' shape (e.g. (T, W, 1, S) against batteries (1, 1, B)); NaN outside a flight.
        bat: battery parameters, each broadcastable to P (e.g. (T or 1, 1, B)).
        timing: cue, kill-assessment time, network latency and separation altitude, each broadcastable to P.
        earth: the figure for ground distances (Andoyer-Lambert).
        sls: shoot-look-shoot (True) or salvo doctrine.
        xp: the array namespace.
        detail: also return every window's edges and the diagnostics (:class:`WindowTable`).
        network: some battery may use another radar's track (a fire-control mode other than own-track): the
            batteries' radars form the network (the battery axis is the last of P). False skips that work
            (every mode is then own-track).
    """
    with np.errstate(invalid="ignore", divide="ignore"):  # inf - inf where no speed limit (NumPy only)
        return _window_table(xp.asarray(time_s), lat_deg, lon_deg, alt_m, speed_mps, bat, timing, earth, sls, xp,
                             detail, network)


class Margins(NamedTuple):
    """The conditions of a feasible intercept at some samples, each a margin >= 0 where it holds (SI).

    ``sight``: the battery's own radar sees the object (altitude above ground, 4/3-Earth line of sight (rad),
    elevation above the mask (rad), detection range left (m)); ``envelope``: altitude above the floor, below
    the ceiling, ground range below the maximum and above the minimum (m), speed below the limit (m/s);
    ``fly``: the interceptor's fly-out time to the object (s); ``seen_m``: the sight conditions as one margin
    in metres (the smallest), for engage-on-remote, where any radar of the defence may see the object.
    """

    sight: list[Any]
    envelope: list[Any]
    fly: Any
    seen_m: Any


def sample_margins(lat_deg: Any, lon_deg: Any, alt_m: Any, speed_mps: Any, bat: BatteryArrays,
                   separation_alt_m: Any, earth: EarthModel, xp: Any = np, bat_point: Any = None) -> Margins:
    """:class:`Margins` of objects at (lat, lon, alt, speed) against batteries ``bat`` (all broadcasting
    together; every margin has the broadcast shape). Above ``separation_alt_m`` a radar sees a warhead, below
    it a submunition (own RCS, own detection range). ``bat_point``: the batteries'
    :func:`~duel.physics.earth.andoyer_point` terms, when already computed."""
    d = andoyer_lambert_m(bat.lat_deg, bat.lon_deg, lat_deg, lon_deg, earth, xp, first=bat_point)
    rho, eps, margin = radar_geometry(d, bat.radar_height_m, alt_m, xp=xp)
    radar_range = xp.where(alt_m >= separation_alt_m, bat.radar_range_warhead_m, bat.radar_range_m)
    elevation = eps - xp.radians(bat.radar_mask_deg)
    shape = rho.shape
    sight = [xp.broadcast_to(g, shape) for g in (alt_m, margin, elevation, radar_range - rho)]
    envelope = [xp.broadcast_to(g, shape) for g in (
        alt_m - bat.min_alt_m, bat.max_alt_m - alt_m, bat.max_range_m - d, d - bat.min_range_m,
        bat.max_target_speed_mps - speed_mps)]
    fly = slant_distance_m(d, alt_m, xp=xp) / bat.average_speed_mps
    seen_m = xp.minimum(xp.minimum(alt_m, margin * A_EFFECTIVE_M), xp.minimum(elevation * rho, radar_range - rho))
    return Margins(sight, envelope, fly, xp.broadcast_to(seen_m, shape))


def launch_after(track_s: Any, cue_s: Any, bat: BatteryArrays, xp: Any = np) -> Any:
    """Earliest interceptor launch (s from launch of the threat): the later of the fire-control track and the
    IR cue, plus decision delay and reaction time; NaN without a track (the cue alone never suffices)."""
    cue = xp.asarray(cue_s, dtype=float)
    start = xp.where(xp.isfinite(track_s), xp.where(xp.isfinite(cue), xp.fmax(track_s, cue), track_s), xp.nan)
    return start + bat.decision_delay_s + bat.reaction_time_s


def fire_control_tracks(own_s: Any, mode: Any, latency_s: Any, xp: Any = np) -> tuple[Any, Any]:
    """The track each battery fires on (s; the battery axis last) and whether it is another radar's.

    ``own_s``: each battery's own fire-control track (NaN: never); ``mode``: codes of :data:`FIRE_CONTROL`.
    A battery not in own-track mode uses the best track of the other batteries' radars, after the network
    latency, when that comes before its own.
    """
    own_inf = xp.where(xp.isnan(own_s), xp.inf, own_s)
    best = xp.min(own_inf, axis=-1, keepdims=True)
    who = xp.argmin(own_inf, axis=-1)[..., None]
    second = xp.min(xp.where(xp.arange(own_s.shape[-1]) == who, xp.inf, own_inf), axis=-1, keepdims=True)
    others = xp.where(xp.arange(own_s.shape[-1]) == who, second, best) + latency_s
    remote = (xp.asarray(mode) != OWN) & (others < own_inf)
    return xp.where(remote, others, own_s), remote


def feasibility_margins(m: Margins, t: Any, t_launch: Any, own_s: Any, mode: Any, any_radar_m: Any,
                        network: bool, xp: Any = np) -> list[Any]:
    """Every margin of a feasible intercept at times ``t`` (s): sight, envelope, time to spare for the
    interceptor (t - launch - fly-out) and, in a network, the fire-control mode's rule: launch-on-remote
    needs the battery's own track by the intercept (to guide to the end); engage-on-remote needs any radar
    of the defence to see the object (``any_radar_m``: the largest ``seen_m`` over the batteries)."""
    spare = t - t_launch - m.fly
    if not network:
        return m.sight + m.envelope + [spare]
    mode = xp.asarray(mode)
    eor, lor = mode == EOR, mode == LOR
    # engage-on-remote: the object above ground and seen by some radar of the defence, not its own
    sight = [m.sight[0], xp.where(eor, any_radar_m, m.sight[1]), xp.where(eor, xp.inf, m.sight[2]),
             xp.where(eor, xp.inf, m.sight[3])]
    guide = xp.where(lor & ~xp.isnan(own_s), t - own_s, xp.where(lor, -xp.inf, xp.inf))
    return sight + m.envelope + [spare, guide]


def count_opportunities(length_s: Any, flyout_max_s: Any, kill_assessment_s: Any, sls: bool, xp: Any = np) -> Any:
    """Shot opportunities of a window of ``length_s`` whose longest fly-out is ``flyout_max_s``: one for a
    salvo, 1 + floor(L / (F + T_ka)) for shoot-look-shoot."""
    if not sls:
        return xp.ones(xp.shape(length_s), dtype=int)
    cycle = flyout_max_s + kill_assessment_s
    return 1 + xp.where(cycle > 0, xp.floor(length_s / xp.where(cycle > 0, cycle, 1.0) + 1e-9), 0.0).astype(int)


def _window_table(t: Any, lat_deg: Any, lon_deg: Any, alt_m: Any, speed_mps: Any, bat: BatteryArrays,
                  timing: Timing, earth: EarthModel, sls: bool, xp: Any, detail: bool, network: bool) -> WindowTable:
    ex = lambda a: xp.asarray(a)[..., None]  # noqa: E731  (parameters broadcast against the time axis)
    m = sample_margins(lat_deg, lon_deg, alt_m, speed_mps, BatteryArrays(*(ex(a) for a in bat)),
                       ex(timing.separation_alt_m), earth, xp)
    sight, envelope, fly = m.sight, m.envelope, m.fly
    t = xp.broadcast_to(t, fly.shape)
    vis = _all_hold(sight)
    seen = xp.any(vis, axis=-1)
    det = xp.where(seen, _enter_time(sight, t, xp.argmax(vis, axis=-1), xp), xp.nan)
    own = det + bat.track_formation_s  # the battery's own fire-control track (NaN: never)
    track, remote = own, xp.zeros(own.shape, dtype=bool)
    any_radar = None
    if network:
        track, remote = fire_control_tracks(own, bat.fire_control, timing.network_latency_s, xp)
        any_radar = xp.max(m.seen_m, axis=-2, keepdims=True)
    t_launch = launch_after(track, timing.cue_s, bat, xp)
    margins = feasibility_margins(m, t, ex(t_launch), ex(own), ex(bat.fire_control), any_radar, network, xp)
    ok = _all_hold(margins)

    false = xp.zeros(ok.shape[:-1] + (1,), dtype=bool)
    starts = ok & ~xp.concatenate([false, ok[..., :-1]], axis=-1)
    ends = ok & ~xp.concatenate([ok[..., 1:], false], axis=-1)
    run_id = xp.cumsum(starts, axis=-1)
    n_runs = run_id[..., -1]
    j_first = xp.argmax(starts, axis=-1)
    t_first = xp.where(n_runs > 0, _enter_time(margins, t, j_first, xp), xp.inf)
    alt_first = xp.where(n_runs > 0, _value_at(xp.broadcast_to(alt_m, fly.shape), t, j_first - 1, j_first,
                                               t_first, xp), xp.nan)
    if not sls and not detail:
        return WindowTable(n_runs, t_first, det, alt_first, remote)
    # per run: edges between samples, the longest fly-out (over its samples, from a cumulative maximum, and its
    # two edges) and, for shoot-look-shoot, 1 + floor(L / (F + T_ka)); the first REFINED_RUNS runs with
    # sub-sample edges, any later ones on the grid
    f_run = cummax_last(xp.where(ok, run_id * _BIG_S + fly, -xp.inf), xp) - run_id * _BIG_S
    t_ka = xp.asarray(timing.kill_assessment_s)
    count = lambda length, f: count_opportunities(length, f, t_ka, sls, xp)  # noqa: E731

    opp = xp.zeros(n_runs.shape, dtype=int)
    t_in, t_out, f_max, opp_r = [], [], [], []
    for r in range(1, REFINED_RUNS + 1):
        j_in = xp.argmax(starts & (run_id == r), axis=-1)
        j_out = xp.argmax(ends & (run_id == r), axis=-1)
        a, b = _enter_time(margins, t, j_in, xp), _leave_time(margins, t, j_out, xp)
        f = xp.maximum(_gather(f_run, j_out, xp), xp.maximum(_value_at(fly, t, j_in - 1, j_in, a, xp),
                                                              _value_at(fly, t, j_out, j_out + 1, b, xp)))
        has = n_runs >= r
        k = xp.where(has, count(b - a, f), 0)
        opp = opp + k
        t_in.append(xp.where(has, a, xp.nan))
        t_out.append(xp.where(has, b, xp.nan))
        f_max.append(xp.where(has, f, xp.nan))
        opp_r.append(k)
    t_run0 = cummax_last(xp.where(starts, t, -xp.inf), xp)
    later = ends & (run_id > REFINED_RUNS)
    opp = opp + xp.sum(xp.where(later, count_opportunities(t - t_run0, f_run, ex(t_ka), sls, xp), 0), axis=-1)
    if not detail:
        return WindowTable(opp, t_first, det, alt_first, remote)
    env = _all_hold(envelope)
    env_vis = env & vis
    return WindowTable(
        opp, t_first, det, alt_first, remote, t_launch, track, n_runs, xp.stack(t_in), xp.stack(t_out),
        xp.stack(f_max), xp.stack(opp_r), xp.any(env, axis=-1), xp.any(env_vis, axis=-1),
        xp.min(xp.where(env_vis, t, xp.inf), axis=-1), xp.max(xp.where(env_vis, t, -xp.inf), axis=-1),
        xp.min(xp.where(env, fly, xp.inf), axis=-1))


def _all_hold(margins: list[Any]) -> Any:
    ok = margins[0] >= 0.0
    for g in margins[1:]:
        ok = ok & (g >= 0.0)
    return ok


def _gather(a: Any, j: Any, xp: Any) -> Any:
    return xp.take_along_axis(a, j[..., None], axis=-1)[..., 0]


def _value_at(a: Any, t: Any, i: Any, j: Any, t_at: Any, xp: Any) -> Any:
    """``a`` at time ``t_at`` between samples i and j (clipped to the track) by linear interpolation; where one
    of the two samples is absent (NaN, outside the flight) or they coincide, the other sample's value."""
    last = t.shape[-1] - 1
    i, j = xp.clip(i, 0, last), xp.clip(j, 0, last)
    t_i, t_j, a_i, a_j = _gather(t, i, xp), _gather(t, j, xp), _gather(a, i, xp), _gather(a, j, xp)
    flat = xp.isnan(a_j) | (t_j == t_i)
    frac = (t_at - t_i) / xp.where(flat, 1.0, t_j - t_i)
    return xp.where(xp.isnan(a_i), a_j, xp.where(flat, a_i, a_i + frac * (a_j - a_i)))


def enter_between(t_a: Any, t_b: Any, g_a: Sequence[Any], g_b: Sequence[Any], xp: Any = np) -> Any:
    """Sub-sample start of a run that holds at ``t_b`` (all margins ``g_b`` >= 0) and not at ``t_a``: the latest
    zero crossing, by linear interpolation between the two samples, of the margins negative at ``t_a``; ``t_b``
    itself where there was no object at ``t_a`` (NaN margins)."""
    out, gone = t_a, xp.zeros(xp.shape(t_b), dtype=bool)
    for ga, gb in zip(g_a, g_b):
        gone = gone | xp.isnan(ga)
        rise = ga < 0.0
        frac = xp.where(rise, ga / xp.where(rise, ga - gb, -1.0), 0.0)
        out = xp.maximum(out, t_a + (t_b - t_a) * frac)
    return xp.where(gone, t_b, xp.minimum(out, t_b))


def leave_between(t_a: Any, t_b: Any, g_a: Sequence[Any], g_b: Sequence[Any], xp: Any = np) -> Any:
    """Sub-sample end of a run that holds at ``t_a`` and not at ``t_b``: the earliest zero crossing of the
    margins negative at ``t_b``; ``t_a`` where the object is gone at ``t_b`` (NaN margins)."""
    out, gone = t_b, xp.zeros(xp.shape(t_a), dtype=bool)
    for ga, gb in zip(g_a, g_b):
        gone = gone | xp.isnan(gb)
        fall = gb < 0.0
        frac = xp.where(fall, ga / xp.where(fall, ga - gb, 1.0), 1.0)
        out = xp.minimum(out, t_a + (t_b - t_a) * frac)
    return xp.where(gone, t_a, xp.maximum(out, t_a))


def _enter_time(margins: list[Any], t: Any, j: Any, xp: Any) -> Any:
    """:func:`enter_between` samples j - 1 and j of a track (the sample time itself where j = 0)."""
    i = xp.maximum(j - 1, 0)
    t_b = _gather(t, j, xp)
    inside = enter_between(_gather(t, i, xp), t_b, [_gather(g, i, xp) for g in margins],
                           [_gather(g, j, xp) for g in margins], xp)
    return xp.where(j == 0, t_b, inside)


def _leave_time(margins: list[Any], t: Any, j: Any, xp: Any) -> Any:
    """:func:`leave_between` samples j and j + 1 of a track (the sample time where j is the last sample)."""
    k = xp.minimum(j + 1, t.shape[-1] - 1)
    t_a = _gather(t, j, xp)
    inside = leave_between(t_a, _gather(t, k, xp), [_gather(g, j, xp) for g in margins],
                           [_gather(g, k, xp) for g in margins], xp)
    return xp.where(j == t.shape[-1] - 1, t_a, inside)


def stack_batteries(values: list[Any]) -> np.ndarray:
    """Per-battery values (scalars, or arrays over trials) stacked along a last battery axis: (..., B)."""
    if not values:
        return np.zeros(0)
    return np.stack(np.broadcast_arrays(*[np.asarray(v, float) for v in values]), axis=-1)


def battery_arrays(batteries: Sequence[Battery], rcs_m2: Any, rcs_warhead_m2: Any = None, reaction_factor: Any = 1.0,
                   decision_delay_s: Any = None, fire_control: Any = OWN) -> BatteryArrays:
    """:class:`BatteryArrays` of shape (..., B) (NumPy): the batteries' values stacked along the last axis,
    ``...`` the shape of array-valued inputs (one value per trial) or () for one evaluation.

    ``rcs_m2`` / ``rcs_warhead_m2`` (scalar or (...); the warhead's defaults to the submunition's) set every
    radar's detection ranges by R^4 scaling; ``reaction_factor`` (the readiness the notice buys, scalar or
    (...)) multiplies the reaction times; ``decision_delay_s`` ((..., B); default: the types') and
    ``fire_control`` (codes of :data:`FIRE_CONTROL`, scalar or (..., B)) are per battery.
    """
    t = [b.type for b in batteries]
    r = [b.radar for b in batteries]
    trailing = lambda a: np.asarray(a, float)[..., None]  # noqa: E731  (per trial, same for every battery)
    range_ref, rcs_ref = stack_batteries([x.range_ref_m for x in r]), stack_batteries([x.rcs_ref_m2 for x in r])
    sub = max_detection_range_m(range_ref, rcs_ref, trailing(rcs_m2))
    whole = sub if rcs_warhead_m2 is None else max_detection_range_m(range_ref, rcs_ref, trailing(rcs_warhead_m2))
    dec = stack_batteries([x.decision_delay_s for x in t]) if decision_delay_s is None else decision_delay_s
    return BatteryArrays(
        lat_deg=stack_batteries([b.lat_deg for b in batteries]), lon_deg=stack_batteries([b.lon_deg for b in batteries]),
        min_alt_m=stack_batteries([x.min_alt_m for x in t]), max_alt_m=stack_batteries([x.max_alt_m for x in t]),
        min_range_m=stack_batteries([x.min_range_m for x in t]), max_range_m=stack_batteries([x.max_range_m for x in t]),
        max_target_speed_mps=stack_batteries([math.inf if x.max_target_speed_mps is None else x.max_target_speed_mps
                                     for x in t]),
        average_speed_mps=stack_batteries([x.average_speed_mps for x in t]),
        reaction_time_s=stack_batteries([x.reaction_time_s for x in t]) * trailing(reaction_factor),
        radar_height_m=stack_batteries([x.antenna_height_m for x in r]),
        radar_mask_deg=stack_batteries([x.elevation_mask_deg for x in r]),
        radar_range_m=sub, radar_range_warhead_m=whole,
        track_formation_s=stack_batteries([x.track_formation_s for x in t]), decision_delay_s=np.asarray(dec, float),
        fire_control=np.asarray(fire_control, np.int64),
    )
