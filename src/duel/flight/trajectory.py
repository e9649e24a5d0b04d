"""Flights of a batch and their results: initial states, ``fly_*`` entry points and :class:`Trajectory`.

A :class:`Trajectory` is arrays plus events for N trajectories: the event log of the integrator, the launch
points and, when recorded, the time series (ECEF states on each trajectory's own time grid). Derived
quantities (impact point, ground range, Mach, flight-path angle, the summary) are small functions of those.
Units: SI inside; the summary uses the edge units named in its keys (km, deg, s, m/s).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from duel.backend import Backend
from duel.flight.dynamics import BoostTables, LaneParams, Physics
from duel.flight.events import IMPACT, STATUS_NAMES, EventLog
from duel.flight.integrate import integrate
from duel.flight.stepping import StepPolicy
from duel.flight.vehicles import StagedMissile
from duel.physics.atmosphere import atmosphere_xp
from duel.physics.earth import (
    EarthModel,
    ecef_to_geodetic,
    enu_basis,
    geodesic_inverse,
    geodetic_to_ecef,
    speed_angles,
    velocity_from_speed_angles,
)

MACH_CEILING_M = 86_000.0  # above this the speed of sound of the US76 86 km level is used for Mach


def _n(*arrays: Any) -> list[np.ndarray]:
    """The inputs as float arrays broadcast to one batch shape (N,)."""
    return [np.atleast_1d(a).astype(float) for a in np.broadcast_arrays(*[np.atleast_1d(x) for x in arrays])]


@dataclass
class Trajectory:
    """N flights: launch points (deg), launch azimuths (deg), the event log and optional time series.

    ``t`` has shape (N, S) (s from launch, NaN-padded) and ``state`` (N, S, 6) (ECEF m, m/s) when recorded.
    """

    physics: Physics
    launch_lat: np.ndarray
    launch_lon: np.ndarray
    azimuth: np.ndarray
    log: EventLog
    t: np.ndarray | None = None
    state: np.ndarray | None = None

    @property
    def earth(self) -> EarthModel:
        """The Earth model used."""
        return self.physics.earth

    @property
    def n(self) -> int:
        """Number of trajectories."""
        return self.log.n

    @property
    def landed(self) -> np.ndarray:
        """True where the trajectory reached the ground after burnout."""
        return self.log.status == IMPACT

    def impact_geodetic(self) -> tuple[np.ndarray, np.ndarray]:
        """Impact latitude and longitude (deg); NaN where a trajectory did not land."""
        st = self.log.impact_state
        lat, lon, _ = ecef_to_geodetic(st[:, 0], st[:, 1], st[:, 2], self.earth)
        return lat, lon

    def ground_range_m(self) -> np.ndarray:
        """Geodesic distance (m) from the launch point to the impact point."""
        lat, lon = self.impact_geodetic()
        ok = np.isfinite(lat)
        out = np.full(self.n, np.nan)
        if ok.any():
            _, out[ok] = geodesic_inverse(self.launch_lat[ok], self.launch_lon[ok], lat[ok], lon[ok], self.earth)
        return out

    def flight_time_s(self) -> np.ndarray:
        """Time (s) from launch (or burnout, for flights that start there) to impact."""
        return self.log.impact_t

    def impact_speed_angle(self) -> tuple[np.ndarray, np.ndarray]:
        """Impact speed (m/s) and flight-path angle (deg, negative = descending)."""
        st = self.log.impact_state
        lat, lon = self.impact_geodetic()
        speed, gamma, _ = speed_angles(lat, lon, st[:, 3], st[:, 4], st[:, 5])
        return speed, gamma

    def burnout_speed_angle(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Burnout height (m), Earth-relative speed (m/s) and flight-path angle (deg)."""
        st = self.log.burnout_state
        lat, lon, h = ecef_to_geodetic(st[:, 0], st[:, 1], st[:, 2], self.earth)
        speed, gamma, _ = speed_angles(lat, lon, st[:, 3], st[:, 4], st[:, 5])
        return h, speed, gamma

    def series(self, i: int = 0) -> dict[str, np.ndarray]:
        """Time series of trajectory i: time (s), lat/lon (deg), altitude (m), speed (m/s), Mach, gamma (deg)."""
        if self.t is None or self.state is None:
            raise ValueError("this batch was flown without recording (record=False)")
        ok = np.isfinite(self.t[i])
        t, st = self.t[i][ok], self.state[i][ok]
        lat, lon, h = ecef_to_geodetic(st[:, 0], st[:, 1], st[:, 2], self.earth)
        speed, gamma, _ = speed_angles(lat, lon, st[:, 3], st[:, 4], st[:, 5])
        return {"time_s": t, "lat_deg": lat, "lon_deg": lon, "altitude_m": h, "speed_mps": speed,
                "mach": mach_number(speed, h), "gamma_deg": gamma}

    def take(self, idx: Any) -> Trajectory:
        """The trajectories at ``idx`` (an index or index array) as a new batch."""
        idx = np.atleast_1d(idx)
        return Trajectory(
            self.physics, self.launch_lat[idx], self.launch_lon[idx], self.azimuth[idx], self.log.take(idx),
            None if self.t is None else self.t[idx], None if self.state is None else self.state[idx],
        )

    def status_names(self) -> list[str]:
        """Status of each trajectory in words."""
        return [STATUS_NAMES[int(s)] for s in self.log.status]


