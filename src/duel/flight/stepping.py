"""The pieces of the one integration loop, written once against an array namespace ``xp``.

After diffrax's split: the vector field is :func:`duel.flight.dynamics.acceleration`; the stepper is
classical RK4 (:func:`rk4_step`); the step policy (:class:`StepPolicy`) picks each trajectory's step from its
phase and height and shortens it so that no step crosses a thrust-phase boundary (end of the vertical rise
and of the kick, stage burnouts, thrust cut-off); events (:mod:`duel.flight.events`) are detected per step
(:func:`crossed`) and located on the cubic Hermite interpolant of the height built from the states and
vertical speeds at both ends of the step (:func:`locate`, fixed-count bisection; :func:`event_state`).

Both drivers of :mod:`duel.flight.integrate` call these same functions: the NumPy driver on the lanes still
flying (it compacts landed ones out), the compiled driver on fixed-shape arrays under ``jax.lax.while_loop``.
No operation mixes trajectories, so N trajectories in one call give the numbers of N single calls.
Units: SI; states are ECEF positions (m) and Earth-relative velocities (m/s), six arrays of shape (N,).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from duel.flight.dynamics import COAST, BoostTables, LaneParams, Physics, acceleration, phase_and_stage
from duel.flight.events import Crossing
from duel.physics.earth import height_xp

BISECT_ITERS = 50  # bisection steps on the Hermite interpolant (2^-50 of a step)

Accel = Callable[..., tuple[Any, Any, Any]]
Fori = Callable[[int, int, Callable[[int, Any], Any], Any], Any]


@dataclass(frozen=True)
class StepPolicy:
    """Step sizes (s): ``boost_s`` in powered flight; in free flight ``high_s`` above ``high_m``,
    ``mid_s`` down to ``low_m`` and ``low_s`` below, never more than ``drag_fraction`` of the drag time
    scale 2 beta / (rho v) (so low-beta objects get small steps where drag is strong), nor less than
    ``min_s``. ``t_max_s`` ends flights that never come down. ``max_steps`` steps or ``max_wall_s`` seconds of
    computing end a pathological batch with :class:`duel.errors.FlightBudgetError` (a normal IRBM flight takes a
    few hundred steps and well under a second).

    The defaults keep impact points within a few metres of the DOP853 reference (rtol 1e-9) for staged
    IRBM flights (docs/validation.md).
    """

    boost_s: float = 1.0
    high_s: float = 10.0
    mid_s: float = 2.0
    low_s: float = 1.0
    high_m: float = 80_000.0
    low_m: float = 40_000.0
    drag_fraction: float = 0.05
    min_s: float = 0.01
    t_max_s: float = 4 * 3600.0
    max_steps: int = 100_000
    max_wall_s: float = 120.0

    def coast_step(self, h: Any, speed: Any, beta: Any, xp: Any = np) -> Any:
        """Free-flight step (s) for heights h (m), speeds (m/s) and ballistic coefficients (kg/m^2)."""
        band = xp.where(h > self.high_m, self.high_s, xp.where(h > self.low_m, self.mid_s, self.low_s))
        rho_est = 1.225 * xp.exp(-xp.maximum(h, 0.0) / 7_200.0)  # exponential air, for the step size only
        tau = 2.0 * beta / (rho_est * xp.maximum(speed, 1.0))
        return xp.maximum(xp.minimum(band, self.drag_fraction * tau), self.min_s)


def rk4_step(t: Any, s: tuple[Any, ...], dt: Any, rhs: Any) -> tuple[Any, ...]:
    """One classical Runge-Kutta step of size dt (per trajectory) for the second-order system rhs(t, s)."""

    def deriv(tt: Any, st: tuple[Any, ...]) -> tuple[Any, ...]:
        ax, ay, az = rhs(tt, st)
        return st[3], st[4], st[5], ax, ay, az

    k1 = deriv(t, s)
    half = 0.5 * dt
    k2 = deriv(t + half, tuple(a + half * b for a, b in zip(s, k1)))
    k3 = deriv(t + half, tuple(a + half * b for a, b in zip(s, k2)))
    k4 = deriv(t + dt, tuple(a + dt * b for a, b in zip(s, k3)))
    sixth = dt / 6.0
    return tuple(a + sixth * (b1 + 2.0 * b2 + 2.0 * b3 + b4) for a, b1, b2, b3, b4 in zip(s, k1, k2, k3, k4))


def hermite(p0: Any, d0: Any, p1: Any, d1: Any, dt: Any, tau: Any) -> tuple[Any, Any]:
    """Cubic Hermite value and time derivative at fraction ``tau`` of a step (values p, time derivatives d)."""
    t2, t3 = tau * tau, tau * tau * tau
    h00, h10, h01, h11 = 2 * t3 - 3 * t2 + 1, t3 - 2 * t2 + tau, -2 * t3 + 3 * t2, t3 - t2
    g00, g10, g01, g11 = 6 * t2 - 6 * tau, 3 * t2 - 4 * tau + 1, -6 * t2 + 6 * tau, 3 * t2 - 2 * tau
    val = h00 * p0 + h10 * dt * d0 + h01 * p1 + h11 * dt * d1
    der = (g00 * p0 + g10 * dt * d0 + g01 * p1 + g11 * dt * d1) / dt
    return val, der


def vertical_speed(s: Sequence[Any], physics: Physics, xp: Any = np) -> Any:
    """Rate of change of height (m/s): ECEF velocity along the ellipsoid normal."""
    e = physics.earth
    nx, ny, nz = s[0] / e.a_m**2, s[1] / e.a_m**2, s[2] / e.b_m**2
    nn = xp.sqrt(nx * nx + ny * ny + nz * nz)
    return (s[3] * nx + s[4] * ny + s[5] * nz) / nn


def speed(s: Sequence[Any], xp: Any = np) -> Any:
    """Earth-relative speed (m/s) of states ``s``."""
    return xp.sqrt(s[3] * s[3] + s[4] * s[4] + s[5] * s[5])


def phase_bounds(tables: BoostTables | None, xp: Any = np) -> Any:
    """The fixed thrust-phase boundaries (s from launch): end of the vertical rise, of the kick, each stage's
    burnout. None for flights that start at burnout."""
    if tables is None:
        return None
    return xp.concatenate([xp.asarray([tables.pitch_vertical_s, tables.pitch_vertical_s + tables.pitch_kick_s]),
                           xp.asarray(tables.end_s)])


@dataclass(frozen=True)
class Step:
    """One RK4 step of every lane: start time and state, step size, end time and state, and what events need
    (phase code at the start, heights and vertical speeds at both ends, speed at the end)."""

    t: Any
    s: tuple[Any, ...]
    dt: Any
    t1: Any
    s1: tuple[Any, ...]
    coast: Any
    h0: Any
    h1: Any
    hd0: Any
    hd1: Any
    speed1: Any


def take_step(t: Any, s: tuple[Any, ...], lanes: LaneParams, tables: BoostTables | None, bounds: Any,
              physics: Physics, policy: StepPolicy, xp: Any = np, active: Any = None,
              accel: Accel = acceleration, start: tuple[Any, Any, Any] | None = None) -> Step:
    """Step every lane once: the policy's step (0 where ``active`` is False), clipped so that no powered
    step crosses a phase boundary (``bounds`` from :func:`phase_bounds`, plus each lane's cut-off), then RK4.
    ``start``: the height, vertical speed and speed at ``s`` when already known (the previous step's ``h1``,
    ``hd1``, ``speed1``: the same numbers, not computed twice).
    """
    phase, stage = phase_and_stage(t, lanes.cutoff_s, tables, xp)
    coast = phase == COAST
    if start is None:
        h0, hd0, speed0 = height_xp(s[0], s[1], s[2], physics.earth, xp), vertical_speed(s, physics, xp), speed(s, xp)
    else:
        h0, hd0, speed0 = start
    dt = xp.where(coast, policy.coast_step(h0, speed0, lanes.beta_kg_m2, xp), policy.boost_s)
    if bounds is not None and (xp is not np or not coast.all()):  # NumPy: skip the clipping once all coast
        ahead = xp.min(xp.where(bounds[None, :] > t[:, None] + 1e-9, bounds[None, :], xp.inf), axis=1)
        ahead = xp.minimum(ahead, xp.where(lanes.cutoff_s > t + 1e-9, lanes.cutoff_s, xp.inf))
        dt = xp.where(coast, dt, xp.minimum(dt, ahead - t))
    if active is not None:
        dt = xp.where(active, dt, 0.0)

    def rhs(tt: Any, st: tuple[Any, ...]) -> tuple[Any, Any, Any]:
        return accel(tt, st, phase, stage, lanes, tables, physics, xp)

    s1 = rk4_step(t, s, dt, rhs)
    t1 = t + dt
    h1 = height_xp(s1[0], s1[1], s1[2], physics.earth, xp)
    return Step(t, s, dt, t1, s1, coast, h0, h1, hd0, vertical_speed(s1, physics, xp), speed(s1, xp))


def crossed(step: Step, crossing: Crossing) -> Any:
    """Lanes whose free-flight step contains ``crossing`` (the height peaks, or falls through its level)."""
    if crossing.kind == "peak":
        return step.coast & (step.hd0 > 0) & (step.hd1 <= 0)
    return step.coast & (step.h0 > crossing.level_m) & (step.h1 <= crossing.level_m)


def stage_ends(step: Step, tables: BoostTables, cutoff_s: Any, xp: Any = np) -> tuple[list[Any], Any]:
    """Lanes whose powered step ended exactly at each stage's burnout (a list over stages) and at the cut-off."""
    powered = ~step.coast
    hits = [powered & (xp.abs(step.t1 - end) < 1e-9) & (end <= cutoff_s + 1e-9) for end in tables.end_s]
    return hits, powered & (xp.abs(step.t1 - cutoff_s) < 1e-9)


def python_fori(lo: int, hi: int, body: Callable[[int, Any], Any], c: Any) -> Any:
    for i in range(lo, hi):
        c = body(i, c)
    return c


def locate(h0: Any, hd0: Any, h1: Any, hd1: Any, dt: Any, level: Any, peak: Any, xp: Any = np,
           fori: Fori = python_fori) -> Any:
    """Fraction of a step where the Hermite height falls to ``level`` (or, where ``peak``, where it peaks).

    Fixed-count bisection (:data:`BISECT_ITERS`), per lane; ``level`` and ``peak`` broadcast, so events of
    every kind are located in one pass. ``fori`` is the loop primitive (Python's, or ``jax.lax.fori_loop``).
    """

    def halve(_: int, lohi: tuple[Any, Any]) -> tuple[Any, Any]:
        lo, hi = lohi
        mid = 0.5 * (lo + hi)
        val, der = hermite(h0 - level, hd0, h1 - level, hd1, dt, mid)
        right = xp.where(peak, der > 0, val > 0)
        return xp.where(right, mid, lo), xp.where(right, hi, mid)

    lo, hi = fori(0, BISECT_ITERS, halve, (xp.zeros_like(h0), xp.ones_like(h0)))
    return 0.5 * (lo + hi)


def event_state(s0: Sequence[Any], s1: Sequence[Any], dt: Any, tau: Any, xp: Any = np) -> tuple[list[Any], list[Any], Any]:
    """ECEF position (3 arrays, m), velocity (3 arrays, m/s) and speed (m/s) at fraction ``tau`` of a step,
    from the Hermite interpolant of each coordinate."""
    pv = [hermite(s0[k], s0[k + 3], s1[k], s1[k + 3], dt, tau) for k in range(3)]
    vel = [v for _, v in pv]
    return [p for p, _ in pv], vel, xp.sqrt(vel[0] * vel[0] + vel[1] * vel[1] + vel[2] * vel[2])
