"""Aim: find the launch azimuth and the trajectory shape that take a flight from a launch point to a target.

Shapes: ``min-energy``, ``lofted``, ``depressed``, ``max-range``, ``apogee:KM``, ``flight-time:SECONDS``.

Method (predictor-corrector, batch-first):
1. Predictor. Candidate burnout states are mapped to impact points in closed form
   (:func:`duel.flight.kepler.kepler_arc`, vacuum two-body on the rotating Earth). For a staged missile the
   boost is flown once for a grid of kick angles with full burn; every state along the last stage is a
   candidate thrust cut-off. This picks the shape's parameters: for ``min-energy`` the kick whose
   cut-off reaches the target earliest (least propellant, so least burnout energy: the thrust-terminated
   minimum-energy arc); for ``lofted``/``depressed`` the two full-burn kicks that reach the target (steep
   and shallow branch); for ``apogee``/``flight-time`` the point on the iso-range curve with that apogee
   or time.
2. Corrector. Newton iterations on the full physics (drag, J2, rotation), with finite-difference
   Jacobians flown as extra trajectories in the same batch; the azimuth is corrected by the angle between
   the impact and the target seen from the launch point (which accounts for the Earth's rotation).

The miss distance actually achieved is reported; nothing here steers a vehicle in flight (no guidance).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from duel.errors import InputError
from duel.flight.dynamics import BoostTables, LaneParams, Physics
from duel.flight.integrate import integrate
from duel.flight.kepler import kepler_arc
from duel.flight.stepping import StepPolicy
from duel.flight.trajectory import Trajectory, fly_burnout, fly_staged
from duel.flight.vehicles import StagedMissile
from duel.physics.earth import (
    ecef_to_geodetic,
    enu_basis,
    geodesic_inverse,
    geodetic_to_ecef,
    velocity_from_speed_angles,
)

SHAPES = ("min-energy", "lofted", "depressed", "max-range", "apogee:KM", "flight-time:SECONDS")
MISS_TOL_M = 5.0
KICK_GRID_DEG = np.concatenate([np.linspace(0.5, 5.0, 10), np.linspace(6.0, 40.0, 35), np.linspace(42.0, 76.0, 18)])


@dataclass(frozen=True)
class Shape:
    """A trajectory shape: its kind and, for ``apogee``/``flight-time``, the value (m or s)."""

    kind: str
    value: float | None = None

    @property
    def label(self) -> str:
        """The shape as the user writes it."""
        if self.kind == "apogee":
            return f"apogee:{self.value / 1e3:g}"  # type: ignore[operator]
        if self.kind == "flight-time":
            return f"flight-time:{self.value:g}"
        return self.kind


def parse_shape(text: str) -> Shape:
    """Parse ``--trajectory`` text into a :class:`Shape` (apogee in km and flight time in s at the edge)."""
    t = text.strip().lower()
    if t in ("min-energy", "lofted", "depressed", "max-range"):
        return Shape(t)
    for kind, scale in (("apogee", 1e3), ("flight-time", 1.0)):
        if t.startswith(kind + ":"):
            try:
                value = float(t.split(":", 1)[1])
            except ValueError:
                raise InputError(f"--trajectory: '{text}' needs a number after '{kind}:'") from None
            if not np.isfinite(value) or value <= 0:
                raise InputError(f"--trajectory: {kind} must be a positive number, got '{text}'")
            return Shape(kind, value * scale)
    raise InputError(f"--trajectory: unknown shape '{text}'; use one of {', '.join(SHAPES)}")


@dataclass
class AimResult:
    """The solved flight (one recorded trajectory), its parameters and the miss distance achieved (m)."""

    trajectory: Trajectory
    shape: Shape
    azimuth_deg: float
    miss_m: float
    params: dict[str, float] = field(default_factory=dict)
    iterations: int = 0


@dataclass(frozen=True)
class Target:
    """Launch point and target (geodetic deg) with the geodesic between them on the model Earth."""

    lat0: float
    lon0: float
    lat1: float
    lon1: float
    azimuth_deg: float
    distance_m: float
    radius_m: float  # geocentric radius of the target point on the figure

    @classmethod
    def between(cls, lat0: float, lon0: float, lat1: float, lon1: float, physics: Physics) -> Target:
        """The target seen from the launch point on ``physics.earth``."""
        az, d = geodesic_inverse(lat0, lon0, lat1, lon1, physics.earth)
        if float(d) < 1_000.0:
            raise InputError("--to: the target is less than 1 km from the launch point")
        r = np.linalg.norm(np.array(geodetic_to_ecef(lat1, lon1, 0.0, physics.earth)).ravel())
        return cls(lat0, lon0, lat1, lon1, float(az), float(d), float(r))

    def seen(self, tr: Trajectory) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For each impact: range error (m, + = long), azimuth error (deg, target minus impact) and miss (m)."""
        lat, lon = tr.impact_geodetic()
        az, d = geodesic_inverse(np.full(len(lat), self.lat0), np.full(len(lat), self.lon0), lat, lon, tr.earth)
        _, miss = geodesic_inverse(lat, lon, np.full(len(lat), self.lat1), np.full(len(lat), self.lon1), tr.earth)
        daz = (self.azimuth_deg - az + 180.0) % 360.0 - 180.0
        bad = ~tr.landed
        return np.where(bad, np.nan, d - self.distance_m), np.where(bad, np.nan, daz), np.where(bad, np.nan, miss)

    def predict(self, state: np.ndarray, t_burnout: np.ndarray, earth: Any) -> dict[str, np.ndarray]:
        """Closed-form (Kepler) range error (m), total time (s) and apogee height (m) of burnout states."""
        arc = kepler_arc(state, earth, self.radius_m)
        lat, lon, _ = ecef_to_geodetic(arc.impact_ecef[:, 0], arc.impact_ecef[:, 1], arc.impact_ecef[:, 2], earth)
        ok = np.isfinite(lat)
        d = np.full(len(lat), np.nan)
        if ok.any():
            _, d[ok] = geodesic_inverse(np.full(ok.sum(), self.lat0), np.full(ok.sum(), self.lon0), lat[ok], lon[ok],
                                        earth)
        return {"range_err": d - self.distance_m, "time": t_burnout + arc.time_s,
                "apogee": arc.apogee_radius_m - self.radius_m}


