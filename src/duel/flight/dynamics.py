"""Equations of motion for a batch of N point masses in the rotating ECEF frame (SI units).

State per trajectory: ECEF position (m) and velocity relative to the rotating Earth (m/s), held as six
arrays of shape (N,). Acceleration:

    a = g(r) - 2 w x v - w x (w x r) + (T u_T - D v/|v|) / m

with g point mass + J2 (:func:`duel.physics.earth.gravity_xp`), w the Earth's rotation about +z, T the thrust along
the unit vector u_T of the pitch programme, and D the drag. The air co-rotates with the Earth, so the
airspeed is the ECEF velocity. In powered flight D = 1/2 rho v^2 Cd(Mach) A (A from the current stage's
diameter); after burnout the flying object is a reentry object with D/m = rho v^2 / (2 beta).

The thrust phase of each trajectory is fixed for a whole integration step (the step policy never lets a
step cross a phase boundary), so the right-hand side is smooth inside every step. Everything here is
written against an array namespace ``xp`` (NumPy by default) with no Python loops over trajectories.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from duel.flight.vehicles import StagedMissile
from duel.physics.atmosphere import atmosphere_xp
from duel.physics.earth import EarthModel, gravity_xp, height_xp

# phase codes, per trajectory and step
VERTICAL, KICK, GRAVITY_TURN, COAST = 0, 1, 2, 3


@dataclass(frozen=True)
class BoostTables:
    """Stage data of one missile as arrays over stages (index k = 0 first stage), SI units.

    ``start_s``/``end_s``: ignition and burnout times from launch; ``mass_above_kg``: mass of everything
    above stage k (upper stages + payload); ``gross_kg``, ``mdot_kg_s``; ``thrust_vac_n`` and
    ``pressure_area_m2`` (thrust = thrust_vac - p Ae; Ae = 0 for constant thrust); ``area_m2``: reference
    area for drag; ``drag_mach``/``drag_cd``: the Cd(Mach) table.
    """

    start_s: np.ndarray
    end_s: np.ndarray
    mass_above_kg: np.ndarray
    gross_kg: np.ndarray
    mdot_kg_s: np.ndarray
    thrust_vac_n: np.ndarray
    pressure_area_m2: np.ndarray
    area_m2: np.ndarray
    drag_mach: np.ndarray
    drag_cd: np.ndarray
    pitch_vertical_s: float
    pitch_kick_s: float
    payload_kg: float

    @classmethod
    def from_missile(cls, m: StagedMissile) -> BoostTables:
        """Tables for a :class:`~duel.flight.vehicles.StagedMissile`."""
        gross = np.array([s.gross_mass_kg for s in m.stages])
        burn = np.array([s.burn_time_s for s in m.stages])
        end = np.cumsum(burn)
        above = np.array([gross[k + 1:].sum() + m.payload_mass_kg for k in range(len(gross))])
        thrust = np.array([s.vacuum_thrust_n if s.pressure_area_m2 > 0 else s.constant_thrust_n for s in m.stages])
        return cls(
            start_s=end - burn, end_s=end, mass_above_kg=above, gross_kg=gross,
            mdot_kg_s=np.array([s.mass_flow_kg_s for s in m.stages]),
            thrust_vac_n=thrust, pressure_area_m2=np.array([s.pressure_area_m2 for s in m.stages]),
            area_m2=np.array([np.pi * s.diameter_m**2 / 4 for s in m.stages]),
            drag_mach=np.asarray(m.drag_mach, float), drag_cd=np.asarray(m.drag_cd, float),
            pitch_vertical_s=m.pitch_vertical_s, pitch_kick_s=m.pitch_kick_s, payload_kg=m.payload_mass_kg,
        )


@dataclass
class LaneParams:
    """Per-trajectory parameters, arrays of shape (N,) (SI units, ECEF axes).

    ``cutoff_s``: thrust termination time (end of powered flight; 0 for a flight that starts at burnout);
    ``kick_dir``: (N, 3) unit thrust direction held during the kick; ``beta_kg_m2``: ballistic coefficient
    after burnout.
    """

    cutoff_s: np.ndarray
    beta_kg_m2: np.ndarray
    kick_dir: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)))

    def take(self, idx: np.ndarray) -> LaneParams:
        """The parameters of the trajectories at ``idx``."""
        kick = self.kick_dir[idx] if len(self.kick_dir) else self.kick_dir
        return LaneParams(self.cutoff_s[idx], self.beta_kg_m2[idx], kick)


@dataclass(frozen=True)
class Physics:
    """Model switches for one integration: the Earth and whether there is an atmosphere."""

    earth: EarthModel
    atmosphere: bool = True


def interp_xp(x: Any, xs: Any, ys: Any, xp: Any = np) -> Any:
    """Piecewise-linear interpolation of the table (xs, ys) at x, clamped at both ends (array API)."""
    i = xp.minimum(xp.maximum(xp.searchsorted(xs, x, side="right") - 1, 0), xs.shape[0] - 2)
    x0, x1, y0, y1 = xs[i], xs[i + 1], ys[i], ys[i + 1]
    w = xp.minimum(xp.maximum((x - x0) / (x1 - x0), 0.0), 1.0)
    return y0 + w * (y1 - y0)


def air(h: Any, physics: Physics, xp: Any = np) -> tuple[Any, Any, Any]:
    """Density (kg/m^3), pressure (Pa) and speed of sound (m/s) at height h (m); vacuum when switched off."""
    if not physics.atmosphere:
        zero = xp.zeros_like(h)
        return zero, zero, zero + 300.0
    rho, p, _t, a = atmosphere_xp(h, xp)
    return rho, p, a


def phase_and_stage(t: Any, cutoff: Any, tables: BoostTables | None, xp: Any = np) -> tuple[Any, Any]:
    """Phase code and stage index of each trajectory at time t (s); call with the time at a step's start."""
    if tables is None:
        return xp.full(t.shape, COAST), xp.zeros(t.shape, dtype=int)
    stage = xp.minimum(xp.searchsorted(tables.end_s, t, side="right"), tables.end_s.shape[0] - 1)
    phase = xp.where(
        t < tables.pitch_vertical_s, VERTICAL,
        xp.where(t < tables.pitch_vertical_s + tables.pitch_kick_s, KICK, GRAVITY_TURN),
    )
    phase = xp.where(t >= cutoff, COAST, phase)
    return phase, stage


