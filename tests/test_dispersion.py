"""Threat dispersion Monte Carlo: nominal reproduction, CEP, seeding, release offsets, duel trials."""

from __future__ import annotations

import numpy as np
import pytest

from duel.scenario.inputs import Inputs
from duel.scenario.registry import Registry
from duel.trials import dispersion as D

from conftest import small_scenario

# the notional sigmas of the registry (dispersion.*): what Dispersion() defaulted to before the registry
NOTIONAL = D.dispersion_of(Inputs(Registry.default()))


@pytest.fixture(scope="module")
def trials_fn(tmp_path_factory) -> D.DuelTrials:
    """The small scenario resolved and its nominal arc flown (the pipeline's duel trials, notional sigmas)."""
    from duel.pipeline import duel_trials
    from duel.scenario import load_scenario

    p = tmp_path_factory.mktemp("sc") / "small.toml"
    p.write_text(small_scenario(), encoding="utf-8")
    return duel_trials(load_scenario(p))


@pytest.fixture(scope="module")
def flight(trials_fn):
    return trials_fn.flight


@pytest.fixture(scope="module")
def nominal(trials_fn) -> D.Nominal:
    target = trials_fn.defence.defended
    return D.Nominal.from_flight(trials_fn.flight, target.lat_deg, target.lon_deg, objects=3)


def zero_dispersion(fn: D.DuelTrials) -> D.DuelTrials:
    """The same duel trials with every sigma zero."""
    return D.DuelTrials(fn.flight, fn.defence, fn.inputs, fn.uncertain, D.ZERO, fn.identity)


def test_zero_dispersion_reproduces_the_nominal_impact(flight, nominal) -> None:
    from duel.physics.earth import geodesic_inverse

    r = D.impact_dispersion(nominal, 4, seed=1, dispersion=D.ZERO)
    lat, lon = flight.trajectory.impact_geodetic()
    _, d = geodesic_inverse(np.full(12, lat[0]), np.full(12, lon[0]), r.impact_lat_deg.ravel(),
                            r.impact_lon_deg.ravel(), nominal.physics.earth)
    assert d.max() < 1.0
    assert np.allclose(r.impact_t_s, flight.trajectory.log.impact_t[0], atol=1e-6)
    assert r.cep_m < 1.0 and r.landed.all()


def test_cep_grows_with_the_speed_sigma(nominal) -> None:
    one = D.Nominal(**{**vars(nominal), "objects": 1})
    ceps = [D.impact_dispersion(one, 40, seed=3, dispersion=D.Dispersion(sd, 0.0, 0.0, 0.0)).cep_m
            for sd in (0.0, 0.0005, 0.001, 0.002)]
    assert ceps[0] < 1.0
    assert all(a < b for a, b in zip(ceps, ceps[1:])), ceps
    assert ceps[-1] > 500.0  # 0.2 % of ~3 km/s moves the impact by kilometres
    r = D.impact_dispersion(one, 40, seed=3, dispersion=D.Dispersion(0.002, 0.0, 0.0, 0.0))
    lo, hi = r.cep_ci95_m
    assert lo <= r.cep_m <= hi and lo < hi


def test_same_seed_identical_and_batch_size_free(nominal) -> None:
    a = D.impact_dispersion(nominal, 10, seed=7, dispersion=NOTIONAL)
    b = D.impact_dispersion(nominal, 10, seed=7, dispersion=NOTIONAL)
    c = D.impact_dispersion(nominal, 25, seed=7, dispersion=NOTIONAL, chunk_trials=4)
    d = D.impact_dispersion(nominal, 10, seed=8, dispersion=NOTIONAL)
    assert np.array_equal(a.impact_lat_deg, b.impact_lat_deg) and np.array_equal(a.miss_m, b.miss_m)
    assert np.array_equal(a.impact_lat_deg, c.impact_lat_deg[:10])
    assert np.array_equal(a.impact_t_s, c.impact_t_s[:10])
    assert np.array_equal(a.footprint_m, c.footprint_m[:10])
    assert not np.array_equal(a.miss_m, d.miss_m)
    # a block starting at trial 5 equals rows 5.. of the whole run
    e = D.impact_dispersion(nominal, 5, seed=7, dispersion=NOTIONAL, start=5)
    assert np.array_equal(e.miss_m, a.miss_m[5:])


