"""Sensors, notice, batteries and engagement windows (duel.defence: radar, warning, notice, interceptors,
windows, engagement).

Most window tests use synthetic straight-line descents built here as arrays, with references written
independently of the module (brute force on a 0.01 s grid from the analytic d(t), h(t)); one real Oreshnik
flight is computed once per module. The model's windows are :func:`duel.defence.engagement.battery_engagements`
(the batch window table); the bisection path they replaced is an oracle in tests/oracles.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from duel.defence.engagement import assess, raid_outcome
from duel.defence.interceptors import parse_battery, slant_distance_m
from duel.defence.notice import Notice, readiness
from duel.defence.raid import Layer, closed_form_raid
from duel.defence.radar import Radar, horizon_ground_range_m, max_detection_range_m, radar_geometry, radar_horizon_m
from duel.defence.setup import notice as notice_of
from duel.defence.setup import space_ir
from duel.defence.track import ThreatTrack
from duel.defence.warning import SpaceIR
from duel.errors import InputError
from duel.physics.earth import earth_model, geodesic_forward, geodesic_inverse
from duel.scenario.inputs import command_inputs
from oracles.engagement_reference import visible
from setups import NOMINAL, battery, defence, engagement, interceptor, nominal, params, rules

BAT = (50.0, 30.0)
R = 6_371_000.0
A_E = 4.0 / 3.0 * R


# --------------------------------------------------------------------------------- synthetic threats
def _descent_dh(t, h0, v, gamma_deg, miss_m, t0):
    g = math.radians(gamma_deg)
    h = np.maximum(h0 - v * math.sin(g) * (np.asarray(t) - t0), 0.0)
    return miss_m + h / math.tan(g), h


def descent(h0=150e3, v=2000.0, gamma_deg=40.0, miss_m=0.0, t0=400.0, dt=1.0, az=0.0, burnout_s=90.0):
    """A straight-line descent in (ground distance, altitude) onto a point ``miss_m`` from the battery."""
    t_fall = h0 / (v * math.sin(math.radians(gamma_deg)))
    t = np.append(np.arange(t0, t0 + t_fall, dt), t0 + t_fall)
    d, h = _descent_dh(t, h0, v, gamma_deg, miss_m, t0)
    n = t.size
    lat, lon = geodesic_forward(np.full(n, BAT[0]), np.full(n, BAT[1]), np.full(n, az), d, earth_model())
    return ThreatTrack.from_arrays(t, lat, lon, h, np.full(n, v), burnout_s=burnout_s, labels=("rv",))


def radar(range_km=150.0, rcs_ref=1.0, h=5.0, mask=1.0, at=BAT):
    return Radar(at[0], at[1], h, mask, range_km * 1e3, rcs_ref, id="test-radar")


# ------------------------------------------------------------------------------------ radar geometry
@pytest.mark.parametrize("h_t_km, d_km", [(1, 143), (10, 425), (30, 727), (100, 1316), (200, 1856)])
def test_horizon_formula_matches_physics_table(h_t_km, d_km):
    """Textbook 4/3-Earth radar horizon d = sqrt(2 k R h_r) + sqrt(2 k R h_t): 10 m antenna, 100 km target -> 1,316 km."""
    assert radar_horizon_m(10.0, h_t_km * 1e3) / 1e3 == pytest.approx(d_km, abs=1.0)


def test_exact_horizon_on_the_43_sphere():
    """Bisect the ground distance at which Radar.visible switches off (no mask, unlimited range): it equals
    the exact tangent geometry and the textbook formula within its small-height error (< 0.5 %)."""
    r = Radar(0.0, 0.0, 10.0, -90.0, 1e12, 1.0)
    lo, hi = 1.0e6, 2.0e6
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if visible(r, mid, 100e3, 1.0) else (lo, mid)
    exact = A_E * (math.acos(A_E / (A_E + 10.0)) + math.acos(A_E / (A_E + 100e3)))
    assert lo == pytest.approx(exact, rel=1e-9)
    assert float(horizon_ground_range_m(10.0, 100e3)) == pytest.approx(exact, rel=1e-12)
    assert lo == pytest.approx(1_316e3, rel=5e-3)


@pytest.mark.parametrize("d_km, h_km", [(50, 1), (300, 20), (800, 100), (1200, 60)])
def test_elevation_and_slant_range_against_explicit_vectors(d_km, h_km):
    """Intermediate points: 2-D vectors on the effective sphere, independent of radar_geometry's algebra."""
    h_r = 7.0
    th = d_km * 1e3 / A_E
    p1 = np.array([0.0, A_E + h_r])
    p2 = (A_E + h_km * 1e3) * np.array([math.sin(th), math.cos(th)])
    los = p2 - p1
    rho_ref = np.linalg.norm(los)
    eps_ref = math.atan2(los[1], los[0])  # local up at the radar is +y, horizontal +x
    # clearance: closest approach of the segment to the centre
    u = np.clip(-p1 @ los / (los @ los), 0.0, 1.0)
    clear_ref = np.linalg.norm(p1 + u * los) >= A_E
    rho, eps, margin = radar_geometry(d_km * 1e3, h_r, h_km * 1e3)
    assert float(rho) == pytest.approx(rho_ref, rel=1e-9)
    assert float(eps) == pytest.approx(eps_ref, abs=1e-9)
    assert (float(margin) >= 0) == clear_ref


