"""The array backends: NumPy default, the GPU path's fixed-shape loop (NumPy and JAX-on-CPU), and errors.

CI has no GPU. The GPU path is exercised twice without one: its loop body run by NumPy (``numpy-xp``,
always) and the very program the GPU would run, compiled by JAX for the CPU (``jax-cpu``, when JAX is
installed; skipped otherwise).
"""

from __future__ import annotations

import importlib
import subprocess
import time
import sys
from dataclasses import replace

import numpy as np
import pytest

from duel import backend as bk
from duel.errors import InputError
from duel.flight.dynamics import BoostTables, LaneParams, Physics
from duel.flight.events import CROSSING_KEYS, FLYING, IMPACT, EventLog
from duel.flight.integrate import ALL_EVENTS, integrate
from duel.flight.vehicles import staged_missile
from duel.physics.earth import (
    earth_model,
    enu_basis,
    geodetic_to_ecef,
    velocity_from_speed_angles,
)
from duel.scenario.inputs import Inputs
from duel.scenario.registry import Registry

from conftest import unless_in_ci

HAS_JAX = bk.jax_available()
integrate_module = importlib.import_module("duel.flight.integrate")  # the module (RECORD_STEPS), not the function
NOMINAL = Inputs(Registry.default())


def log_fields(log: EventLog) -> dict[str, np.ndarray]:
    """Every per-trajectory array of an event log, by flat name (``crossing_t.impact``, ``status``, ...)."""
    return log.arrays()


def staged_batch(n: int, seed: int = 7):
    """N Oreshnik flights from Kapustin Yar (kick, cut-off and azimuth seeded), WGS84 + J2 + rotation + US76."""
    m = staged_missile(NOMINAL, "oreshnik")
    pad = NOMINAL.place("kapustin-yar", "place")
    physics = Physics(earth_model("wgs84"), atmosphere=True)
    tables = BoostTables.from_missile(m)
    rng = np.random.default_rng(seed)
    kick, az = rng.uniform(8.0, 40.0, n), rng.uniform(240.0, 300.0, n)
    cut = tables.end_s[-1] - rng.uniform(0.0, 0.15, n) * (tables.end_s[-1] - tables.start_s[-1])
    lat, lon = np.full(n, pad.lat_deg), np.full(n, pad.lon_deg)
    x, y, z = geodetic_to_ecef(lat, lon, np.zeros(n), physics.earth)
    e, no, u = enu_basis(lat, lon)
    k, a = np.radians(kick)[:, None], np.radians(az)[:, None]
    kick_dir = np.cos(k) * u + np.sin(k) * (np.sin(a) * e + np.cos(a) * no)
    state0 = np.column_stack([x, y, z, np.zeros((n, 3))])
    return state0, LaneParams(cut, np.full(n, m.reentry_beta_kg_m2), kick_dir), tables, physics


def burnout_batch(n: int, seed: int = 3):
    """N free flights from burnout states (80 km, 3.3-3.7 km/s, 30-42 deg, beta 2000-12000 kg/m^2)."""
    physics = Physics(earth_model("wgs84"), atmosphere=True)
    rng = np.random.default_rng(seed)
    lat, lon = np.full(n, 48.6), np.full(n, 46.3)
    x, y, z = geodetic_to_ecef(lat, lon, np.full(n, 80e3), physics.earth)
    vel = velocity_from_speed_angles(lat, lon, rng.uniform(3300, 3700, n), rng.uniform(30, 42, n),
                                     rng.uniform(250, 290, n))
    state0 = np.column_stack([x, y, z, vel])
    return state0, LaneParams(np.zeros(n), rng.uniform(2000, 12000, n)), None, physics


def impact_diff_m(a: EventLog, b: EventLog) -> np.ndarray:
    return np.linalg.norm(a.impact_state[:, :3] - b.impact_state[:, :3], axis=1)


def assert_same_nan_pattern(a: EventLog, b: EventLog) -> None:
    fa, fb = log_fields(a), log_fields(b)
    assert set(fa) == set(fb)
    for f in fa:
        x, y = np.asarray(fa[f], float), np.asarray(fb[f], float)
        assert np.array_equal(np.isnan(x), np.isnan(y)), f