def mach_number(speed: np.ndarray, h: np.ndarray) -> np.ndarray:
    """Mach number: speed over the US76 speed of sound at height h (the 86 km value above 86 km)."""
    _, _, _, a = atmosphere_xp(np.clip(h, 0.0, MACH_CEILING_M))
    return speed / a


def _integrate(state0: np.ndarray, lanes: LaneParams, tables: BoostTables | None, physics: Physics,
               policy: StepPolicy, record: bool, backend: Backend | str | None) -> tuple[EventLog, Any, Any]:
    """Event log and, with ``record``, the recorded times and states (else None, None), flown from t = 0."""
    flown = integrate(state0, np.zeros(state0.shape[0]), lanes, tables, physics, policy,
                      backend=backend or "numpy", record=record)
    return flown.log, flown.t, flown.state


def fly_burnout(
    lat_deg: Any, lon_deg: Any, altitude_m: Any, speed_mps: Any, angle_deg: Any, azimuth_deg: Any,
    beta_kg_m2: Any, physics: Physics, policy: StepPolicy = StepPolicy(), record: bool = False,
    backend: Any = None,
) -> Trajectory:
    """Free flights from burnout states at geodetic points; speed and angles Earth-relative (batch).

    Time zero is burnout. Every argument broadcasts to the batch shape (N,). ``backend`` (a
    :class:`duel.backend.Backend`; None = NumPy) runs the flights, recorded or not.
    """
    lat, lon, alt, v, g, az, beta = _n(lat_deg, lon_deg, altitude_m, speed_mps, angle_deg, azimuth_deg, beta_kg_m2)
    x, y, z = geodetic_to_ecef(lat, lon, alt, physics.earth)
    vel = velocity_from_speed_angles(lat, lon, v, g, az)
    state0 = np.column_stack([x, y, z, vel])
    lanes = LaneParams(cutoff_s=np.zeros(len(lat)), beta_kg_m2=beta)
    log, t, st = _integrate(state0, lanes, None, physics, policy, record, backend)
    return Trajectory(physics, lat, lon, az, log, t, st)


def fly_staged(
    missile: StagedMissile, lat_deg: Any, lon_deg: Any, azimuth_deg: Any, kick_deg: Any, cutoff_s: Any,
    physics: Physics, beta_kg_m2: Any = None, policy: StepPolicy = StepPolicy(), record: bool = False,
    backend: Any = None,
) -> Trajectory:
    """Powered flights of a staged missile from rest on the ground (batch).

    ``kick_deg``: the pitch-programme kick angle from the vertical; ``cutoff_s``: thrust termination time
    (clipped to the total burn time; ``inf`` = full burn). Arguments broadcast to the batch shape (N,).
    ``backend`` runs the flights (see :func:`fly_burnout`).
    """
    tables = BoostTables.from_missile(missile)
    beta = missile.reentry_beta_kg_m2 if beta_kg_m2 is None else beta_kg_m2
    lat, lon, az, kick, cut, beta = _n(lat_deg, lon_deg, azimuth_deg, kick_deg, cutoff_s, beta)
    cut = np.minimum(cut, tables.end_s[-1])
    x, y, z = geodetic_to_ecef(lat, lon, np.zeros_like(lat), physics.earth)
    east, north, up = enu_basis(lat, lon)
    k, a = np.radians(kick)[:, None], np.radians(az)[:, None]
    kick_dir = np.cos(k) * up + np.sin(k) * (np.sin(a) * east + np.cos(a) * north)
    state0 = np.column_stack([x, y, z, np.zeros((len(lat), 3))])
    lanes = LaneParams(cutoff_s=cut, beta_kg_m2=beta, kick_dir=kick_dir)
    log, t, st = _integrate(state0, lanes, tables, physics, policy, record, backend)
    return Trajectory(physics, lat, lon, az, log, t, st)
