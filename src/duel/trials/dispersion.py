"""Monte Carlo of the threat: burnout dispersions, per-object release offsets, impact dispersion (CEP) and
full duel trials (dispersed objects -> engagement windows per battery x object -> raid), batch-first.

Model (all notional; the report must say so)
--------------------------------------------
The nominal aimed flight (``setup.flight``) fixes the burnout state: time t_b (s from launch), ECEF
position and Earth-relative velocity. Trial i perturbs it with three Gaussian errors (defaults in
:class:`Dispersion`):

* speed          v' = v (1 + sd_v z0)            (``speed_frac_sd``, a fraction; default 0.002 = 0.2 %)
* flight-path    gamma' = gamma + sd_g z1        (``angle_sd_deg``, deg from the local horizontal; 0.1 deg)
* azimuth        az' = az + sd_az z2             (``azimuth_sd_deg``, deg clockwise from north; 0.05 deg)

(position unchanged), then every object k of the W = warheads x submunitions objects gets a release offset:
a velocity increment dv = sd_r (z_e e + z_n n + z_u u), an isotropic 3-D Gaussian in the local east/north/up
axes at burnout with ``release_sd_mps`` per axis (default 2 m/s; |dv| then has rms sqrt(3) sd_r). The release
is lumped at burnout (there is no bus manoeuvre model). All T x W objects then fly free (reentry beta of
the missile, drag, rotation, J2 as the nominal flight) in ONE batch from t_b
(:func:`duel.flight.integrate.integrate` with ``tables=None`` and ``t0 = t_b``, on the chosen backend). With
every sigma zero the batch reproduces the nominal impact (same states, same steps: identical to the last bit
for the NumPy path).

Random streams: the normals of trial i are the uniforms [i K, (i + 1) K) of the Philox-4x64 stream keyed
by ``seed`` (:func:`duel.defence.streams.philox_block`, K = 3 + 3 W rounded up to 4), mapped by the inverse
normal CDF. The raid draws of duel trial i are row i of the engine's raid streams (:mod:`duel.trials.engine`).
Nothing depends on the batch size, the chunking or the order of chunks.

Impact dispersion and CEP
-------------------------
Impacts are reported as geodetic points, times (s from launch) and offsets from the target in the local
tangent plane (east/north from the WGS84 geodesic distance and azimuth at the target). The radial miss of
an object is its geodesic distance from the target (m). CEP (circular error probable) = the median radial
miss over all trials x objects. Its 95 % interval: for one object per trial (iid misses) the distribution-
free order-statistic interval [X_(j), X_(n-j+1)] with j from Binomial(n, 1/2) (coverage >= 95 %); with
several objects per trial (correlated through the shared burnout error) a percentile bootstrap that
resamples whole trials (400 resamples, seeded). The footprint of a trial is the largest distance between
two of its objects' impact points (m; 0 for one object).

Duel trials (:class:`DuelTrials`)
---------------------------------
One trial = one full duel: the T x W dispersed objects are flown from burnout after the nominal boost (common
to all) and their engagement windows made in one of two ways. On NumPy (the default) the windows are
accumulated inside the flight loop (:class:`duel.defence.stepwise.StepWindows`, the integrator's observer:
the boost folded once per trial, then every object's steps as they are made; no track is stored). On the JAX
backends, or with ``stored_tracks``, the flights are recorded and resampled to a common ``track_dt_s`` grid
whose first sample after each object's impact is that impact (:func:`duel.flight.resample.grid_with_impacts`)
and the windows computed from the whole tracks at once (:func:`duel.defence.windows.window_table`, the
oracle of the first way: tests/test_stepwise.py). Then the batch engine
(:func:`duel.trials.engine.evaluate_rows`, each trial with its draw of the defence bands) takes the windows
per battery x object (the windows may differ per object), each trial's layers by
:func:`duel.defence.engagement.raid_layers`' rule (a battery is a layer when every one of the trial's
objects has a window, with the smallest opportunity count over them, ordered by the earliest window start),
and the raid two ways per trial:

* ``p_all_stopped`` / ``expected_leakers``: the closed form (Wilkening) conditional on the trial's layers,
  limits dropped: exact when ``limits_bind`` is False, an upper bound on the defence otherwise;
* ``leakers`` / ``interceptors`` / ``all_stopped``: one seeded realisation of the raid Monte Carlo with
  magazines and fire channels (:func:`duel.defence.raid_rows.simulate_rows`).

So the mean of ``all_stopped`` estimates P(every warhead stopped) with the limits; the mean of
``p_all_stopped`` is the lower-variance (Rao-Blackwellised) estimate when no limit binds.
Each trial also draws the scenario's ``[uncertain]`` inputs (interceptor bands, P_track, notional
assumptions, the reentry beta) from its own stream (salted, independent of the threat normals), so one
trial combines the threat's dispersion with the defence's parameter bands. The default sigmas are the
notional ``dispersion.*`` inputs (:func:`dispersion_of`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np

from duel.backend import Backend, get_backend
from duel.defence.setup import DefenceSetup
from duel.defence.stepwise import StepWindows
from duel.defence.streams import philox_block, salted_key
from duel.defence.windows import BatteryArrays, Timing, WindowTable
from duel.errors import InputError
from duel.flight.dynamics import LaneParams, Physics
from duel.flight.events import IMPACT, EventLog
from duel.flight.integrate import Observer, integrate
from duel.flight.resample import grid_with_impacts
from duel.flight.solved import Flight
from duel.flight.stepping import StepPolicy
from duel.flight.trajectory import Trajectory
from duel.physics.earth import (
    ecef_to_geodetic,
    enu_basis,
    geodesic_inverse,
    speed_angles,
    velocity_from_speed_angles,
)
from duel.scenario.inputs import Inputs, UncertainInput
from duel.trials.engine import DefenceRows, TrackArrays, defence_rows, evaluate_rows, track_windows
from duel.trials.sampling import sample

__all__ = [
    "Dispersion",
    "Nominal",
    "DispersedFlight",
    "ImpactDispersion",
    "dispersion_of",
    "standard_normals",
    "dispersed_states",
    "fly_dispersed",
    "impact_dispersion",
    "cep",
    "footprint_m",
    "DuelTrials",
]

BOOTSTRAP = 400
INPUT_STREAM = 0x1B5  # salt of the stream of the defence bands' draws in duel trials


# ------------------------------------------------------------------------------------------ the model
@dataclass(frozen=True)
class Dispersion:
    """Gaussian 1-sigma errors: burnout speed (fraction), flight-path angle (deg), azimuth (deg), and the
    per-object release velocity increment (m/s per axis, isotropic)."""

    speed_frac_sd: float
    angle_sd_deg: float
    azimuth_sd_deg: float
    release_sd_mps: float

    def __post_init__(self) -> None:
        for name in ("speed_frac_sd", "angle_sd_deg", "azimuth_sd_deg", "release_sd_mps"):
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and math.isfinite(v) and v >= 0):
                raise InputError(f"dispersion.{name}: must be a finite number >= 0, got {v!r}")

    def to_dict(self) -> dict[str, float]:
        return {"speed_frac_sd": self.speed_frac_sd, "angle_sd_deg": self.angle_sd_deg,
                "azimuth_sd_deg": self.azimuth_sd_deg, "release_sd_mps": self.release_sd_mps}


ZERO = Dispersion(0.0, 0.0, 0.0, 0.0)


def dispersion_of(inputs: Inputs) -> Dispersion:
    """The sigmas of the ``dispersion.*`` inputs (notional, or as the scenario sets them)."""
    return Dispersion(**{k: float(v) for k, v in inputs.fields("dispersion").items()})


@dataclass(frozen=True)
class Nominal:
    """The nominal burnout and what the dispersed flights need (SI; ECEF m and m/s; times s from launch).

    ``boost_t`` (M,) and ``boost_state`` (M, 6): the nominal recorded samples strictly before burnout
    (prefix of the threat tracks); ``target_lat``/``target_lon`` (deg): the aim point.
    """

    physics: Physics
    burnout_t: float
    burnout_state: np.ndarray
    beta_kg_m2: float
    objects: int
    target_lat: float
    target_lon: float
    launch_lat: float
    launch_lon: float
    azimuth_deg: float
    impact_state: np.ndarray
    boost_t: np.ndarray = field(default_factory=lambda: np.zeros(0))
    boost_state: np.ndarray = field(default_factory=lambda: np.zeros((0, 6)))

    @classmethod
    def from_trajectory(cls, tr: Trajectory, target_lat: float, target_lon: float, objects: int = 1,
                        beta_kg_m2: float | None = None) -> Nominal:
        """From a flown (nominal) trajectory batch of one: its burnout, impact and boost samples."""
        if not np.isfinite(tr.log.burnout_t[0]):
            raise InputError("dispersion: the nominal flight has no burnout state")
        if isinstance(objects, bool) or int(objects) != objects or objects < 1:
            raise InputError(f"dispersion: objects must be a whole number >= 1, got {objects!r}")
        tb = float(tr.log.burnout_t[0])
        if beta_kg_m2 is None:
            raise InputError("dispersion: the reentry beta of the objects is needed")
        bt, bs = np.zeros(0), np.zeros((0, 6))
        if tr.t is not None:
            t = tr.t[0]
            keep = np.isfinite(t) & (t < tb - 1e-9)
            bt, bs = t[keep].copy(), tr.state[0][keep].copy()
        return cls(tr.physics, tb, np.asarray(tr.log.burnout_state[0], float).copy(), float(beta_kg_m2),
                   int(objects), float(target_lat), float(target_lon), float(tr.launch_lat[0]),
                   float(tr.launch_lon[0]), float(tr.azimuth[0]), np.asarray(tr.log.impact_state[0], float).copy(),
                   bt, bs)

    @classmethod
    def from_flight(cls, flight: Flight, target_lat: float, target_lon: float, objects: int) -> Nominal:
        """From a solved (nominal) flight of a missile: its reentry objects' beta is the missile's."""
        return cls.from_trajectory(flight.trajectory, target_lat, target_lon, objects,
                                   flight.missile.reentry_beta_kg_m2 if flight.missile is not None else None)


# ------------------------------------------------------------------------------------------ sampling
def standard_normals(seed: int, start: int, stop: int, per_trial: int, key_salt: int | None = None) -> np.ndarray:
    """Standard normals (stop - start, per_trial) for trials [start, stop); row i depends on (seed, i) only."""
    from scipy.special import ndtri  # here, not at the top: SciPy's import (0.15-0.2 s) stays out of a run's
    # start, before the threat is aimed in a forked process (beside which the warm-up steps import it, where a
    # run has uncertain inputs: duel.trials.sensitivity.WARM_UP)

    key = int(seed) if key_salt is None else salted_key(seed, key_salt)
    u = philox_block(key, start, stop, per_trial)[:, :per_trial]
    return ndtri(np.clip(u, 2.0**-53, 1.0 - 2.0**-53))


def dispersed_states(nominal: Nominal, dispersion: Dispersion, z: np.ndarray) -> np.ndarray:
    """ECEF burnout states (T, W, 6) of every trial's objects from normals ``z`` (T, 3 + 3 W)."""
    T, W = z.shape[0], nominal.objects
    s0 = nominal.burnout_state
    lat, lon, _ = ecef_to_geodetic(s0[0], s0[1], s0[2], nominal.physics.earth)
    lat, lon = float(np.atleast_1d(lat)[0]), float(np.atleast_1d(lon)[0])
    v, g, az = (float(np.atleast_1d(a)[0]) for a in speed_angles(lat, lon, s0[3], s0[4], s0[5]))
    d = dispersion
    vel = velocity_from_speed_angles(np.full(T, lat), np.full(T, lon), v * (1.0 + d.speed_frac_sd * z[:, 0]),
                                     g + d.angle_sd_deg * z[:, 1], az + d.azimuth_sd_deg * z[:, 2])  # (T, 3)
    if not (d.speed_frac_sd or d.angle_sd_deg or d.azimuth_sd_deg):
        vel = np.broadcast_to(s0[3:], (T, 3)).copy()  # exactly the nominal velocity (no round trip)
    e, n, u = (b[0] for b in enu_basis(lat, lon))
    zr = z[:, 3:3 + 3 * W].reshape(T, W, 3)
    dv = d.release_sd_mps * (zr[..., 0:1] * e + zr[..., 1:2] * n + zr[..., 2:3] * u)  # (T, W, 3)
    out = np.empty((T, W, 6))
    out[..., :3] = s0[:3]
    out[..., 3:] = vel[:, None, :] + dv
    return out


