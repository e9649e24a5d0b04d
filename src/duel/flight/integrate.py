"""Batch integration: fixed-step RK4 with a per-trajectory step policy and per-trajectory events.

The pieces are separate (after diffrax's split): the vector field is :func:`duel.flight.dynamics.acceleration`;
the stepper is classical RK4 (:func:`rk4_step`); the step policy (:class:`StepPolicy`) picks each
trajectory's step from its phase and height and shortens it so that no step crosses a thrust-phase boundary
(end of the vertical rise or kick, stage burnout, thrust cut-off); events (burnouts, apogee, the 100 km and
30 km crossings on the way down, impact) are located inside a step on the cubic Hermite interpolant of the
height built from the states and vertical speeds at both ends.

Every trajectory has its own time, step and status, so N trajectories in one call give the same numbers as
N single calls (no operation mixes trajectories). Landed trajectories leave the active set (compaction).

Why a hand-written RK4 rather than ``solve_ivp``: it runs over the whole batch at once and, written against
an array namespace, on a GPU library too; ``solve_ivp`` (DOP853) is kept as the accuracy reference
(``duel.flight.reference``). Measurements in ``../shared/research/ecosystem.md`` §1.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from duel.earth import height_xp
from duel.flight.dynamics import COAST, BoostTables, LaneParams, Physics, acceleration, phase_and_stage

# trajectory status codes
FLYING, IMPACT, CRASHED, TIMEOUT = 0, 1, 2, 3
STATUS_NAMES = {FLYING: "flying", IMPACT: "impact", CRASHED: "crashed in boost", TIMEOUT: "did not land"}

DOWN_LEVELS_M = (100_000.0, 30_000.0)


@dataclass(frozen=True)
class StepPolicy:
    """Step sizes (s): ``boost_s`` in powered flight; in free flight ``high_s`` above ``high_m``,
    ``mid_s`` down to ``low_m`` and ``low_s`` below, never more than ``drag_fraction`` of the drag time
    scale 2 beta / (rho v) (so low-beta objects get small steps where drag is strong), nor less than
    ``min_s``. ``t_max_s`` ends flights that never come down.

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

    def coast_step(self, h: Any, speed: Any, beta: Any, xp: Any = np) -> Any:
        """Free-flight step (s) for heights h (m), speeds (m/s) and ballistic coefficients (kg/m^2).

        Written for an array namespace ``xp``, so the NumPy loop and the compiled GPU loop share it.
        """
        band = xp.where(h > self.high_m, self.high_s, xp.where(h > self.low_m, self.mid_s, self.low_s))
        rho_est = 1.225 * xp.exp(-xp.maximum(h, 0.0) / 7_200.0)  # exponential air, for the step size only
        tau = 2.0 * beta / (rho_est * xp.maximum(speed, 1.0))
        return xp.maximum(xp.minimum(band, self.drag_fraction * tau), self.min_s)


