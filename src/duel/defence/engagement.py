"""Engagement windows as records, the layers they give and the raid through them: the nominal evaluation.

Scope: kinematics and timing only. Interceptors are envelopes with an SSPK; there is no guidance, no homing
and no damage model.

Windows. :func:`battery_engagements` runs the one window model (:func:`duel.defence.windows.window_table`,
``detail=True``) for every battery against every object of a :class:`~duel.defence.track.ThreatTrack` and
turns the table into records: per battery the first radar detection, the fire-control track its launch
waits for (its own, or another radar's under launch-on-remote or engage-on-remote) and earliest launch of
each object, and per window its edges (time; altitude, ground range and speed of the object there), the
longest fly-out and the shot opportunities (salvo: 1; shoot-look-shoot: 1 + floor(L / (F + T_ka))); for an
object without a window, the reason in words; and whether the battery engages warheads (its windows start
above the separation altitude) or submunitions. Records exist for the first
:data:`~duel.defence.windows.REFINED_RUNS` windows of an object; later ones count in its opportunities.

The raid. :func:`raid_outcome` turns windows into :class:`duel.defence.raid.Layer` s, one per battery that
has a window for every object, ordered by t_first: SSPK, ``shots`` per opportunity, the opportunities above,
the battery's magazine, fire channels = ``simultaneous_engagements``. (Objects with different windows in one
battery get the smallest count; an object without a window drops the layer: conservative.) The closed form
(Wilkening 1999, limits dropped) is always given; when a magazine or the fire channels can bind it is only an
upper bound on the defence, and the seeded Monte Carlo, which applies them, is the answer. A layer that
engages warheads faces the W warheads, and a kill removes a warhead's m submunitions; the others face the
W m submunitions (:mod:`duel.defence.raid_rows`). Decoys (D) fly the same trajectory and absorb interceptors
and channels.

:func:`assess` is the whole nominal evaluation: sensors + notice -> readiness -> windows -> raid -> timeline.
The Monte Carlo over uncertain inputs runs the same window model in the batch engine
(:mod:`duel.trials.engine`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from duel.defence.interceptors import Battery
from duel.defence.notice import readiness
from duel.defence.raid import Layer, closed_form_raid, simulate_raid
from duel.defence.records import Assessment, BatteryEngagement, RaidOutcome, Window
from duel.defence.setup import DefenceSetup, EngagementParams
from duel.defence.track import ThreatTrack
from duel.defence.windows import FIRE_CONTROL, LOR, OWN, BatteryArrays, WindowTable, window_table
from duel.errors import InputError
from duel.physics.earth import EarthModel


def battery_engagements(track: ThreatTrack, defence: DefenceSetup, cue_s: Any, earth: EarthModel
                        ) -> tuple[BatteryEngagement, ...]:
    """Every battery's timeline and windows against every object of ``track`` (one evaluation, scalars).

    ``cue_s``: the IR cue per object (s from launch; NaN = none). The decision delays and reaction times are
    the batteries' after the readiness the notice buys (:meth:`DefenceSetup.readiness`).
    """
    n = track.n
    p = defence.params
    bat = defence.battery_arrays()
    cue = np.broadcast_to(np.asarray(cue_s, float), (n,))[:, None]
    ex = lambda a: a[:, None, :]  # noqa: E731  (objects, 1, samples) against batteries (B,)
    wt = window_table(track.time_s, ex(track.lat_deg), ex(track.lon_deg), ex(track.alt_m), ex(track.speed_mps), bat,
                      defence.timing(cue), earth, p.doctrine == "sls", detail=True, network=defence.networked)
    return tuple(_engagement(track, b, j, wt, bat, p) for j, b in enumerate(defence.batteries))


def _engagement(track: ThreatTrack, battery: Battery, j: int, wt: WindowTable, bat: BatteryArrays,
                params: EngagementParams) -> BatteryEngagement:
    """The records of battery ``j`` of a detailed window table."""
    det = np.asarray(wt.detection_s)[:, j]
    t_l = np.asarray(wt.launch_s)[:, j]
    windows: list[Window] = []
    reasons: list[str | None] = []
    for o in range(track.n):
        runs = int(wt.runs[o, j])
        for r in range(min(runs, wt.t_in_s.shape[0])):
            a, b = float(wt.t_in_s[r, o, j]), float(wt.t_out_s[r, o, j])
            lat, lon, alt, v = track.at(np.array([o, o]), np.array([a, b]))
            d = track.ground_distance_m(battery.lat_deg, battery.lon_deg, lat, lon)
            windows.append(Window(
                object=track.labels[o], object_index=o, t_first_s=a, t_last_s=b, alt_first_m=float(alt[0]),
                alt_last_m=float(alt[1]), range_first_m=float(d[0]), range_last_m=float(d[1]),
                speed_first_mps=float(v[0]), speed_last_mps=float(v[1]), flyout_max_s=float(wt.flyout_max_s[r, o, j]),
                launch_earliest_s=float(t_l[o]), opportunities=int(wt.run_opportunities[r, o, j]),
                shots_per_opportunity=int(params.shots)))
        reasons.append(None if runs else _why_not(battery, params, wt, o, j, int(bat.fire_control[j])))
    first_alt = np.asarray(wt.alt_first_m)[:, j]
    seen = np.isfinite(first_alt)
    engages = ("objects" if not np.isfinite(params.separation_alt_m) else
               "warheads" if seen.any() and np.all(first_alt[seen] >= params.separation_alt_m) else "submunitions")
    return BatteryEngagement(battery, det, det + float(bat.track_formation_s[j]), t_l,
                             float(bat.decision_delay_s[j]), float(bat.reaction_time_s[j]), tuple(windows),
                             tuple(reasons), track.n, FIRE_CONTROL[int(bat.fire_control[j])],
                             np.asarray(wt.track_s)[:, j], np.asarray(wt.remote)[:, j], engages)


def _why_not(battery: Battery, params: EngagementParams, wt: WindowTable, o: int, j: int, mode: int) -> str:
    """Why object ``o`` has no window with battery ``j`` (fire-control ``mode``), in words."""
    radar = battery.radar
    if not np.isfinite(wt.track_s[o, j]):
        rng = float(radar.max_range_m(params.rcs_m2)) / 1e3
        return (f"radar {radar.id or 'of the battery'} never sees the object (range {rng:,.0f} km for RCS "
                f"{float(params.rcs_m2):g} m^2, horizon, mask)"
                + (", and no other radar's track reaches it" if mode != OWN else ""))
    if mode == LOR and not np.isfinite(wt.detection_s[o, j]):
        return "launch on remote needs the battery's own radar to guide the interceptor, and it never sees the object"
    if not wt.in_envelope[o, j]:
        return "no point of the flight is inside the envelope (altitude band, ground range, target speed)"
    if not wt.seen_in_envelope[o, j]:
        return "the radar does not see the object while it is inside the envelope"
    return (f"too late: the envelope is crossed at {float(wt.seen_in_envelope_from_s[o, j]):.0f}-"
            f"{float(wt.seen_in_envelope_to_s[o, j]):.0f} s, but the first launch is at {float(wt.launch_s[o, j]):.0f} s "
            f"and an interceptor needs {float(wt.flyout_min_s[o, j]):.0f} s or more")


# ------------------------------------------------------------------------------------------- raid
def raid_layers(engagements: Sequence[BatteryEngagement], defence: DefenceSetup) -> tuple[list[Layer], list[int]]:
    """One :class:`~duel.defence.raid.Layer` per battery with a window for every object, ordered by t_first:
    it engages the warheads when its windows start above the separation altitude, and a battery that launches
    on another radar's track has P_track x the remote-track quality.

    Returns (layers, indices of the engagements they came from).
    """
    params = defence.params
    usable = []
    for i, e in enumerate(engagements):
        opp = e.opportunities()
        if opp.size and opp.min() >= 1:
            usable.append((e.t_first_s, i, int(opp.min())))
    usable.sort()
    layers = []
    for _, i, opp in usable:
        e = engagements[i]
        b = e.battery
        layers.append(Layer(
            sspk=float(b.type.sspk), shots=int(params.shots), opportunities=opp, doctrine=params.doctrine,  # type: ignore[arg-type]
            p_kill_assessment=float(params.p_kill_assessment), magazine=int(b.magazine),
            fire_channels=int(b.type.simultaneous_engagements),
            p_track=float(defence.p_track) * float(params.remote_track_quality) if e.remote.any() else None,
            engages_warheads=e.engages == "warheads", name=b.label,
        ))
    return layers, [i for _, i, _ in usable]


def raid_outcome(engagements: Sequence[BatteryEngagement], defence: DefenceSetup, seed: int = 0,
                 always_simulate: bool = False) -> RaidOutcome:
    """Leakers of the defence's objects (+ decoys) through the layers the windows allow.

    Closed form (limits dropped) always; ``defence.raid_trials`` seeded realisations when a magazine or fire
    channels can bind (then they are the answer) or when ``always_simulate``.
    """
    if not (0.0 <= float(defence.p_track) <= 1.0):
        raise InputError(f"--p-track: must be a probability in [0, 1], got {float(defence.p_track):g}")
    layers, idx = raid_layers(engagements, defence)
    w, m, d = defence.warheads, defence.submunitions, defence.decoys
    n = w * m
    if not layers:
        return RaidOutcome(n, d, (), (), False, None, None, "no defence", 0.0, float(n), 0.0,
                           "no battery has an engagement window: every object leaks")
    binds = any(ly.limits_can_bind((w if ly.engages_warheads else n) + d) for ly in layers)
    args = (w, d, layers, float(defence.p_track), defence.p_decoy_engaged)
    cf = closed_form_raid(*args, defence.common_mode, ignore_limits=True, submunitions_per_warhead=m)
    mc = None
    if always_simulate or binds:
        mc = simulate_raid(*args, defence.raid_trials, seed, defence.common_mode, submunitions_per_warhead=m)
    main = mc if binds else cf
    note = (
        "magazine or fire channels can bind: the Monte Carlo (which applies them) is the answer; the closed "
        "form drops them and is an upper bound on the defence"
        if binds else "limits cannot bind: the closed form (Wilkening 1999) is exact"
    )
    return RaidOutcome(n, d, tuple(layers), tuple(idx), binds, cf, mc, main.method, main.p_zero_leakers,
                       main.expected_leakers, main.interceptors_used_mean, note)


# ---------------------------------------------------------------------------------- the evaluation
def assess(track: ThreatTrack, defence: DefenceSetup, earth: EarthModel, seed: int = 0,
           always_simulate: bool = False) -> Assessment:
    """Sensors + notice -> readiness and cue -> windows per battery x object -> raid -> timeline.

    One evaluation (scalar inputs). The raid's realisations (``defence.raid_trials`` of them, seeded) run when
    a limit can bind or when ``always_simulate``. With no battery every object leaks.
    """
    ready = readiness(defence.notice, [b.type.decision_delay_s for b in defence.batteries], defence.rules)
    if defence.space_ir is not None:
        det_ir, rep_ir, cue = defence.space_ir.warning(track.burnout_s)
    else:
        det_ir = rep_ir = cue = np.full(track.n, np.nan)
    engs = battery_engagements(track, defence, cue, earth) if defence.batteries else ()
    raid = raid_outcome(engs, defence, seed, always_simulate)

    def first(*arrays: np.ndarray) -> float | None:
        vals = np.concatenate([np.ravel(a) for a in arrays]) if arrays else np.array([])
        vals = vals[np.isfinite(vals)]
        return float(vals.min()) if vals.size else None

    radar_det = [e.detection_s for e in engs]
    radar_trk = [e.track_s for e in engs]
    notice = defence.notice
    timeline: dict[str, float | str | None] = {
        "launch_s": 0.0,
        "notice_s": None if notice is None else float(notice.sent_s),
        "notice_received_s": None if notice is None else float(notice.received_s),
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
        "note": "IR warning sees the boost plume only: warning and cue, not a fire-control track; "
                + ("a launch needs a radar's fire-control track (the battery's own, or another battery's where the "
                   "fire control is networked)" if defence.networked else
                   "only a battery's own radar track allows a launch"),
    }
    return Assessment(timeline, ready, engs, raid)
