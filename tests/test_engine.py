"""The batch engine (issue 5): windows, per-row layers and raid as array code, equal to the per-object
reference path, the same on NumPy and on the compiled (JAX) path, and without loops over trials."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from duel import backend as bk
from duel.defence.raid import Layer, closed_form_raid, leakers_lower_bound, simulate_raid
from duel.defence.raid_rows import RowLayers, closed_form_rows, limits_can_bind_rows, simulate_rows

from conftest import small_scenario, unless_in_ci
from setups import resolved

HAS_JAX = bk.jax_available()
needs_jax = unless_in_ci(not HAS_JAX, "JAX not installed (pip install -e .[test])")


@pytest.fixture(scope="module")
def kyiv():
    return resolved("scenarios/kyiv-duel-belarus.toml")


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    p = tmp_path_factory.mktemp("sc") / "small.toml"
    p.write_text(small_scenario(uncertain='[uncertain]\n"interceptor.thaad.sspk" = {dist = "band"}\n'
                                          '"doctrine.p_track" = {dist = "uniform", low = 0.8, high = 1.0}\n'),
                 encoding="utf-8")
    return resolved(p)


def _evaluate(r, draws, rows, seed, backend="numpy", inner=0):
    from duel.trials.draws import evaluate_draws

    return evaluate_draws(r.flight, r.setup.defence, r.setup.inputs, draws, rows, seed, backend, inner)


def _nominal_pmf(r, defence=None, track=None):
    """The nominal evaluation's P(k leak) (the report's path: records, layers, closed form or realisations)."""
    from duel.defence.engagement import assess

    track = track if track is not None else _nominal_track(r)
    return assess(track, defence or r.setup.defence, r.flight.trajectory.earth, 0).raid.leaker_pmf()


# ------------------------------------------------------------------------------------------ windows
def _ring(r, doctrine: str):
    """Batteries of every type around the target at 0-300 km, 3 azimuths (144); the nominal track; the objects
    are submunitions throughout (one RCS: the oracle's model)."""
    from duel.defence.interceptors import parse_battery

    setup = r.setup
    types = sorted(setup.inputs.registry.catalog.records("interceptors"))
    specs = [f"{t}@+{d}km@{az}" for t in types for d in (0, 40, 150, 300) for az in (0, 135, 270)]
    bats = [parse_battery(s, setup.inputs, setup.target) for s in specs]
    return bats, _nominal_track(r), replace(setup.defence.params, doctrine=doctrine, separation_alt_m=np.inf)


@pytest.mark.parametrize("doctrine", ["salvo", "sls"])
def test_windows_equal_the_bisection_oracle(kyiv, doctrine) -> None:
    """Every interceptor type at 12 positions: the model's windows (the batch window table, as the engine runs it
    and as the report's records) against the pre-refactor bisection path kept as an oracle: the same
    opportunities, first window start, last window end and first detection to 0.05 s."""
    from duel.defence.engagement import battery_engagements
    from duel.defence.windows import window_table
    from oracles.engagement_reference import battery_windows

    bats, track, params = _ring(kyiv, doctrine)
    d = replace(kyiv.setup.defence, batteries=tuple(bats), params=params)
    decision, factor = d.readiness()
    cue = d.space_ir.warning(track.burnout_s)[2]
    ref = [battery_windows(track, b, params, cue, float(dec), b.type.reaction_time_s * float(factor))
           for b, dec in zip(bats, decision)]
    wt = window_table(track.time_s, track.lat_deg[:, None, :], track.lon_deg[:, None, :], track.alt_m[:, None, :],
                      track.speed_mps[:, None, :], d.battery_arrays(), d.timing(cue[:, None]),
                      kyiv.flight.trajectory.earth, sls=doctrine == "sls")
    want_opp = np.array([e.opportunities()[0] for e in ref])
    assert np.array_equal(wt.opportunities[0], want_opp)
    assert want_opp.sum() >= 20 and (want_opp == 0).sum() >= 20  # the ring covers both outcomes
    if doctrine == "sls":
        assert want_opp.max() >= 2
    want_first = np.array([e.t_first_s for e in ref])
    assert np.array_equal(np.isinf(wt.t_first_s[0]), np.isinf(want_first))
    fin = np.isfinite(want_first)
    assert np.abs(wt.t_first_s[0][fin] - want_first[fin]).max() < 0.05
    want_det = np.array([e.detection_s[0] for e in ref])
    assert np.array_equal(np.isnan(wt.detection_s[0]), np.isnan(want_det))
    seen = np.isfinite(want_det)
    assert np.abs(wt.detection_s[0][seen] - want_det[seen]).max() < 0.05
    # the records of the report: every window, both edges, fly-out and opportunities
    recs = battery_engagements(track, d, cue, kyiv.flight.trajectory.earth)
    for got, want in zip(recs, ref):
        assert len(got.windows) == len(want.windows)
        assert [bool(r) for r in got.reasons] == [bool(r) for r in want.reasons]
        for a, b in zip(got.windows, want.windows):
            assert a.opportunities == b.opportunities
            assert abs(a.t_first_s - b.t_first_s) < 0.05 and abs(a.t_last_s - b.t_last_s) < 0.05
            assert abs(a.flyout_max_s - b.flyout_max_s) < 0.05 and abs(a.alt_first_m - b.alt_first_m) < 200.0


@settings(max_examples=60, deadline=None)
@given(type_id=st.sampled_from(["pac-3-mse", "thaad", "sm-3-iia", "samp-t-b1nt", "arrow-3"]),
       dist_km=st.floats(0, 400), az=st.floats(0, 360), widen=st.floats(1.0, 2.0), lower=st.floats(0.0, 1.0),
       faster=st.floats(1.0, 3.0), quicker=st.floats(0.0, 1.0), sls=st.booleans())
def test_a_larger_envelope_never_opens_a_window_later(kyiv, type_id, dist_km, az, widen, lower, faster, quicker,
                                                      sls) -> None:
    """Relaxing any envelope bound (range, ceiling, floor, fly-out speed, reaction time) can only bring the
    first window start earlier (or open one); the first detection does not change."""
    from duel.defence.interceptors import parse_battery
    from duel.defence.windows import Timing, battery_arrays, window_table

    track = _nominal_track(kyiv)
    setup = kyiv.setup
    b = battery_arrays([parse_battery(f"{type_id}@+{dist_km:.3f}km@{az:.3f}", setup.inputs, setup.target)], 0.05)
    b = b._replace(decision_delay_s=np.full(1, 20.0), track_formation_s=np.full(1, 10.0))
    wide = b._replace(max_range_m=b.max_range_m * widen, max_alt_m=b.max_alt_m * widen,
                      min_alt_m=b.min_alt_m * lower, average_speed_mps=b.average_speed_mps * faster,
                      reaction_time_s=b.reaction_time_s * quicker)
    tim = Timing(np.nan, 10.0, 0.0, np.inf)
    args = (track.time_s, track.lat_deg[:, None, :], track.lon_deg[:, None, :], track.alt_m[:, None, :],
            track.speed_mps[:, None, :])
    _, first, det, *_ = window_table(*args, b, tim, kyiv.flight.trajectory.earth, sls)
    _, first_w, det_w, *_ = window_table(*args, wide, tim, kyiv.flight.trajectory.earth, sls)
    assert first_w[0, 0] <= first[0, 0] + 1e-9
    assert np.array_equal(det, det_w, equal_nan=True)


_TRACKS: dict = {}


def _nominal_track(r):
    from duel.defence.track import ThreatTrack

    key = id(r)
    if key not in _TRACKS:
        _TRACKS[key] = ThreatTrack.from_trajectory(r.flight.trajectory)
    return _TRACKS[key]


# ------------------------------------------------------------------------------------------ raid rows
layer_st = st.tuples(st.floats(0.0, 1.0), st.integers(0, 4))  # sspk, opportunities (0 = absent in the row)


@settings(max_examples=150, deadline=None)
@given(layers=st.lists(layer_st, min_size=1, max_size=4), shots=st.integers(1, 3), sls=st.booleans(),
       p_ka=st.floats(0.0, 1.0), p_track=st.floats(0.0, 1.0), common=st.booleans(), w=st.integers(1, 12),
       d=st.integers(0, 4), p_dw=st.floats(0.0, 1.0))
def test_closed_form_rows_equal_the_closed_form(layers, shots, sls, p_ka, p_track, common, w, d, p_dw) -> None:
    present = [Layer(sspk=s, shots=shots, opportunities=o, doctrine="sls" if sls else "salvo", p_kill_assessment=p_ka)
               for s, o in layers if o > 0]
    n = len(layers)
    rl = RowLayers(np.array([[s for s, _ in layers]]), np.array([[o for _, o in layers]]), np.full((1, n), shots),
                   np.full((1, n), np.inf), np.full((1, n), np.inf), np.full((1, n), p_track), np.full((1, n), p_ka),
                   np.zeros((1, n), bool))
    got = closed_form_rows(rl, w, d, p_dw, sls, 4, common)
    if not present:  # no layer: every warhead leaks
        assert got["pmf"][0, w] == pytest.approx(1.0) and got["interceptors"][0] == 0.0
        return
    ref = closed_form_raid(w, d, present, p_track, p_dw, common)
    assert np.allclose(got["pmf"][0], ref.leaker_pmf, rtol=0, atol=1e-12)
    assert got["expected_leakers"][0] == pytest.approx(ref.expected_leakers, abs=1e-12)
    assert got["interceptors"][0] == pytest.approx(ref.interceptors_used_mean, rel=1e-12, abs=1e-12)


def _rows(sspk, opp, shots, mag, ch, pt, pka, r, upper=None):
    rep = lambda a: np.repeat(np.asarray(a, float)[None], r, axis=0)  # noqa: E731
    n = len(sspk)
    up = np.zeros((r, n), bool) if upper is None else np.repeat(np.asarray(upper, bool)[None], r, axis=0)
    return RowLayers(rep(sspk), np.repeat(np.asarray(opp)[None], r, axis=0), np.full((r, n), shots), rep(mag),
                     rep(ch), np.full((r, n), pt), np.full((r, n), pka), up)


def _uniforms(seed, r, n, n_layers, k):
    g = np.random.default_rng(seed)
    return g.random((r, n * (1 + 2 * n_layers))), g.random((k, r, 2 * n * n_layers))


@pytest.mark.parametrize("sls,common", [(False, False), (True, False), (True, True)])
def test_simulated_rows_agree_with_the_raid_monte_carlo(sls, common) -> None:
    """Magazines and fire channels bind: the per-row simulation and simulate_raid estimate the same raid."""
    sspk, opp, mag, ch = [0.6, 0.8, 0.5], [2, 3, 1], [np.inf, 7, np.inf], [np.inf, np.inf, 3]
    w, d, pt, pka, shots, r = 5, 2, 0.9, 0.8, 2, 60_000
    rl = _rows(sspk, opp, shots, mag, ch, pt, pka, r)
    base, per = _uniforms(1, r, w + d, 3, 3)
    leak, used = simulate_rows(base, per, rl, w, d, 0.6, sls, common)
    layers = [Layer(sspk=s, shots=shots, opportunities=o, doctrine="sls" if sls else "salvo", p_kill_assessment=pka,
                    magazine=None if np.isinf(m) else int(m), fire_channels=None if np.isinf(c) else int(c))
              for s, o, m, c in zip(sspk, opp, mag, ch)]
    ref = simulate_raid(w, d, layers, pt, 0.6, r, seed=2, common_mode=common, keep_samples=True)
    se = np.sqrt(leak.var() / r + ref.samples_leakers.var() / r)
    assert abs(leak.mean() - ref.expected_leakers) < 4.5 * se
    se = np.sqrt(used.var() / r + ref.samples_interceptors.var() / r)
    assert abs(used.mean() - ref.interceptors_used_mean) < 4.5 * se
    assert leak.min() >= leakers_lower_bound(w, d, layers) and leak.max() <= w
    # fired <= per layer min(magazine, shots x opportunities x min(objects, channels))
    assert used.max() <= 2 * 2 * 7 + 7 + 2 * 1 * 3
    assert limits_can_bind_rows(_rows(sspk, opp, shots, mag, ch, pt, pka, 1), w + d)[0]
    assert not limits_can_bind_rows(_rows(sspk, opp, shots, [np.inf] * 3, [9] * 3, pt, pka, 1), w + d)[0]


def test_a_row_without_opportunities_in_a_layer_equals_the_row_without_that_layer() -> None:
    """Draw positions belong to layer slots, so an absent layer changes nothing for the others."""
    w, d, r = 6, 1, 500
    a = _rows([0.7, 0.9], [2, 0], 2, [9, 4], [3, 1], 0.95, 0.9, r)
    base, per = _uniforms(3, r, w + d, 2, 2)
    one = RowLayers(*(x[:, :1] for x in a))
    n = w + d
    got = simulate_rows(base, per, a, w, d, 0.5, True)
    alone = simulate_rows(base[:, :3 * n], per[:, :, :2 * n], one, w, d, 0.5, True)
    assert np.array_equal(got[0], alone[0]) and np.array_equal(got[1], alone[1])


# ------------------------------------------------------------------------------------------ the engine
def test_engine_at_nominal_inputs_equals_the_nominal_evaluation(small) -> None:
    """No limit binds in the small scenario: the engine's closed form per row is the nominal raid."""
    res = _evaluate(small, {}, 3, seed=1)
    pmf = _nominal_pmf(small)
    assert not res.limits_bind.any()
    assert np.allclose(res.pmf, pmf[None, :], rtol=0, atol=1e-12)


def test_engine_per_draw_equals_the_per_draw_evaluation(small) -> None:
    """Each draw through the engine (inputs as arrays over draws) gives what the nominal path gives with that
    draw's values as scalars: one mapping from inputs to the defence, for one evaluation and for many."""
    from duel.trials.sampling import sample

    setup = small.setup
    draws = sample(setup.uncertain, 25, seed=4)
    res = _evaluate(small, draws, 25, seed=4)
    for i in range(25):
        one = setup.inputs.with_values({k: float(v[i]) for k, v in draws.items()})
        assert np.allclose(res.pmf[i], _nominal_pmf(small, setup.defence.redrawn(one)), rtol=0, atol=1e-12), i
    assert np.ptp(res.p_all_stopped) > 0.05  # the draws matter


def test_sampled_inputs_do_not_depend_on_the_trial_count(small) -> None:
    from duel.trials.sampling import sample

    a, b = sample(small.setup.uncertain, 10, seed=9), sample(small.setup.uncertain, 50, seed=9)
    for k in a:
        assert np.array_equal(a[k], b[k][:10])


@settings(max_examples=200, deadline=None)
@given(lead=st.one_of(st.none(), st.floats(0, 3000)), content=st.sampled_from(["window", "launch-area", "impact-area"]),
       recipient=st.sampled_from(["defender", "third-party"]), dd=st.floats(0, 300), dr=st.floats(0, 300),
       rf=st.floats(0.05, 1.0), rl=st.floats(0, 3600), relays=st.lists(st.floats(0, 3600), min_size=1, max_size=4))
def test_readiness_per_trial_equals_one_readiness_per_trial(lead, content, recipient, dd, dr, rf, rl, relays) -> None:
    """A relay delay drawn per trial (an array) gives, trial by trial, what readiness() gives for that relay."""
    from duel.defence.notice import Notice, ReadinessRules, readiness, readiness_arrays

    rules = ReadinessRules(dr, rf, rl)
    base = None if lead is None else Notice(lead, content, recipient, np.array(relays))
    dec, fac = readiness_arrays(base, np.full((len(relays), 1), dd), rules)  # one battery
    for i, relay in enumerate(relays):
        want = readiness(None if lead is None else Notice(lead, content, recipient, relay), dd, rules)
        assert (dec[i, 0], fac[i]) == (want.decision_delay_s, want.reaction_factor)


def test_rows_are_independent_of_the_other_rows(small) -> None:
    """Realisations of row i depend on (seed, i) only: the first rows of a longer run are the same."""
    from duel.defence.track import ThreatTrack
    from duel.trials.engine import TrackArrays, defence_rows, evaluate_rows

    be = bk.get_backend("numpy")
    d = small.setup.defence
    tracks = TrackArrays.from_track(ThreatTrack.from_trajectory(small.flight.trajectory), d.space_ir)
    earth = small.flight.trajectory.earth
    a = evaluate_rows(d, earth, tracks, defence_rows(d, 4), be, 8, inner=30)
    b = evaluate_rows(d, earth, tracks, defence_rows(d, 9), be, 8, inner=30)
    assert np.array_equal(a["mc_leakers"], b["mc_leakers"][:4])
    assert not np.array_equal(a["mc_leakers"][0], a["mc_leakers"][1])  # rows differ


def test_no_number_depends_on_the_engine_blocks(kyiv, monkeypatch) -> None:
    """The windows and the raid run in blocks of rows sized by WINDOW_BLOCK and RAID_BLOCK (a performance
    setting): blocks of a few rows, with the last one shifted back, give exactly the numbers of one block."""
    from duel.trials import engine
    from duel.trials.sampling import sample

    draws = sample(kyiv.setup.uncertain, 23, 5)
    one = _evaluate(kyiv, draws, 23, 5, inner=40)
    monkeypatch.setattr(engine, "WINDOW_BLOCK", 3 * 7 * 1500)  # about 3 rows of ~1,100 samples x 7 batteries
    monkeypatch.setattr(engine, "RAID_BLOCK", 4e5)  # a few rows of 40 realisations
    many = _evaluate(kyiv, draws, 23, 5, inner=40)
    for f in one.__dataclass_fields__:
        np.testing.assert_array_equal(getattr(many, f), getattr(one, f), err_msg=f)
    assert one.limits_bind.any() and np.ptp(one.p_all_stopped) > 0  # the realisations ran, the rows differ


# ------------------------------------------------------------------------------------------ the compiled path
@needs_jax
def test_engine_on_the_compiled_path_agrees_with_numpy(kyiv) -> None:
    """jax-cpu runs the program the GPU runs: same layers for every draw; the raid, drawn from JAX's own
    streams, agrees within Monte Carlo error; with the same uniforms the raid is identical."""
    from duel.trials.engine import raid_program
    from duel.trials.sampling import sample

    draws = sample(kyiv.setup.uncertain, 30, seed=3)
    inner = int(kyiv.setup.inputs["montecarlo.inner_trials"])
    a = _evaluate(kyiv, draws, 30, 3, "numpy", inner)
    b = _evaluate(kyiv, draws, 30, 3, "jax-cpu", inner)
    assert np.array_equal(a.limits_bind, b.limits_bind)
    diff = a.expected_leakers - b.expected_leakers
    assert abs(diff.mean()) < 4 * diff.std(ddof=1) / np.sqrt(30) + 1e-9

    w, d = 4, 1
    rl = _rows([0.6, 0.8], [2, 1], 2, [5, np.inf], [np.inf, 2], 0.9, 0.8, 400)
    base, per = _uniforms(5, 400, w + d, 2, 2)
    fn_np = raid_program(bk.get_backend("numpy"), w, d, 0.5, True, False, 2, 1)
    fn_jx = raid_program(bk.get_backend("jax-cpu"), w, d, 0.5, True, False, 2, 1)
    x, y = fn_np(rl, base, per), fn_jx(rl, base, per)
    for k in ("mc_leakers", "mc_interceptors", "limits_bind", "layers"):
        assert np.array_equal(np.asarray(x[k]), np.asarray(y[k])), k
    assert np.allclose(np.asarray(x["cf_pmf"]), np.asarray(y["cf_pmf"]), rtol=0, atol=1e-13)


@needs_jax
def test_duel_trials_on_the_compiled_path(small) -> None:
    """Dispersed duel trials: impact points within 1 m of NumPy's (float64), same layers, same closed form; the
    nominal arc they start from is aimed on NumPy on every backend (the same numbers, bit for bit)."""
    from duel.pipeline import duel_trials

    sc = small.setup.scenario
    numpy_trials, jax_trials = duel_trials(sc, backend="numpy"), duel_trials(sc, backend="jax-cpu")
    answer = lambda t: (t.flight.aim.azimuth_deg, t.flight.aim.params, t.flight.aim.miss_m)  # noqa: E731
    assert answer(jax_trials) == answer(numpy_trials) == answer(small)
    assert np.array_equal(jax_trials.flight.trajectory.log.impact_t, small.flight.trajectory.log.impact_t)
    a, b = numpy_trials(6, 0, 5), jax_trials(6, 0, 5)
    for k in ("layers", "limits_bind"):
        assert np.array_equal(a[k], b[k]), k
    assert np.allclose(a["p_all_stopped"], b["p_all_stopped"], rtol=0, atol=1e-9)
    miss = np.abs(a["miss_m"] - b["miss_m"])
    assert miss.max() < 1.0


def test_an_uncertain_reentry_beta_reflies_the_threat_per_draw(tmp_path) -> None:
    """Beta drawn: every draw's threat is re-flown (one batch) and its windows are those of that flight."""
    from duel.defence.track import ThreatTrack
    from duel.flight.trajectory import fly_staged
    from duel.trials.sampling import sample

    p = tmp_path / "beta.toml"
    p.write_text(small_scenario(uncertain='[uncertain]\n"missile.reentry_beta_kg_m2" = '
                                          '{dist = "uniform", low = 1000, high = 6000}\n'), encoding="utf-8")
    r = resolved(p)
    draws = sample(r.setup.uncertain, 6, seed=1)
    assert list(draws) == ["missile.oreshnik.reentry_beta_kg_m2"]  # the shorthand names the scenario's missile
    res = _evaluate(r, draws, 6, seed=1)
    aim, launch = r.flight.aim, r.setup.launch
    tr = fly_staged(r.setup.missile, launch.lat_deg, launch.lon_deg, aim.azimuth_deg, aim.params["kick_deg"],
                    aim.params["cutoff_s"], r.flight.trajectory.physics,
                    beta_kg_m2=draws["missile.oreshnik.reentry_beta_kg_m2"], record=True)
    for i in range(6):
        assert np.allclose(res.pmf[i], _nominal_pmf(r, track=ThreatTrack.from_trajectory(tr.take(i))),
                           rtol=0, atol=1e-12), i
    assert np.ptp(tr.log.impact_t) > 1.0  # the draws fly differently



FORKED_RUN = """
import json
import time
from duel import backend as bk
from duel.pipeline import run as pipeline_run, run_scenario
from duel.scenario import load_scenario
from duel.trials import runner
sc = load_scenario("scenarios/kyiv-duel.toml")  # draws, tornado, Sobol' design, dispersion and exchange
sc = sc.model_copy(update={"dispersion": sc.dispersion.model_copy(update={"trials": 24}),
                           "notice": sc.notice.model_copy(update={"exchange_trials": 9})})
sets = ("montecarlo.inner_trials=20", "montecarlo.tornado_inner_trials=20", "montecarlo.sobol_base=8",
        "montecarlo.sobol_inner_trials=10")
pools = []
forked_pool = bk._forked_pool
bk._forked_pool = lambda *a: pools.append(len(a[1]) - a[2]) or forked_pool(*a)
one = run_scenario(sc, trials=32, sets=sets, workers=1)
assert not pools, pools
taken, at_trials = [], []
# 30 s of a caller's warm-up: more than the aim takes on a loaded machine (it took over 5 s beside a full suite)
steps = [lambda i=i: (time.sleep(0.05), taken.append(i)) for i in range(600)]
trials_run, exchange = pipeline_run.run_trials, runner.chain_trials
pipeline_run.run_trials = lambda *a, **k: at_trials.append(len(taken)) or trials_run(*a, **k)
runner.chain_trials = lambda *a: time.sleep(1.5) or exchange(*a)  # the side jobs end >= 1.5 s after the draws
two = run_scenario(sc, trials=32, sets=sets, workers=2, prepare=steps)
# forked: the aim (1 job), the tornado + dispersion + exchange beside the draws (3); the Sobol' design not cut,
# as the exchange still runs
assert pools == [1, 3], pools
# the warm-up steps: in order, each once, beside the aim, then while the side jobs finish, not after them
assert taken == list(range(len(taken))) and 0 < at_trials[0] < len(taken) - 5 and len(taken) < len(steps), taken
runner.chain_trials, draw = exchange, runner.draw_until_precise
runner.draw_until_precise = lambda *a: time.sleep(3) or draw(*a)  # the side jobs end before the draws
pools.clear()
three = run_scenario(sc, trials=32, sets=sets, workers=2)
assert pools == [1, 3, 1], pools  # the Sobol' design's 2nd part forked, the side process being free
for other in (two, three):
    assert json.dumps(one.document, sort_keys=True) == json.dumps(other.document, sort_keys=True)
    assert one.inputs_read == other.inputs_read and len(one.inputs_read) > 50, len(one.inputs_read)
assert one.document["notice_exchange"]["trials"] == 9 and one.document["dispersion"]["trials"] == 24
print("same")
"""


def test_every_warm_up_step_runs() -> None:
    """Each warm-up step (the sensitivity's imports, the report's imports and first drawing) runs: a
    misspelt module would otherwise fail only where the aim is forked (not on one core, not under JAX)."""
    import sys
    from functools import partial

    from duel.report.plots import WARM_UP as REPORT
    from duel.trials.sensitivity import WARM_UP as SENSITIVITY

    for step in (*SENSITIVITY, *REPORT):
        step()
        if isinstance(step, partial):
            assert step.args[0] in sys.modules, step.args


def test_a_run_shared_out_over_forked_processes_equals_one_process() -> None:
    """run_scenario on two workers (the aim beside this process's imports; the tornado, the dispersion and the
    exchange beside the draws; the Sobol' design cut in two when they are done before it, else not) gives the
    same document, and records the same inputs read, as one process: every row and trial has its own streams.
    (In a fresh process: this test process may have loaded JAX, where nothing forks.)"""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", FORKED_RUN], cwd=root, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "same"
