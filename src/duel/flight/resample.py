"""Recorded flights -> samples on a time grid, on any array namespace (NumPy, or JAX inside the batch engine).

A recording is what the integrators keep with ``record=True`` / ``record_steps``: per trajectory the step
ends (times (N, K), NaN after the last) and ECEF states (N, K, 6) (m, m/s). Between two recorded samples the
position is the cubic Hermite interpolant built from the two positions and velocities (C1, exact at the
samples; the same interpolant the integrators use to locate events) and the velocity its derivative.
Latitude, longitude and height come from :func:`duel.physics.earth.geodetic_xp`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from duel.physics.earth import EarthModel, geodetic_xp


def hermite_grid(t: Any, state: Any, grid: Any, earth: EarthModel, xp: Any = np) -> tuple[Any, Any, Any, Any]:
    """Latitude, longitude (deg), height (m) and Earth-relative speed (m/s) on ``grid``, each (N, S).

    Args:
        t: (N, K) recorded times (s), increasing along each row, NaN-padded after the last sample; every
            row needs at least two samples.
        state: (N, K, 6) recorded ECEF states.
        grid: (S,) sample times (s), increasing.
        earth: the figure for the geodetic conversion.
        xp: the array namespace.
    Returns:
        Arrays (N, S); NaN where a grid time lies outside a row's recorded span. Longitudes are in
        (-180, 180] (not unwrapped).
    """
    n, k_max = t.shape
    valid = xp.isfinite(t)
    count = xp.sum(valid, axis=1)
    rows = xp.arange(n)[:, None]
    t_end = t[xp.arange(n), count - 1]
    t_start = t[:, 0]
    # segment index per (row, grid time) by one searchsorted over the rows laid end to end in time
    t0 = xp.min(t_start)
    span = xp.max(xp.where(valid, t, -xp.inf)) - t0 + 1.0
    offset = (xp.arange(n) * 4.0 * span)[:, None]
    tt = xp.where(valid, t - t0, 2.0 * span) + offset
    k = xp.searchsorted(tt.reshape(-1), (grid[None, :] - t0 + offset).reshape(-1), side="right").reshape(n, -1)
    k = k - 1 - (xp.arange(n) * k_max)[:, None]
    k = xp.clip(k, 0, (count - 2)[:, None])
    ta, tb = t[rows, k], t[rows, k + 1]
    h = tb - ta
    u = (grid[None, :] - ta) / h
    pa, pb = state[rows, k, :3], state[rows, k + 1, :3]
    va, vb = state[rows, k, 3:], state[rows, k + 1, 3:]
    u2, u3 = u * u, u * u * u
    h00, h10, h01, h11 = 2 * u3 - 3 * u2 + 1, u3 - 2 * u2 + u, -2 * u3 + 3 * u2, u3 - u2
    hh = h[..., None]
    pos = h00[..., None] * pa + h10[..., None] * hh * va + h01[..., None] * pb + h11[..., None] * hh * vb
    d00, d10, d01, d11 = 6 * u2 - 6 * u, 3 * u2 - 4 * u + 1, -6 * u2 + 6 * u, 3 * u2 - 2 * u
    vel = (d00[..., None] * pa + d01[..., None] * pb) / hh + d10[..., None] * va + d11[..., None] * vb
    lat, lon, alt = geodetic_xp(pos[..., 0], pos[..., 1], pos[..., 2], earth, xp)
    speed = xp.sqrt(xp.sum(vel * vel, axis=-1))
    out = (grid[None, :] > t_end[:, None] + 1e-9) | (grid[None, :] < t_start[:, None] - 1e-9)
    return tuple(xp.where(out, xp.nan, a) for a in (lat, lon, alt, speed))  # type: ignore[return-value]


def grid_with_impacts(t: Any, state: Any, grid: Any, earth: EarthModel, xp: Any = np) -> tuple[Any, ...]:
    """:func:`hermite_grid` on a shared ``grid`` with each row's last recorded sample (its impact) put in
    place of the first grid time after it, so that every object's samples end exactly at its impact.

    Returns the per-row sample times (N, S) and latitude, longitude, height, speed (N, S); NaN after the
    impact sample (and before a row's first sample).
    """
    lat, lon, alt, speed = hermite_grid(t, state, grid, earth, xp)
    n = t.shape[0]
    count = xp.sum(xp.isfinite(t), axis=1)
    t_end = t[xp.arange(n), count - 1]
    last = state[xp.arange(n), count - 1]
    e_lat, e_lon, e_alt = geodetic_xp(last[:, 0], last[:, 1], last[:, 2], earth, xp)
    e_speed = xp.sqrt(xp.sum(last[:, 3:] ** 2, axis=-1))
    k_end = xp.sum(grid[None, :] < t_end[:, None] - 1e-9, axis=1)  # first grid index at or after the impact
    at_end = xp.arange(grid.shape[0])[None, :] == k_end[:, None]
    times = xp.where(at_end, t_end[:, None], grid[None, :])
    out = [xp.where(at_end, e[:, None], a) for e, a in ((e_lat, lat), (e_lon, lon), (e_alt, alt), (e_speed, speed))]
    return (times, *out)