def _newton(
    fly: Callable[[np.ndarray, np.ndarray, bool], Trajectory], target: Target, p0: np.ndarray, az0: np.ndarray,
    steps: np.ndarray, lower: np.ndarray, upper: np.ndarray,
    extra: Callable[[Trajectory], np.ndarray] | None = None, extra_goal: float = 0.0, max_iter: int = 12,
    record: bool = False, defer_record: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, Trajectory]:
    """Batched Newton corrector for B independent aim problems with k shape parameters plus the azimuth.

    ``fly(params (M, k), azimuth (M,), record)`` flies M trajectories. Residuals: the range error, the
    cross-range error and, when k = 2, ``extra(tr) - extra_goal`` (flight time or apogee). The Jacobian
    comes from k + 1 extra lanes per problem offset by ``steps`` (k,) and 0.001 deg in azimuth, all flown in
    the same batch. Returns, for the last parameters flown: parameters (B, k), azimuths (B,), misses (B,)
    (m), the number of iterations and the B flights themselves (recorded when ``record``). With
    ``defer_record`` the iterations fly unrecorded (e.g. on a GPU backend) and the solution is flown once more,
    recorded.
    """
    x = np.column_stack([np.array(p0, float), np.array(az0, float)])  # (B, k + 1), azimuth last
    b, k1 = x.shape
    k = k1 - 1
    st = np.append(steps, 1e-3)
    lo, hi = np.append(lower, -np.inf), np.append(upper, np.inf)
    span = np.where(np.isfinite(hi - lo), (hi - lo) / 4, 5.0)  # longest Newton step (damping)
    for it in range(1, max_iter + 1):
        lanes = (x[:, None, :] + np.vstack([np.zeros(k1), np.diag(st)])[None]).reshape(-1, k1)
        tr = fly(lanes[:, :k], lanes[:, k], record and not defer_record)
        rng_err, daz, m = (a.reshape(b, k1 + 1) for a in target.seen(tr))
        res = [rng_err, -np.radians(daz) * target.distance_m]
        if k == 2:
            res.append((extra(tr) - extra_goal).reshape(b, k1 + 1))  # type: ignore[misc]
        r = np.stack(res, axis=-1)  # (B, lanes, residuals)
        ok = np.isfinite(r).all(axis=(1, 2))
        done = ok & (m[:, 0] < MISS_TOL_M)
        if k == 2:
            done &= np.abs(r[:, 0, -1]) < 1e-3 * abs(extra_goal) + 0.5
        if done.all() or it == max_iter:
            break
        jac = (r[:, 1:, :] - r[:, :1, :]).transpose(0, 2, 1) / st[None, None, :]  # d residual / d parameter
        rhs = -np.where(ok[:, None], r[:, 0, :], 0.0)[..., None]
        with np.errstate(invalid="ignore"):
            dx = np.linalg.solve(np.where(ok[:, None, None], jac, np.eye(k1)), rhs)[..., 0]
        dx = np.clip(np.nan_to_num(dx), -span, span)
        x = np.where(ok[:, None], np.clip(x + dx, lo, hi), x)
    base = np.arange(b) * (k1 + 1)
    sol = tr.take(base)
    if record and defer_record:
        sol = fly(lanes[base, :k], lanes[base, k], True)
    return x[:, :k], x[:, k], m[:, 0], it, sol