def test_detection_range_scales_as_fourth_root_of_rcs():
    assert float(max_detection_range_m(150e3, 1.0, 16.0)) == pytest.approx(300e3)
    assert float(max_detection_range_m(150e3, 1.0, 0.05)) == pytest.approx(150e3 * 0.05 ** 0.25)
    r = radar(range_km=150.0)
    r_max = 150e3 * 0.05 ** 0.25  # 70.9 km
    # an object at 20 km altitude, ground distance set so the slant range is just inside / outside R_max
    for slant, seen in ((r_max - 50.0, True), (r_max + 50.0, False)):
        lo, hi = 0.0, 200e3
        for _ in range(80):
            mid = 0.5 * (lo + hi)
            lo, hi = (mid, hi) if float(radar_geometry(mid, 5.0, 20e3)[0]) < slant else (lo, mid)
        assert bool(visible(r, lo, 20e3, 0.05)) is seen


def _detection(track, r, rcs):
    return engagement(track, battery("thaad", *BAT, radar=r), params(rcs_m2=rcs)).detection_s[0]


def test_larger_rcs_detects_earlier():
    tr = descent()
    r = radar(range_km=150.0)
    early, late = _detection(tr, r, 1.0), _detection(tr, r, 0.01)
    assert early < late


def test_first_detection_is_refined_between_samples():
    """Detection on a coarse 5 s grid agrees with a brute-force 0.01 s search on the analytic path."""
    tr = descent(dt=5.0)
    r = radar(range_km=150.0)
    t_det = _detection(tr, r, 0.05)
    t = np.arange(400.0, 520.0, 0.01)
    d, h = _descent_dh(t, 150e3, 2000.0, 40.0, 0.0, 400.0)
    seen = t[np.nonzero(radar_geometry(d, 5.0, h)[0] <= r.max_range_m(0.05))[0][0]]  # range binds here
    assert t_det == pytest.approx(seen, abs=0.05)


# ------------------------------------------------------------------------------- IR, cue, notice
def test_space_ir_sees_the_plume_only():
    ir = SpaceIR(20.0, 60.0)
    det, rep, cue = ir.warning(np.array([93.0, 15.0]))
    assert det[0] == 20.0 and rep[0] == 60.0 and cue[0] == 60.0
    assert np.isnan(det[1]) and np.isnan(cue[1])  # burnt out before the satellite could see it
    assert SpaceIR(20.0, 60.0, relay_s=30.0).warning(93.0)[2] == 90.0


