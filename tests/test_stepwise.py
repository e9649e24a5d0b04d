"""Windows accumulated in the flight loop (duel.defence.stepwise) against the stored-track windows (the oracle).

The oracle is :func:`duel.defence.windows.window_table` on the same flights resampled on a fine grid (the
stored-track path at 0.05 s or finer, where its own linear interpolation between samples is far below the
0.05 s tolerance). Two kinds of cases: the Kyiv duel's real dispersed trials (36 objects x 7 batteries, drawn
fire-control modes, salvo and shoot-look-shoot), and hypothesis over synthetic geometries and envelopes
(quadratic paths in ECEF, which the Hermite interpolant of coarse steps reproduces exactly, so both paths
see one trajectory).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from duel.defence.stepwise import StepWindows
from duel.defence.windows import EOR, OWN, BatteryArrays, Timing, window_table
from duel.flight.resample import hermite_grid
from duel.physics.earth import (
    earth_model,
    geodesic_forward,
    geodetic_to_ecef,
    geodetic_xp,
)

ROOT = Path(__file__).parents[1]
TOL_S = 0.05
WGS84 = earth_model("wgs84")


def _compare(step, oracle, tol_s: float = TOL_S, skip=None) -> None:
    """Same windows: opportunities, remote-track use, first window start and first detection within tol_s
    (``skip``: pairs not compared, see :func:`_ambiguous`)."""
    keep = np.ones(np.shape(step.opportunities), bool) if skip is None else ~skip
    opp_s, opp_o = np.asarray(step.opportunities), np.asarray(oracle.opportunities)
    np.testing.assert_array_equal(opp_s[keep], opp_o[keep])
    np.testing.assert_array_equal(np.asarray(step.remote), np.asarray(oracle.remote))
    for name in ("t_first_s", "detection_s"):
        a, b = np.asarray(getattr(step, name), float), np.asarray(getattr(oracle, name), float)
        k = keep if name == "t_first_s" else np.ones(a.shape, bool)
        np.testing.assert_array_equal(np.isfinite(a)[k], np.isfinite(b)[k], err_msg=name)
        both = np.isfinite(a) & np.isfinite(b) & k
        assert np.all(np.abs(a[both] - b[both]) <= tol_s), (name, np.max(np.abs(a[both] - b[both]), initial=0.0))


MIN_WINDOW_S = 0.5
"""Windows shorter than this (the stored-track path's own grid step in production) may be missed by either path:
a window that opens and closes between two samples is not seen (module docstring of duel.defence.stepwise)."""


def _ambiguous(oracle, sls: bool, t_ka: float) -> np.ndarray:
    """Pairs whose count the two paths may rightly differ on: a window shorter than :data:`MIN_WINDOW_S`, or,
    shoot-look-shoot, a window whose length is within the edge tolerance of another opportunity."""
    length = np.asarray(oracle.t_out_s) - np.asarray(oracle.t_in_s)  # (R, ...) the first runs
    short = np.any(length < MIN_WINDOW_S, axis=0)
    if not sls:
        return short
    ratio = length / (np.asarray(oracle.flyout_max_s) + t_ka)
    edge = np.abs(ratio - np.round(ratio)) * (np.asarray(oracle.flyout_max_s) + t_ka) < 2 * TOL_S
    return short | np.any(edge, axis=0)


@pytest.mark.parametrize("sets", [(), ("doctrine.mode=sls", "assumption.kill_assessment_s=4")], ids=["salvo", "sls"])
def test_kyiv_trials_equal_the_stored_track_oracle(sets):
    from duel.pipeline import duel_trials
    from duel.scenario import load_scenario

    fn = duel_trials(load_scenario(ROOT / "scenarios" / "kyiv-duel.toml"), sets)
    fine = replace(fn, track_dt_s=0.05)
    step, oracle = fn.windows(3, 0, 3), fine.windows(3, 0, 3, stored=True)
    assert step.opportunities.shape == (3, 36, 7)
    assert np.isfinite(step.t_first_s).sum() > 100  # the case is not empty: most pairs have windows
    _compare(step, oracle)


def test_duel_trials_default_to_the_stepwise_windows_and_change_no_row_with_the_block_size():
    from duel.pipeline import duel_trials
    from duel.scenario import load_scenario

    fn = duel_trials(load_scenario(ROOT / "scenarios" / "kyiv-duel.toml"))
    assert fn.fingerprint()["windows"] == "stepwise"
    a = fn(5, 2, 6)
    b = replace(fn, block_trials=3)(5, 2, 6)
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)


# ------------------------------------------------------------------------------------------ hypothesis
CENTRE = (50.45, 30.52)


def _path(alt0_km: float, down_mps: float, ground_mps: float, azimuth_deg: float, t_end: float):
    """An object on a quadratic ECEF path: from alt0 over a point 80 km east of CENTRE, moving with a
    ground-parallel speed along ``azimuth`` and descending, under a constant 9.8 m/s^2 downward."""
    lat, lon = CENTRE[0], CENTRE[1] + 80 / 71.0
    p0 = np.array(geodetic_to_ecef(lat, lon, alt0_km * 1e3, WGS84), float).ravel()
    up = p0 / np.linalg.norm(p0)
    east = np.cross([0.0, 0.0, 1.0], up)
    east /= np.linalg.norm(east)
    north = np.cross(up, east)
    az = np.radians(azimuth_deg)
    v0 = ground_mps * (np.sin(az) * east + np.cos(az) * north) - down_mps * up
    acc = -9.8 * up

    def state(t: np.ndarray) -> np.ndarray:
        t = np.asarray(t, float)[..., None]
        return np.concatenate([p0 + v0 * t + 0.5 * acc * t * t, v0 + acc * t], axis=-1)

    return state, t_end


def _batteries(specs):
    """BatteryArrays (1, B) from (distance km, azimuth deg, floor km, ceiling km, range km, radar km, mode)."""
    cols = {f: [] for f in BatteryArrays._fields}
    for dist, az, floor, ceil, rng, radar, mode in specs:
        lat, lon = geodesic_forward(CENTRE[0], CENTRE[1], az, dist * 1e3, WGS84)
        vals = dict(lat_deg=float(lat), lon_deg=float(lon), min_alt_m=floor * 1e3, max_alt_m=ceil * 1e3,
                    min_range_m=0.0, max_range_m=rng * 1e3, max_target_speed_mps=np.inf, average_speed_mps=1500.0,
                    reaction_time_s=8.0, radar_height_m=5.0, radar_mask_deg=1.0, radar_range_m=radar * 1e3,
                    radar_range_warhead_m=radar * 1.3e3, track_formation_s=3.0, decision_delay_s=2.0,
                    fire_control=mode)
        for f in BatteryArrays._fields:
            cols[f].append(vals[f])
    return BatteryArrays(*(np.asarray(cols[f], np.int64 if f == "fire_control" else float)[None, :]
                           for f in BatteryArrays._fields))


battery = st.tuples(st.floats(0, 150), st.floats(0, 360), st.floats(0, 30), st.floats(35, 200), st.floats(20, 300),
                    st.floats(100, 900), st.sampled_from([OWN, 1, EOR]))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs=st.lists(battery, min_size=1, max_size=4), alt0=st.floats(80, 300), down=st.floats(500, 3500),
       ground=st.floats(0, 3000), azimuth=st.floats(180, 360), step=st.floats(0.5, 10.0),
       separation_km=st.floats(10, 120), cue=st.one_of(st.just(np.nan), st.floats(0, 40)), sls=st.booleans())
def test_in_loop_windows_equal_the_stored_track_windows(specs, alt0, down, ground, azimuth, step, separation_km, cue,
                                                        sls):
    """Property: over geometries, envelopes, radar ranges (the warhead's range jumps at the separation
    altitude), fire-control modes, IR cue and doctrine, the windows accumulated over coarse steps equal the
    stored-track windows on a 0.01 s grid of the same (Hermite-interpolated) path."""
    state, _ = _path(alt0, down, ground, azimuth, 0.0)
    # the path ends at the ground: solve alt(t) = 0 on the quadratic by sampling (no event location needed)
    fine_t = np.arange(0.0, 400.0, 0.01)
    s_fine = state(fine_t)
    alt = geodetic_xp(s_fine[:, 0], s_fine[:, 1], s_fine[:, 2], WGS84)[2]
    end = fine_t[np.argmax(alt < 0)] if np.any(alt < 0) else fine_t[-1]
    t_steps = np.unique(np.append(np.arange(0.0, end, step), end))
    steps = state(t_steps)
    bat = _batteries(specs)
    timing = Timing(np.array([[cue]]), np.array([[4.0]]), np.array([[1.0]]), np.array([[separation_km * 1e3]]))
    network = any(s[-1] != OWN for s in specs)

    acc = StepWindows(bat, timing, WGS84, sls, network)
    for k, t in enumerate(t_steps):
        acc.add(np.array([0]), np.array([t]), tuple(steps[k][:, None]))
    got = acc.result()

    grid = np.unique(np.append(np.arange(0.0, end, 0.01), end))
    lat, lon, h, speed = hermite_grid(t_steps[None, :], steps[None, :, :], grid, WGS84)
    ex = lambda a: a[:, None, None, :]  # noqa: E731  (1 row, 1 object, 1 battery axis, S)
    oracle = window_table(grid, ex(lat), ex(lon), ex(h), ex(speed), BatteryArrays(*(a[:, None, :] for a in bat)),
                          Timing(*(a[:, :, None] for a in timing)), WGS84, sls, network=network, detail=True)
    at_row = lambda a: np.asarray(a)[..., 0, :] if np.ndim(a) == 4 else np.asarray(a)[:, 0]  # noqa: E731
    assert int(np.max(np.asarray(oracle.runs))) <= 3  # every window's edges are refined in the oracle
    _compare(got, type(got)(*(np.asarray(a)[:, 0] for a in oracle[:5])),
             skip=_ambiguous(oracle._replace(t_in_s=at_row(oracle.t_in_s), t_out_s=at_row(oracle.t_out_s),
                                              flyout_max_s=at_row(oracle.flyout_max_s)), sls, 4.0))


def test_forked_workers_give_the_rows_of_one_process(tmp_path):
    """run_monte_carlo(workers=2) forks (in a fresh interpreter: a process that has loaded JAX does not fork);
    trial i depends only on (seed, i), so the stored rows are those of one process."""
    import json
    import subprocess
    import sys

    script = f"""
import json, sys
import numpy as np
from duel.pipeline import duel_trials
from duel.scenario import load_scenario
from duel.trials import montecarlo
import os
duel = duel_trials(load_scenario({str(ROOT / "scenarios" / "kyiv-duel.toml")!r}))
def fn(seed, a, b):  # the duel's columns and the process that computed them
    return {{**duel(seed, a, b), "pid": np.full(b - a, os.getpid())}}
one = montecarlo.run_monte_carlo(fn, 6, 4, chunk_trials=2)
two = montecarlo.run_monte_carlo(fn, 6, 4, chunk_trials=2, workers=2, out={str(tmp_path / "rows")!r})
stored = two.store.read(list(one.columns))
assert "jax" not in sys.modules
assert set(stored["pid"]) - {{os.getpid()}}, "no chunk ran in a forked worker"
print(json.dumps({{k: bool(np.array_equal(v, stored[k])) for k, v in one.columns.items() if k != "pid"}}))
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=False)
    assert out.returncode == 0, out.stderr
    same = json.loads(out.stdout.strip().splitlines()[-1])
    assert same and all(same.values()), same
