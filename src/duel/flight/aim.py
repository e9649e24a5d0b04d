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

from collections.abc import Callable, Sequence
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
# longest azimuth step of the corrector (deg): the cross-range error is smooth in the azimuth, and a lofted arc
# lands tens of degrees off its great-circle azimuth (Earth's rotation during a long flight); 5 deg steps took
# Krichev -> Kyiv lofted 11 flights, 45 deg take 4 (docs/performance.md)
AZIMUTH_STEP_DEG = 45.0
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
        return _seen([self], tr.n, tr)

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


def miss_of(targets: Sequence[Target], tr: Trajectory) -> np.ndarray:
    """Miss distance (m) of flight i from ``targets[i]`` (NaN where it did not land)."""
    return _seen(targets, 1, tr)[2]


def _seen(targets: Sequence[Target], per: int, tr: Trajectory) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:meth:`Target.seen` of ``len(targets) * per`` flights, ``per`` consecutive ones for each target."""

    def lanes(name: str) -> np.ndarray:
        return np.repeat([getattr(t, name) for t in targets], per)

    lat, lon = tr.impact_geodetic()
    az, d = geodesic_inverse(lanes("lat0"), lanes("lon0"), lat, lon, tr.earth)
    _, miss = geodesic_inverse(lat, lon, lanes("lat1"), lanes("lon1"), tr.earth)
    daz = (lanes("azimuth_deg") - az + 180.0) % 360.0 - 180.0
    bad = ~tr.landed
    return (np.where(bad, np.nan, d - lanes("distance_m")), np.where(bad, np.nan, daz),
            np.where(bad, np.nan, miss))


def _newton(
    fly: Callable[[np.ndarray, np.ndarray, bool], Trajectory], targets: Sequence[Target], p0: np.ndarray,
    az0: np.ndarray, steps: np.ndarray, lower: np.ndarray, upper: np.ndarray,
    extra: Callable[[Trajectory], np.ndarray] | None = None, extra_goal: Any = 0.0, max_iter: int = 12,
    record: bool = False, defer_record: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, Trajectory]:
    """Batched Newton corrector for B independent aim problems with k shape parameters plus the azimuth.

    ``targets`` (B): problem b's target. ``fly(params (M, k), azimuth (M,), record)`` flies M trajectories,
    M / B consecutive lanes per problem. Residuals: the range error, the cross-range error and, when k = 2,
    ``extra(tr) - extra_goal`` (flight time or apogee; ``extra_goal`` scalar or (B,)). The Jacobian comes from
    k + 1 extra lanes per problem offset by ``steps`` ((k,) or (B, k)) and 0.001 deg in azimuth, all flown in the same
    batch; ``lower``/``upper`` are (k,) or (B, k). A problem that has converged keeps its parameters while the
    others iterate, so its answer is the one it gets alone. Returns, for the last parameters flown:
    parameters (B, k), azimuths (B,), misses (B,) (m), each problem's number of iterations (B,) and the B
    flights themselves (recorded when ``record``). With ``defer_record`` the iterations fly unrecorded (e.g.
    on a GPU backend) and the solutions are flown once more, recorded.
    """
    x = np.column_stack([np.array(p0, float), np.array(az0, float)])  # (B, k + 1), azimuth last
    b, k1 = x.shape
    k = k1 - 1
    st = np.column_stack([np.broadcast_to(np.asarray(steps, float), (b, k)), np.full(b, 1e-3)])  # (B, k + 1)
    lo = np.column_stack([np.broadcast_to(np.asarray(lower, float), (b, k)), np.full(b, -np.inf)])
    hi = np.column_stack([np.broadcast_to(np.asarray(upper, float), (b, k)), np.full(b, np.inf)])
    span = np.where(np.isfinite(hi - lo), (hi - lo) / 4, AZIMUTH_STEP_DEG)  # longest Newton step (damping)
    goal = np.broadcast_to(np.asarray(extra_goal, float), (b,))
    distance = np.array([t.distance_m for t in targets])
    iters = np.zeros(b, int)
    for it in range(1, max_iter + 1):
        lanes = (x[:, None, :] + st[:, None, :] * np.vstack([np.zeros(k1), np.eye(k1)])[None]).reshape(-1, k1)
        tr = fly(lanes[:, :k], lanes[:, k], record and not defer_record)
        rng_err, daz, m = (a.reshape(b, k1 + 1) for a in _seen(targets, k1 + 1, tr))
        res = [rng_err, -np.radians(daz) * distance[:, None]]
        if k == 2:
            res.append(extra(tr).reshape(b, k1 + 1) - goal[:, None])  # type: ignore[misc]
        r = np.stack(res, axis=-1)  # (B, lanes, residuals)
        ok = np.isfinite(r).all(axis=(1, 2))
        done = ok & (m[:, 0] < MISS_TOL_M)
        if k == 2:
            done &= np.abs(r[:, 0, -1]) < 1e-3 * np.abs(goal) + 0.5
        iters = np.where((iters == 0) & (done | (it == max_iter)), it, iters)
        if done.all() or it == max_iter:
            break
        jac = (r[:, 1:, :] - r[:, :1, :]).transpose(0, 2, 1) / st[:, None, :]  # d residual / d parameter
        rhs = -np.where(ok[:, None], r[:, 0, :], 0.0)[..., None]
        with np.errstate(invalid="ignore"):
            dx = np.linalg.solve(np.where(ok[:, None, None], jac, np.eye(k1)), rhs)[..., 0]
        dx = np.clip(np.nan_to_num(dx), -span, span)
        x = np.where((ok & ~done)[:, None], np.clip(x + dx, lo, hi), x)
    base = np.arange(b) * (k1 + 1)
    sol = tr.take(base)
    if record and defer_record:
        sol = fly(lanes[base, :k], lanes[base, k], True)
    return x[:, :k], x[:, k], m[:, 0], iters, sol


def is_numpy(backend: Any) -> bool:
    """True when ``backend`` is NumPy's (None stands for it): the one that records time series in its loop (any
    other flies the iterations unrecorded and the solution once more, recorded)."""
    return backend is None or backend.name == "numpy"


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
            lambda q, a, rec: fly_va(q[:, 0], np.repeat(cand, len(a) // len(cand)), a, rec), [target] * len(cand),
            v0[:, None],
            np.full(len(cand), target.azimuth_deg), np.array([1.0]), np.array([50.0]), np.array([7_900.0]))
        good = np.isfinite(miss) & (miss < 100.0)
        if good.sum() < 3:
            _miss_or_fail(np.nan, "burnout speed")
        g_best, _ = _parabola_min(cand[good], p[good, 0])
        p1, az1, miss1, it1, tr = _newton(
            lambda q, a, rec: fly_va(q[:, 0], np.full(len(a), g_best), a, rec), [target],
            np.array([[np.interp(g_best, cand[good], p[good, 0])]]), np.array([np.interp(g_best, cand[good], az[good])]),
            np.array([1.0]), np.array([50.0]), np.array([7_900.0]), record=True, defer_record=not is_numpy(backend))
        _miss_or_fail(miss1[0], "burnout speed")
        return AimResult(tr, shape, float(az1[0]), float(miss1[0]),
                         {"burnout_speed_mps": float(p1[0, 0]), "burnout_angle_deg": float(g_best)},
                         int(it.max() + it1[0]))

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
    p, az, miss, it, tr = _newton(lambda q, a, rec: fly_va(np.full(len(a), speed_mps), q[:, 0], a, rec), [target],
                                  np.array([[g0]]), np.array([target.azimuth_deg]), np.array([0.01]),
                                  np.array([0.1]), np.array([89.9]), record=True, defer_record=not is_numpy(backend))
    _miss_or_fail(miss[0], "burnout angle")
    return AimResult(tr, shape, float(az[0]), float(miss[0]),
                     {"burnout_speed_mps": speed_mps, "burnout_angle_deg": float(p[0, 0])}, int(it[0]))


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


def _boost_grids(missile: StagedMissile, targets: Sequence[Target], physics: Physics,
                 policy: StepPolicy) -> list[_BoostGrid | InputError]:
    """The boost grid of each target's launch point and azimuth, all kicks of all targets flown in one batch
    (each lane is flown independently, so a target's grid does not depend on the others in the batch)."""
    tables = BoostTables.from_missile(missile)
    k, n = len(KICK_GRID_DEG), len(targets)
    lat = np.repeat([tg.lat0 for tg in targets], k)
    lon = np.repeat([tg.lon0 for tg in targets], k)
    x, y, z = geodetic_to_ecef(lat, lon, np.zeros(k * n), physics.earth)
    east, north, up = enu_basis(lat, lon)
    kk = np.tile(np.radians(KICK_GRID_DEG), n)[:, None]
    a = np.repeat(np.radians([tg.azimuth_deg for tg in targets]), k)[:, None]
    kick_dir = np.cos(kk) * up + np.sin(kk) * (np.sin(a) * east + np.cos(a) * north)
    lanes = LaneParams(np.full(k * n, tables.end_s[-1]), np.full(k * n, missile.reentry_beta_kg_m2), kick_dir)
    flown = integrate(np.column_stack([x, y, z, np.zeros((k * n, 3))]), np.zeros(k * n), lanes, tables, physics,
                      policy, record=True, until_burnout=True)
    t_first_cut = tables.pitch_vertical_s + tables.pitch_kick_s  # cut-offs are allowed once the kick is over
    out: list[_BoostGrid | InputError] = []
    for j in range(n):
        rows = slice(j * k, (j + 1) * k)
        log_t, log_s = flown.log.burnout_t[rows], flown.log.burnout_state[rows]
        flew = np.isfinite(log_t)  # kicks that crash during the boost are dropped from the grid
        if not flew.any():
            out.append(InputError(f"--missile: {missile.id} does not survive its boost at any kick angle"))
            continue
        t, st = flown.t[rows][flew], flown.state[rows][flew]
        log_t, log_s, kicks = log_t[flew], log_s[flew], KICK_GRID_DEG[flew]
        sel = [np.nonzero(np.isfinite(ti) & (ti >= t_first_cut))[0] for ti in t]
        width = max(len(s) for s in sel) + 1
        tt = np.full((len(sel), width), np.nan)
        ss = np.full((len(sel), width, 6), np.nan)
        for i, s in enumerate(sel):
            tt[i, : len(s)], ss[i, : len(s)] = t[i, s], st[i, s]
            tt[i, len(s)], ss[i, len(s)] = log_t[i], log_s[i]
        out.append(_BoostGrid(kicks, tt, ss))
    return out


@dataclass(frozen=True)
class _Plan:
    """What the corrector solves for one target: of the flight parameters (kick deg, cut-off s), starting at
    ``start``, the ``free`` ones (indices), with their finite-difference steps and bounds; ``key`` (``apogee``
    or ``time``, when both are free) is held at ``goal``; ``what`` names the parameter in a failure."""

    start: tuple[float, float]
    free: tuple[int, ...]
    steps: tuple[float, ...]
    lower: tuple[float, ...]
    upper: tuple[float, ...]
    what: str
    key: str = ""
    goal: float = 0.0


@dataclass(frozen=True)
class _MaxRange:
    """The full-burn kicks (deg) to fly around the boost grid's longest arc; the range's parabola gives the
    ``max-range`` kick."""

    kicks: np.ndarray


def _plan(missile: StagedMissile, target: Target, shape: Shape, grid: _BoostGrid, physics: Physics,
          tables: BoostTables) -> _Plan | _MaxRange:
    """The predictor for one target: a corrector plan, or (``max-range``) the kicks to fly; raises
    :class:`InputError` where the shape cannot reach the target."""
    full = float(tables.end_s[-1])
    earliest_cut = tables.pitch_vertical_s + tables.pitch_kick_s + 0.1
    kk, ss = grid.kicks.size, grid.t.shape[1]
    pred = target.predict(grid.state.reshape(-1, 6), grid.t.ravel(), physics.earth)
    err = pred["range_err"].reshape(kk, ss)
    time, apogee = pred["time"].reshape(kk, ss), pred["apogee"].reshape(kk, ss)
    last = np.array([np.nonzero(np.isfinite(grid.t[i]))[0][-1] for i in range(kk)])
    full_err = err[np.arange(kk), last]
    max_range = target.distance_m + np.nanmax(full_err) if np.isfinite(full_err).any() else 0.0

    def too_far(what: str) -> InputError:
        return InputError(
            f"--to: {target.distance_m / 1e3:,.0f} km is beyond {missile.id}'s maximum range of "
            f"{max_range / 1e3:,.0f} km on this trajectory ({what})")

    if shape.kind == "max-range":
        j = int(np.nanargmax(full_err))
        return _MaxRange(np.linspace(grid.kicks[max(j - 2, 0)], grid.kicks[min(j + 3, kk) - 1], 9))
    # cut-off time at which each kick's trajectory reaches the target (NaN where it cannot)
    cut = np.full(kk, np.nan)
    for i in range(kk):
        c = _roots(grid.t[i, : last[i] + 1], err[i, : last[i] + 1])
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
        return _Plan((kick, c0), (1,), (0.02,), (earliest_cut,), (full,), "cut-off time")
    if shape.kind in ("lofted", "depressed"):
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
        return _Plan((k0, full), (0,), (0.01,), (float(grid.kicks[0]),), (float(grid.kicks[-1]),), "kick angle")
    # apogee or flight time on the iso-range curve
    key = "apogee" if shape.kind == "apogee" else "time"
    along = apogee if key == "apogee" else time
    vals = np.array([np.interp(cut[i], grid.t[i, : last[i] + 1], along[i, : last[i] + 1])
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
    return _Plan((k0, c0), (0, 1), (0.01, 0.02), (float(grid.kicks[0]), earliest_cut), (float(grid.kicks[-1]), full),
                 shape.label, key, goal)


def aim_staged(
    missile: StagedMissile, target: Target, shape: Shape, physics: Physics, beta_kg_m2: float | None = None,
    policy: StepPolicy = StepPolicy(), backend: Any = None,
) -> AimResult:
    """Aim a staged missile at the target on the given trajectory shape (see the module docstring)."""
    res = aim_staged_many(missile, [target], [shape], physics, beta_kg_m2, policy, backend)[0]
    if isinstance(res, InputError):
        raise res
    return res


def aim_staged_many(
    missile: StagedMissile, targets: Sequence[Target], shapes: Sequence[Shape], physics: Physics,
    beta_kg_m2: float | None = None, policy: StepPolicy = StepPolicy(), backend: Any = None,
) -> list[AimResult | InputError]:
    """Aim a staged missile at each (target, shape) pair, all in shared batches: one boost grid per distinct
    target, one corrector per number of free parameters. Item i is the result of pair i, or the
    :class:`InputError` that says why it cannot be flown. Every pair's result is the one it gets alone (lanes
    are flown independently and a converged problem is frozen while the others iterate)."""
    if len(targets) != len(shapes):
        raise ValueError("targets and shapes must have the same length")
    tables = BoostTables.from_missile(missile)
    full = float(tables.end_s[-1])
    beta = missile.reentry_beta_kg_m2 if beta_kg_m2 is None else beta_kg_m2
    out: list[AimResult | InputError | None] = [None] * len(targets)
    distinct = list(dict.fromkeys(targets))
    grid_of = dict(zip(distinct, _boost_grids(missile, distinct, physics, policy)))
    plans: dict[int, _Plan | _MaxRange] = {}
    for i, (tg, shape) in enumerate(zip(targets, shapes)):
        grid = grid_of[tg]
        try:
            if isinstance(grid, InputError):
                raise grid
            plans[i] = _plan(missile, tg, shape, grid, physics, tables)
        except InputError as exc:
            out[i] = exc

    def fly_kc(idx: list[int], kc: np.ndarray, az: np.ndarray, record: bool) -> Trajectory:
        """Flights of the problems ``idx``, ``len(az) / len(idx)`` consecutive lanes each: kick kc[:, 0] (deg),
        cut-off kc[:, 1] (s)."""
        per = len(az) // len(idx)
        lat = np.repeat([targets[i].lat0 for i in idx], per)
        lon = np.repeat([targets[i].lon0 for i in idx], per)
        return fly_staged(missile, lat, lon, az, kc[:, 0], kc[:, 1], physics, beta, policy, record, backend)

    ranged = {i: p for i, p in plans.items() if isinstance(p, _MaxRange)}
    if ranged:  # max-range: 9 full-burn kicks around the grid's best, then the parabola's peak
        idx = list(ranged)
        ks = np.concatenate([p.kicks for p in ranged.values()])
        az = np.repeat([targets[i].azimuth_deg for i in idx], 9)
        rng = fly_kc(idx, np.column_stack([ks, np.full(ks.size, full)]), az, False).ground_range_m().reshape(-1, 9)
        best = [_parabola_min(p.kicks, -np.nan_to_num(r, nan=0.0))[0] for p, r in zip(ranged.values(), rng)]
        tr = fly_kc(idx, np.column_stack([best, np.full(len(idx), full)]), az[::9], True)
        miss = miss_of([targets[i] for i in idx], tr)
        for b, i in enumerate(idx):
            out[i] = AimResult(tr.take(b), shapes[i], targets[i].azimuth_deg, float(miss[b]),
                               {"kick_deg": float(best[b]), "cutoff_s": full, "cutoff_stage": len(tables.end_s)}, 1)

    # one corrector per number of free parameters (and held quantity): e.g. a minimum-energy arc (free cut-off)
    # and a lofted one (free kick) iterate in the same batches
    groups: dict[tuple[int, str], list[int]] = {}
    for i, p in plans.items():
        if isinstance(p, _Plan):
            groups.setdefault((len(p.free), p.key), []).append(i)
    for (_, key), idx in groups.items():
        ps = [p for i in idx if isinstance(p := plans[i], _Plan)]
        start = np.array([p.start for p in ps])  # (B, 2): kick, cut-off
        cols = np.array([p.free for p in ps])  # (B, k): which of them each problem solves for

        def fly(q: np.ndarray, az: np.ndarray, record: bool, idx: list[int] = idx, start: np.ndarray = start,
                cols: np.ndarray = cols) -> Trajectory:
            per = len(az) // len(idx)
            kc = np.repeat(start, per, axis=0)
            kc[np.arange(len(az))[:, None], np.repeat(cols, per, axis=0)] = q
            return fly_kc(idx, kc, az, record)

        def extra(tr: Trajectory, key: str = key) -> np.ndarray:
            return tr.log.apogee_h if key == "apogee" else tr.log.impact_t

        p, az, miss, its, tr = _newton(
            fly, [targets[i] for i in idx], np.take_along_axis(start, cols, axis=1),
            np.array([targets[i].azimuth_deg for i in idx]), np.array([q.steps for q in ps]), np.array([q.lower for q in ps]),
            np.array([q.upper for q in ps]), extra=extra if key else None, extra_goal=np.array([q.goal for q in ps]),
            record=True, defer_record=not is_numpy(backend))
        for b, i in enumerate(idx):
            try:
                _miss_or_fail(float(miss[b]), ps[b].what)
            except InputError as exc:
                out[i] = exc
                continue
            kc = start[b].copy()
            kc[cols[b]] = p[b]
            cut_stage = int(np.searchsorted(tables.end_s, kc[1] - 1e-6)) + 1
            out[i] = AimResult(tr.take(b), shapes[i], float(az[b]), float(miss[b]),
                               {"kick_deg": float(kc[0]), "cutoff_s": float(kc[1]), "cutoff_stage": cut_stage},
                               int(its[b]))
    assert all(r is not None for r in out)
    return out  # type: ignore[return-value]