def test_release_offsets_spread_the_objects(nominal) -> None:
    spread = D.impact_dispersion(nominal, 6, seed=2, dispersion=D.Dispersion(0.0, 0.0, 0.0, 2.0))
    assert (spread.footprint_m > 10.0).all()
    together = D.impact_dispersion(nominal, 6, seed=2, dispersion=D.Dispersion(0.002, 0.1, 0.05, 0.0))
    assert np.array_equal(together.footprint_m, np.zeros(6))
    assert (np.ptp(together.impact_lat_deg, axis=1) == 0).all()
    assert together.cep_m > 100.0  # the trials still disperse


def test_andoyer_lambert_matches_karney() -> None:
    from duel.physics.earth import andoyer_lambert_m, earth_model, geodesic_inverse

    rng = np.random.default_rng(0)
    lat1, lon1 = rng.uniform(44, 56, 2000), rng.uniform(25, 50, 2000)
    lat2, lon2 = rng.uniform(44, 56, 2000), rng.uniform(25, 50, 2000)
    e = earth_model()
    _, ref = geodesic_inverse(lat1, lon1, lat2, lon2, e)
    assert np.abs(andoyer_lambert_m(lat1, lon1, lat2, lon2, e) - ref).max() < 10.0
    assert andoyer_lambert_m(np.float64(50.0), 30.0, 50.0, 30.0, e) == 0.0


def test_zero_dispersion_duel_equals_the_nominal_evaluation(trials_fn) -> None:
    from duel.defence.engagement import assess
    from duel.defence.track import ThreatTrack

    fn = zero_dispersion(trials_fn)
    cols = fn(11, 0, 3)
    ev = assess(ThreatTrack.from_trajectory(fn.flight.trajectory), fn.defence, fn.flight.trajectory.earth, 0)
    assert ev.raid.method == "closed form"
    assert np.allclose(cols["p_all_stopped"], ev.raid.leaker_pmf()[0], rtol=0, atol=1e-12)
    assert np.allclose(cols["expected_leakers"], ev.raid.expected_leakers, rtol=0, atol=1e-12)
    assert (cols["layers"] == len(ev.raid.layers)).all() and not cols["limits_bind"].any()
    assert np.array_equal(cols["all_stopped"], cols["leakers"] == 0)


def test_duel_trials_plug_into_run_monte_carlo(trials_fn, tmp_path) -> None:
    from duel.trials.montecarlo import run_monte_carlo

    fn = trials_fn
    assert fn.dispersion == NOTIONAL and fn.dispersion != D.ZERO  # the pipeline's trials use the notional sigmas
    mem = run_monte_carlo(fn, 12, seed=4, chunk_trials=5)
    st = run_monte_carlo(fn, 12, seed=4, chunk_trials=7, out=tmp_path / "run")
    rows = st.store.read(trials=12)
    for k, v in mem.columns.items():
        assert np.array_equal(np.asarray(rows[k]), v), k
    assert mem.summary["all_stopped"].kind == "proportion"
    # the first trials do not depend on the run size
    assert np.array_equal(fn(4, 0, 4)["leakers"], mem.columns["leakers"][:4])
    assert np.array_equal(fn(4, 0, 4)["miss_m"], mem.columns["miss_m"][:4])
    assert (mem.columns["miss_m"] > 0).all() and np.isfinite(mem.columns["impact_s"]).all()


def test_duel_trials_draw_the_defence_bands(tmp_path) -> None:
    """With [uncertain] inputs each duel trial has its own draw: the closed form varies over the trials as
    the drawn SSPK does, and the draws are those of ``sample`` on a salted stream (not the threat's)."""
    from duel.pipeline import duel_trials
    from duel.scenario import load_scenario
    from duel.trials.draws import evaluate_draws
    from duel.trials.sampling import sample

    p = tmp_path / "bands.toml"
    p.write_text(small_scenario(uncertain='[uncertain]\n"interceptor.thaad.sspk" = {dist = "uniform", low = 0.2, '
                                          'high = 0.9}\n'), encoding="utf-8")
    fn = zero_dispersion(duel_trials(load_scenario(p)))
    assert [u.path for u in fn.uncertain] == ["interceptor.thaad.sspk"]
    cols = fn(3, 2, 8)
    draws = sample(fn.uncertain, 6, 3, start=2, salt=D.INPUT_STREAM)
    want = evaluate_draws(fn.flight, fn.defence, fn.inputs, draws, 6, seed=3)  # zero dispersion: the nominal track
    assert np.allclose(cols["p_all_stopped"], want.p_all_stopped, rtol=0, atol=1e-9)
    assert np.ptp(cols["p_all_stopped"]) > 0.05
    assert not np.array_equal(draws["interceptor.thaad.sspk"], sample(fn.uncertain, 8, 3)["interceptor.thaad.sspk"][2:])