# ------------------------------------------------------------------------------------------ flying
@dataclass
class DispersedFlight:
    """T trials x W objects flown from burnout: the event log (T W lanes, trial-major) and the recording."""

    nominal: Nominal
    trials: np.ndarray  # (T,) trial indices
    log: EventLog  # T * W lanes
    t: Any = None  # (T W, S) s from launch, recorded only (a JAX array when kept on the device)
    state: Any = None  # (T W, S, 6)


def fly_dispersed(nominal: Nominal, dispersion: Dispersion, seed: int, start: int, stop: int, *,
                  record: bool = False, backend: Backend | str = "numpy", policy: StepPolicy = StepPolicy(),
                  on_device: bool = False, beta_kg_m2: Any = None, observer: Observer | None = None
                  ) -> DispersedFlight:
    """Fly trials [start, stop) x W objects from the dispersed burnout states in one batch.

    ``beta_kg_m2``: the objects' reentry beta per trial (array (T,)), default the nominal one. ``backend``
    runs the flights; with ``on_device`` a JAX backend leaves the recording on its device (``t`` and
    ``state`` are JAX arrays). ``observer``: handed every object's samples as they are made (lane = trial x W
    + object; ``numpy`` only; :func:`duel.flight.integrate.integrate`).
    """
    T, W = stop - start, nominal.objects
    z = standard_normals(seed, start, stop, 3 + 3 * W)
    state0 = dispersed_states(nominal, dispersion, z).reshape(T * W, 6)
    t0 = np.full(T * W, nominal.burnout_t)
    beta = np.full(T, nominal.beta_kg_m2) if beta_kg_m2 is None else np.broadcast_to(beta_kg_m2, (T,))
    lanes = LaneParams(cutoff_s=t0.copy(), beta_kg_m2=np.repeat(np.asarray(beta, float), W))
    flown = integrate(state0, t0, lanes, None, nominal.physics, policy, backend=backend, record=record,
                      device_arrays=on_device, observer=observer)
    return DispersedFlight(nominal, np.arange(start, stop), flown.log, flown.t, flown.state)


