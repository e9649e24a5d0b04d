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
the missile, drag, rotation, J2 as the nominal flight) in ONE batch from t_b: :func:`duel.flight.integrate.
integrate` with ``tables=None`` and ``t0 = t_b``, or :meth:`duel.backend.Backend.run_integration` for
unrecorded flights (impact points only). With every sigma zero the batch reproduces the nominal impact
(same states, same steps: identical to the last bit for the NumPy path).

Random streams: the normals of trial i are the uniforms [i K, (i + 1) K) of the Philox-4x64 stream keyed
by ``seed`` (:func:`duel.montecarlo.philox_block`, K = 3 + 3 W rounded up to 4), mapped by the inverse
normal CDF. The raid draws of a duel trial come from a second Philox stream (key derived from ``seed``)
opened at counter i 2^32. Nothing depends on the batch size, the chunking or the order of chunks.

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
One trial = one full duel: the T x W dispersed objects are flown with recording, prefixed with the nominal
boost (common to all), resampled to a :class:`~duel.defence.sensors.ThreatTrack` of T x W objects and
passed to :func:`~duel.defence.engagement.battery_windows` for each battery (vectorised over all objects
of the block; the windows may differ per object). The cue (space IR) and readiness (notice) are those of
:func:`duel.run.evaluate` with the nominal inputs. Per trial the layers follow
:func:`duel.defence.engagement.raid_layers`: a battery is a layer for this trial when every one of the
trial's objects has a window, with the smallest opportunity count over them, ordered by the earliest window
start (conservative, as in the nominal run). The raid is then solved two ways per trial:

* ``p_all_stopped`` / ``expected_leakers``: the closed form (Wilkening) conditional on the trial's layers,
  limits dropped: exact when ``limits_bind`` is False, an upper bound on the defence otherwise;
* ``leakers`` / ``interceptors`` / ``all_stopped``: one seeded realisation of the raid Monte Carlo
  (:func:`duel.defence.raid.simulate_trials`, magazines and fire channels applied), trials with identical
  layers simulated together.

So the mean of ``all_stopped`` estimates P(every warhead stopped) with the limits; the mean of
``p_all_stopped`` is the lower-variance (Rao-Blackwellised) estimate when no limit binds.
The defence inputs are nominal (the scenario's ``[uncertain]`` bands are not drawn here yet).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from duel.errors import InputError
from duel.flight.integrate import IMPACT, StepPolicy
from duel.threat_defaults import nominal

__all__ = [
    "Dispersion",
    "Nominal",
    "DispersedFlight",
    "ImpactDispersion",
    "standard_normals",
    "dispersed_states",
    "fly_dispersed",
    "impact_dispersion",
    "cep",
    "footprint_m",
    "DuelTrials",
    "duel_trials",
]

RAID_STREAM = 0x5A1D  # salt of the raid stream key
RAID_COUNTER_STRIDE = 1 << 32  # Philox counter steps reserved per trial in the raid stream
BOOTSTRAP = 400


# ------------------------------------------------------------------------------------------ the model
@dataclass(frozen=True)
class Dispersion:
    """Gaussian 1-sigma errors: burnout speed (fraction), flight-path angle (deg), azimuth (deg), and the
    per-object release velocity increment (m/s per axis, isotropic). Defaults: the notional values of
    ``duel/data/notional-threat.toml``."""

    speed_frac_sd: float = field(default_factory=lambda: nominal("dispersion_speed_frac_sd"))
    angle_sd_deg: float = field(default_factory=lambda: nominal("dispersion_angle_sd_deg"))
    azimuth_sd_deg: float = field(default_factory=lambda: nominal("dispersion_azimuth_sd_deg"))
    release_sd_mps: float = field(default_factory=lambda: nominal("dispersion_release_sd_mps"))

    def __post_init__(self) -> None:
        for name in ("speed_frac_sd", "angle_sd_deg", "azimuth_sd_deg", "release_sd_mps"):
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and math.isfinite(v) and v >= 0):
                raise InputError(f"dispersion.{name}: must be a finite number >= 0, got {v!r}")

    def to_dict(self) -> dict[str, float]:
        return {"speed_frac_sd": self.speed_frac_sd, "angle_sd_deg": self.angle_sd_deg,
                "azimuth_sd_deg": self.azimuth_sd_deg, "release_sd_mps": self.release_sd_mps}


