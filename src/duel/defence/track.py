"""The threat as the defence sees it: objects on a common time grid, in geodetic coordinates.

:class:`ThreatTrack` holds N threat objects on one common time grid (s from launch): geodetic latitude and
longitude (deg, WGS84), altitude (m above the ellipsoid) and Earth-relative speed (m/s), each (N, S), NaN
after an object's impact. :meth:`ThreatTrack.from_trajectory` resamples flown trajectories (ECEF states)
onto a fine uniform grid by cubic Hermite interpolation of position with velocity; :meth:`ThreatTrack.at`
evaluates the track between samples (linear in each quantity), which the crossing refinement uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from duel.errors import InputError
from duel.flight.resample import hermite_grid
from duel.flight.trajectory import Trajectory
from duel.physics.earth import earth_model, geodesic_inverse


@dataclass(frozen=True)
class ThreatTrack:
    """N threat objects on one common time grid (batch-first; NaN after an object's impact).

    Attributes:
        time_s: (S,) seconds from launch, strictly increasing.
        lat_deg, lon_deg: (N, S) geodetic WGS84 latitude and longitude of the sub-object point (deg;
            longitude unwrapped along time so that it interpolates linearly).
        alt_m: (N, S) altitude above the WGS84 ellipsoid (m).
        speed_mps: (N, S) Earth-relative speed (m/s).
        burnout_s: (N,) end of powered flight (the plume), s from launch; NaN if unknown.
        impact_s: (N,) impact time, s from launch.
        labels: N labels for reports (str).
    """

    time_s: np.ndarray
    lat_deg: np.ndarray
    lon_deg: np.ndarray
    alt_m: np.ndarray
    speed_mps: np.ndarray
    burnout_s: np.ndarray
    impact_s: np.ndarray
    labels: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        t = np.asarray(self.time_s, float)
        if t.ndim != 1 or t.size < 2 or np.any(np.diff(t) <= 0):
            raise InputError("threat track: time_s must be a 1-D strictly increasing array of >= 2 samples")
        arrays = {}
        for name in ("lat_deg", "lon_deg", "alt_m", "speed_mps"):
            a = np.atleast_2d(np.asarray(getattr(self, name), float))
            if a.shape[1] != t.size:
                raise InputError(f"threat track: {name} must have shape (N, {t.size}), got {a.shape}")
            arrays[name] = a
        n = arrays["alt_m"].shape[0]
        if any(a.shape[0] != n for a in arrays.values()):
            raise InputError("threat track: lat_deg, lon_deg, alt_m and speed_mps must have the same shape")
        object.__setattr__(self, "time_s", t)
        for name, a in arrays.items():
            object.__setattr__(self, name, a)
        for name in ("burnout_s", "impact_s"):
            v = np.broadcast_to(np.asarray(getattr(self, name), float), (n,)).copy()
            object.__setattr__(self, name, v)
        labels = tuple(str(x) for x in self.labels) or tuple(str(i) for i in range(n))
        if len(labels) != n:
            raise InputError(f"threat track: {len(labels)} labels for {n} objects")
        object.__setattr__(self, "labels", labels)

    @property
    def n(self) -> int:
        """Number of objects."""
        return self.alt_m.shape[0]

    @classmethod
    def from_arrays(
        cls, time_s: Any, lat_deg: Any, lon_deg: Any, alt_m: Any, speed_mps: Any,
        burnout_s: Any = np.nan, impact_s: Any = None, labels: tuple[str, ...] = (),
    ) -> ThreatTrack:
        """A track from arrays ((S,) or (N, S)); ``impact_s`` defaults to the last finite sample time."""
        t = np.asarray(time_s, float)
        alt = np.atleast_2d(np.asarray(alt_m, float))
        if impact_s is None:
            finite = np.isfinite(alt)
            last = np.where(finite.any(axis=1), finite.shape[1] - 1 - np.argmax(finite[:, ::-1], axis=1), 0)
            impact_s = t[last]
        return cls(t, lat_deg, lon_deg, alt, speed_mps, burnout_s, impact_s, labels)

    @classmethod
    def from_trajectory(cls, tr: Trajectory, dt_s: float = 0.5, labels: tuple[str, ...] = ()) -> ThreatTrack:
        """Resample recorded trajectories onto a common grid of step ``dt_s`` (plus each impact time).

        Positions: cubic Hermite interpolation in ECEF with the recorded velocities (C1, exact at the
        recorded samples); speed: the norm of the Hermite derivative. Vectorised over trajectories.
        """
        if tr.t is None or tr.state is None:
            raise InputError("threat track: the trajectory was flown without recording (record=False)")
        if not dt_s > 0:
            raise InputError(f"threat track: dt_s must be > 0, got {dt_s:g}")
        t = np.asarray(tr.t, float)
        st = np.asarray(tr.state, float)
        n = t.shape[0]
        count = np.isfinite(t).sum(axis=1)
        if np.any(count < 2):
            raise InputError("threat track: every trajectory needs at least two recorded samples")
        t_end = t[np.arange(n), count - 1]
        t0 = float(np.nanmin(t[:, 0]))
        grid = np.unique(np.concatenate([np.arange(t0, float(t_end.max()), dt_s), t_end]))
        lat, lon, alt, speed = hermite_grid(t, st, grid, tr.earth)
        # unwrap along time (so that longitude interpolates linearly); the NaN outside a flight are filled
        # with the row's first longitude for the unwrap (no jump) and restored after
        first = lon[np.arange(n), np.argmax(np.isfinite(lon), axis=1)][:, None]
        lon = np.where(np.isnan(lon), np.nan, np.degrees(np.unwrap(np.radians(np.where(np.isnan(lon), first, lon)),
                                                                   axis=1)))
        return cls(grid, lat, lon, alt, speed, np.asarray(tr.log.burnout_t, float), t_end, labels)

    def at(self, obj: Any, t: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Latitude, longitude (deg), altitude (m), speed (m/s) of objects ``obj`` at times ``t``.

        Linear interpolation between grid samples; ``obj`` (int) and ``t`` (s) broadcast together. NaN
        outside an object's flight.
        """
        obj, t = np.broadcast_arrays(np.asarray(obj, int), np.asarray(t, float))
        g = self.time_s
        k = np.clip(np.searchsorted(g, t, side="right") - 1, 0, g.size - 2)
        u = (t - g[k]) / (g[k + 1] - g[k])
        inside = (t >= g[0]) & (t <= g[-1])

        def lerp(a: np.ndarray) -> np.ndarray:
            a0, a1 = a[obj, k], a[obj, k + 1]
            # exactly at a sample, use it even if the neighbour is NaN (e.g. the impact sample)
            v = np.where(u == 0.0, a0, np.where(u == 1.0, a1, a0 + u * (a1 - a0)))
            return np.where(inside, v, np.nan)

        return lerp(self.lat_deg), lerp(self.lon_deg), lerp(self.alt_m), lerp(self.speed_mps)

    def ground_distance_m(self, lat_deg: float, lon_deg: float, lat: Any = None, lon: Any = None) -> np.ndarray:
        """WGS84 geodesic distance (m) from a point to the objects' sub-points (all samples, or given)."""
        lat = self.lat_deg if lat is None else np.asarray(lat, float)
        lon = self.lon_deg if lon is None else np.asarray(lon, float)
        out = np.full(lat.shape, np.nan)
        ok = np.isfinite(lat) & np.isfinite(lon)
        if ok.any():
            _, d = geodesic_inverse(np.full(ok.sum(), lat_deg), np.full(ok.sum(), lon_deg), lat[ok], lon[ok],
                                    earth_model())
            out[ok] = d
        return out