@dataclass
class EventLog:
    """Per-trajectory event records (arrays over the batch; NaN where an event did not happen).

    Times in s from launch, heights in m, speeds in m/s (Earth-relative); the final burnout and impact keep
    the full ECEF state (m, m/s) in ``burnout_state``/``impact_state`` of shape (N, 6).
    """

    n: int
    n_stages: int
    status: np.ndarray = field(init=False)
    stage_burnout_t: np.ndarray = field(init=False)
    stage_burnout_h: np.ndarray = field(init=False)
    stage_burnout_v: np.ndarray = field(init=False)
    burnout_t: np.ndarray = field(init=False)
    burnout_state: np.ndarray = field(init=False)
    apogee_t: np.ndarray = field(init=False)
    apogee_h: np.ndarray = field(init=False)
    apogee_v: np.ndarray = field(init=False)
    down_t: np.ndarray = field(init=False)
    down_v: np.ndarray = field(init=False)
    impact_t: np.ndarray = field(init=False)
    impact_state: np.ndarray = field(init=False)
    max_speed: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        nan = lambda *shape: np.full(shape, np.nan)  # noqa: E731
        self.status = np.full(self.n, FLYING)
        self.stage_burnout_t = nan(self.n, self.n_stages)
        self.stage_burnout_h = nan(self.n, self.n_stages)
        self.stage_burnout_v = nan(self.n, self.n_stages)
        self.burnout_t = nan(self.n)
        self.burnout_state = nan(self.n, 6)
        self.apogee_t = nan(self.n)
        self.apogee_h = nan(self.n)
        self.apogee_v = nan(self.n)
        self.down_t = nan(self.n, len(DOWN_LEVELS_M))
        self.down_v = nan(self.n, len(DOWN_LEVELS_M))
        self.impact_t = nan(self.n)
        self.impact_state = nan(self.n, 6)
        self.max_speed = np.zeros(self.n)

    def take(self, idx: np.ndarray) -> EventLog:
        """The records of the trajectories at ``idx`` (an index array)."""
        out = EventLog(len(idx), self.n_stages)
        for name, value in vars(self).items():
            if isinstance(value, np.ndarray):
                setattr(out, name, value[idx])
        return out


