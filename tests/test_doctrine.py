"""Fire-control doctrine and the threat's object model, on constructed geometries and against closed forms.

Fire control: a battery whose own radar never sees the object gets no window under own-track and
launch-on-remote (it cannot guide), and gets one under engage-on-remote, launched exactly at the other radar's
track + network latency + decision delay + reaction time; a battery whose own radar sees late launches
earlier on a remote track, but under launch-on-remote only intercepts once its own radar holds a track. The
object model: a layer above the separation altitude faces the W warheads and a kill removes all m
submunitions, so one layer of kill probability K stops all 36 with probability K^6, not K^36.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from duel.defence.engagement import assess, battery_engagements, raid_layers
from duel.defence.raid import Layer, closed_form_raid, simulate_raid
from duel.defence.windows import FIRE_CONTROL
from duel.physics.earth import earth_model
from setups import battery, defence, params
from test_engagement import BAT, descent, radar

LATENCY = 3.0


def _pair(mode: str, near_range_km: float = 1.0, **kw):
    """A THAAD battery at the target with a long-range radar (the network's eyes) and a second THAAD battery
    20 km away whose own radar reaches ``near_range_km`` (1 km: it never sees the object); fire control ``mode``."""
    from duel.physics.earth import geodesic_forward

    lat, lon = geodesic_forward(BAT[0], BAT[1], 90.0, 20e3, earth_model())
    eyes = battery("thaad", *BAT, radar=radar(range_km=2000.0, rcs_ref=0.05))
    other = battery("thaad", float(lat), float(lon), radar=radar(range_km=near_range_km, rcs_ref=0.05,
                                                                  at=(float(lat), float(lon))))
    p = params(fire_control=mode, network_latency_s=LATENCY, **kw)
    return defence([eyes, other], 1, p=p)


@pytest.fixture(scope="module")
def track():
    return descent(h0=150e3, v=2000.0, gamma_deg=40.0)


def _records(track, d):
    return battery_engagements(track, d, np.nan, earth_model())


def test_a_blind_battery_fires_only_when_it_may_engage_on_remote(track) -> None:
    own, lor, eor = (_records(track, _pair(m)) for m in FIRE_CONTROL)
    assert own[0].windows and lor[0].windows and eor[0].windows  # the battery that sees: always
    assert not own[1].windows and "never sees" in own[1].reasons[0]
    assert not lor[1].windows and "guide" in lor[1].reasons[0]
    assert eor[1].windows and bool(eor[1].remote[0]) and not bool(eor[0].remote[0])
    t = eor[1].battery.type
    want = float(eor[0].track_s[0]) + LATENCY + float(t.decision_delay_s) + float(t.reaction_time_s)
    assert float(eor[1].launch_earliest_s[0]) == pytest.approx(want, abs=1e-9)
    assert eor[1].fire_control == "engage-on-remote" and own[1].fire_control == "own-track"


def test_launch_on_remote_launches_earlier_but_intercepts_after_its_own_track(track) -> None:
    """A second radar that sees late (80 km against the RCS; on its own track the battery is too late): the
    remote track moves the launch earlier by the difference of the tracks (less the latency), which opens a
    window; under launch-on-remote no intercept precedes its own track."""
    own, lor, eor = (_records(track, _pair(m, near_range_km=80.0)) for m in FIRE_CONTROL)
    mine, theirs = float(own[1].track_s[0]), float(own[0].track_s[0])
    assert theirs + LATENCY < mine  # the network's track comes first
    gain = float(own[1].launch_earliest_s[0]) - float(lor[1].launch_earliest_s[0])
    assert gain == pytest.approx(mine - (theirs + LATENCY), abs=1e-9)
    assert not own[1].windows and "too late" in own[1].reasons[0]
    assert lor[1].windows and eor[1].windows
    first = [e[1].t_first_s for e in (own, lor, eor)]
    assert first[2] <= first[1] <= first[0]  # more networked, never later
    assert first[1] >= mine - 1e-6  # launch-on-remote guides with its own track


def test_per_trial_fire_control_equals_each_mode_alone(track) -> None:
    """The window model with the mode drawn per trial (three rows) gives each row what that mode gives alone."""
    from duel.defence.windows import window_table

    ex = lambda a: a[:, None, :]  # noqa: E731
    args = (track.time_s, ex(track.lat_deg), ex(track.lon_deg), ex(track.alt_m), ex(track.speed_mps))
    alone = []
    for m in FIRE_CONTROL:
        d = _pair(m, near_range_km=80.0)
        alone.append(window_table(*args, d.battery_arrays(), d.timing(np.full((1, 1), np.nan)), earth_model(),
                                  network=True))
    d = _pair(np.array(FIRE_CONTROL), near_range_km=80.0)  # one row per mode
    rows = d.battery_arrays()
    assert rows.fire_control.shape == (3, 2)
    t3 = lambda a: np.asarray(a)[:, None, :]  # noqa: E731  (trials, objects, batteries)
    wt = window_table(track.time_s, track.lat_deg[None, :, None, :], track.lon_deg[None, :, None, :],
                      track.alt_m[None, :, None, :], track.speed_mps[None, :, None, :],
                      type(rows)(*(t3(np.broadcast_to(a, (3, 2))) for a in rows)),
                      d.timing(np.full((1, 1, 1), np.nan)), earth_model(), network=True)
    for i in range(3):
        assert np.array_equal(wt.opportunities[i], alone[i].opportunities)
        assert np.allclose(wt.t_first_s[i], alone[i].t_first_s, equal_nan=True)


def test_a_remote_track_lowers_the_layer_p_track_by_its_quality(track) -> None:
    d = _pair("engage-on-remote", remote_track_quality=0.8)
    d = replace(d, p_track=0.95)
    layers, idx = raid_layers(_records(track, d), d)
    by = {d.batteries[i].lat_deg: ly for ly, i in zip(layers, idx)}
    assert by[BAT[0]].p_track is None  # its own track: the raid's P_track
    (remote,) = [ly for ly in layers if ly.p_track is not None]
    assert remote.p_track == pytest.approx(0.95 * 0.8)


# ------------------------------------------------------------------------------------- the object model
@pytest.mark.parametrize("k", [0.3, 0.7, 0.95])
def test_one_layer_against_warheads_or_submunitions(k: float) -> None:
    """One layer of kill probability K (no limits) against 6 warheads x 6 submunitions: above the separation
    P(all 36 stopped) = K^6 (kills remove whole warheads), below it K^36; E[leakers] = 36 (1 - K) either way;
    above, the leakers come in sixes: P(6 j leak) = Binomial(j; 6, 1 - K)."""
    sspk = 1.0 - math.sqrt(1.0 - k)  # two shots per opportunity: K = 1 - (1 - p)^2
    above = Layer(sspk=sspk, shots=2, engages_warheads=True)
    below = Layer(sspk=sspk, shots=2)
    up = closed_form_raid(6, 0, [above], submunitions_per_warhead=6)
    down = closed_form_raid(6, 0, [below], submunitions_per_warhead=6)
    assert up.p_zero_leakers == pytest.approx(k ** 6, rel=1e-12)
    assert down.p_zero_leakers == pytest.approx(k ** 36, rel=1e-9, abs=1e-300)
    assert up.expected_leakers == pytest.approx(36 * (1 - k), rel=1e-12)
    assert down.expected_leakers == pytest.approx(36 * (1 - k), rel=1e-12)
    want = np.zeros(37)
    for j in range(7):
        want[6 * j] = math.comb(6, j) * (1 - k) ** j * k ** (6 - j)
    assert np.allclose(up.leaker_pmf, want, atol=1e-13)
    # interceptors: 6 warheads engaged x 2 shots, against 36 submunitions x 2 shots
    assert up.interceptors_used_mean == pytest.approx(12.0) and down.interceptors_used_mean == pytest.approx(72.0)
    mc = simulate_raid(6, 0, [above], trials=20_000, seed=3, submunitions_per_warhead=6)
    se = math.sqrt(k ** 6 * (1 - k ** 6) / 20_000)
    assert abs(mc.p_zero_leakers - k ** 6) < 4.5 * se + 1e-12
    assert set(np.flatnonzero(mc.leaker_counts)) <= set(range(0, 37, 6))


def test_upper_and_lower_layers_against_an_enumeration() -> None:
    """An upper layer (K_u) then a lower one (K_l): per warhead, no leaker with probability K_u, else each of
    its m submunitions leaks with probability 1 - K_l; the raid's distribution is the W-fold convolution
    (enumerated here with numpy.polynomial)."""
    w, m, ku, kl = 3, 4, 0.6, 0.5
    up = Layer(sspk=ku, shots=1, engages_warheads=True)
    low = Layer(sspk=kl, shots=1)
    got = closed_form_raid(w, 0, [up, low], submunitions_per_warhead=m)
    one = np.array([ku + (1 - ku) * kl ** m] + [(1 - ku) * math.comb(m, j) * (1 - kl) ** j * kl ** (m - j)
                                                for j in range(1, m + 1)])
    want = np.polynomial.polynomial.polypow(one, w)
    assert np.allclose(got.leaker_pmf, want, atol=1e-14)
    assert got.expected_leakers == pytest.approx(w * m * (1 - ku) * (1 - kl))
    mc = simulate_raid(w, 0, [up, low], trials=40_000, seed=5, submunitions_per_warhead=m, keep_samples=True)
    se = mc.samples_leakers.std() / math.sqrt(40_000)
    assert abs(mc.expected_leakers - got.expected_leakers) < 4.5 * se


def test_fire_channels_count_warheads_above_the_separation() -> None:
    """Whether four fire channels bind is judged on the objects the layer faces: above the separation, six
    warheads (they bind: two warheads, twelve submunitions, are never engaged), not 36 submunitions."""
    four = Layer(sspk=0.7, shots=2, fire_channels=4, engages_warheads=True)
    assert four.limits_can_bind(6) and not four.limits_can_bind(4)
    mc = simulate_raid(6, 0, [four], trials=20_000, seed=2, submunitions_per_warhead=6)
    assert mc.leaker_pmf[0] == 0.0  # two warheads are never engaged
    assert mc.expected_leakers >= 12.0  # at least 2 x 6 submunitions leak


def test_the_nominal_defence_engages_warheads_above_the_separation() -> None:
    """A THAAD battery whose windows lie above the separation altitude engages the 6 warheads: the layer says
    so and the raid stops all 36 with probability K^6."""
    track = descent(h0=300e3)
    eyes = battery("thaad", *BAT, radar=radar(range_km=2000.0, rcs_ref=0.05), magazine=1000)
    big = replace(eyes.type, simultaneous_engagements=36, min_alt_m=60e3)  # windows above 60 km only
    d = defence([replace(eyes, type=big)], 6, submunitions=6, p=params(separation_alt_m=40e3))
    a = assess(track, d, earth_model(), seed=1)
    (e,) = a.engagements
    assert e.engages == "warheads" and all(w.alt_last_m >= 40e3 for w in e.windows)
    k = 1 - (1 - float(big.sspk)) ** 2
    assert a.raid.layers[0].engages_warheads
    assert a.raid.p_zero_leakers == pytest.approx(k ** 6, rel=1e-12)
    below = defence([replace(eyes, type=big)], 6, submunitions=6, p=params(separation_alt_m=200e3))
    b = assess(track, below, earth_model(), seed=1)
    assert b.engagements[0].engages == "submunitions"
    assert b.raid.p_zero_leakers == pytest.approx(k ** 36, rel=1e-9)


@pytest.mark.parametrize("mode, fires", [("own-track", False), ("launch-on-remote", True),
                                         ("engage-on-remote", True)])
def test_kyiv_lower_tier_and_sm3_fire_only_on_networked_tracks(mode: str, fires: bool) -> None:
    """The Kyiv duel with 36 submunitions throughout (separation pinned above the flight, as before the
    object model): own-track leaves the SM-3 IIA site and every Patriot battery too late (the THAAD radar's
    track comes first but may not be used); with networked tracks they get windows. (With the nominal
    separation at 60 km the SM-3 radar sees a warhead earlier and gets a window even on its own track.)"""
    from setups import resolved

    from duel.defence.track import ThreatTrack

    r = resolved("scenarios/kyiv-duel.toml", (f"doctrine.fire_control={mode}", "threat.separation_altitude_km=1000"))
    tr = r.flight.trajectory
    a = assess(ThreatTrack.from_trajectory(tr), r.setup.defence, tr.earth, seed=1)
    has = {}
    for e in a.engagements:
        has.setdefault(e.battery.type.id, []).append(bool(e.windows))
        if not e.windows:
            assert e.reasons[0].startswith("too late")
    assert has["thaad"] == [True]
    assert has["sm-3-iia"] == [fires]
    assert any(has["pac-3-mse"]) == fires
    if fires:
        remote = [e for e in a.engagements if e.battery.type.id in ("sm-3-iia", "pac-3-mse")]
        assert all(bool(np.any(e.remote)) for e in remote)  # launched on another radar's track