def test_sbirs_from_catalog_track_latency_from_liftoff():
    ir = space_ir(NOMINAL)
    assert (ir.id, ir.detection_delay_s, ir.track_latency_s) == ("sbirs", 20.0, 60.0)
    assert space_ir(command_inputs(given={"sensors.early_warning": ("none", "--no-early-warning")})) is None


def test_launch_is_track_or_cue_plus_decision_and_reaction():
    """t_L = max(fire-control track, cue) + decision delay + reaction time; no radar track, no launch."""
    tr = descent()
    bat = battery("thaad", *BAT, radar=radar(range_km=2000.0, rcs_ref=0.05))
    react = bat.type.reaction_time_s
    e = engagement(tr, bat, decision_delay_s=5.0)
    trk = float(e.track_s[0])
    assert float(e.launch_earliest_s[0]) == pytest.approx(trk + 5.0 + react, abs=1e-9)
    late = engagement(tr, bat, cue_s=trk + 30.0, decision_delay_s=5.0)
    assert float(late.launch_earliest_s[0]) == pytest.approx(trk + 30.0 + 5.0 + react, abs=1e-9)
    early = engagement(tr, bat, cue_s=trk - 30.0, decision_delay_s=5.0)
    assert float(early.launch_earliest_s[0]) == pytest.approx(trk + 5.0 + react, abs=1e-9)
    blind = engagement(tr, battery("thaad", *BAT, radar=radar(range_km=1.0)), cue_s=60.0)
    assert np.isnan(blind.launch_earliest_s[0])  # a cue without a track: no launch


def test_readiness_levels():
    dd = nominal("interceptor.thaad.decision_delay_s")
    none = readiness(None, dd, rules())
    assert (none.level, none.decision_delay_s, none.reaction_factor) == ("none", dd, 1.0)
    alert = readiness(Notice(30 * 60.0, "window", "defender"), dd, rules())
    assert alert.level == "alert" and alert.decision_delay_s == nominal("assumption.decision_delay_ready_s")
    assert alert.reaction_factor == 1.0
    assert readiness(Notice(24 * 3600.0, "window", "defender"), dd, rules()).level == "alert"  # where is unknown
    ready = readiness(Notice(24 * 3600.0, "impact-area", "defender"), dd, rules())
    assert ready.level == "ready" and ready.reaction_factor == nominal("assumption.reaction_factor_ready")
    late = readiness(Notice(30 * 60.0, "window", "third-party", 45 * 60.0), dd, rules())
    assert late.level == "none" and late.notice_received_s == 15 * 60.0
    relayed = notice_of(command_inputs(given={"notice.lead_min": (30.0, "--notice"),
                                              "notice.recipient": ("third-party", "--notice-recipient")}))
    assert relayed.received_s == -30 * 60 + nominal("assumption.relay_third_party_min") * 60


@pytest.mark.parametrize("path, value, option", [("notice.lead_min", -60.0, "--notice"),
                                                 ("notice.content", "everything", "--notice-content"),
                                                 ("notice.recipient", "press", "--notice-recipient"),
                                                 ("assumption.relay_third_party_min", -1.0, "--relay-delay")])
def test_bad_notice(path, value, option):
    with pytest.raises(InputError, match=option):
        command_inputs(given={path: (value, option)})


# ------------------------------------------------------------------------------ interceptors, batteries
def test_interceptor_from_catalog_and_bands():
    t = interceptor("pac-3-mse")
    assert (t.min_alt_m, t.max_alt_m, t.max_range_m) == (3e3, 25e3, 40e3)
    spec = NOMINAL.spec("interceptor.pac-3-mse.sspk")
    assert spec.low <= t.sspk <= spec.high and spec.status == "notional"
    with pytest.raises(InputError, match="did you mean pac-3-mse"):
        NOMINAL.registry.interceptor_id("pac-3-mes", "--battery")


