"""The Earth: WGS84 or spherical figure, rotation, gravity (point mass + J2), frames and geodesics.

Frames. ECEF is the Earth-centred, Earth-fixed frame (x to 0° lat/0° lon, z to the north pole), in metres;
the integrator works in it, so positions are Earth-fixed and velocities are relative to the rotating Earth
(ground-relative). Geodetic coordinates (latitude, longitude in degrees, height in metres above the
ellipsoid) are used at the edges only. Azimuth is clockwise from true north; the flight-path angle is measured
from the local horizontal plane (perpendicular to the ellipsoid normal).

Constants: WGS84 from NIMA TR8350.2 (3rd ed., 2000): a = 6,378,137 m, 1/f = 298.257223563,
GM = 3.986004418e14 m^3/s^2, omega = 7.292115e-5 rad/s, J2 = 1.08262982131e-3 (from the EGM96 C20 term).
The validation sphere (the textbook mean-radius Earth) has R = 6,371.0 km and the same GM.

Geodetic conversions at the edges use pymap3d; geodesics use pyproj's ``Geod`` (Karney). Inside the
integration loop the height is computed by :func:`height_xp`, a one-step Bowring formula written against an
array namespace so that it also runs under a GPU array library (pymap3d converts to NumPy).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

import numpy as np

from duel.errors import InputError
from duel.physics.constants import MEAN_EARTH_RADIUS_M

WGS84_A_M = 6_378_137.0
WGS84_INV_F = 298.257223563
GM_M3_S2 = 3.986004418e14
OMEGA_RAD_S = 7.292115e-5
J2_WGS84 = 1.08262982131e-3
SPHERE_R_M = MEAN_EARTH_RADIUS_M

EarthShape = Literal["wgs84", "sphere"]


@dataclass(frozen=True)
class EarthModel:
    """Figure, gravity and rotation of the Earth used for one flight (SI units).

    ``a_m``/``b_m``: semi-major/semi-minor axis; ``gm``: gravitational parameter; ``j2``: second zonal
    harmonic (0 disables it), referred to radius ``a_m``; ``omega``: rotation rate (0 = non-rotating).
    """

    shape: EarthShape = "wgs84"
    a_m: float = WGS84_A_M
    b_m: float = WGS84_A_M * (1.0 - 1.0 / WGS84_INV_F)
    gm: float = GM_M3_S2
    j2: float = J2_WGS84
    omega: float = OMEGA_RAD_S

    @property
    def e2(self) -> float:
        """First eccentricity squared of the figure."""
        return 1.0 - (self.b_m / self.a_m) ** 2

    @cached_property
    def ellipsoid(self) -> Any:
        """The figure as a pymap3d ``Ellipsoid``."""
        import pymap3d

        return pymap3d.Ellipsoid(self.a_m, self.b_m, name=self.shape, model=self.shape)

    @cached_property
    def geod(self) -> Any:
        """The figure as a pyproj ``Geod`` for distances and azimuths (Karney's geodesics)."""
        from pyproj import Geod

        return Geod(a=self.a_m, b=self.b_m)

    def label(self) -> str:
        """Short human-readable description of the physics toggles."""
        parts = [self.shape, "rotating" if self.omega else "non-rotating", "J2" if self.j2 else "no J2"]
        return ", ".join(parts)


def earth_model(shape: EarthShape = "wgs84", rotation: bool = True, j2: bool = True) -> EarthModel:
    """The Earth for a flight: ``wgs84`` (TR8350.2) or the validation ``sphere`` (R = 6,371.0 km)."""
    if shape == "wgs84":
        return EarthModel(shape="wgs84", j2=J2_WGS84 if j2 else 0.0, omega=OMEGA_RAD_S if rotation else 0.0)
    if shape == "sphere":
        return EarthModel(
            shape="sphere", a_m=SPHERE_R_M, b_m=SPHERE_R_M, j2=J2_WGS84 if j2 else 0.0,
            omega=OMEGA_RAD_S if rotation else 0.0,
        )
    raise InputError(f"--earth: unknown figure '{shape}' (use wgs84 or sphere)")


def gravity_xp(x: Any, y: Any, z: Any, earth: EarthModel, xp: Any = np) -> tuple[Any, Any, Any]:
    """Gravitational acceleration (m/s^2, ECEF axes) at ECEF position (m): point mass plus J2.

    a = -GM r/|r|^3 - (3/2) J2 GM a^2 / |r|^5 * [x(1-5z^2/r^2), y(1-5z^2/r^2), z(3-5z^2/r^2)]
    (Vallado, *Fundamentals of Astrodynamics and Applications*, 4th ed., eq. 8-30).
    """
    r2 = x * x + y * y + z * z
    r = xp.sqrt(r2)
    k = -earth.gm / (r2 * r)
    if earth.j2 == 0.0:
        return k * x, k * y, k * z
    zr2 = z * z / r2
    c = 1.5 * earth.j2 * earth.a_m**2 / r2
    kxy = k * (1.0 + c * (1.0 - 5.0 * zr2))
    kz = k * (1.0 + c * (3.0 - 5.0 * zr2))
    return kxy * x, kxy * y, kz * z


def _bowring(x: Any, y: Any, z: Any, earth: EarthModel, xp: Any) -> tuple[Any, Any]:
    """Geodetic latitude (rad) and height (m) on the ellipsoid by Bowring's formula, two steps."""
    a, b, e2 = earth.a_m, earth.b_m, earth.e2
    ep2 = (a * a - b * b) / (b * b)
    p = xp.sqrt(x * x + y * y)
    beta = xp.arctan2(a * z, b * p)
    phi = xp.arctan2(z + ep2 * b * xp.sin(beta) ** 3, p - e2 * a * xp.cos(beta) ** 3)
    # a second reduced-latitude step makes the result exact to sub-mm at altitudes up to thousands of km
    beta = xp.arctan2(b * xp.sin(phi), a * xp.cos(phi))
    phi = xp.arctan2(z + ep2 * b * xp.sin(beta) ** 3, p - e2 * a * xp.cos(beta) ** 3)
    sphi, cphi = xp.sin(phi), xp.cos(phi)
    n = a / xp.sqrt(1.0 - e2 * sphi * sphi)
    # height along the normal, well conditioned at all latitudes
    return phi, p * cphi + z * sphi - a * a / n


def height_xp(x: Any, y: Any, z: Any, earth: EarthModel, xp: Any = np) -> Any:
    """Height above the figure (m) at ECEF position (m), by Bowring's formula (two steps).

    Written for an array namespace so it runs inside the integration loop on any backend. For heights
    between -10 km and 2,000 km it agrees with pymap3d's iterative ``ecef2geodetic`` to well under a
    millimetre (tested); for the sphere it is exact (|r| - R).
    """
    if earth.a_m == earth.b_m:
        return xp.sqrt(x * x + y * y + z * z) - earth.a_m
    return _bowring(x, y, z, earth, xp)[1]


def geodetic_xp(x: Any, y: Any, z: Any, earth: EarthModel, xp: Any = np) -> tuple[Any, Any, Any]:
    """Geodetic latitude, longitude (deg) and height (m) of ECEF positions (m), on any array namespace.

    Same formula as :func:`height_xp`; for the sphere the latitude is geocentric.
    """
    lon = xp.degrees(xp.arctan2(y, x))
    if earth.a_m == earth.b_m:
        return xp.degrees(xp.arctan2(z, xp.sqrt(x * x + y * y))), lon, xp.sqrt(x * x + y * y + z * z) - earth.a_m
    phi, h = _bowring(x, y, z, earth, xp)
    return xp.degrees(phi), lon, h


def geodetic_to_ecef(lat_deg: Any, lon_deg: Any, h_m: Any, earth: EarthModel) -> tuple[np.ndarray, ...]:
    """ECEF position (m) of geodetic latitude/longitude (deg) and height (m), on arrays (pymap3d)."""
    import pymap3d

    x, y, z = pymap3d.geodetic2ecef(np.asarray(lat_deg, float), np.asarray(lon_deg, float),
                                    np.asarray(h_m, float), ell=earth.ellipsoid)
    return np.asarray(x), np.asarray(y), np.asarray(z)


def ecef_to_geodetic(x: Any, y: Any, z: Any, earth: EarthModel) -> tuple[np.ndarray, ...]:
    """Geodetic latitude/longitude (deg) and height (m) of ECEF positions (m), on arrays (pymap3d)."""
    import pymap3d

    lat, lon, h = pymap3d.ecef2geodetic(np.asarray(x, float), np.asarray(y, float), np.asarray(z, float),
                                        ell=earth.ellipsoid)
    return np.asarray(lat), np.asarray(lon), np.asarray(h)


def enu_basis(lat_deg: Any, lon_deg: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unit east, north and up vectors (ECEF axes), each of shape (N, 3), at geodetic lat/lon (deg)."""
    lat, lon = np.radians(np.atleast_1d(lat_deg)), np.radians(np.atleast_1d(lon_deg))
    sl, cl, so, co = np.sin(lat), np.cos(lat), np.sin(lon), np.cos(lon)
    east = np.stack([-so, co, np.zeros_like(so)], axis=-1)
    north = np.stack([-sl * co, -sl * so, cl], axis=-1)
    up = np.stack([cl * co, cl * so, sl], axis=-1)
    return east, north, up


def velocity_from_speed_angles(lat_deg: Any, lon_deg: Any, speed: Any, gamma_deg: Any,
                               azimuth_deg: Any) -> np.ndarray:
    """ECEF velocity (m/s, shape (N, 3)) for a speed, flight-path angle and azimuth at a geodetic point."""
    east, north, up = enu_basis(lat_deg, lon_deg)
    g, az = np.radians(np.atleast_1d(gamma_deg)), np.radians(np.atleast_1d(azimuth_deg))
    v = np.atleast_1d(speed)[:, None]
    horiz = np.cos(g)[:, None] * (np.sin(az)[:, None] * east + np.cos(az)[:, None] * north)
    return v * (horiz + np.sin(g)[:, None] * up)


def speed_angles(lat_deg: Any, lon_deg: Any, vx: Any, vy: Any, vz: Any) -> tuple[np.ndarray, ...]:
    """Speed (m/s), flight-path angle (deg) and azimuth (deg, 0..360) of ECEF velocities at geodetic points."""
    east, north, up = enu_basis(lat_deg, lon_deg)
    v = np.stack([np.atleast_1d(vx), np.atleast_1d(vy), np.atleast_1d(vz)], axis=-1)
    ve, vn, vu = (np.sum(v * b, axis=-1) for b in (east, north, up))
    speed = np.sqrt(ve * ve + vn * vn + vu * vu)
    gamma = np.degrees(np.arctan2(vu, np.hypot(ve, vn)))
    az = np.degrees(np.arctan2(ve, vn)) % 360.0
    return speed, gamma, az


def andoyer_point(lat: Any, lon: Any, earth: EarthModel, xp: Any = np) -> tuple[Any, Any, Any, Any]:
    """The per-point terms of :func:`andoyer_lambert_m` (sines and cosines of the reduced latitude and of the
    longitude), to reuse for a point that appears in many distances (e.g. a radar's site)."""
    f = 1.0 - earth.b_m / earth.a_m
    beta = xp.arctan((1 - f) * xp.tan(xp.radians(lat)))
    lam = xp.radians(lon)
    return xp.sin(beta), xp.cos(beta), xp.sin(lam), xp.cos(lam)


def andoyer_lambert_m(lat1: Any, lon1: Any, lat2: Any, lon2: Any, earth: EarthModel, xp: Any = np,
                      first: tuple[Any, Any, Any, Any] | None = None) -> Any:
    """Ellipsoidal distance (m) by the Andoyer-Lambert first-order flattening correction, on any namespace.

    Within about 10 m of the Karney geodesic (pyproj, :func:`geodesic_inverse`) up to a few thousand km
    (tested), with no iteration, so it runs inside compiled batch programs; the batch engine uses it for
    engagement ranges (tens to hundreds of km, where the error is far below the time grid's resolution).
    ``first``: point 1's :func:`andoyer_point` terms, if already computed (``lat1``, ``lon1`` are then unused).
    Source: Lambert (1942), "The distance between two widely separated points on the surface of the earth".
    """
    a, f = earth.a_m, 1.0 - earth.b_m / earth.a_m
    sb1, cb1, sl1, cl1 = andoyer_point(lat1, lon1, earth, xp) if first is None else first
    sb2, cb2, sl2, cl2 = andoyer_point(lat2, lon2, earth, xp)
    # haversine of the central angle on the auxiliary sphere, from products only
    h = 0.5 * (1.0 - cb1 * cb2 - sb1 * sb2) + 0.5 * cb1 * cb2 * (1.0 - (cl1 * cl2 + sl1 * sl2))
    h = xp.clip(h, 0.0, 1.0)
    sig = 2.0 * xp.arcsin(xp.sqrt(h))
    sin_sig = 2.0 * xp.sqrt(h * (1.0 - h))
    big = sig > 1e-12
    # sin P cos Q = (sin b1 + sin b2) / 2, cos P sin Q = (sin b2 - sin b1) / 2, P = mean, Q = half-difference
    X = (sig - sin_sig) * (0.5 * (sb1 + sb2)) ** 2 / xp.where(big, 1.0 - h, 1.0)
    Y = (sig + sin_sig) * (0.5 * (sb2 - sb1)) ** 2 / xp.where(big, h, 1.0)
    return a * (sig - xp.where(big, f / 2 * (X + Y), 0.0))


def geodesic_inverse(lat1: Any, lon1: Any, lat2: Any, lon2: Any, earth: EarthModel) -> tuple[np.ndarray, ...]:
    """Forward azimuth at point 1 (deg, 0..360) and distance (m) along the geodesic, on arrays (pyproj)."""
    az12, _, dist = earth.geod.inv(np.asarray(lon1, float), np.asarray(lat1, float),
                                   np.asarray(lon2, float), np.asarray(lat2, float))
    return np.asarray(az12) % 360.0, np.asarray(dist)


def geodesic_forward(lat: Any, lon: Any, azimuth_deg: Any, dist_m: Any, earth: EarthModel) -> tuple[np.ndarray, ...]:
    """Latitude and longitude (deg) reached from a point along an azimuth (deg) for a distance (m) (pyproj)."""
    lon2, lat2, _ = earth.geod.fwd(np.asarray(lon, float), np.asarray(lat, float),
                                   np.asarray(azimuth_deg, float), np.asarray(dist_m, float))
    return np.asarray(lat2), np.asarray(lon2)