@dataclass
class Recording:
    """Time series of a batch: lists of per-step samples (lane indices, time, state), assembled later."""

    lanes: list[np.ndarray] = field(default_factory=list)
    t: list[np.ndarray] = field(default_factory=list)
    state: list[np.ndarray] = field(default_factory=list)

    def add(self, idx: np.ndarray, t: np.ndarray, s: tuple[np.ndarray, ...]) -> None:
        """Record the states ``s`` at times ``t`` of the trajectories ``idx``."""
        self.lanes.append(idx.copy())
        self.t.append(t.copy())
        self.state.append(np.stack(s, axis=-1))

    def assemble(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Times (N, S) and states (N, S, 6), padded with NaN after each trajectory ends."""
        lanes = np.concatenate(self.lanes)
        t = np.concatenate(self.t)
        st = np.concatenate(self.state)
        order = np.lexsort((t, lanes))
        lanes, t, st = lanes[order], t[order], st[order]
        counts = np.bincount(lanes, minlength=n)
        width = int(counts.max()) if len(counts) else 0
        col = np.arange(len(lanes)) - np.repeat(np.cumsum(counts) - counts, counts)
        tt = np.full((n, width), np.nan)
        ss = np.full((n, width, 6), np.nan)
        tt[lanes, col] = t
        ss[lanes, col] = st
        return tt, ss


def rk4_step(t: Any, s: tuple[Any, ...], dt: Any, rhs: Any) -> tuple[Any, ...]:
    """One classical Runge-Kutta step of size dt (per trajectory) for the second-order system rhs(t, s)."""
    x, y, z, vx, vy, vz = s

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


def _hermite(p0: np.ndarray, d0: np.ndarray, p1: np.ndarray, d1: np.ndarray, dt: np.ndarray, tau: np.ndarray):
    """Cubic Hermite value and time derivative at fraction tau of a step (values p, time derivatives d)."""
    t2, t3 = tau * tau, tau * tau * tau
    h00, h10, h01, h11 = 2 * t3 - 3 * t2 + 1, t3 - 2 * t2 + tau, -2 * t3 + 3 * t2, t3 - t2
    g00, g10, g01, g11 = 6 * t2 - 6 * tau, 3 * t2 - 4 * tau + 1, -6 * t2 + 6 * tau, 3 * t2 - 2 * tau
    val = h00 * p0 + h10 * dt * d0 + h01 * p1 + h11 * dt * d1
    der = (g00 * p0 + g10 * dt * d0 + g01 * p1 + g11 * dt * d1) / dt
    return val, der


def _cross_fraction(h0, hd0, h1, hd1, dt, level, iters: int = 50) -> np.ndarray:
    """Fraction tau in [0, 1] of a step where the Hermite height first falls to ``level`` (bisection)."""
    lo, hi = np.zeros_like(h0), np.ones_like(h0)
    for _ in range(iters):
        mid = 0.5 * (lo + hi)
        val, _ = _hermite(h0 - level, hd0, h1 - level, hd1, dt, mid)
        above = val > 0
        lo, hi = np.where(above, mid, lo), np.where(above, hi, mid)
    return 0.5 * (lo + hi)


def _peak_fraction(h0, hd0, h1, hd1, dt, iters: int = 50) -> np.ndarray:
    """Fraction tau in [0, 1] of a step where the Hermite height peaks (bisection on its derivative)."""
    lo, hi = np.zeros_like(h0), np.ones_like(h0)
    for _ in range(iters):
        mid = 0.5 * (lo + hi)
        _, der = _hermite(h0, hd0, h1, hd1, dt, mid)
        rising = der > 0
        lo, hi = np.where(rising, mid, lo), np.where(rising, hi, mid)
    return 0.5 * (lo + hi)


def _vertical_speed(s: tuple[np.ndarray, ...], physics: Physics) -> np.ndarray:
    """Rate of change of height (m/s): velocity along the ellipsoid normal."""
    e = physics.earth
    nx, ny, nz = s[0] / e.a_m**2, s[1] / e.a_m**2, s[2] / e.b_m**2
    nn = np.sqrt(nx * nx + ny * ny + nz * nz)
    return (s[3] * nx + s[4] * ny + s[5] * nz) / nn


def integrate(
    state0: np.ndarray,
    t0: np.ndarray,
    lanes: LaneParams,
    tables: BoostTables | None,
    physics: Physics,
    policy: StepPolicy = StepPolicy(),
    record: bool = False,
    until_burnout: bool = False,
) -> tuple[EventLog, Recording | None]:
    """Integrate N trajectories from ECEF states ``state0`` (N, 6) at times ``t0`` (N,) until impact.

    ``tables`` describes the boost (None for flights that start at burnout, where ``lanes.cutoff_s`` must be
    <= t0). With ``until_burnout`` each trajectory stops at its thrust cut-off (boost only). Returns the
    event log and, with ``record=True``, every step's state for time series.
    """
    n = state0.shape[0]
    n_stages = 0 if tables is None else len(tables.end_s)
    log = EventLog(n, n_stages)
    rec = Recording() if record else None
    idx = np.arange(n)
    t = np.asarray(t0, float).copy()
    s = tuple(state0[:, k].astype(float).copy() for k in range(6))
    lp = lanes
    earth = physics.earth

    # flights that start at or after cut-off: the burnout event is the initial state
    at_burnout = lp.cutoff_s <= t
    log.burnout_t[at_burnout] = t[at_burnout]
    log.burnout_state[at_burnout] = state0[at_burnout]
    if tables is not None:
        bounds_fixed = np.concatenate([[tables.pitch_vertical_s, tables.pitch_vertical_s + tables.pitch_kick_s],
                                       tables.end_s])
    if rec is not None:
        rec.add(idx, t, s)

    while idx.size:
        phase, stage = phase_and_stage(t, lp.cutoff_s, tables)
        h0 = height_xp(s[0], s[1], s[2], earth)
        coast = phase == COAST
        speed0 = np.sqrt(s[3] ** 2 + s[4] ** 2 + s[5] ** 2)
        dt = np.where(coast, policy.coast_step(h0, speed0, lp.beta_kg_m2), policy.boost_s)
        if tables is not None and not coast.all():
            bounds = np.concatenate([np.broadcast_to(bounds_fixed, (idx.size, bounds_fixed.size)),
                                     lp.cutoff_s[:, None]], axis=1)
            ahead = np.where(bounds > t[:, None] + 1e-9, bounds, np.inf).min(axis=1)
            dt = np.where(coast, dt, np.minimum(dt, ahead - t))

        def rhs(tt, st, phase=phase, stage=stage, lp=lp):
            return acceleration(tt, st, phase, stage, lp, tables, physics)

        s1 = rk4_step(t, s, dt, rhs)
        t1 = t + dt
        h1 = height_xp(s1[0], s1[1], s1[2], earth)
        hd0, hd1 = _vertical_speed(s, physics), _vertical_speed(s1, physics)
        speed1 = np.sqrt(s1[3] ** 2 + s1[4] ** 2 + s1[5] ** 2)
        log.max_speed[idx] = np.maximum(log.max_speed[idx], speed1)

        if tables is not None:
            # stage burnouts and thrust cut-off happen exactly at step ends
            powered = ~coast
            for k, end in enumerate(tables.end_s):
                hit = powered & (np.abs(t1 - end) < 1e-9) & (end <= lp.cutoff_s + 1e-9)
                if hit.any():
                    j = idx[hit]
                    log.stage_burnout_t[j, k], log.stage_burnout_h[j, k], log.stage_burnout_v[j, k] = (
                        t1[hit], h1[hit], speed1[hit])
            cut = powered & (np.abs(t1 - lp.cutoff_s) < 1e-9)
            if cut.any():
                j = idx[cut]
                log.burnout_t[j] = t1[cut]
                log.burnout_state[j] = np.stack([c[cut] for c in s1], axis=-1)

        # apogee and downward crossings, in free flight only
        peak = coast & (hd0 > 0) & (hd1 <= 0)
        if peak.any():
            tau = _peak_fraction(h0[peak], hd0[peak], h1[peak], hd1[peak], dt[peak])
            val, _ = _hermite(h0[peak], hd0[peak], h1[peak], hd1[peak], dt[peak], tau)
            log.apogee_t[idx[peak]] = t[peak] + tau * dt[peak]
            log.apogee_h[idx[peak]] = val
            vel = [_hermite(s[c][peak], s[c + 3][peak], s1[c][peak], s1[c + 3][peak], dt[peak], tau)[1]
                   for c in range(3)]
            log.apogee_v[idx[peak]] = np.sqrt(sum(v * v for v in vel))
        for k, level in enumerate(DOWN_LEVELS_M):
            down = coast & (h0 > level) & (h1 <= level)
            if down.any():
                tau = _cross_fraction(h0[down], hd0[down], h1[down], hd1[down], dt[down], level)
                vel = [_hermite(s[c][down], s[c + 3][down], s1[c][down], s1[c + 3][down], dt[down], tau)[1]
                       for c in range(3)]
                log.down_t[idx[down], k] = t[down] + tau * dt[down]
                log.down_v[idx[down], k] = np.sqrt(sum(v * v for v in vel))

        landed = coast & (h0 > 0) & (h1 <= 0)
        crashed = ~coast & (h1 < -1.0)
        timeout = t1 > policy.t_max_s
        if landed.any():
            tau = _cross_fraction(h0[landed], hd0[landed], h1[landed], hd1[landed], dt[landed], 0.0)
            pos_vel = [_hermite(s[c][landed], s[c + 3][landed], s1[c][landed], s1[c + 3][landed], dt[landed], tau)
                       for c in range(3)]
            state_imp = np.stack([p for p, _ in pos_vel] + [v for _, v in pos_vel], axis=-1)
            j = idx[landed]
            log.impact_t[j] = t[landed] + tau * dt[landed]
            log.impact_state[j] = state_imp
            log.status[j] = IMPACT
            if rec is not None:
                rec.add(j, log.impact_t[j], tuple(state_imp[:, c] for c in range(6)))
        log.status[idx[crashed & ~landed]] = CRASHED
        log.status[idx[timeout & ~landed & ~crashed]] = TIMEOUT

        keep = ~(landed | crashed | timeout)
        if until_burnout:
            keep &= t1 < lp.cutoff_s - 1e-9
        if rec is not None:
            rec.add(idx[keep], t1[keep], tuple(c[keep] for c in s1))
        idx, t = idx[keep], t1[keep]
        s = tuple(c[keep] for c in s1)
        if not keep.all():
            lp = lp.take(keep)
    return log, rec