# ------------------------------------------------------------------------------------------ statistics
def impact_offsets(nominal: Nominal, impact_state: np.ndarray) -> tuple[np.ndarray, ...]:
    """Impact latitude, longitude (deg), radial miss (m) and east/north offsets (m) from the target."""
    st = np.atleast_2d(impact_state)
    lat, lon, _ = ecef_to_geodetic(st[:, 0], st[:, 1], st[:, 2], nominal.physics.earth)
    lat, lon = np.atleast_1d(lat), np.atleast_1d(lon)
    miss = np.full(lat.shape, np.nan)
    az = np.full(lat.shape, np.nan)
    ok = np.isfinite(lat)
    if ok.any():
        az[ok], miss[ok] = geodesic_inverse(np.full(ok.sum(), nominal.target_lat), np.full(ok.sum(), nominal.target_lon),
                                            lat[ok], lon[ok], nominal.physics.earth)
    a = np.radians(az)
    return lat, lon, miss, miss * np.sin(a), miss * np.cos(a)


def footprint_m(east: np.ndarray, north: np.ndarray) -> np.ndarray:
    """Largest distance (m) between two objects' impact points of each trial (arrays (T, W))."""
    de = east[:, :, None] - east[:, None, :]
    dn = north[:, :, None] - north[:, None, :]
    return np.sqrt(de * de + dn * dn).max(axis=(1, 2))