def test_flyout_is_chord_over_average_speed():
    t = interceptor("thaad")
    assert float(t.flyout_time_s(0.0, 100e3)) == pytest.approx(50.0)
    d, h = 150e3, 80e3
    x = (R + h) * math.sin(d / R)
    y = (R + h) * math.cos(d / R) - R
    assert float(slant_distance_m(d, h)) == pytest.approx(math.hypot(x, y), rel=1e-12)


def test_battery_defaults_radar_map_and_offsets():
    kyiv = NOMINAL.place("kyiv", "--to")
    b = parse_battery("pac-3-mse@kyiv", NOMINAL, kyiv)
    assert (b.launchers, b.magazine) == (6, 72) and b.radar.id == "an-mpq-65"
    reg = NOMINAL.registry
    assert reg.organic_radar("thaad") == "an-tpy-2" and reg.organic_radar("sm-3-iia") == "spy-1"
    off = parse_battery("thaad@+20km@90:launchers=2:sspk=0.5", NOMINAL, kyiv)
    az, dist = geodesic_inverse(kyiv.lat_deg, kyiv.lon_deg, off.lat_deg, off.lon_deg, earth_model())
    assert float(dist) == pytest.approx(20e3, abs=0.01) and float(az) == pytest.approx(90.0, abs=1e-6)
    assert (off.launchers, off.magazine, off.type.sspk) == (2, 16, 0.5)
    assert parse_battery("arrow-3@50,30:radar=an-tpy-2:magazine=0", NOMINAL).magazine == 0
    for bad, msg in (("pac-3-mse", "needs a position"), ("pac-3-mse@95,10", "latitude"),
                     ("pac-3-mse@nowhere", "unknown place"), ("pac-3-mse@kyiv:magazine=-1", "magazine"),
                     ("pac-3-mse@kyiv+20@90", "offset"), ("pac-3-mse@kyiv:colour=red", "unknown key")):
        with pytest.raises(InputError, match=msg):
            parse_battery(bad, NOMINAL, kyiv)


# --------------------------------------------------------------------------------- windows
def _brute_window(bat, t_launch: float, h0=300e3, v=2000.0, gamma=40.0, miss=0.0, t0=400.0):
    """Feasible intercept times on a 0.01 s grid from the analytic descent (conditions re-written here)."""
    t_fall = h0 / (v * math.sin(math.radians(gamma)))
    t = np.arange(t0, t0 + t_fall, 0.01)
    d, h = _descent_dh(t, h0, v, gamma, miss, t0)
    ty = bat.type
    fly = np.sqrt(h**2 + 4 * R * (R + h) * np.sin(d / (2 * R)) ** 2) / ty.average_speed_mps
    ok = (h >= ty.min_alt_m) & (h <= ty.max_alt_m) & (d <= ty.max_range_m) & (t - t_launch >= fly)
    if ty.max_target_speed_mps is not None:
        ok &= v <= ty.max_target_speed_mps
    return t[ok]


@pytest.mark.parametrize("kind, miss_km", [("thaad", 0.0), ("thaad", 60.0), ("pac-3-mse", 5.0), ("sm-6", 0.0)])
def test_windows_obey_the_envelope_and_match_brute_force(kind, miss_km):
    tr = descent(h0=300e3, miss_m=miss_km * 1e3, dt=2.0)
    bat = battery(kind, *BAT, radar=radar(range_km=2000.0, rcs_ref=0.05))
    e = engagement(tr, bat, cue_s=np.nan, decision_delay_s=5.0)
    ty = bat.type
    assert e.windows, e.reasons
    # the edges are placed between samples by interpolating the margins: every condition holds there to within
    # the interpolation's error (1e-3 s, 0.5 m)
    for w in e.windows:
        assert ty.min_alt_m - 0.5 <= w.alt_last_m <= w.alt_first_m <= ty.max_alt_m + 0.5
        assert max(w.range_first_m, w.range_last_m) <= ty.max_range_m + 0.5
        for t, d, h in ((w.t_first_s, w.range_first_m, w.alt_first_m), (w.t_last_s, w.range_last_m, w.alt_last_m)):
            assert t >= w.launch_earliest_s + float(ty.flyout_time_s(d, h)) - 1e-3
    t_l = float(e.launch_earliest_s[0])
    assert t_l == pytest.approx(float(e.track_s[0]) + 5.0 + ty.reaction_time_s)
    ref = _brute_window(bat, t_l, miss=miss_km * 1e3)
    assert len(e.windows) == 1
    assert e.windows[0].t_first_s == pytest.approx(ref[0], abs=0.03)
    assert e.windows[0].t_last_s == pytest.approx(ref[-1], abs=0.03)