def acceleration(
    t: Any, s: tuple[Any, ...], phase: Any, stage: Any, lanes: LaneParams, tables: BoostTables | None,
    physics: Physics, xp: Any = np,
) -> tuple[Any, Any, Any]:
    """Acceleration (m/s^2, ECEF axes) of each trajectory at time t (s) and state s = (x, y, z, vx, vy, vz).

    ``phase`` and ``stage`` come from :func:`phase_and_stage` at the start of the current step.
    """
    x, y, z, vx, vy, vz = s
    earth = physics.earth
    gx, gy, gz = gravity_xp(x, y, z, earth, xp)
    w = earth.omega
    if w:
        gx = gx + 2.0 * w * vy + w * w * x
        gy = gy - 2.0 * w * vx + w * w * y
    speed = xp.sqrt(vx * vx + vy * vy + vz * vz)
    h = height_xp(x, y, z, earth, xp)
    rho, p, sound = air(h, physics, xp)
    q_over_v = 0.5 * rho * speed  # dynamic pressure / speed
    coast = phase == COAST
    # ballistic drag after burnout: D/m = rho v^2 / (2 beta), along -v
    k_drag = xp.where(coast, q_over_v / lanes.beta_kg_m2, 0.0)
    if tables is not None and (xp is not np or not coast.all()):  # NumPy: nothing to add once all coast
        powered = ~coast
        m = tables.mass_above_kg[stage] + tables.gross_kg[stage] - tables.mdot_kg_s[stage] * (t - tables.start_s[stage])
        thrust = xp.where(powered, tables.thrust_vac_n[stage] - p * tables.pressure_area_m2[stage], 0.0) / m
        cd = interp_xp(speed / sound, tables.drag_mach, tables.drag_cd, xp)
        k_drag = k_drag + xp.where(powered, q_over_v * cd * tables.area_m2[stage] / m, 0.0)
        # thrust direction: local vertical (ellipsoid normal), the held kick direction, or along v
        nx, ny, nz = x / earth.a_m**2, y / earth.a_m**2, z / earth.b_m**2
        nn = xp.sqrt(nx * nx + ny * ny + nz * nz)
        inv_v = 1.0 / xp.maximum(speed, 1e-9)
        vertical, kick = phase == VERTICAL, phase == KICK
        ux = xp.where(vertical, nx / nn, xp.where(kick, lanes.kick_dir[:, 0], vx * inv_v))
        uy = xp.where(vertical, ny / nn, xp.where(kick, lanes.kick_dir[:, 1], vy * inv_v))
        uz = xp.where(vertical, nz / nn, xp.where(kick, lanes.kick_dir[:, 2], vz * inv_v))
        gx, gy, gz = gx + thrust * ux, gy + thrust * uy, gz + thrust * uz
    return gx - k_drag * vx, gy - k_drag * vy, gz - k_drag * vz