def cep(miss: Any, seed: int = 0, resamples: int = BOOTSTRAP) -> tuple[float, tuple[float, float]]:
    """CEP (m): the median radial miss, with a 95 % interval.

    ``miss`` (T,) or (T, 1): order-statistic interval (distribution-free, coverage >= 95 %); (T, W > 1):
    percentile bootstrap resampling whole trials (objects of a trial are correlated). NaN misses (objects
    that did not land) are dropped.
    """
    from scipy.stats import binom

    m = np.asarray(miss, float)
    m = m[:, None] if m.ndim == 1 else m
    flat = m[np.isfinite(m)]
    if flat.size == 0:
        return math.nan, (math.nan, math.nan)
    med = float(np.median(flat))
    if m.shape[1] == 1:
        x = np.sort(flat)
        n = x.size
        j = max(1, int(binom.ppf(0.025, n, 0.5)))
        return med, (float(x[j - 1]), float(x[n - j]))
    rng = np.random.default_rng([int(seed), 0xCE9])
    T = m.shape[0]
    meds = np.empty(resamples)
    for b in range(resamples):  # loop over resamples, not trials
        s = m[rng.integers(0, T, T)]
        meds[b] = np.nanmedian(s)
    lo, hi = np.percentile(meds, [2.5, 97.5])
    return med, (float(lo), float(hi))