def test_time_condition_binds_and_the_cue_counts():
    """A late cue delays the first launch: t_first >= cue + decision + reaction + fly-out."""
    tr = descent(h0=300e3)
    bat = battery("thaad", *BAT, radar=radar(range_km=2000.0, rcs_ref=0.05))
    early = engagement(tr, bat, cue_s=np.nan, decision_delay_s=5.0).windows[0]
    cue = 440.0
    late = engagement(tr, bat, cue_s=cue, decision_delay_s=5.0).windows[0]
    assert late.t_first_s > early.t_first_s
    fly = float(bat.type.flyout_time_s(late.range_first_m, late.alt_first_m))
    assert late.t_first_s >= cue + 5.0 + bat.type.reaction_time_s + fly - 1e-3
    assert late.t_first_s == pytest.approx(cue + 5.0 + bat.type.reaction_time_s + fly, abs=1e-3)


def test_battery_beyond_reach_gets_no_window():
    tr = descent()
    for kind in ("pac-3-mse", "thaad"):
        far = geodesic_forward(BAT[0], BAT[1], 180.0, 1_000e3, earth_model())
        bat = battery(kind, float(far[0]), float(far[1]), radar=radar(range_km=5000.0, rcs_ref=0.05, at=far))
        e = engagement(tr, bat, decision_delay_s=5.0)
        assert e.windows == () and "envelope" in e.reasons[0]
        assert e.opportunities().tolist() == [0]


def test_no_radar_track_no_window_whatever_the_notice():
    """The notice and the IR cue never create a track: a radar that cannot see gives no window."""
    tr = descent()
    bat = battery("pac-3-mse", *BAT, radar=radar(range_km=1.0))
    for notice in (None, Notice(24 * 3600.0, "impact-area", "defender")):
        a = assess(tr, defence([bat], 1, space_ir=SpaceIR(20.0, 60.0), notice=notice), earth_model())
        assert a.engagements[0].windows == () and "never sees" in a.engagements[0].reasons[0]
        assert a.raid.p_zero_leakers == 0.0 and a.raid.expected_leakers == 1.0


def _window_span(notice):
    tr = descent()
    bat = battery("pac-3-mse", *BAT, radar=radar(range_km=150.0))
    a = assess(tr, defence([bat], 1, notice=notice, decision_delay_s=nominal("interceptor.thaad.decision_delay_s")),
               earth_model())
    w = a.engagements[0].windows
    return (w[0].t_first_s, w[0].t_last_s, w[0].opportunities) if w else None


def test_notice_can_open_a_window_here():
    """Not vacuous: in this geometry the first launch binds, so readiness lengthens the window."""
    none, ready = _window_span(None), _window_span(Notice(24 * 3600.0, "impact-area", "defender"))
    assert none is not None and ready is not None and ready[0] < none[0] - 1.0