def _defer(backend: Any) -> bool:
    """True when ``backend`` cannot record time series (anything but NumPy)."""
    return backend is not None and backend.name != "numpy"


def _miss_or_fail(miss: float, what: str) -> None:
    """Raise when the corrector did not bring the impact within 1 km of the target."""
    if not np.isfinite(miss):
        raise InputError(f"--to: the solver found no {what} that lands; the target may be out of reach")
    if miss > 1_000.0:
        raise InputError(f"--to: the solver did not converge on a {what} (best miss {miss / 1e3:,.1f} km); "
                         "the target may be at the edge of reach for this shape")


# ----------------------------------------------------------------------------------------------- burnout states
def aim_burnout(
    target: Target, shape: Shape, physics: Physics, beta_kg_m2: float, speed_mps: float | None = None,
    altitude_m: float = 0.0, policy: StepPolicy = StepPolicy(), backend: Any = None,
) -> AimResult:
    """Aim a free flight that starts at burnout over the launch point.

    With ``speed_mps`` the solver finds the angle of the ``lofted`` or ``depressed`` branch; without it,
    ``min-energy`` finds the minimum burnout speed and its angle.
    """

    def fly_va(v: np.ndarray, g: np.ndarray, az: np.ndarray, record: bool = False) -> Trajectory:
        return fly_burnout(target.lat0, target.lon0, altitude_m, v, g, az, beta_kg_m2, physics, policy, record, backend)

    def predict(v: np.ndarray, g: np.ndarray) -> dict[str, np.ndarray]:
        n = len(v)
        lat, lon = np.full(n, target.lat0), np.full(n, target.lon0)
        pos = np.column_stack(geodetic_to_ecef(lat, lon, np.full(n, altitude_m), physics.earth))
        vel = velocity_from_speed_angles(lat, lon, v, g, np.full(n, target.azimuth_deg))
        return target.predict(np.column_stack([pos, vel]), np.zeros(n), physics.earth)

    if speed_mps is None:
        if shape.kind != "min-energy":
            raise InputError(f"--trajectory {shape.label}: without --burnout-speed only min-energy can be solved")
        # predictor: for each angle the speed that reaches the target (vacuum), then the least of them
        angles = np.linspace(5.0, 85.0, 161)
        speeds = np.linspace(200.0, 7_800.0, 381)
        gg, vv = np.meshgrid(angles, speeds, indexing="ij")
        err = predict(vv.ravel(), gg.ravel())["range_err"].reshape(gg.shape)
        v_hit = _first_crossing(speeds, err)
        if not np.isfinite(v_hit).any():
            raise InputError("--to: no burnout speed below orbital speed reaches the target")
        j = int(np.nanargmin(v_hit))
        cand = angles[max(j - 3, 0): j + 4]
        v0 = np.interp(cand, angles, np.nan_to_num(v_hit, nan=7_800.0))
        # corrector on speed for 7 angles around the predicted optimum; then the minimum over angle
        p, az, miss, it, _ = _newton(
            lambda q, a, rec: fly_va(q[:, 0], np.repeat(cand, len(a) // len(cand)), a, rec), target, v0[:, None],
            np.full(len(cand), target.azimuth_deg), np.array([1.0]), np.array([50.0]), np.array([7_900.0]))
        good = np.isfinite(miss) & (miss < 100.0)
        if good.sum() < 3:
            _miss_or_fail(np.nan, "burnout speed")
        g_best, _ = _parabola_min(cand[good], p[good, 0])
        p1, az1, miss1, it1, tr = _newton(
            lambda q, a, rec: fly_va(q[:, 0], np.full(len(a), g_best), a, rec), target,
            np.array([[np.interp(g_best, cand[good], p[good, 0])]]), np.array([np.interp(g_best, cand[good], az[good])]),
            np.array([1.0]), np.array([50.0]), np.array([7_900.0]), record=True, defer_record=_defer(backend))
        _miss_or_fail(miss1[0], "burnout speed")
        return AimResult(tr, shape, float(az1[0]), float(miss1[0]),
                         {"burnout_speed_mps": float(p1[0, 0]), "burnout_angle_deg": float(g_best)}, it + it1)

    if shape.kind not in ("lofted", "depressed"):
        raise InputError(f"--trajectory {shape.label}: with --burnout-speed use lofted or depressed "
                         "(the speed fixes the minimum-energy range; drop --burnout-speed to solve for it)")
    if physics.atmosphere:
        # drag matters for a burnout low in the air: scan the angles with the full physics (one batch)
        angles = np.linspace(1.0, 89.0, 89)
        err = target.seen(fly_va(np.full(len(angles), speed_mps), angles, np.full(len(angles), target.azimuth_deg)))[0]
    else:
        angles = np.linspace(0.5, 89.5, 891)
        err = predict(np.full(len(angles), speed_mps), angles)["range_err"]
    roots = _roots(angles, err)
    if not roots:
        reach = np.nanmax(err) + target.distance_m
        raise InputError(
            f"--to: {target.distance_m / 1e3:,.0f} km is beyond the reach of a {speed_mps:,.0f} m/s burnout "
            f"(at most {reach / 1e3:,.0f} km on any arc)")
    g0 = roots[-1] if shape.kind == "lofted" else roots[0]
    p, az, miss, it, tr = _newton(lambda q, a, rec: fly_va(np.full(len(a), speed_mps), q[:, 0], a, rec), target,
                                  np.array([[g0]]), np.array([target.azimuth_deg]), np.array([0.01]),
                                  np.array([0.1]), np.array([89.9]), record=True, defer_record=_defer(backend))
    _miss_or_fail(miss[0], "burnout angle")
    return AimResult(tr, shape, float(az[0]), float(miss[0]),
                     {"burnout_speed_mps": speed_mps, "burnout_angle_deg": float(p[0, 0])}, it)


def _first_crossing(x: np.ndarray, err: np.ndarray) -> np.ndarray:
    """Per row of err (rows over a parameter, columns over x ascending): the x where err first turns >= 0."""
    pos = np.nan_to_num(err, nan=-np.inf) >= 0
    has = pos.any(axis=1) & ~pos[:, 0]
    j = np.argmax(pos, axis=1)
    out = np.full(err.shape[0], np.nan)
    r = np.nonzero(has)[0]
    e0, e1 = err[r, j[r] - 1], err[r, j[r]]
    out[r] = x[j[r] - 1] + (x[j[r]] - x[j[r] - 1]) * (-e0) / (e1 - e0)
    return out


def _roots(x: np.ndarray, f: np.ndarray) -> list[float]:
    """Sign changes of f over x, by linear interpolation (NaN gaps skipped)."""
    out = []
    for i in range(len(x) - 1):
        a, b = f[i], f[i + 1]
        if np.isfinite(a) and np.isfinite(b) and (a < 0) != (b < 0):
            out.append(float(x[i] + (x[i + 1] - x[i]) * (-a) / (b - a)))
    return out


def _parabola_min(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Minimum of the parabola fitted through the lowest point of (x, y) and its neighbours."""
    j = int(np.clip(np.argmin(y), 1, len(x) - 2))
    c = np.polyfit(x[j - 1: j + 2], y[j - 1: j + 2], 2)
    if c[0] <= 0:
        return float(x[np.argmin(y)]), float(np.min(y))
    xm = float(np.clip(-c[1] / (2 * c[0]), x[j - 1], x[j + 1]))
    return xm, float(np.polyval(c, xm))


# ------------------------------------------------------------------------------------------------ staged missiles
@dataclass
class _BoostGrid:
    """Candidate cut-offs of a staged missile: for each kick (K,), times (K, S) and ECEF states (K, S, 6)
    along the last stage, S samples, the final one being full burn."""

    kicks: np.ndarray
    t: np.ndarray
    state: np.ndarray


def _boost_grid(missile: StagedMissile, target: Target, physics: Physics, policy: StepPolicy) -> _BoostGrid:
    tables = BoostTables.from_missile(missile)
    k = len(KICK_GRID_DEG)
    lat, lon = np.full(k, target.lat0), np.full(k, target.lon0)
    x, y, z = geodetic_to_ecef(lat, lon, np.zeros(k), physics.earth)
    east, north, up = enu_basis(lat, lon)
    kk, a = np.radians(KICK_GRID_DEG)[:, None], np.radians(target.azimuth_deg)
    kick_dir = np.cos(kk) * up + np.sin(kk) * (np.sin(a) * east + np.cos(a) * north)
    lanes = LaneParams(np.full(k, tables.end_s[-1]), np.full(k, missile.reentry_beta_kg_m2), kick_dir)
    flown = integrate(np.column_stack([x, y, z, np.zeros((k, 3))]), np.zeros(k), lanes, tables, physics,
                      policy, record=True, until_burnout=True)
    log, t, st = flown.log, flown.t, flown.state
    t_first_cut = tables.pitch_vertical_s + tables.pitch_kick_s  # cut-offs are allowed once the kick is over
    flew = np.isfinite(log.burnout_t)  # kicks that crash during the boost are dropped from the grid
    if not flew.any():
        raise InputError(f"--missile: {missile.id} does not survive its boost at any kick angle")
    t, st, log_t, log_s, kicks = t[flew], st[flew], log.burnout_t[flew], log.burnout_state[flew], KICK_GRID_DEG[flew]
    k = int(flew.sum())
    sel = [np.nonzero(np.isfinite(t[i]) & (t[i] >= t_first_cut))[0] for i in range(k)]
    width = max(len(s) for s in sel) + 1
    tt = np.full((k, width), np.nan)
    ss = np.full((k, width, 6), np.nan)
    for i, s in enumerate(sel):
        tt[i, : len(s)], ss[i, : len(s)] = t[i, s], st[i, s]
        tt[i, len(s)], ss[i, len(s)] = log_t[i], log_s[i]
    return _BoostGrid(kicks, tt, ss)


def aim_staged(
    missile: StagedMissile, target: Target, shape: Shape, physics: Physics, beta_kg_m2: float | None = None,
    policy: StepPolicy = StepPolicy(), backend: Any = None,
) -> AimResult:
    """Aim a staged missile at the target on the given trajectory shape (see the module docstring)."""
    tables = BoostTables.from_missile(missile)
    full = float(tables.end_s[-1])
    earliest_cut = tables.pitch_vertical_s + tables.pitch_kick_s + 0.1
    beta = missile.reentry_beta_kg_m2 if beta_kg_m2 is None else beta_kg_m2
    grid = _boost_grid(missile, target, physics, policy)
    kk, ss = grid.kicks.size, grid.t.shape[1]
    pred = target.predict(grid.state.reshape(-1, 6), grid.t.ravel(), physics.earth)
    err = pred["range_err"].reshape(kk, ss)
    time, apogee = pred["time"].reshape(kk, ss), pred["apogee"].reshape(kk, ss)
    last = np.array([np.nonzero(np.isfinite(grid.t[i]))[0][-1] for i in range(kk)])
    full_err = err[np.arange(kk), last]
    max_range = target.distance_m + np.nanmax(full_err) if np.isfinite(full_err).any() else 0.0

    def fly_kc(q: np.ndarray, az: np.ndarray, record: bool = False) -> Trajectory:
        return fly_staged(missile, target.lat0, target.lon0, az, q[:, 0], q[:, 1], physics, beta, policy, record,
                          backend)

    def too_far(what: str) -> InputError:
        return InputError(
            f"--to: {target.distance_m / 1e3:,.0f} km is beyond {missile.id}'s maximum range of "
            f"{max_range / 1e3:,.0f} km on this trajectory ({what})")

    if shape.kind == "max-range":
        j = int(np.nanargmax(full_err))
        lo, hi = max(j - 2, 0), min(j + 3, kk)
        kicks = np.linspace(grid.kicks[lo], grid.kicks[hi - 1], 9)
        tr = fly_kc(np.column_stack([kicks, np.full(9, full)]), np.full(9, target.azimuth_deg))
        rng = tr.ground_range_m()
        kick, _ = _parabola_min(kicks, -np.nan_to_num(rng, nan=0.0))
        tr = fly_kc(np.array([[kick, full]]), np.array([target.azimuth_deg]), record=True)
        return AimResult(tr, shape, target.azimuth_deg, float(target.seen(tr)[2][0]),
                         {"kick_deg": kick, "cutoff_s": full, "cutoff_stage": len(tables.end_s)}, 1)

    # cut-off time at which each kick's trajectory reaches the target (NaN where it cannot)
    cut = np.full(kk, np.nan)
    for i in range(kk):
        row = err[i, : last[i] + 1]
        c = _roots(grid.t[i, : last[i] + 1], row)
        if c:
            cut[i] = c[0]
    if shape.kind == "min-energy":
        if not np.isfinite(cut).any():
            raise too_far("minimum-energy")
        j = int(np.nanargmin(cut))
        lo, hi = max(j - 1, 0), min(j + 2, kk)
        ok = np.isfinite(cut[lo:hi])
        kick = _parabola_min(grid.kicks[lo:hi][ok], cut[lo:hi][ok])[0] if ok.sum() == 3 else float(grid.kicks[j])
        c0 = float(np.interp(kick, grid.kicks[lo:hi][ok], cut[lo:hi][ok])) if ok.sum() > 1 else float(cut[j])
        p, az, miss, it, tr = _newton(
            lambda q, a, rec: fly_kc(np.column_stack([np.full(len(a), kick), q[:, 0]]), a, rec), target,
            np.array([[c0]]), np.array([target.azimuth_deg]), np.array([0.02]), np.array([earliest_cut]),
            np.array([full]), record=True, defer_record=_defer(backend))
        _miss_or_fail(miss[0], "cut-off time")
        q = np.array([[kick, p[0, 0]]])
    elif shape.kind in ("lofted", "depressed"):
        roots = _roots(grid.kicks, full_err)
        if not roots:
            if np.nanmax(full_err) < 0:
                raise too_far(f"{shape.kind}, full burn")
            raise InputError(f"--trajectory {shape.kind}: no full-burn {shape.kind} arc of {missile.id} comes "
                             f"down at {target.distance_m / 1e3:,.0f} km; try min-energy or flight-time:SECONDS")
        # range over kick rises to the maximum-range kick and falls after it: steep branch before, shallow after
        k_max = grid.kicks[int(np.nanargmax(full_err))]
        branch = [r for r in roots if (r < k_max) == (shape.kind == "lofted")]
        if not branch:
            raise InputError(f"--trajectory {shape.kind}: no full-burn {shape.kind} arc of {missile.id} comes down "
                             f"at {target.distance_m / 1e3:,.0f} km; try min-energy, apogee:KM or flight-time:SECONDS")
        k0 = branch[-1] if shape.kind == "lofted" else branch[0]
        p, az, miss, it, tr = _newton(
            lambda q, a, rec: fly_kc(np.column_stack([q[:, 0], np.full(len(a), full)]), a, rec), target,
            np.array([[k0]]), np.array([target.azimuth_deg]), np.array([0.01]), np.array([grid.kicks[0]]),
            np.array([grid.kicks[-1]]), record=True, defer_record=_defer(backend))
        _miss_or_fail(miss[0], "kick angle")
        q = np.array([[p[0, 0], full]])
    else:  # apogee or flight time on the iso-range curve
        key = "apogee" if shape.kind == "apogee" else "time"
        vals = np.array([np.interp(cut[i], grid.t[i, : last[i] + 1], (apogee if key == "apogee" else time)[i, : last[i] + 1])
                         if np.isfinite(cut[i]) else np.nan for i in range(kk)])
        if not np.isfinite(vals).any():
            raise too_far(shape.label)
        goal = float(shape.value)  # type: ignore[arg-type]
        roots = _roots(grid.kicks, vals - goal)
        if not roots:
            unit, scale = ("km", 1e3) if key == "apogee" else ("s", 1.0)
            raise InputError(
                f"--trajectory {shape.label}: unreachable for {target.distance_m / 1e3:,.0f} km with {missile.id}; "
                f"{key} can range from {np.nanmin(vals) / scale:,.0f} to {np.nanmax(vals) / scale:,.0f} {unit}")
        k0 = roots[0]
        c0 = float(np.interp(k0, grid.kicks[np.isfinite(cut)], cut[np.isfinite(cut)]))

        def extra(tr: Trajectory) -> np.ndarray:
            return tr.log.apogee_h if key == "apogee" else tr.log.impact_t

        p, az, miss, it, tr = _newton(fly_kc, target, np.array([[k0, c0]]), np.array([target.azimuth_deg]),
                                      np.array([0.01, 0.02]), np.array([grid.kicks[0], earliest_cut]),
                                      np.array([grid.kicks[-1], full]), extra=extra, extra_goal=goal, record=True,
                                      defer_record=_defer(backend))
        _miss_or_fail(miss[0], shape.label)
        q = p
    cut_stage = int(np.searchsorted(tables.end_s, q[0, 1] - 1e-6)) + 1
    return AimResult(tr, shape, float(az[0]), float(miss[0]),
                     {"kick_deg": float(q[0, 0]), "cutoff_s": float(q[0, 1]), "cutoff_stage": cut_stage}, it)