@dataclass
class ImpactDispersion:
    """Impact dispersion of T trials x W objects (arrays (T, W); SI; times s from launch)."""

    nominal: Nominal
    dispersion: Dispersion
    seed: int
    trials: np.ndarray
    impact_lat_deg: np.ndarray
    impact_lon_deg: np.ndarray
    impact_t_s: np.ndarray
    miss_m: np.ndarray
    east_m: np.ndarray
    north_m: np.ndarray
    landed: np.ndarray
    footprint_m: np.ndarray  # (T,)
    cep_m: float
    cep_ci95_m: tuple[float, float]
    seconds: float = 0.0

    def summary(self) -> dict[str, Any]:
        """JSON-ready summary (no per-object arrays)."""
        return {"trials": int(self.trials.size), "objects": int(self.nominal.objects), "seed": self.seed,
                "dispersion": self.dispersion.to_dict(), "cep_m": self.cep_m, "cep_ci95_m": list(self.cep_ci95_m),
                "mean_miss_m": float(np.nanmean(self.miss_m)),
                "footprint_median_m": float(np.median(self.footprint_m)),
                "footprint_max_m": float(np.max(self.footprint_m)),
                "impact_t_mean_s": float(np.nanmean(self.impact_t_s)),
                "landed_fraction": float(self.landed.mean()), "seconds": self.seconds}