@settings(max_examples=40, deadline=None)
@given(
    lead1=st.one_of(st.none(), st.floats(0.0, 3000.0)),
    extra=st.floats(0.0, 3000.0),
    content=st.sampled_from(["window", "launch-area", "impact-area"]),
    recipient=st.sampled_from(["defender", "third-party"]),
    relay=st.one_of(st.none(), st.floats(0.0, 120.0)),
)
def test_longer_notice_never_shortens_a_window(lead1, extra, content, recipient, relay):
    """Minutes of lead: lead2 = lead1 + extra >= lead1 (None = no notice, shorter than any)."""
    lead2 = extra if lead1 is None else lead1 + extra

    def mk(lead):
        if lead is None:
            return None
        relay_s = 0.0 if recipient == "defender" else (nominal("assumption.relay_third_party_min") if relay is None
                                                        else relay) * 60.0
        return Notice(lead * 60.0, content, recipient, relay_s)

    w1, w2 = _window_span(mk(lead1)), _window_span(mk(lead2))
    if w1 is not None:
        assert w2 is not None
        assert w2[0] <= w1[0] + 1e-9 and w2[1] >= w1[1] - 1e-9 and w2[2] >= w1[2]


# ----------------------------------------------------------------------------- shoot-look-shoot
def test_sls_opportunities_in_a_window():
    tr = descent(h0=300e3, v=600.0, gamma_deg=80.0)  # slow and steep: ~190 s in THAAD's band
    bat = battery("thaad", *BAT, radar=radar(range_km=2000.0, rcs_ref=0.05))
    salvo = engagement(tr, bat, decision_delay_s=5.0).windows[0]
    p = params(doctrine="sls", kill_assessment_s=10.0, shots=1)
    w = engagement(tr, bat, p, decision_delay_s=5.0).windows[0]
    assert salvo.opportunities == 1
    want = 1 + math.floor((w.t_last_s - w.t_first_s) / (w.flyout_max_s + 10.0))
    assert w.opportunities == want >= 2
    assert w.flyout_max_s >= float(bat.type.flyout_time_s(w.range_first_m, w.alt_first_m)) - 1e-3  # edges interpolated
    longer = engagement(tr, bat, params(doctrine="sls", kill_assessment_s=60.0, shots=1), decision_delay_s=5.0).windows[0]
    assert longer.opportunities < w.opportunities


# ------------------------------------------------------------------------------------------ raid
def test_raid_matches_closed_form_when_limits_cannot_bind():
    tr = descent(h0=300e3, v=600.0, gamma_deg=80.0)
    bats = [battery("thaad", *BAT, radar=radar(range_km=2000.0, rcs_ref=0.05)),
            battery("pac-3-mse", *BAT, radar=radar(range_km=2000.0, rcs_ref=0.05))]
    p = params(doctrine="sls", kill_assessment_s=10.0, shots=1, p_kill_assessment=0.9)
    a = assess(tr, defence(bats, 3, p=p, decision_delay_s=5.0, p_track=0.95), earth_model())
    assert a.raid.method == "closed form" and not a.raid.limits_can_bind
    opp = [e.windows[0].opportunities for e in a.engagements]
    layers = [Layer(sspk=0.7, shots=1, opportunities=opp[0], doctrine="sls", p_kill_assessment=0.9),
              Layer(sspk=0.7, shots=1, opportunities=opp[1], doctrine="sls", p_kill_assessment=0.9)]
    ref = closed_form_raid(3, 0, layers, p_track=0.95)
    assert a.raid.p_zero_leakers == pytest.approx(ref.p_zero_leakers, rel=1e-12)
    assert a.raid.expected_leakers == pytest.approx(ref.expected_leakers, rel=1e-12)
    # hand-computed: per object, k opportunities of 1 shot with look p_ka: S_1 = q, S_k = q[(1-p_ka) + p_ka S_(k-1)]
    s = 1.0
    for k in opp:
        surv = 0.3
        for _ in range(k - 1):
            surv = 0.3 * ((1 - 0.9) + 0.9 * surv)
        s *= 1 - 0.95 * (1 - surv)
    assert a.raid.p_zero_leakers == pytest.approx((1 - s) ** 3, rel=1e-12)


