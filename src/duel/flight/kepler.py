"""Keplerian free flight in closed form: the aim solver's fast predictor and the vacuum reference.

Given ECEF burnout states (position m, Earth-relative velocity m/s) it returns where and when each
trajectory reaches a given geocentric radius, ignoring drag and J2 but not the Earth's rotation (the
inertial velocity is v + w x r and the impact point is rotated back by w * time). Two-body formulas from
Bate, Mueller & White, *Fundamentals of Astrodynamics* (1971), ch. 2 and 6. Batch over N, NumPy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from duel.physics.earth import EarthModel


@dataclass(frozen=True)
class KeplerArc:
    """Closed-form free flight of N trajectories: impact ECEF position (N, 3) in m, time of free flight (s)
    and apogee radius (m); NaN where the arc never comes down to the radius asked for."""

    impact_ecef: np.ndarray
    time_s: np.ndarray
    apogee_radius_m: np.ndarray


def kepler_arc(state: np.ndarray, earth: EarthModel, r_impact_m: np.ndarray | float) -> KeplerArc:
    """Free flight from ECEF states (N, 6) down to geocentric radius ``r_impact_m`` (m), in closed form."""
    r = state[:, :3]
    w = earth.omega
    v = state[:, 3:] + np.column_stack([-w * r[:, 1], w * r[:, 0], np.zeros(len(r))])  # inertial velocity
    mu = earth.gm
    rn = np.linalg.norm(r, axis=1)
    vn2 = np.einsum("ij,ij->i", v, v)
    h = np.cross(r, v)
    hn = np.linalg.norm(h, axis=1)
    energy = vn2 / 2 - mu / rn
    with np.errstate(invalid="ignore", divide="ignore"):
        a = -mu / (2 * energy)
        p = hn**2 / mu
        e_vec = np.cross(v, h) / mu - r / rn[:, None]
        e = np.linalg.norm(e_vec, axis=1)
        p_hat = e_vec / e[:, None]
        q_hat = np.cross(h / hn[:, None], p_hat)
        nu0 = np.arctan2(np.einsum("ij,ij->i", r, q_hat), np.einsum("ij,ij->i", r, p_hat)) % (2 * np.pi)
        cos_nu_i = (p / r_impact_m - 1) / e
        nu_i = 2 * np.pi - np.arccos(cos_nu_i)  # the descending crossing
        nu_i = np.where(nu_i < nu0, np.nan, nu_i)

        def mean_anomaly(nu: np.ndarray) -> np.ndarray:
            big_e = 2 * np.arctan(np.sqrt((1 - e) / (1 + e)) * np.tan(nu / 2)) % (2 * np.pi)
            return big_e - e * np.sin(big_e)

        m0 = mean_anomaly(nu0)
        mi = mean_anomaly(nu_i)
        mi = np.where(mi < m0, mi + 2 * np.pi, mi)
        tof = (mi - m0) * np.sqrt(a**3 / mu)
        r_imp = np.broadcast_to(r_impact_m, rn.shape)
        pos_i = r_imp[:, None] * (np.cos(nu_i)[:, None] * p_hat + np.sin(nu_i)[:, None] * q_hat)
        th = w * tof
        c, s = np.cos(th), np.sin(th)
        impact = np.column_stack([c * pos_i[:, 0] + s * pos_i[:, 1], -s * pos_i[:, 0] + c * pos_i[:, 1], pos_i[:, 2]])
        apogee = np.where(nu0 < np.pi, a * (1 + e), rn)
    bad = ~np.isfinite(tof) | (energy >= 0)
    impact[bad] = np.nan
    tof = np.where(bad, np.nan, tof)
    return KeplerArc(impact, tof, np.where(bad, np.nan, apogee))