def impact_dispersion(nom: Nominal, trials: int, seed: int, dispersion: Dispersion, *, start: int = 0,
                      backend: Backend | str = "numpy", chunk_trials: int | None = None,
                      policy: StepPolicy = StepPolicy()) -> ImpactDispersion:
    """Impact points, times, misses, footprints and CEP of trials [start, start + trials).

    ``chunk_trials`` bounds the lanes per integration call (default: about 20,000 objects); it never changes
    a number.
    """
    if isinstance(trials, bool) or int(trials) != trials or trials < 1:
        raise InputError(f"trials must be a whole number >= 1, got {trials!r}")
    W = nom.objects
    size = chunk_trials or max(1, 20_000 // W)
    t_start = time.perf_counter()
    impact_t, impact_state, status = [], [], []
    for a in range(start, start + trials, size):
        b = min(start + trials, a + size)
        fl = fly_dispersed(nom, dispersion, seed, a, b, backend=backend, policy=policy)
        impact_t.append(fl.log.impact_t)
        impact_state.append(fl.log.impact_state)
        status.append(fl.log.status)
    st = np.concatenate(impact_state)
    lat, lon, miss, east, north = (x.reshape(trials, W) for x in impact_offsets(nom, st))
    it = np.concatenate(impact_t).reshape(trials, W)
    landed = (np.concatenate(status) == IMPACT).reshape(trials, W)
    c, ci = cep(miss, seed)
    return ImpactDispersion(nom, dispersion, int(seed), np.arange(start, start + trials), lat, lon, it, miss, east,
                            north, landed, footprint_m(np.nan_to_num(east), np.nan_to_num(north)), c, ci,
                            time.perf_counter() - t_start)


# ------------------------------------------------------------------------------------------ duel trials
STEPWISE_BLOCK_OBJECTS = 32_000
"""Objects per block when the windows are accumulated in the flight loop: about 900 Kyiv trials; larger blocks
spread NumPy's per-call cost over more objects (2 Dec 2026, 1,000 Kyiv trials on 2 workers: 116-124 trials/s
with 8,000, 141-143 with 16,000, 147-150 with 32,000; 0.29 GB peak memory per process)."""


@dataclass
class DuelTrials:
    """Trial function (``fn(seed, start, stop) -> columns``) of full duels under threat dispersion.

    Columns per trial: ``leakers`` (int, one realisation, limits applied), ``all_stopped`` (bool),
    ``interceptors`` (int fired), ``p_all_stopped`` and ``expected_leakers`` (closed form conditional on the
    trial's layers, limits dropped), ``limits_bind`` (bool), ``layers`` (int), ``miss_m`` (median radial
    miss of the trial's objects), ``footprint_m``, ``impact_s`` (last impact, s from launch). See the module
    docstring for the model.

    Args:
        flight: the nominal aimed flight of the missile.
        defence: the nominal defence; every trial rebuilds it from ``inputs`` with its draws of ``uncertain``.
        identity: what identifies the run when a stored run is resumed (e.g. the scenario and ``--set``).
        backend: runs the flights and the defence.
        block_trials: trials per block (memory; default: with stored tracks 1,000 objects per block, times the
            backend's ``block_scale``, else :data:`STEPWISE_BLOCK_OBJECTS`).
        stored_tracks: on NumPy too, make the windows from stored tracks resampled every ``track_dt_s``
            (the path of the JAX backends, and the oracle of the windows accumulated in the flight loop).
    """

    flight: Flight
    defence: DefenceSetup
    inputs: Inputs
    uncertain: Sequence[UncertainInput]
    dispersion: Dispersion
    identity: dict[str, Any] = field(default_factory=dict)
    track_dt_s: float = 0.5
    block_trials: int | None = None
    policy: StepPolicy = field(default_factory=StepPolicy)
    backend: str = "numpy"
    stored_tracks: bool = False

    def __post_init__(self) -> None:
        target = self.defence.defended
        if target is None:
            raise InputError("duel trials: the defence has no defended point")
        self.nominal = Nominal.from_flight(self.flight, target.lat_deg, target.lon_deg, self.defence.objects)
        self._backend = get_backend(self.backend)
        self._stored = self.stored_tracks or self._backend.uses_jax
        if not self.track_dt_s > 0:
            raise InputError(f"track_dt_s: must be > 0, got {self.track_dt_s:g}")
        nom = self.nominal
        # one grid for every block (one compiled shape): launch (or burnout) to well past the nominal impact
        self._t0 = float(nom.boost_t[0]) if nom.boost_t.size else nom.burnout_t
        self._t_end = 1.05 * float(self.flight.trajectory.log.impact_t[0]) + 30.0

    def fingerprint(self) -> dict[str, Any]:
        return {"function": "duel.trials.dispersion.DuelTrials", **self.identity,
                "dispersion": self.dispersion.to_dict(), "track_dt_s": self.track_dt_s, "backend": self.backend,
                "windows": "stored-track" if self._stored else "stepwise",
                "policy": {k: getattr(self.policy, k) for k in vars(self.policy)}, "stream": "philox4x64/2"}

    def __call__(self, seed: int, start: int, stop: int) -> dict[str, np.ndarray]:
        W = self.nominal.objects
        objects = 1_000 * self._backend.block_scale if self._stored else STEPWISE_BLOCK_OBJECTS
        size = self.block_trials or max(1, int(objects) // W)
        size = -(-(stop - start) // -(-(stop - start) // size))  # as many blocks, evenly filled
        parts = [self._block(seed, a, min(stop, a + size)) for a in range(start, stop, size)]
        return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}

    def _block(self, seed: int, start: int, stop: int) -> dict[str, np.ndarray]:
        nom, be = self.nominal, self._backend
        T, W = stop - start, nom.objects
        defence, rows, fl, windows = self._flown(seed, start, stop, self._stored)
        earth = nom.physics.earth
        res = evaluate_rows(defence, earth, windows, rows, be, seed, inner=1, row_offset=start)
        leakers = res["mc_leakers"][:, 0]
        cols = {"leakers": leakers, "all_stopped": leakers == 0, "interceptors": res["mc_interceptors"][:, 0],
                "p_all_stopped": res["p_all_stopped"], "expected_leakers": res["expected_leakers"],
                "limits_bind": res["limits_bind"], "layers": res["layers"]}
        _, _, miss, east, north = impact_offsets(nom, fl.log.impact_state)
        miss, east, north = (x.reshape(T, W) for x in (miss, east, north))
        cols["miss_m"] = np.nanmedian(miss, axis=1)
        cols["footprint_m"] = footprint_m(np.nan_to_num(east), np.nan_to_num(north))
        cols["impact_s"] = np.nanmax(fl.log.impact_t.reshape(T, W), axis=1)
        return cols

    def _flown(self, seed: int, start: int, stop: int, stored: bool
               ) -> tuple[DefenceSetup, DefenceRows, DispersedFlight, WindowTable | TrackArrays]:
        """Trials [start, stop): their defence (drawn), its per-row arrays, the dispersed flights and the windows
        accumulated in the flight loop, or (``stored``) the objects' resampled tracks."""
        nom = self.nominal
        T, W = stop - start, nom.objects
        draws = sample(self.uncertain, T, seed, start=start, salt=INPUT_STREAM)  # the defence bands, per trial
        defence = self.defence.redrawn(self.inputs.with_values(draws))
        beta = draws.get(f"missile.{self.inputs.missile}.reentry_beta_kg_m2")
        rows = defence_rows(defence, T)
        ir = defence.space_ir  # its delays may be drawn per trial: objects along the first axis, trials the last
        cue = ir.warning(np.full((W, T), nom.burnout_t))[2].T if ir is not None else np.full((T, W), np.nan)
        if stored:
            fl, windows = self._stored_track_windows(seed, start, stop, beta, cue)
        else:
            fl, windows = self._stepwise_windows(seed, start, stop, beta, cue, rows, defence)
        return defence, rows, fl, windows

    def windows(self, seed: int, start: int, stop: int, stored: bool = False) -> WindowTable:
        """The windows (T, W, B) of trials [start, stop): accumulated in the flight loop, or (``stored``, NumPy)
        from the tracks resampled every ``track_dt_s`` (:func:`duel.defence.windows.window_table`, the oracle)."""
        defence, rows, _, w = self._flown(seed, start, stop, stored)
        if isinstance(w, WindowTable):
            return w
        return track_windows(w, rows, self.nominal.physics.earth, defence.params.doctrine == "sls", defence.networked)

    def _stepwise_windows(self, seed: int, start: int, stop: int, beta: Any, cue: np.ndarray, rows: DefenceRows,
                          defence: DefenceSetup) -> tuple[DispersedFlight, WindowTable]:
        """Fly trials [start, stop) with their windows accumulated in the flight loop (NumPy): the shared
        boost folded once per trial (each trial's first object's cue), then fanned out to the W objects."""
        nom = self.nominal
        T, W = stop - start, nom.objects
        timing = Timing(*(np.asarray(a).reshape(T, 1) for a in rows.timing._replace(cue_s=cue[:, :1])))
        acc = StepWindows(BatteryArrays(*(a[:, 0, :] for a in rows.bat)), timing, nom.physics.earth,
                          defence.params.doctrine == "sls", defence.networked)
        trials = np.arange(T)
        for k in range(nom.boost_t.size):
            acc.add(trials, np.full(T, nom.boost_t[k]), tuple(np.full(T, c) for c in nom.boost_state[k]))
        acc = acc.repeat(W)
        acc.set_cue(cue.reshape(-1))
        fl = fly_dispersed(nom, self.dispersion, seed, start, stop, policy=self.policy, beta_kg_m2=beta, observer=acc)
        wt = acc.result()
        return fl, WindowTable(*(np.asarray(a).reshape(T, W, -1) for a in wt[:5]))

    def _stored_track_windows(self, seed: int, start: int, stop: int, beta: Any, cue: np.ndarray
                              ) -> tuple[DispersedFlight, TrackArrays]:
        """Fly trials [start, stop) recorded on the backend's device and resample every object's track (nominal
        boost first) on a common grid of ``track_dt_s``, its impact in place of the first sample after it."""
        nom, be = self.nominal, self._backend
        T, W = stop - start, nom.objects
        xp = be.xp
        fl = fly_dispersed(nom, self.dispersion, seed, start, stop, record=True, policy=self.policy, backend=be,
                           on_device=be.uses_jax, beta_kg_m2=beta)
        t, st = fl.t, fl.state
        if nom.boost_t.size:  # the common boost before burnout
            n, m = t.shape[0], nom.boost_t.size
            t = xp.concatenate([xp.broadcast_to(xp.asarray(nom.boost_t), (n, m)), t], axis=1)
            st = xp.concatenate([xp.broadcast_to(xp.asarray(nom.boost_state), (n, m, 6)), st], axis=1)
        t_end = max(self._t_end, float(xp.nanmax(t)))
        grid = self._t0 + self.track_dt_s * np.arange(int(np.ceil((t_end - self._t0) / self.track_dt_s)) + 2)
        earth = nom.physics.earth
        resample = be.compiled(("grid_with_impacts", earth), partial(grid_with_impacts, earth=earth, xp=xp))
        times, lat, lon, alt, speed = resample(t, st, xp.asarray(grid))
        shape = (T, W, grid.size)
        return fl, TrackArrays(times.reshape(shape), lat.reshape(shape), lon.reshape(shape), alt.reshape(shape),
                               speed.reshape(shape), np.broadcast_to(cue, (T, W)))
