"""Ground (or ship) radars: line of sight on the 4/3 effective Earth and detection range for a cross-section.

Line of sight on the 4/3 effective Earth (standard refraction; Skolnik): the Earth is a sphere of radius
a_e = k R with k = 4/3, R = 6,371 km, and rays are straight. For a radar with antenna height h_r and an
object at altitude h_t, ground distance d apart (central angle theta = d / a_e), r1 = a_e + h_r, r2 = a_e + h_t:

* slant range        rho = sqrt(r1^2 + r2^2 - 2 r1 r2 cos theta)
* elevation angle    sin(eps) = (r2 cos theta - r1) / rho      (from the radar's local horizontal)
* line of sight clear of the sphere iff  theta <= acos(a_e / r1) + acos(a_e / r2)   (exact tangent geometry)

The textbook horizon d = sqrt(2 k R h_r) + sqrt(2 k R h_t) (10 m antenna, 100 km target: 1,316 km) is the
small-height form of the last line (:func:`radar_horizon_m`; :func:`horizon_ground_range_m` is exact).
An object is *visible* when the line of sight is clear, eps >= elevation mask, and rho <= R_max, the
detection range for the object's radar cross-section sigma scaled by the radar equation (range^4 ~ sigma):
R_max = R_ref (sigma / sigma_ref)^(1/4), with R_ref the catalogue range against sigma_ref. The radar is
assumed to search the threat's direction (azimuth sectors are not modelled). First detection is the first
time the object is visible (placed between samples by :mod:`duel.defence.windows`); a fire-control track
follows after a notional track-formation delay.

Units: SI (m, rad; degrees for latitude, longitude and the elevation mask). Every function is array code on a
namespace ``xp`` (NumPy, or ``jax.numpy`` inside the batch engine) or plain NumPy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from duel.physics.constants import MEAN_EARTH_RADIUS_M

K_EFFECTIVE = 4.0 / 3.0
"""Effective-Earth factor for standard atmospheric refraction."""
R_EARTH_M = MEAN_EARTH_RADIUS_M
"""Mean Earth radius of the 4/3-Earth model and of the fly-out chord (m)."""
A_EFFECTIVE_M = K_EFFECTIVE * R_EARTH_M
"""Radius of the effective Earth (m)."""


def radar_horizon_m(h_radar_m: Any, h_target_m: Any, k: float = K_EFFECTIVE, r_m: float = R_EARTH_M) -> np.ndarray:
    """Textbook radar horizon d = sqrt(2 k R h_r) + sqrt(2 k R h_t) (m); 10 m, 100 km -> 1,316 km."""
    a = k * r_m
    return np.sqrt(2.0 * a * np.asarray(h_radar_m, float)) + np.sqrt(2.0 * a * np.asarray(h_target_m, float))


def horizon_ground_range_m(h_radar_m: Any, h_target_m: Any, k: float = K_EFFECTIVE, r_m: float = R_EARTH_M) -> np.ndarray:
    """Exact 4/3-Earth horizon as a ground distance (m): a_e [acos(a_e/(a_e+h_r)) + acos(a_e/(a_e+h_t))]."""
    a = k * r_m
    return a * (np.arccos(a / (a + np.asarray(h_radar_m, float))) + np.arccos(a / (a + np.asarray(h_target_m, float))))


def radar_geometry(
    ground_m: Any, h_radar_m: Any, h_target_m: Any, k: float = K_EFFECTIVE, r_m: float = R_EARTH_M, xp: Any = np,
) -> tuple[Any, Any, Any]:
    """Slant range (m), elevation (rad) and line-of-sight margin (rad) on the effective Earth (arrays).

    Line-of-sight margin = acos(a_e/r1) + acos(a_e/r2) - theta: >= 0 when the straight ray clears the sphere.
    ``xp``: the array namespace (NumPy by default; ``jax.numpy`` in the compiled batch engine).
    """
    a = k * r_m
    theta = xp.asarray(ground_m, dtype=float) / a
    r1 = a + xp.asarray(h_radar_m, dtype=float)
    r2 = a + xp.maximum(xp.asarray(h_target_m, dtype=float), 0.0)
    rho = xp.sqrt(xp.maximum(r1 * r1 + r2 * r2 - 2.0 * r1 * r2 * xp.cos(theta), 0.0))
    with np.errstate(invalid="ignore", divide="ignore"):
        sin_e = xp.where(rho > 0, (r2 * xp.cos(theta) - r1) / xp.where(rho > 0, rho, 1.0), 1.0)
    eps = xp.arcsin(xp.clip(sin_e, -1.0, 1.0))
    margin = xp.arccos(xp.clip(a / r1, -1, 1)) + xp.arccos(xp.clip(a / r2, -1, 1)) - theta
    return rho, eps, margin


def max_detection_range_m(range_ref_m: Any, rcs_ref_m2: Any, rcs_m2: Any) -> np.ndarray:
    """Radar-equation scaling (range^4 ~ RCS): R_max = R_ref (sigma / sigma_ref)^(1/4)."""
    return np.asarray(range_ref_m, float) * (np.asarray(rcs_m2, float) / np.asarray(rcs_ref_m2, float)) ** 0.25


@dataclass(frozen=True)
class Radar:
    """A ground (or ship) radar at a geodetic point.

    Attributes:
        id, name: catalogue id and name ("" for user-made radars).
        lat_deg, lon_deg: position (WGS84, deg).
        antenna_height_m: antenna height above the surface (m), enters the 4/3-Earth horizon.
        elevation_mask_deg: lowest usable elevation (deg from the local horizontal; may be negative).
        range_ref_m: detection range against ``rcs_ref_m2`` (m).
        rcs_ref_m2: the reference cross-section (m^2).
        sources: catalogue source ids.
    """

    lat_deg: float
    lon_deg: float
    antenna_height_m: float
    elevation_mask_deg: float
    range_ref_m: float
    rcs_ref_m2: float
    id: str = ""
    name: str = ""
    sources: tuple[str, ...] = ()

    def max_range_m(self, rcs_m2: Any) -> Any:
        """Detection range against ``rcs_m2`` (m)."""
        return max_detection_range_m(self.range_ref_m, self.rcs_ref_m2, rcs_m2)