# ------------------------------------------------------------------------------------------ selection
def test_numpy_backend_is_default_and_light():
    b = bk.get_backend()
    assert b.name == "numpy" and b.xp is np and b.dtype == np.float64 and not b.uses_jax
    assert "cpu" in b.device


def test_unknown_backend_names_the_choices():
    with pytest.raises(InputError, match="--backend: unknown backend 'cuda'.*numpy or gpu"):
        bk.get_backend("cuda")


def test_gpu_without_jax_says_how_to_install(monkeypatch):
    monkeypatch.setattr(bk, "jax_available", lambda: False)
    with pytest.raises(InputError, match=r"--backend gpu: JAX is not installed.*pip install '\.\[gpu\]'"):
        bk.get_backend("gpu")


@unless_in_ci(not HAS_JAX, "JAX not installed")
def test_gpu_without_device_is_a_clear_error():
    import jax

    try:
        has_gpu = bool(jax.devices("gpu"))
    except RuntimeError:
        has_gpu = False
    if has_gpu:
        assert bk.get_backend("gpu").name == "gpu"
        return
    with pytest.raises(InputError, match=r"--backend gpu: JAX .* found no GPU device.*pip install '\.\[gpu\]'"):
        bk.get_backend("gpu")


def test_cli_import_does_not_import_jax():
    code = ("import sys, duel.cli, duel.backend, duel.flight.integrate, duel.trials.montecarlo, duel.trials.store; "
            "print('jax' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ----------------------------------------------------------------------------- the array path, NumPy
@pytest.mark.parametrize("make", [staged_batch, burnout_batch], ids=["staged", "burnout"])
def test_fixed_shape_loop_on_numpy_matches_the_numpy_path(make):
    """The GPU path's loop (frozen lanes, per-lane dt, post-loop event bisection) run by NumPy: same events
    as the compacting driver."""
    state0, lanes, tables, physics = make(12)
    ref = integrate(state0, np.zeros(12), lanes, tables, physics).log
    log = integrate(state0, np.zeros(12), lanes, tables, physics, backend=bk.get_backend("numpy-xp")).log
    assert_same_nan_pattern(ref, log)
    assert (log.status == IMPACT).all()
    for key in CROSSING_KEYS:  # every crossing happened (the comparison below is not between NaNs)
        assert np.isfinite(log.crossing_t[key]).all(), key
    want, got = log_fields(ref), log_fields(log)
    for f in want:
        np.testing.assert_allclose(got[f], want[f], rtol=1e-12, atol=1e-6, err_msg=f)


def test_until_burnout_on_the_array_path():
    state0, lanes, tables, physics = staged_batch(4)
    ref = integrate(state0, np.zeros(4), lanes, tables, physics, until_burnout=True).log
    log = integrate(state0, np.zeros(4), lanes, tables, physics, until_burnout=True, backend="numpy-xp").log
    assert np.isfinite(ref.burnout_state).all()
    np.testing.assert_allclose(log.burnout_state, ref.burnout_state, rtol=1e-12)
    np.testing.assert_allclose(log.burnout_t, lanes.cutoff_s, rtol=0, atol=1e-9)
    assert np.isnan(log.impact_t).all() and (log.status == FLYING).all()


def test_numpy_backend_chunks_give_the_same_log():
    state0, lanes, tables, physics = burnout_batch(10)
    whole = integrate(state0, np.zeros(10), lanes, tables, physics, backend=bk.get_backend("numpy")).log
    stats: dict = {}
    parts = integrate(state0, np.zeros(10), lanes, tables, physics, backend=bk.get_backend("numpy"), chunk=3,
                      stats=stats).log
    assert stats["chunks"] == 4 and stats["chunk"] == 3
    want, got = log_fields(whole), log_fields(parts)
    for f in want:
        np.testing.assert_array_equal(got[f], want[f], err_msg=f)


@pytest.mark.parametrize("make", [staged_batch, burnout_batch], ids=["staged", "burnout"])
def test_recording_on_the_array_path_equals_the_numpy_recording(make, monkeypatch):
    """record=True: the same samples as the NumPy recording (every step end, then the impact), even when
    the fixed buffers start too small and are doubled."""
    state0, lanes, tables, physics = make(6)
    ref = integrate(state0, np.zeros(6), lanes, tables, physics, record=True)
    t_ref, s_ref = ref.t, ref.state
    monkeypatch.setattr(integrate_module, "RECORD_STEPS", 16)
    flown = integrate(state0, np.zeros(6), lanes, tables, physics, backend="numpy-xp", record=True)
    log, t, s = flown.log, flown.t, flown.state
    assert t.shape[1] > 16  # the buffers of 16 samples were too small: they were doubled
    assert t.shape == t_ref.shape and np.array_equal(np.isnan(t), np.isnan(t_ref))
    np.testing.assert_allclose(t, t_ref, rtol=0, atol=1e-9)
    np.testing.assert_allclose(s, s_ref, rtol=1e-12, atol=1e-6)
    last = np.isfinite(t).sum(axis=1) - 1
    assert np.isfinite(log.impact_t).all()
    np.testing.assert_allclose(t[np.arange(6), last], log.impact_t, rtol=0, atol=1e-9)


# -------------------------------------------------------------------------- the GPU program on the CPU
@unless_in_ci(not HAS_JAX, "JAX not installed (pip install jax): the jax-cpu check is skipped")
@pytest.mark.parametrize("make", [staged_batch, burnout_batch], ids=["staged", "burnout"])
def test_jax_program_on_cpu_agrees_with_numpy_within_1m(make):
    """The program `--backend gpu` runs, compiled for the CPU: impact points within 1 m of NumPy (float64)."""
    state0, lanes, tables, physics = make(8)
    ref = integrate(state0, np.zeros(8), lanes, tables, physics).log
    b = bk.get_backend("jax-cpu")
    assert b.uses_jax and b.dtype == np.float64
    log = integrate(state0, np.zeros(8), lanes, tables, physics, backend=b).log
    assert_same_nan_pattern(ref, log)
    assert (log.status == ref.status).all() and (log.status == IMPACT).all()
    assert impact_diff_m(log, ref).max() < 1.0
    assert np.abs(log.impact_t - ref.impact_t).max() < 1e-3
    assert np.nanmax(np.abs(log.apogee_h - ref.apogee_h)) < 1.0
    if tables is not None:
        assert np.abs(log.burnout_state - ref.burnout_state).max() < 1e-3


@unless_in_ci(not HAS_JAX, "JAX not installed")
def test_the_aim_on_the_compiled_path_lands_where_numpy_aims_it():
    """`duel fly --backend gpu` aims on the backend (a run aims its nominal arc on NumPy): the aim compiled for
    the CPU solves the Kyiv arc to within its 5 m tolerance, its impact point within 1 m of NumPy's."""
    from duel.flight.api import FlightRequest, solve_flight

    req = FlightRequest(launch="kapustin-yar", target="kyiv", missile="oreshnik")
    ref, jax_flight = solve_flight(req), solve_flight(replace(req, backend="jax-cpu"))
    assert jax_flight.aim.miss_m < 5.0 and ref.aim.miss_m < 5.0
    assert abs(jax_flight.aim.azimuth_deg - ref.aim.azimuth_deg) < 1e-4
    assert impact_diff_m(jax_flight.trajectory.log, ref.trajectory.log).max() < 1.0


@unless_in_ci(not HAS_JAX, "JAX not installed")
def test_jax_recording_agrees_with_numpy(monkeypatch):
    state0, lanes, tables, physics = burnout_batch(5, seed=2)
    ref = integrate(state0, np.zeros(5), lanes, tables, physics, record=True)
    t_ref, s_ref = ref.t, ref.state
    monkeypatch.setattr(integrate_module, "RECORD_STEPS", 64)
    flown = integrate(state0, np.zeros(5), lanes, tables, physics, backend=bk.get_backend("jax-cpu"), record=True)
    t, s = flown.t, flown.state
    assert isinstance(t, np.ndarray) and isinstance(s, np.ndarray)  # on the host unless device_arrays
    assert np.array_equal(np.isnan(t), np.isnan(t_ref))
    assert np.nanmax(np.abs(s[..., :3] - s_ref[..., :3])) < 1.0


@unless_in_ci(not HAS_JAX, "JAX not installed")
def test_jax_chunks_pad_without_changing_results():
    """Chunks of 8 (the shape compiled above: no recompile) with a padded last chunk: same impacts."""
    state0, lanes, tables, physics = burnout_batch(19, seed=11)
    ref = integrate(state0, np.zeros(19), lanes, tables, physics).log
    stats: dict = {}
    log = integrate(state0, np.zeros(19), lanes, tables, physics, backend=bk.get_backend("jax-cpu"), chunk=8,
                    stats=stats).log
    assert stats["chunks"] == 3 and stats["chunk"] == 8
    assert np.isfinite(log.impact_t).all()
    assert impact_diff_m(log, ref).max() < 1.0


@pytest.mark.parametrize("backend", ["numpy", "numpy-xp"])
def test_event_subset_leaves_the_others_nan(backend):
    state0, lanes, tables, physics = burnout_batch(4)
    full = integrate(state0, np.zeros(4), lanes, tables, physics, backend=backend).log
    only = integrate(state0, np.zeros(4), lanes, tables, physics, backend=backend, events=("impact",)).log
    for key in CROSSING_KEYS:
        if key != "impact":
            assert np.isfinite(full.crossing_t[key]).all(), key
            for field in (only.crossing_t, only.crossing_v, only.crossing_h):
                assert np.isnan(field[key]).all(), key
    assert np.isfinite(only.impact_state).all()
    np.testing.assert_array_equal(only.impact_state, full.impact_state)
    np.testing.assert_array_equal(only.impact_t, full.impact_t)
    with pytest.raises(ValueError, match="unknown events"):
        integrate(state0, np.zeros(4), lanes, tables, physics, backend=backend, events=("landing",))


def test_event_names_are_the_crossings_and_the_burnout():
    """The old "down" event (both levels) is now one event per level."""
    assert ALL_EVENTS == ("burnout", "apogee", "down_100km", "down_30km", "impact")
    state0, lanes, tables, physics = burnout_batch(2)
    with pytest.raises(ValueError, match="unknown events"):
        integrate(state0, np.zeros(2), lanes, tables, physics, backend="numpy-xp", events=("down",))



FORK_MAP = """
import os
import numpy as np
from duel import backend as bk
big = np.arange(1_000_000)  # inherited by the children, never pickled
def job(i):
    return i, int(big[i * 1000]), os.getpid()
got = bk.fork_map(job, range(7), 3)
assert [(i, v) for i, v, _ in got] == [(i, i * 1000) for i in range(7)], got
assert got[0][2] == os.getpid() and len({p for *_, p in got}) >= 2, got  # first here, the others forked
assert [x[:2] for x in bk.fork_map(job, range(7), 1)] == [x[:2] for x in got]  # one worker: sequential
import jax  # noqa: F401  (once JAX is loaded, nothing forks)
assert {p for *_, p in bk.fork_map(job, range(7), 3)} == {os.getpid()}
print("ok")
"""


FORKED_JOBS = """
import os, time
import numpy as np
from duel import backend as bk
from duel.scenario.inputs import Inputs, RecordedJobs, recording
from duel.scenario.registry import Registry
big = np.arange(1_000_000)  # inherited by the children, never pickled
here = os.getpid()
def job(i):
    # a job may itself share work out (its own pool inside the child), and read inputs
    inner = bk.fork_map(lambda k: (int(big[k]) + i, os.getpid()), range(3), 2)
    return i, [v for v, _ in inner], os.getpid(), {p for _, p in inner}
def fails():
    raise ValueError("job 3 fails")
jobs = [lambda i=i: job(i) for i in range(3)] + [fails]
with bk.ForkedJobs(jobs, 2) as forked:
    mine = job(9)  # the caller works meanwhile
    got = [forked.result(i) for i in (2, 0, 1)]  # any order
    assert forked.result(0) is got[1]  # computed once
    try:
        forked.result(3)
        raise AssertionError("no error")
    except ValueError as exc:
        assert "job 3 fails" in str(exc)
assert [g[:2] for g in got] == [(2, [2, 3, 4]), (0, [0, 1, 2]), (1, [1, 2, 3])], got
assert here not in {g[2] for g in got} and mine[2] == here  # forked, the caller's own work here
assert all(len(g[3]) == 2 and g[2] in g[3] for g in got), got  # the job's own pool forked again
with bk.ForkedJobs(jobs[:3], 0) as lazy:  # no process: each job here, when asked for
    assert not lazy.forked and not lazy.done(0)
    assert [lazy.result(i)[:2] for i in range(3)] == [(0, [0, 1, 2]), (1, [1, 2, 3]), (2, [2, 3, 4])]
    assert lazy.result(1)[2] == here
# leaving on an error (or Ctrl-C) ends the processes at once, also the jobs already handed to them
t0 = time.perf_counter()
try:
    with bk.ForkedJobs([lambda: time.sleep(20)] * 3, 1) as slow:
        time.sleep(0.3)
        raise KeyboardInterrupt
except KeyboardInterrupt:
    pass
assert time.perf_counter() - t0 < 5, time.perf_counter() - t0
nominal = Inputs(Registry.default())
want = float(Inputs(Registry.default())["doctrine.p_track"])  # read outside the recording
def reads():
    return float(nominal["doctrine.p_track"])
with recording() as read:
    with RecordedJobs([reads], 1) as rec:
        assert rec.forked and rec.result(0) == want
assert read == {"doctrine.p_track"}, read  # read in the child only, recorded here
import jax  # noqa: F401  (once JAX is loaded, nothing forks)
with bk.ForkedJobs(jobs[:3], 2) as under_jax:
    assert {under_jax.result(i)[2] for i in range(3)} == {here}
print("ok")
"""

ORPHAN = """
import os, sys, time
from duel import backend as bk
jobs = bk.ForkedJobs([lambda: time.sleep(60)] * 2, 1)
time.sleep(0.5)
print(*[p.pid for p in jobs._pool._processes.values()], flush=True)
os.kill(os.getpid(), 9)  # killed: no shutdown, no cleanup
"""


def test_forked_jobs_end_with_a_killed_parent() -> None:
    """A forked child does not live on as an orphan finishing its queued jobs when its parent is killed."""
    try:  # the children hold the output pipe: it closes when they end
        out = subprocess.run([sys.executable, "-c", ORPHAN], capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired as exc:
        raise AssertionError(f"forked children outlived their killed parent: {exc.stdout!r}") from None
    pids = [int(p) for p in out.stdout.split()]
    assert out.returncode == -9 and pids, (out.returncode, out.stdout, out.stderr[-1000:])
    deadline = time.time() + 10
    while time.time() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.1)
    assert not any(_alive(p) for p in pids), pids


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"  # a zombie has ended
    except FileNotFoundError:
        return False


@unless_in_ci(not HAS_JAX, "JAX not installed: the check that nothing forks under JAX needs it")
def test_forked_jobs_run_beside_the_caller_and_give_each_result_when_asked() -> None:
    """:class:`ForkedJobs`: jobs start at once in forked processes while the caller works; results in any
    order, once each; an error reaches the caller; a job may fork again (its own pool); with no process (or
    under JAX) the jobs run here; :class:`RecordedJobs` records the inputs a child read. (In a fresh process.)"""
    out = subprocess.run([sys.executable, "-c", FORKED_JOBS], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-2000:]


@unless_in_ci(not HAS_JAX, "JAX not installed: the check that nothing forks under JAX needs it")
def test_fork_map_returns_every_result_in_order_from_forked_processes() -> None:
    """(In a fresh process: this one may have loaded JAX.)"""
    out = subprocess.run([sys.executable, "-c", FORK_MAP], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-2000:]
    assert bk.split(10, 3) == [(0, 3), (3, 6), (6, 10)] and bk.split(2, 5) == [(0, 1), (1, 2)]
