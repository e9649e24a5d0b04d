"""The U.S. Standard Atmosphere 1976 on arrays, from -5 to 1000 km geometric altitude.

Source: *U.S. Standard Atmosphere, 1976*, NOAA/NASA/USAF, NOAA-S/T 76-1562 (NASA-TM-X-74335).

Below 86 km: the document's seven layers of linear molecular-scale temperature in geopotential height
H = r0 z / (r0 + z) (r0 = 6,356,766 m), with g0 = 9.80665 m/s^2, R* = 8314.32 J/(kmol K) and
M0 = 28.9644 kg/kmol. Pressure follows from hydrostatic balance layer by layer,
p = p_b (T_b / T)^(g0 M0 / (R* L)) in a layer of lapse rate L and p = p_b exp(-g0 M0 (H - H_b) / (R* T_b))
in an isothermal one; density is rho = p M0 / (R* T). The molecular-weight ratio M/M0 (1 down to 0.99958
between 80 and 86 km) is neglected: the temperature returned there is the molecular-scale temperature,
at most 0.079 K (0.04 %) above the kinetic one; pressure and density are unaffected (the document computes
them from the molecular-scale temperature too). Below sea level the first layer is extrapolated down to
-5 km; lower altitudes get the values at -5 km.

Above 86 km: the table ``duel/physics/us76_upper.csv`` (every 0.5 km to 200 km, every 5 km to 1000 km),
generated once from the PyPI package ``ussa1976`` by ``scripts/make_us76_table.py``, interpolated
log-linearly in density and pressure and linearly in kinetic temperature. Its 86 km row is ``ussa1976``'s
value there, which is the molecular-scale temperature of the layers below, so the temperature is continuous
and ramps to the kinetic 186.867 K by 86.5 km. Above 1000 km density and pressure are 0 and the temperature
stays at its 1000 km value.

Speed of sound: sqrt(1.4 R* T / M0) everywhere. Below 86 km this is the document's definition. Above
86 km the document does not tabulate it (the mean free path is no longer small against a sound wavelength);
the value returned there is the same formula applied to the kinetic temperature, for Mach numbers only.

The function is branch-free and uses only operations common to NumPy and ``jax.numpy`` (``searchsorted``,
``take``, ``where``, ``exp``, ``log1p``, ...), so it runs inside a compiled integration loop on either.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from typing import Any, NamedTuple

import numpy as np

from duel.physics.constants import G0_M_S2, P0_PA

R_STAR_J_KMOL_K = 8314.32
M0_KG_KMOL = 28.9644
R0_M = 6_356_766.0
GAMMA = 1.4
T0_K = 288.15
R_AIR_J_KG_K = R_STAR_J_KMOL_K / M0_KG_KMOL
Z_MIN_M = -5_000.0
Z_86_M = 86_000.0

_G0M0_OVER_RSTAR = G0_M_S2 * M0_KG_KMOL / R_STAR_J_KMOL_K  # K/m

# Layer bases (geopotential m) and lapse rates of the molecular-scale temperature (K/m), 0-86 km.
_H_BASE = np.array([0.0, 11_000.0, 20_000.0, 32_000.0, 47_000.0, 51_000.0, 71_000.0])
_LAPSE = np.array([-6.5, 0.0, 1.0, 2.8, 0.0, -2.8, -2.0]) * 1e-3
_LAPSE_SAFE = np.where(_LAPSE == 0.0, 1.0, _LAPSE)


def _inverse_temperature_integral(t_base: Any, lapse: Any, lapse_safe: Any, dh: Any, xp: Any) -> Any:
    """Integral of dH/T (m/K) from a layer base over dh (m): dh/T_b if isothermal, ln(T/T_b)/L otherwise."""
    return xp.where(lapse == 0.0, dh / t_base, xp.log1p(lapse * dh / t_base) / lapse_safe)


# Base temperature and pressure of each layer, chained up from sea level (the document's Table 4).
_DH_LAYER = np.diff(_H_BASE)
_T_BASE = T0_K + np.concatenate([[0.0], np.cumsum(_LAPSE[:-1] * _DH_LAYER)])
_LN_P_DROP = _G0M0_OVER_RSTAR * _inverse_temperature_integral(_T_BASE[:-1], _LAPSE[:-1], _LAPSE_SAFE[:-1],
                                                              _DH_LAYER, np)
_P_BASE = P0_PA * np.exp(-np.concatenate([[0.0], np.cumsum(_LN_P_DROP)]))
# the layer constants as rows of one table: one gather per call picks all of them
_LOW_TABLE = np.stack([_LAPSE, _T_BASE, _H_BASE, _LAPSE_SAFE, _P_BASE])


class _UpperTable(NamedTuple):
    """The >86 km table per interval: base altitude (m), value at the base and slope (per m) of each column;
    ``rows``: those seven arrays stacked (7, intervals), for one gather per call."""

    z_m: np.ndarray
    ln_rho: np.ndarray
    ln_rho_dz: np.ndarray
    ln_p: np.ndarray
    ln_p_dz: np.ndarray
    t_k: np.ndarray
    t_dz: np.ndarray
    z_top_m: float
    rows: np.ndarray


@cache
def _upper_table() -> _UpperTable:
    """Read ``us76_upper.csv`` once."""
    text = files("duel.physics").joinpath("us76_upper.csv").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    if lines[0] != "altitude_km,density_kg_m3,pressure_pa,temperature_k":
        raise ValueError(f"unexpected header in us76_upper.csv: {lines[0]!r}")
    z_km, rho, p, t = np.loadtxt(lines[1:], delimiter=",", ndmin=2).T
    z = z_km * 1e3
    dz = np.diff(z)
    ln_rho, ln_p = np.log(rho), np.log(p)
    cols = (z[:-1], ln_rho[:-1], np.diff(ln_rho) / dz, ln_p[:-1], np.diff(ln_p) / dz, t[:-1], np.diff(t) / dz)
    return _UpperTable(*cols, float(z[-1]), np.stack(cols))


def atmosphere_xp(h_m: Any, xp: Any = np) -> tuple[Any, Any, Any, Any]:
    """Density (kg/m^3), pressure (Pa), temperature (K) and speed of sound (m/s) at geometric altitude h_m (m).

    U.S. Standard Atmosphere 1976 (NOAA-S/T 76-1562); see the module docstring for the model, its two
    simplifications (M/M0 neglected at 80-86 km; speed of sound above 86 km from the kinetic temperature)
    and the ranges: below -5 km the values at -5 km, above 1000 km density and pressure 0.

    ``h_m``: array of any shape (or a scalar), float64. ``xp``: the array namespace (``numpy`` or
    ``jax.numpy``; JAX needs ``jax_enable_x64`` for float64). The four results have the shape of ``h_m``.
    """
    z = xp.maximum(xp.asarray(h_m, dtype=xp.float64), Z_MIN_M)
    up = _upper_table()
    high = z > Z_86_M
    outside = z > up.z_top_m
    # NumPy: where every altitude is on one side of 86 km, only that side is computed (the same numbers)
    if xp is np and not high.any():
        t_low, p_low = _layers(z, xp)
        return p_low / (R_AIR_J_KG_K * t_low), p_low, t_low, np.sqrt(GAMMA * R_AIR_J_KG_K * t_low)
    t_high, p_high, rho_high = _upper(z, up, xp)
    if xp is np and high.all():
        return (np.where(outside, 0.0, rho_high), np.where(outside, 0.0, p_high), t_high,
                np.sqrt(GAMMA * R_AIR_J_KG_K * t_high))
    t_low, p_low = _layers(z, xp)
    t = xp.where(high, t_high, t_low)
    p = xp.where(outside, 0.0, xp.where(high, p_high, p_low))
    rho = xp.where(outside, 0.0, xp.where(high, rho_high, p_low / (R_AIR_J_KG_K * t_low)))
    return rho, p, t, xp.sqrt(GAMMA * R_AIR_J_KG_K * t)


def _layers(z: Any, xp: Any) -> tuple[Any, Any]:
    """Temperature (K) and pressure (Pa) of the seven layers, 0-86 km (altitudes z (m) above 86 km clamped)."""
    z_low = xp.minimum(z, Z_86_M)
    h = R0_M * z_low / (R0_M + z_low)
    i = xp.minimum(xp.maximum(xp.searchsorted(xp.asarray(_H_BASE), h, side="right") - 1, 0), _H_BASE.size - 1)
    lapse, t_base, h_base, lapse_safe, p_base = xp.take(xp.asarray(_LOW_TABLE), i, axis=1)
    dh = h - h_base
    integral = _inverse_temperature_integral(t_base, lapse, lapse_safe, dh, xp)
    return t_base + lapse * dh, p_base * xp.exp(-_G0M0_OVER_RSTAR * integral)


def _upper(z: Any, up: _UpperTable, xp: Any) -> tuple[Any, Any, Any]:
    """Temperature (K), pressure (Pa) and density (kg/m^3) from the 86-1000 km table (altitudes z (m) below 86 km
    or above the top clamped)."""
    z_high = xp.minimum(xp.maximum(z, Z_86_M), up.z_top_m)
    j = xp.minimum(xp.maximum(xp.searchsorted(xp.asarray(up.z_m), z_high, side="right") - 1, 0), up.z_m.size - 1)
    z_base, ln_rho, ln_rho_dz, ln_p, ln_p_dz, t_k, t_dz = xp.take(xp.asarray(up.rows), j, axis=1)
    dz = z_high - z_base
    return t_k + t_dz * dz, xp.exp(ln_p + ln_p_dz * dz), xp.exp(ln_rho + ln_rho_dz * dz)
