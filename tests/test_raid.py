"""Raid outcome: Wilkening's closed forms, an independent brute-force enumeration, and the Monte Carlo.

References are written here independently of ``duel.defence.raid`` (different algebra, explicit event
enumeration, hypergeometric saturation model) so that a slip in the module shows up as a mismatch.
"""

from __future__ import annotations

import itertools
import json
import math
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from duel.defence.raid import (
    Layer,
    closed_form_raid,
    interceptors_for_goal,
    kill_probability,
    layered_leak_probability,
    leaker_pmf,
    leakers_lower_bound,
    min_p_track,
    p_zero_leakers,
    shots_for_goal,
    simulate_raid,
    sls_expected_shots,
    sls_kill_probability,
    wilson_interval,
)
from duel.errors import InputError

TOL = 1e-9


# ------------------------------------------------------------------- independent reference models
def ref_shots(w, pt, sspk, goal):
    """n from P0 = [Pt (1 - (1-p)^n)]^W solved by hand: (1-p)^n = 1 - exp(ln P*/W)/Pt."""
    root = math.exp(math.log(goal) / w)
    return math.log((pt - root) / pt) / math.log(1.0 - sspk)


def enum_layer(sspk, shots, opp, doctrine, pka, tracked):
    """Every elementary event of one object in one layer: list of (prob, alive_after, interceptors_fired).

    Each shot is enumerated separately (hit/miss), and each look (seen alive / wrongly declared dead).
    """
    states = [(1.0, True, 0, True)]  # prob, alive, fired, still engaged by this layer
    for j in range(opp):
        new = []
        for p, alive, fired, req in states:
            if not req:
                new.append((p, alive, fired, False))
                continue
            for hits in itertools.product((0, 1), repeat=shots):
                pp = p
                for h in hits:
                    pp *= sspk if h else 1.0 - sspk
                a = alive and not (tracked and any(hits))
                f = fired + shots
                if doctrine == "sls" and j < opp - 1:
                    if not a:
                        new.append((pp, a, f, False))
                    else:
                        new.append((pp * pka, a, f, True))
                        new.append((pp * (1.0 - pka), a, f, False))
                else:
                    new.append((pp, a, f, True))
        states = new
    return [(p, a, f) for p, a, f, _ in states]


def enum_object(layer_specs, track_states):
    """One engaged object through layers; track_states[i] is None (random with p_track) or fixed bool.

    Returns (P(survive), E[interceptors fired at it]).
    """
    states = [(1.0, True, 0.0)]
    for (sspk, shots, opp, doctrine, pka, pt), fixed in zip(layer_specs, track_states):
        new = []
        for p, alive, fired in states:
            if not alive:  # killed earlier: recognised, not engaged again
                new.append((p, alive, fired))
                continue
            tracks = [(fixed, 1.0)] if fixed is not None else [(True, pt), (False, 1.0 - pt)]
            for tr, ptr in tracks:
                for q, a, f in enum_layer(sspk, shots, opp, doctrine, pka, tr):
                    new.append((p * ptr * q, a, fired + f))
        states = new
    survive = sum(p for p, a, _ in states if a)
    shots = sum(p * f for p, _, f in states)
    return survive, shots


def poly_power(leak, w):
    """Distribution of the number of leakers among w independent objects, by repeated convolution."""
    dist = np.array([1.0])
    for _ in range(w):
        dist = np.convolve(dist, [1.0 - leak, leak])
    return dist


def brute_raid(w, d, layer_specs, pdw, common_mode):
    """(pmf of leaking warheads, E[interceptors]) by explicit enumeration."""
    if not common_mode:
        s, shots = enum_object(layer_specs, [None] * len(layer_specs))
        return poly_power(s, w), (w + d * pdw) * shots
    pmf = np.zeros(w + 1)
    shots = 0.0
    for states in itertools.product((True, False), repeat=len(layer_specs)):
        weight = math.prod(pt if t else 1.0 - pt for t, (*_, pt) in zip(states, layer_specs))
        s, sh = enum_object(layer_specs, list(states))
        pmf += weight * poly_power(s, w)
        shots += weight * sh
    return pmf, (w + d * pdw) * shots