def test_raid_monte_carlo_when_channels_bind():
    tr = descent(h0=300e3)
    bat = battery("thaad", *BAT, radar=radar(range_km=2000.0, rcs_ref=0.05))
    e = engagement(tr, bat, decision_delay_s=5.0)
    out = raid_outcome([e], defence([bat], 36), seed=1)
    assert out.limits_can_bind and out.method == "monte carlo"
    # 4 channels, one opportunity: at most 4 of 36 objects are engaged
    assert out.expected_leakers >= 32.0 and out.p_zero_leakers == 0.0
    assert out.closed_form.expected_leakers < 5.0  # the closed form ignores the limits
    far = battery("thaad", 0.0, 0.0, radar=radar(at=(0.0, 0.0)))
    none = raid_outcome([engagement(tr, far, decision_delay_s=5.0)], defence([far], 6))
    assert none.method == "no defence" and none.expected_leakers == 6.0


# ----------------------------------------------------------------------------- one real flight
@pytest.fixture(scope="module")
def oreshnik():
    from duel.flight.api import FlightRequest, solve_flight

    f = solve_flight(FlightRequest(launch="kapustin-yar", target="kyiv", missile="oreshnik", shape="min-energy"))
    return f


def test_resampled_track_reproduces_the_flight(oreshnik):
    tr = ThreatTrack.from_trajectory(oreshnik.trajectory, 0.5)
    s = oreshnik.trajectory.series(0)
    on_grid = np.isin(s["time_s"], tr.time_s)  # Hermite interpolation is exact at recorded samples
    assert on_grid.sum() > 50
    idx = np.searchsorted(tr.time_s, s["time_s"][on_grid])
    assert np.allclose(tr.alt_m[0, idx], s["altitude_m"][on_grid], atol=1e-3)
    assert np.allclose(tr.speed_mps[0, idx], s["speed_mps"][on_grid], atol=1e-6)
    assert tr.impact_s[0] == pytest.approx(float(oreshnik.trajectory.log.impact_t[0]))
    # between recorded samples (10 s apart in midcourse) the altitude is smooth: compare at the mid-points
    mid = 0.5 * (s["time_s"][1:] + s["time_s"][:-1])
    alt = tr.at(np.zeros(mid.size, int), mid)[2]
    lin = 0.5 * (s["altitude_m"][1:] + s["altitude_m"][:-1])
    assert np.nanmax(np.abs(alt - lin)) < 200.0


def test_oreshnik_on_kyiv_windows(oreshnik):
    tr = ThreatTrack.from_trajectory(oreshnik.trajectory, 0.5, labels=("all",))
    kyiv = NOMINAL.place("kyiv", "--to")
    bats = [parse_battery(s, NOMINAL, kyiv) for s in ("thaad@kyiv", "pac-3-mse@kyiv", "thaad@kyiv+600km@270")]
    a = assess(tr, defence(bats, 36, space_ir=space_ir(NOMINAL)), oreshnik.trajectory.earth)
    assert a.timeline["detection_s"] == 20.0 and a.timeline["cue_s"] == 60.0
    thaad, _, far = a.engagements
    assert thaad.windows and thaad.windows[0].object == "all"
    w = thaad.windows[0]
    assert 40e3 - 0.5 <= w.alt_last_m < w.alt_first_m <= 150e3 + 0.5
    assert w.t_first_s >= thaad.launch_earliest_s[0] + float(bats[0].type.flyout_time_s(w.range_first_m, w.alt_first_m)) - 1e-3
    assert w.t_last_s < a.timeline["impact_s"]
    # 600 km up-range (towards the launch point) the descending RV is still above THAAD's 150 km ceiling
    assert far.windows == () or all(x.alt_first_m <= 150e3 + 1e-6 for x in far.windows)
    d = a.to_dict()
    assert d["raid"]["warheads"] == 36 and d["raid"]["layers"][0]["battery"] == "thaad@kyiv"