ZERO = Dispersion(0.0, 0.0, 0.0, 0.0)


@dataclass(frozen=True)
class Nominal:
    """The nominal burnout and what the dispersed flights need (SI; ECEF m and m/s; times s from launch).

    ``boost_t`` (M,) and ``boost_state`` (M, 6): the nominal recorded samples strictly before burnout
    (prefix of the threat tracks); ``target_lat``/``target_lon`` (deg): the aim point.
    """

    physics: Any
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
    def from_trajectory(cls, tr: Any, target_lat: float, target_lon: float, objects: int = 1,
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
    def from_setup(cls, setup: Any, objects: int | None = None) -> Nominal:
        """From a resolved scenario (:func:`duel.run.resolve`): W = ``setup.warheads`` objects by default."""
        if setup.flight is None:
            raise InputError("dispersion: the scenario was resolved without flying (fly=False)")
        beta = setup.scenario.threat.beta_kg_m2 or setup.missile.reentry_beta_kg_m2
        return cls.from_trajectory(setup.flight.trajectory, setup.target.lat_deg, setup.target.lon_deg,
                                   setup.warheads if objects is None else objects, beta)


# ------------------------------------------------------------------------------------------ sampling
def standard_normals(seed: int, start: int, stop: int, per_trial: int, key_salt: int | None = None) -> np.ndarray:
    """Standard normals (stop - start, per_trial) for trials [start, stop); row i depends on (seed, i) only."""
    from scipy.special import ndtri

    from duel.montecarlo import philox_block

    key = int(seed) if key_salt is None else _salted(seed, key_salt)
    u = philox_block(key, start, stop, per_trial)[:, :per_trial]
    return ndtri(np.clip(u, 2.0**-53, 1.0 - 2.0**-53))


def _salted(seed: int, salt: int) -> int:
    return int(np.random.SeedSequence([int(seed), int(salt)]).generate_state(2, dtype=np.uint64).astype(object)
               .dot([1, 1 << 64]))


def dispersed_states(nominal: Nominal, dispersion: Dispersion, z: np.ndarray) -> np.ndarray:
    """ECEF burnout states (T, W, 6) of every trial's objects from normals ``z`` (T, 3 + 3 W)."""
    from duel.earth import ecef_to_geodetic, enu_basis, speed_angles, velocity_from_speed_angles

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
    log: Any  # EventLog of T * W lanes
    t: np.ndarray | None = None  # (T W, S) s from launch, recorded only
    state: np.ndarray | None = None  # (T W, S, 6)

    @property
    def shape(self) -> tuple[int, int]:
        return self.trials.size, self.nominal.objects

    def trajectory(self, with_boost: bool = True) -> Any:
        """The recorded flights as a :class:`~duel.flight.trajectory.Trajectory` of T W objects, optionally
        prefixed with the nominal boost samples (common to all)."""
        from duel.flight.trajectory import Trajectory

        if self.t is None:
            raise InputError("dispersion: the flights were not recorded (record=False)")
        nom, n = self.nominal, self.t.shape[0]
        t, st = self.t, self.state
        if with_boost and nom.boost_t.size:
            t = np.concatenate([np.broadcast_to(nom.boost_t, (n, nom.boost_t.size)), t], axis=1)
            st = np.concatenate([np.broadcast_to(nom.boost_state, (n, *nom.boost_state.shape)), st], axis=1)
        return Trajectory(nom.physics, np.full(n, nom.launch_lat), np.full(n, nom.launch_lon),
                          np.full(n, nom.azimuth_deg), self.log, t, st)


def fly_dispersed(nominal: Nominal, dispersion: Dispersion, seed: int, start: int, stop: int, *,
                  record: bool = False, backend: Any = None, policy: StepPolicy = StepPolicy()) -> DispersedFlight:
    """Fly trials [start, stop) x W objects from the dispersed burnout states in one batch.

    ``backend`` (a :class:`duel.backend.Backend` or its name) runs unrecorded flights; recording uses NumPy.
    """
    from duel.flight.dynamics import LaneParams
    from duel.flight.integrate import integrate

    T, W = stop - start, nominal.objects
    z = standard_normals(seed, start, stop, 3 + 3 * W)
    state0 = dispersed_states(nominal, dispersion, z).reshape(T * W, 6)
    t0 = np.full(T * W, nominal.burnout_t)
    lanes = LaneParams(cutoff_s=t0.copy(), beta_kg_m2=np.full(T * W, nominal.beta_kg_m2))
    if isinstance(backend, str):
        from duel.backend import get_backend

        backend = get_backend(backend)
    trials = np.arange(start, stop)
    if not record and backend is not None and backend.name != "numpy":
        return DispersedFlight(nominal, trials, backend.run_integration(state0, t0, lanes, None, nominal.physics,
                                                                         policy))
    log, rec = integrate(state0, t0, lanes, None, nominal.physics, policy, record)
    t, st = rec.assemble(T * W) if rec is not None else (None, None)
    return DispersedFlight(nominal, trials, log, t, st)


# ------------------------------------------------------------------------------------------ statistics
def impact_offsets(nominal: Nominal, impact_state: np.ndarray) -> tuple[np.ndarray, ...]:
    """Impact latitude, longitude (deg), radial miss (m) and east/north offsets (m) from the target."""
    from duel.earth import ecef_to_geodetic, geodesic_inverse

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


def impact_dispersion(nominal: Any, trials: int, seed: int = 0, dispersion: Dispersion = Dispersion(), *,
                      start: int = 0, backend: Any = None, chunk_trials: int | None = None,
                      policy: StepPolicy = StepPolicy()) -> ImpactDispersion:
    """Impact points, times, misses, footprints and CEP of trials [start, start + trials).

    ``nominal``: a :class:`Nominal` or a resolved :class:`duel.run.Setup`. ``chunk_trials`` bounds the
    lanes per integration call (default: about 20,000 objects); it never changes a number.
    """
    import time

    if isinstance(trials, bool) or int(trials) != trials or trials < 1:
        raise InputError(f"trials must be a whole number >= 1, got {trials!r}")
    nom = nominal if isinstance(nominal, Nominal) else Nominal.from_setup(nominal)
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


# ------------------------------------------------------------------------------------------ fast geodesic
def andoyer_lambert_m(lat1: Any, lon1: Any, lat2: Any, lon2: Any, earth: Any = None) -> np.ndarray:
    """Ellipsoidal distance (m) by the Andoyer-Lambert first-order flattening correction (pure NumPy).

    Within about 10 m of the Karney geodesic (pyproj) up to a few thousand km; about 30x faster. Used
    only when :class:`DuelTrials` is asked for ``fast_geodesic`` (engagement ranges are tens to hundreds
    of km, so the error is far below the window grid).
    """
    from duel.earth import earth_model

    e = earth or earth_model()
    a, f = e.a_m, 1.0 - e.b_m / e.a_m
    p1, p2 = np.radians(np.asarray(lat1, float)), np.radians(np.asarray(lat2, float))
    dl = np.radians(np.asarray(lon2, float) - np.asarray(lon1, float))
    b1, b2 = np.arctan((1 - f) * np.tan(p1)), np.arctan((1 - f) * np.tan(p2))
    h = np.sin((b2 - b1) / 2) ** 2 + np.cos(b1) * np.cos(b2) * np.sin(dl / 2) ** 2
    sig = 2.0 * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    P, Q = (b1 + b2) / 2, (b2 - b1) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        X = (sig - np.sin(sig)) * np.sin(P) ** 2 * np.cos(Q) ** 2 / np.cos(sig / 2) ** 2
        Y = (sig + np.sin(sig)) * np.cos(P) ** 2 * np.sin(Q) ** 2 / np.sin(sig / 2) ** 2
    corr = np.where(sig > 1e-12, f / 2 * (X + Y), 0.0)
    return a * (sig - corr)


def _fast_track_class() -> type:
    from duel.defence.sensors import ThreatTrack

    class FastGeodesicTrack(ThreatTrack):
        """A :class:`ThreatTrack` whose ground distances use :func:`andoyer_lambert_m` (NumPy, no pyproj)."""

        def ground_distance_m(self, lat_deg: float, lon_deg: float, lat: Any = None, lon: Any = None) -> np.ndarray:
            lat = self.lat_deg if lat is None else np.asarray(lat, float)
            lon = self.lon_deg if lon is None else np.asarray(lon, float)
            return andoyer_lambert_m(lat_deg, lon_deg, lat, lon)

    return FastGeodesicTrack


def __getattr__(name: str) -> Any:
    if name == "FastGeodesicTrack":
        return _fast_track_class()
    raise AttributeError(name)


# ------------------------------------------------------------------------------------------ duel trials
@dataclass
class DuelTrials:
    """Trial function (``fn(seed, start, stop) -> columns``) of full duels under threat dispersion.

    Columns per trial: ``leakers`` (int, one realisation, limits applied), ``all_stopped`` (bool),
    ``interceptors`` (int fired), ``p_all_stopped`` and ``expected_leakers`` (closed form conditional on the
    trial's layers, limits dropped), ``limits_bind`` (bool), ``layers`` (int), ``miss_m`` (median radial
    miss of the trial's objects), ``footprint_m``, ``impact_s`` (last impact, s from launch). See the module
    docstring for the model. ``block_trials`` bounds the objects per engagement block (memory).
    """

    setup: Any
    dispersion: Dispersion = field(default_factory=Dispersion)
    track_dt_s: float = 0.5
    block_trials: int | None = None
    policy: StepPolicy = field(default_factory=StepPolicy)
    fast_geodesic: bool = False

    def __post_init__(self) -> None:
        from duel.defence.sensors import readiness

        self.nominal = Nominal.from_setup(self.setup)
        self.ready = readiness(self.setup.notice, self.setup.decision_delay_s)

    def fingerprint(self) -> dict[str, Any]:
        sc = self.setup.scenario
        return {"function": "duel.dispersion.DuelTrials", "scenario": sc.model_dump(mode="json"),
                "dispersion": self.dispersion.to_dict(), "track_dt_s": self.track_dt_s,
                "fast_geodesic": self.fast_geodesic,
                "policy": {k: getattr(self.policy, k) for k in vars(self.policy)}, "stream": "philox4x64/1"}

    def __call__(self, seed: int, start: int, stop: int) -> dict[str, np.ndarray]:
        W = self.nominal.objects
        size = self.block_trials or max(1, 1_000 // W)
        parts = [self._block(seed, a, min(stop, a + size)) for a in range(start, stop, size)]
        return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}

    def _block(self, seed: int, start: int, stop: int) -> dict[str, np.ndarray]:
        from duel.defence.engagement import battery_windows
        from duel.defence.sensors import ThreatTrack

        setup, nom, ready = self.setup, self.nominal, self.ready
        T, W = stop - start, nom.objects
        fl = fly_dispersed(nom, self.dispersion, seed, start, stop, record=True, policy=self.policy)
        track = ThreatTrack.from_trajectory(fl.trajectory(), self.track_dt_s)
        if self.fast_geodesic:
            track = _fast_track_class()(*(getattr(track, k) for k in ("time_s", "lat_deg", "lon_deg", "alt_m",
                                                                    "speed_mps", "burnout_s", "impact_s", "labels")))
        if setup.space_ir is not None:
            _, _, cue = setup.space_ir.warning(track.burnout_s)
        else:
            cue = np.full(track.n, np.nan)
        opp, first = [], []
        for b in setup.batteries:
            e = battery_windows(track, b, cue, ready.decision_delay_s, b.type.reaction_time_s * ready.reaction_factor,
                                setup.params)
            o = e.opportunities().reshape(T, W)
            f = np.full(T * W, np.inf)
            for w in e.windows:  # one small record per window
                f[w.object_index] = min(f[w.object_index], w.t_first_s)
            opp.append(o)
            first.append(f.reshape(T, W).min(axis=1))
        opp_min = np.stack([o.min(axis=1) for o in opp], axis=1) if opp else np.zeros((T, 0), int)  # (T, B)
        t_first = np.stack(first, axis=1) if first else np.zeros((T, 0))
        cols = self._raid(seed, start, stop, opp_min, t_first)
        _, _, miss, east, north = impact_offsets(nom, fl.log.impact_state)
        miss, east, north = (x.reshape(T, W) for x in (miss, east, north))
        cols["miss_m"] = np.nanmedian(miss, axis=1)
        cols["footprint_m"] = footprint_m(np.nan_to_num(east), np.nan_to_num(north))
        cols["impact_s"] = np.nanmax(fl.log.impact_t.reshape(T, W), axis=1)
        return cols

    def _layers(self, opp_row: np.ndarray, first_row: np.ndarray) -> tuple[Any, ...]:
        """This trial's layers (raid_layers' rule): batteries with a window for every object, by t_first."""
        from duel.defence.raid import Layer

        p = self.setup.params
        usable = sorted((float(first_row[i]), i, int(opp_row[i])) for i in range(opp_row.size) if opp_row[i] >= 1)
        out = []
        for _, i, o in usable:
            b = self.setup.batteries[i]
            out.append(Layer(sspk=b.type.sspk, shots=p.shots, opportunities=o, doctrine=p.doctrine,  # type: ignore[arg-type]
                             p_kill_assessment=p.p_kill_assessment, magazine=b.magazine,
                             fire_channels=b.type.simultaneous_engagements, name=b.label))
        return tuple(out)

    def _raid(self, seed: int, start: int, stop: int, opp: np.ndarray, first: np.ndarray) -> dict[str, np.ndarray]:
        from duel.defence import raid

        sc = self.setup.scenario
        T = stop - start
        w, d = self.setup.warheads, sc.threat.decoys
        pt, pdw, ct = sc.doctrine.p_track, sc.threat.p_decoy_engaged, sc.doctrine.common_mode
        leakers = np.full(T, w, dtype=np.int64)
        used = np.zeros(T, dtype=np.int64)
        p_all = np.zeros(T)
        e_leak = np.full(T, float(w))
        binds = np.zeros(T, dtype=bool)
        n_layers = np.zeros(T, dtype=np.int64)
        groups: dict[tuple[Any, ...], list[int]] = {}
        for r in range(T):  # grouping only; each group is solved in one vectorised call
            groups.setdefault(self._layers(opp[r], first[r]), []).append(r)
        key = _salted(seed, RAID_STREAM)
        for layers, rows in groups.items():
            idx = np.asarray(rows)
            if not layers:
                continue
            n_layers[idx] = len(layers)
            cf = raid.closed_form_raid(w, d, layers, pt, pdw, ct, ignore_limits=True)
            p_all[idx], e_leak[idx] = cf.p_zero_leakers, cf.expected_leakers
            binds[idx] = any(ly.limits_can_bind(w + d) for ly in layers)
            kp = raid.draws_per_trial(w + d, layers)
            u = np.stack([np.random.Generator(np.random.Philox(key=key, counter=(start + r) * RAID_COUNTER_STRIDE))
                          .random(kp) for r in rows])
            leakers[idx], used[idx] = raid.simulate_trials(u, w, d, layers, pt, pdw, ct)
        return {"leakers": leakers, "all_stopped": leakers == 0, "interceptors": used, "p_all_stopped": p_all,
                "expected_leakers": e_leak, "limits_bind": binds, "layers": n_layers}


def duel_trials(setup: Any, dispersion: Dispersion = Dispersion(), **kwargs: Any) -> DuelTrials:
    """The trial function of full duels for :func:`duel.montecarlo.run_monte_carlo` (see :class:`DuelTrials`)."""
    return DuelTrials(setup, dispersion, **kwargs)