def saturation_reference(w, d, pdw, sspk, shots, pt, magazine):
    """Exact one-layer salvo with a magazine, engaged objects in random order (hypergeometric).

    Returns (P(no leaker), E[leakers], E[interceptors]).
    """
    q = 1.0 - sspk
    k_full, p0, el, eu = pt * (1 - q**shots), 0.0, 0.0, 0.0
    for ed in range(d + 1):
        ped = math.comb(d, ed) * pdw**ed * (1 - pdw) ** (d - ed)
        if ped == 0.0:
            continue
        e = w + ed
        full = min(e, magazine // shots)
        r = magazine - shots * full if e > full else 0
        k_part = pt * (1 - q**r)
        eu += ped * min(magazine, shots * e)
        for h in range(0, min(w, full) + 1):  # warheads among the fully served
            ph = math.comb(w, h) * math.comb(e - w, full - h) / math.comb(e, full)
            if ph == 0.0:
                continue
            rest = e - full
            pw_part = (w - h) / rest if (r > 0 and rest > 0) else 0.0
            for part_is_w, pp in ((True, pw_part), (False, 1.0 - pw_part)):
                if pp == 0.0:
                    continue
                unserved = w - h - (1 if part_is_w else 0)
                mean = unserved + h * (1 - k_full) + (1 - k_part if part_is_w else 0.0)
                zero = (unserved == 0) * k_full**h * (k_part if part_is_w else 1.0)
                p0 += ped * ph * pp * zero
                el += ped * ph * pp * mean
    return p0, el, eu


def spec(layer: Layer, pt: float):
    return (layer.sspk, layer.shots, layer.opportunities, layer.doctrine, layer.p_kill_assessment, pt)


# ------------------------------------------------------------------------- published examples
def test_wilkening_113_interceptors():
    g = interceptors_for_goal(20, 0.7, 0.8, p_track=0.99)
    n = ref_shots(20, 0.99, 0.7, 0.8)
    assert g.shots_per_object == pytest.approx(n, abs=TOL)
    assert g.interceptors == pytest.approx(20 * n, abs=TOL)
    assert round(g.shots_per_object, 3) == 5.654 and round(g.interceptors, 1) == 113.1
    # the defining equation holds at the continuous n
    assert (0.99 * (1 - 0.3**g.shots_per_object)) ** 20 == pytest.approx(0.8, abs=TOL)


def test_wilkening_73_interceptors_with_decoys():
    g = interceptors_for_goal(10, 0.7, 0.8, p_track=0.99, decoys=10, p_decoy_engaged=1.0)
    assert g.interceptors == pytest.approx(20 * ref_shots(10, 0.99, 0.7, 0.8), abs=TOL)
    assert round(g.interceptors, 1) == 73.2
    half = interceptors_for_goal(10, 0.7, 0.8, p_track=0.99, decoys=10, p_decoy_engaged=0.5)
    assert half.interceptors == pytest.approx(15 * ref_shots(10, 0.99, 0.7, 0.8), abs=TOL)


def test_wilkening_min_p_track():
    assert min_p_track(10, 0.8) == pytest.approx(math.exp(math.log(0.8) / 10), abs=TOL)
    assert round(min_p_track(10, 0.8), 4) == 0.9779
    assert round(min_p_track(4, 0.8), 4) == 0.9457 and round(min_p_track(20, 0.8), 4) == 0.9889
    with pytest.raises(InputError, match="p_track"):
        shots_for_goal(10, 0.7, 0.8, p_track=0.977)
    shots_for_goal(10, 0.7, 0.8, p_track=0.978)


def test_blog_table_and_duel_example():
    for n, k, k90 in ((1, 0.5600, 0.5040), (2, 0.8064, 0.7258), (3, 0.9148, 0.8233), (4, 0.9625, 0.8663)):
        assert round(kill_probability(0.56, n), 4) == k
        assert round(kill_probability(0.56, n, 0.9), 4) == k90
    assert p_zero_leakers(36, 0.8, 2, 0.95) == pytest.approx((0.95 * 0.96) ** 36, abs=TOL)
    assert p_zero_leakers(36, 0.8, 2, 0.95, common_mode=True) == pytest.approx(0.95 * 0.96**36, abs=TOL)
    assert round(p_zero_leakers(36, 0.8, 2, 0.95, common_mode=True), 4) == 0.2185


def test_sls_formulas():
    # n1 = n2 = 1, SSPK 0.7 (closed_form_checks.py): 0.91, 1.3 shots; p_ka 0.9: 0.889
    assert sls_kill_probability(0.7, 1, 1) == pytest.approx(1 - 0.3 * 0.3, abs=TOL)
    assert sls_expected_shots(0.7, 1, 1) == pytest.approx(1.3, abs=TOL)
    assert sls_kill_probability(0.7, 1, 1, p_ka=0.9) == pytest.approx(0.7 + 0.3 * 0.9 * 0.7, abs=TOL)
    assert sls_kill_probability(0.6, 2, 3, 0.8, 0.9) == pytest.approx(
        0.9 * (1 - 0.4**2 + 0.4**2 * 0.8 * (1 - 0.4**3)), abs=TOL
    )


# ------------------------------------------------------------------- closed form vs brute force
CASES = [
    # (W, D, pdw, layers, p_track, common_mode)
    (3, 0, 1.0, [Layer(0.7, 2)], 0.95, False),
    (3, 0, 1.0, [Layer(0.7, 2)], 0.95, True),
    (4, 2, 0.5, [Layer(0.6, 1, opportunities=2)], 0.9, False),
    (3, 1, 0.3, [Layer(0.5, 2), Layer(0.8, 1, p_track=0.7)], 0.9, False),
    (3, 1, 0.3, [Layer(0.5, 2), Layer(0.8, 1, p_track=0.7)], 0.9, True),
    (3, 0, 1.0, [Layer(0.7, 1, opportunities=2, doctrine="sls")], 1.0, False),
    (3, 2, 0.6, [Layer(0.6, 2, opportunities=3, doctrine="sls", p_kill_assessment=0.8)], 0.9, False),
    (2, 0, 1.0, [Layer(0.6, 1, opportunities=2, doctrine="sls", p_kill_assessment=0.7), Layer(0.5, 2)], 0.85, True),
]


@pytest.mark.parametrize("w,d,pdw,layers,pt,cm", CASES)
def test_closed_form_matches_enumeration(w, d, pdw, layers, pt, cm):
    cf = closed_form_raid(w, d, layers, pt, pdw, cm)
    pmf, shots = brute_raid(w, d, [spec(ly, ly.p_track or pt) for ly in layers], pdw, cm)
    np.testing.assert_allclose(cf.leaker_pmf, pmf, rtol=0, atol=TOL)
    assert cf.p_zero_leakers == pytest.approx(pmf[0], abs=TOL)
    assert cf.expected_leakers == pytest.approx(float(np.arange(w + 1) @ pmf), abs=TOL)
    assert cf.interceptors_used_mean == pytest.approx(shots, abs=TOL)


def test_layers_product_and_pmf():
    ks = [0.8, 0.5, 0.3]
    assert layered_leak_probability(ks) == pytest.approx(0.2 * 0.5 * 0.7, abs=TOL)
    cf = closed_form_raid(5, 0, [Layer(0.8, 1), Layer(0.5, 1), Layer(0.3, 1)], 1.0)
    assert cf.expected_leakers == pytest.approx(5 * 0.07, abs=TOL)
    pmf = leaker_pmf(7, 0.3)
    assert pmf == pytest.approx([math.comb(7, k) * 0.3**k * 0.7 ** (7 - k) for k in range(8)], abs=TOL)
    assert leaker_pmf(3, 0.0).tolist() == [1, 0, 0, 0] and leaker_pmf(3, 1.0).tolist() == [0, 0, 0, 1]


# ------------------------------------------------------------------ Monte Carlo vs closed form
MC_CASES = [
    ("salvo", 36, 0, 1.0, [Layer(0.8, 2)], 0.95, False),
    ("salvo common mode", 36, 0, 1.0, [Layer(0.8, 2)], 0.95, True),
    ("decoys", 10, 10, 0.5, [Layer(0.7, 2)], 0.99, False),
    ("layers", 12, 4, 0.7, [Layer(0.5, 1), Layer(0.7, 2, p_track=0.9)], 0.95, False),
    ("layers common mode", 12, 0, 1.0, [Layer(0.5, 1, p_track=0.8), Layer(0.7, 1, p_track=0.9)], 1.0, True),
    ("sls perfect", 10, 0, 1.0, [Layer(0.7, 1, opportunities=2, doctrine="sls")], 0.98, False),
    ("sls imperfect", 10, 5, 0.6, [Layer(0.6, 2, opportunities=3, doctrine="sls", p_kill_assessment=0.8)], 0.9, False),
    ("salvo opportunities", 8, 0, 1.0, [Layer(0.4, 1, opportunities=3)], 0.9, False),
]


@pytest.mark.parametrize("name,w,d,pdw,layers,pt,cm", MC_CASES, ids=[c[0] for c in MC_CASES])
def test_monte_carlo_within_3_se_of_closed_form(name, w, d, pdw, layers, pt, cm):
    t = 20_000
    cf = closed_form_raid(w, d, layers, pt, pdw, cm)
    mc = simulate_raid(w, d, layers, pt, pdw, trials=t, seed=11, common_mode=cm)
    se_p0 = math.sqrt(cf.p_zero_leakers * (1 - cf.p_zero_leakers) / t)
    sd_l = math.sqrt(float(((np.arange(w + 1) - cf.expected_leakers) ** 2) @ cf.leaker_pmf))
    assert abs(mc.p_zero_leakers - cf.p_zero_leakers) <= 3 * se_p0 + 1e-12
    assert abs(mc.expected_leakers - cf.expected_leakers) <= 3 * sd_l / math.sqrt(t) + 1e-12
    if mc.interceptors_used_ci95[1] > mc.interceptors_used_ci95[0]:
        se_u = (mc.interceptors_used_ci95[1] - mc.interceptors_used_mean) / 1.959963984540054
        assert abs(mc.interceptors_used_mean - cf.interceptors_used_mean) <= 3 * se_u
    else:  # a deterministic count must match exactly
        assert mc.interceptors_used_mean == pytest.approx(cf.interceptors_used_mean, abs=TOL)
    # the whole leaker distribution, cell by cell
    se_cells = np.sqrt(cf.leaker_pmf * (1 - cf.leaker_pmf) / t)
    assert np.all(np.abs(mc.leaker_pmf - cf.leaker_pmf) <= 4 * se_cells + 2.0 / t)
    lo, hi = mc.p_zero_leakers_ci95
    assert lo <= mc.p_zero_leakers <= hi


def test_wilson_interval_known_value():
    # 8 of 10: Wilson 95 % (0.4902, 0.9433) (standard textbook value)
    lo, hi = wilson_interval(8, 10)
    assert (round(lo, 4), round(hi, 4)) == (0.4902, 0.9433)


# --------------------------------------------------------------------------- reproducibility
LIMITED = [Layer(0.6, 2, opportunities=2, doctrine="sls", p_kill_assessment=0.9, magazine=30, fire_channels=7),
           Layer(0.5, 1, opportunities=2, fire_channels=5)]


def test_same_seed_same_result_different_seed_different():
    a = simulate_raid(12, 6, LIMITED, 0.9, 0.5, trials=3000, seed=5, keep_samples=True)
    b = simulate_raid(12, 6, LIMITED, 0.9, 0.5, trials=3000, seed=5, keep_samples=True)
    c = simulate_raid(12, 6, LIMITED, 0.9, 0.5, trials=3000, seed=6, keep_samples=True)
    assert np.array_equal(a.samples_leakers, b.samples_leakers)
    assert np.array_equal(a.samples_interceptors, b.samples_interceptors)
    assert a.to_dict() == b.to_dict()
    assert not np.array_equal(a.samples_leakers, c.samples_leakers)


@pytest.mark.parametrize("cm", [False, True])
def test_chunk_size_does_not_change_results(cm):
    runs = [
        simulate_raid(12, 6, LIMITED, 0.9, 0.5, trials=257, seed=9, common_mode=cm, chunk_trials=c, keep_samples=True)
        for c in (1, 7, 64, 257, None)
    ]
    for r in runs[1:]:
        assert np.array_equal(r.samples_leakers, runs[0].samples_leakers)
        assert np.array_equal(r.samples_interceptors, runs[0].samples_interceptors)
    # and trial i is the same trial in a longer run
    longer = simulate_raid(12, 6, LIMITED, 0.9, 0.5, trials=400, seed=9, common_mode=cm, keep_samples=True)
    assert np.array_equal(longer.samples_leakers[:257], runs[0].samples_leakers)


# ------------------------------------------------------------------------------- saturation
@pytest.mark.parametrize("w,d,pdw,shots,magazine", [(36, 0, 1.0, 2, 48), (20, 10, 0.5, 1, 15), (10, 10, 1.0, 3, 13), (4, 6, 0.5, 2, 11)])
def test_magazine_saturation_against_exact_reference(w, d, pdw, shots, magazine):
    t = 20_000
    layer = Layer(0.7, shots, magazine=magazine)
    mc = simulate_raid(w, d, layer, 0.95, pdw, trials=t, seed=3, keep_samples=True)
    p0, el, eu = saturation_reference(w, d, pdw, 0.7, shots, 0.95, magazine)
    assert abs(mc.p_zero_leakers - p0) <= 3 * math.sqrt(p0 * (1 - p0) / t) + 1e-12
    assert abs(mc.expected_leakers - el) <= 3 * mc.expected_leakers_se
    assert abs(mc.interceptors_used_mean - eu) <= 3 * max(mc.interceptors_used_mean - mc.interceptors_used_ci95[0], 1e-9) / 1.96
    # each interceptor kills at most one object: leakers >= W - magazine in every trial
    assert mc.samples_leakers.min() >= max(0, w - magazine)
    assert mc.expected_leakers >= w - magazine
    assert mc.samples_interceptors.max() <= magazine
    bound = leakers_lower_bound(w, d, layer)
    assert bound == max(0, w - math.ceil(magazine / shots)) and mc.samples_leakers.min() >= bound


def test_fire_channels_equal_magazine_of_one_salvo_each():
    t = 20_000
    mc = simulate_raid(20, 10, Layer(0.7, 2, fire_channels=12), 0.95, 0.5, trials=t, seed=4)
    p0, el, eu = saturation_reference(20, 10, 0.5, 0.7, 2, 0.95, 24)
    assert abs(mc.expected_leakers - el) <= 3 * mc.expected_leakers_se
    assert mc.interceptors_used_mean == pytest.approx(eu, rel=0.01)
    assert mc.leakers_lower_bound == 8 and mc.expected_leakers >= 8


def test_empty_magazine_everything_leaks_and_closed_form_refuses_limits():
    mc = simulate_raid(5, 0, Layer(0.9, 2, magazine=0), trials=100, seed=1)
    assert mc.expected_leakers == 5 and mc.interceptors_used_mean == 0
    with pytest.raises(InputError, match="closed form does not apply"):
        closed_form_raid(5, 0, Layer(0.9, 2, magazine=9))
    closed_form_raid(5, 0, Layer(0.9, 2, magazine=10, fire_channels=5))  # cannot bind: fine


def test_inputs_reach_the_model():
    base = dict(warheads=10, decoys=10, layers=[Layer(0.7, 2, magazine=20)], p_track=0.95, trials=4000, seed=2)
    r = simulate_raid(**base, p_decoy_engaged=1.0)
    assert simulate_raid(**base, p_decoy_engaged=0.0).expected_leakers < r.expected_leakers
    assert simulate_raid(**{**base, "p_track": 0.5}, p_decoy_engaged=1.0).expected_leakers > r.expected_leakers
    assert simulate_raid(**base, p_decoy_engaged=1.0, p_warhead_engaged=0.5).expected_leakers > r.expected_leakers


# ------------------------------------------------------------------------ properties (hypothesis)
probs = st.floats(0.0, 1.0, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(w=st.integers(1, 50), p1=probs, p2=probs, n1=st.integers(1, 6), n2=st.integers(1, 6), pt=probs, cm=st.booleans())
def test_p_zero_monotone_in_sspk_and_shots(w, p1, p2, n1, n2, pt, cm):
    lo_p, hi_p = sorted((p1, p2))
    lo_n, hi_n = sorted((n1, n2))
    a = p_zero_leakers(w, lo_p, lo_n, pt, cm)
    assert 0.0 <= a <= 1.0
    assert p_zero_leakers(w, hi_p, lo_n, pt, cm) >= a - 1e-15
    assert p_zero_leakers(w, lo_p, hi_n, pt, cm) >= a - 1e-15
    # a common-mode chain failure is never worse for P(no leaker) than independent failures
    assert p_zero_leakers(w, lo_p, lo_n, pt, True) >= p_zero_leakers(w, lo_p, lo_n, pt, False) - 1e-15


@settings(max_examples=40, deadline=None)
@given(
    w=st.integers(1, 8), d=st.integers(0, 4), pdw=probs, pt=probs, s1=probs, s2=probs,
    pka=probs, opp=st.integers(1, 3), cm=st.booleans(),
)
def test_closed_form_raid_is_a_distribution_and_extra_layer_helps(w, d, pdw, pt, s1, s2, pka, opp, cm):
    one = closed_form_raid(w, d, [Layer(s1, 1, opp, "sls", pka)], pt, pdw, cm)
    two = closed_form_raid(w, d, [Layer(s1, 1, opp, "sls", pka), Layer(s2, 1)], pt, pdw, cm)
    for r in (one, two):
        assert r.leaker_pmf.sum() == pytest.approx(1.0, abs=1e-9)
        assert np.all(r.leaker_pmf >= -1e-15) and 0.0 <= r.p_zero_leakers <= 1.0 + 1e-12
    assert two.expected_leakers <= one.expected_leakers + 1e-12
    assert two.p_zero_leakers >= one.p_zero_leakers - 1e-12


@settings(max_examples=15, deadline=None)
@given(w=st.integers(1, 6), d=st.integers(0, 3), mag=st.integers(0, 12), ch=st.integers(0, 6), seed=st.integers(0, 2**63))
def test_monte_carlo_bounds_hold_per_trial(w, d, mag, ch, seed):
    layer = Layer(0.8, 2, opportunities=2, doctrine="sls", magazine=mag, fire_channels=ch)
    r = simulate_raid(w, d, layer, 0.9, 0.7, trials=200, seed=seed, keep_samples=True)
    assert r.samples_leakers.min() >= r.leakers_lower_bound
    assert r.samples_interceptors.max() <= mag
    assert 0.0 <= r.p_zero_leakers_ci95[0] <= r.p_zero_leakers <= r.p_zero_leakers_ci95[1] <= 1.0
    assert r.leaker_counts.sum() == 200


# ------------------------------------------------------------------------------------------ CLI
def run_cli(monkeypatch, capsys, *args):
    from duel.cli import main

    monkeypatch.setattr(sys, "argv", ["duel", "raid", *args])
    with pytest.raises(SystemExit) as exc:
        main()
    out = capsys.readouterr()
    return exc.value.code, out.out, out.err


BAD = [
    (["--objects", "10", "--sspk", "1.3", "--shots", "2"], "--sspk"),
    (["--objects", "10", "--sspk", "-0.1", "--shots", "2"], "--sspk"),
    (["--objects", "10", "--sspk", "0.7", "--shots", "2", "--p-track", "1.5"], "--p-track"),
    (["--objects", "10", "--sspk", "0.7", "--shots", "2", "--decoys", "2", "--p-decoy-engaged", "-1"], "--p-decoy-engaged"),
    (["--objects", "0", "--sspk", "0.7", "--shots", "2"], "--objects"),
    (["--objects", "10", "--sspk", "0.7", "--shots", "0"], "--shots"),
    (["--objects", "10", "--sspk", "0.7", "--shots", "2", "--magazine", "-1"], "--magazine"),
    (["--objects", "10", "--sspk", "0.7", "--shots", "2", "--trials", "0"], "--trials"),
    (["--objects", "10", "--sspk", "0.7", "--shots", "2", "--goal", "1"], "--goal"),
    (["--objects", "10", "--sspk", "0.7", "--shots", "2", "--goal", "0"], "--goal"),
    (["--objects", "10", "--sspk", "0.7", "--shots", "2", "--goal", "0.8", "--p-track", "0.97"], "--p-track"),
    (["--objects", "10", "--sspk", "0.7", "--shots", "2", "--format", "xml"], "--format"),
    (["--sspk", "0.7", "--shots", "2"], "--objects"),
]


@pytest.mark.parametrize("args,option", BAD, ids=[" ".join(a[-2:]) for a, _ in BAD])
def test_cli_bad_input_exit_2_one_line(monkeypatch, capsys, args, option):
    code, out, err = run_cli(monkeypatch, capsys, *args)
    assert code == 2
    assert err.startswith("error: ") and option in err and err.count("\n") == 1
    assert "Traceback" not in err + out


def test_cli_bad_input_real_process_has_no_traceback():
    p = subprocess.run(
        [sys.executable, "-c", "from duel.cli import main; main()", "raid", "--objects", "10", "--sspk", "1.3", "--shots", "2"],
        capture_output=True, text=True, timeout=60,
    )
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert p.stderr.strip() == "error: --sspk must be a probability in [0, 1], got 1.3"


def test_cli_json_reproduces_wilkening_and_monte_carlo(monkeypatch, capsys):
    code, out, _ = run_cli(
        monkeypatch, capsys, "--objects", "20", "--sspk", "0.7", "--shots", "2", "--p-track", "0.99",
        "--goal", "0.8", "--trials", "2000", "--seed", "3", "--format", "json",
    )
    assert code == 0
    d = json.loads(out)
    assert d["interceptors_needed"] == pytest.approx(20 * ref_shots(20, 0.99, 0.7, 0.8), abs=TOL)
    assert d["shots_per_object_for_goal"] == pytest.approx(ref_shots(20, 0.99, 0.7, 0.8), abs=TOL)
    assert d["p_zero_leakers"] == pytest.approx((0.99 * 0.91) ** 20, abs=TOL)
    assert d["expected_leakers"] == pytest.approx(20 * (1 - 0.99 * 0.91), abs=TOL)
    mc = d["monte_carlo"]
    assert mc["trials"] == 2000 and mc["seed"] == 3 and len(mc["ci95"]) == 2
    assert mc["ci95"][0] <= mc["p_zero_leakers"] <= mc["ci95"][1]
    assert sum(mc["leaker_distribution"]) == 2000
    code, out2, _ = run_cli(
        monkeypatch, capsys, "--objects", "10", "--decoys", "10", "--sspk", "0.7", "--shots", "2",
        "--p-track", "0.99", "--format", "json",
    )
    d2 = json.loads(out2)
    assert round(d2["interceptors_needed"], 1) == 73.2 and d2["goal_is_default"] is True


def test_cli_default_goal_unreachable_is_reported_not_fatal(monkeypatch, capsys):
    code, out, _ = run_cli(monkeypatch, capsys, "--objects", "10", "--sspk", "0.7", "--shots", "2", "--p-track", "0.9", "--format", "json")
    d = json.loads(out)
    assert code == 0 and d["interceptors_needed"] is None and "unreachable" in d["goal_note"]


def test_cli_table_and_magazine(monkeypatch, capsys):
    code, out, _ = run_cli(monkeypatch, capsys, "--objects", "36", "--sspk", "0.7", "--shots", "2", "--trials", "500", "--magazine", "48")
    assert code == 0 and "P(no leaker)" in out and "saturation bound" in out and "113" not in out
    code, out, _ = run_cli(monkeypatch, capsys, "--objects", "36", "--sspk", "0.7", "--shots", "2", "--trials", "500", "--magazine", "48", "--format", "json")
    d = json.loads(out)
    assert d["closed_form_ignores_limits"] is True and d["leakers_lower_bound"] == 12
    assert d["monte_carlo"]["expected_leakers"] >= 12 and d["monte_carlo"]["interceptors_used"]["mean"] <= 48
