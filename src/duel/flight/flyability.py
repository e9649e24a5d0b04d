"""Can the missile fly this arc? Dynamic pressure and nose heating of the boosting and coasting missile.

A check of a recorded arc against stated limits, so that no arc is used as if it could be flown when the
missile and its bus would meet air loads they are not built for (a full-burn depressed arc stays inside the
atmosphere at 5-6 km/s). Pure and array-based: time series in, :class:`Flyability` out.

Formulas (SI inside; kPa, MW/m^2, km at the edge, in the names):

* dynamic pressure ``q = rho v^2 / 2`` (Pa), with ``rho`` the US76 density (kg/m^3,
  :func:`duel.physics.atmosphere.atmosphere_xp`) at the arc's height and ``v`` the speed relative to the
  rotating Earth (m/s), i.e. relative to the air (no wind);
* stagnation-point convective heat flux (Sutton and Graves 1971, NASA TR R-376)
  ``q_s = k sqrt(rho / r_n) v^3`` (W/m^2), with ``k`` = 1.7415e-4 kg^0.5/m for air and ``r_n`` the nose
  radius (m). Cold wall, laminar, air in chemical equilibrium, continuum flow: an engineering estimate of the
  order of magnitude, not a heat-shield design number.

The segment checked ("boost and coast"): from launch (or from burnout, for a flight that starts there) to the
start of the final descent through the reentry interface, i.e. to the last apogee before the last downward
crossing of the interface height: what follows is the reentry, borne by the reentry vehicles, which are
built for it. An arc that never climbs above the interface flies its whole flight inside the sensible
atmosphere, and its whole flight counts.

The limits (:class:`FlightLimits`) are model inputs (``flight.max_dynamic_pressure_kpa``,
``flight.max_heat_flux_mw_m2``, ``flight.nose_radius_m``, ``flight.reentry_interface_km``: notional, with
bands; ``flight.sutton_graves_k``: reported), read through :class:`~duel.scenario.inputs.Inputs`. No public
structural or thermal limit of the Oreshnik is known: the limits are duel's, chosen between what the
shipped minimum-energy and lofted arcs reach and what the depressed arcs reach (docs/physics.md, "Flyable
arcs").
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from duel.physics.atmosphere import atmosphere_xp

if TYPE_CHECKING:
    from duel.flight.trajectory import Trajectory
    from duel.scenario.inputs import Inputs

LIMIT_PATHS = {
    "max_dynamic_pressure_kpa": "flight.max_dynamic_pressure_kpa",
    "max_heat_flux_mw_m2": "flight.max_heat_flux_mw_m2",
    "nose_radius_m": "flight.nose_radius_m",
    "reentry_interface_km": "flight.reentry_interface_km",
    "sutton_graves_k": "flight.sutton_graves_k",
}
"""Each field of :class:`FlightLimits` and the model input it comes from."""


@dataclass(frozen=True)
class FlightLimits:
    """The limits an arc is checked against and the constants of the check (units in the names;
    ``sutton_graves_k`` in kg^0.5/m)."""

    max_dynamic_pressure_kpa: float
    max_heat_flux_mw_m2: float
    nose_radius_m: float
    reentry_interface_km: float
    sutton_graves_k: float

    @classmethod
    def from_inputs(cls, inputs: Inputs) -> FlightLimits:
        """The limits of one evaluation, every number from the model inputs."""
        return cls(**{f: float(inputs[p]) for f, p in LIMIT_PATHS.items()})


def dynamic_pressure_pa(rho_kg_m3: Any, speed_mps: Any) -> np.ndarray:
    """Dynamic pressure q = rho v^2 / 2 (Pa) for density (kg/m^3) and speed (m/s); arrays broadcast."""
    return 0.5 * np.asarray(rho_kg_m3, dtype=float) * np.asarray(speed_mps, dtype=float) ** 2


def stagnation_heat_flux_w_m2(rho_kg_m3: Any, speed_mps: Any, nose_radius_m: float, k: float) -> np.ndarray:
    """Sutton-Graves stagnation-point heat flux k sqrt(rho / r_n) v^3 (W/m^2); arrays broadcast."""
    rho = np.maximum(np.asarray(rho_kg_m3, dtype=float), 0.0)
    return k * np.sqrt(rho / nose_radius_m) * np.abs(np.asarray(speed_mps, dtype=float)) ** 3


def boost_coast_mask(altitude_m: Any, interface_m: float) -> np.ndarray:
    """True on the samples of boost and coast (module docstring): up to and including the last apogee before
    the last sample at or above ``interface_m``; every sample if the arc never reaches ``interface_m``.

    ``altitude_m``: one arc's heights (m) in time order, shape (S,).
    """
    h = np.asarray(altitude_m, dtype=float)
    mask = np.ones(h.shape, dtype=bool)
    above = np.nonzero(h >= interface_m)[0]
    if above.size == 0:
        return mask
    last_above = int(above[-1])
    rising = np.nonzero(np.diff(h[: last_above + 1]) > 0.0)[0]
    end = int(rising[-1]) + 1 if rising.size else 0  # the last local maximum of the height
    mask[end + 1:] = False
    return mask


@dataclass(frozen=True)
class Flyability:
    """The check of one arc: flyable or not, the limit it breaks (in words, None if none; ``limit_broken_short``
    in a few words for tables and charts, e.g. "dynamic pressure 720 kPa > 150 kPa"), the largest
    dynamic pressure (kPa) and heat flux (MW/m^2) of boost and coast with where (km) and when (s from launch),
    when boost and coast end (s), whether the whole flight counted, and the limits used."""

    flyable: bool
    limit_broken: str | None
    limit_broken_short: str | None
    max_dynamic_pressure_kpa: float
    max_dynamic_pressure_altitude_km: float
    max_dynamic_pressure_time_s: float
    max_heat_flux_mw_m2: float
    max_heat_flux_altitude_km: float
    max_heat_flux_time_s: float
    segment_end_s: float
    whole_flight: bool
    limits: FlightLimits

    def to_dict(self) -> dict[str, Any]:
        """JSON: every field, the limits as a nested object."""
        d = asdict(self)
        d["limits"] = asdict(self.limits)
        return d


def _num(x: float) -> str:
    return f"{x:,.0f}" if x >= 100 else f"{x:.1f}"


def _phrase(what: str, peak: float, unit: str, h_km: float, t_s: float, during: str, limit: float,
            first_t: float, first_h_km: float) -> str:
    return (f"{what} {_num(peak)} {unit} at {h_km:.0f} km (T+{t_s:.0f} s){during}, above the {limit:g} {unit} "
            f"limit (first exceeded at T+{first_t:.0f} s, {first_h_km:.0f} km)")


def check_series(time_s: Any, altitude_m: Any, speed_mps: Any, limits: FlightLimits) -> Flyability:
    """Check one arc given as time series (s from launch, m, m/s; equal length, time order)."""
    t = np.asarray(time_s, dtype=float)
    h = np.asarray(altitude_m, dtype=float)
    v = np.asarray(speed_mps, dtype=float)
    interface_m = limits.reentry_interface_km * 1e3
    seg = boost_coast_mask(h, interface_m)
    whole = not bool((h >= interface_m).any())
    t, h, v = t[seg], h[seg], v[seg]
    rho = atmosphere_xp(h)[0]
    q_kpa = dynamic_pressure_pa(rho, v) / 1e3
    s_mw = stagnation_heat_flux_w_m2(rho, v, limits.nose_radius_m, limits.sutton_graves_k) / 1e6
    iq, ih = int(np.argmax(q_kpa)), int(np.argmax(s_mw))
    broken, short = [], []
    during = "" if whole else " during boost and coast"
    for name, series, i, limit, unit in (("dynamic pressure", q_kpa, iq, limits.max_dynamic_pressure_kpa, "kPa"),
                                         ("heat flux", s_mw, ih, limits.max_heat_flux_mw_m2, "MW/m^2")):
        if series[i] > limit:
            j = int(np.argmax(series > limit))
            broken.append(_phrase(name, float(series[i]), unit, h[i] / 1e3, t[i], during, limit, t[j], h[j] / 1e3))
            short.append(f"{name} {_num(float(series[i]))} {unit} > {limit:g} {unit}")
    tail = (f"; the arc never climbs above the {limits.reentry_interface_km:g} km reentry interface, so its whole "
            "flight counts" if whole else "")
    return Flyability(
        flyable=not broken,
        limit_broken="; ".join(broken) + tail if broken else None,
        limit_broken_short="; ".join(short) if short else None,
        max_dynamic_pressure_kpa=float(q_kpa[iq]), max_dynamic_pressure_altitude_km=float(h[iq] / 1e3),
        max_dynamic_pressure_time_s=float(t[iq]),
        max_heat_flux_mw_m2=float(s_mw[ih]), max_heat_flux_altitude_km=float(h[ih] / 1e3),
        max_heat_flux_time_s=float(t[ih]),
        segment_end_s=float(t[-1]), whole_flight=whole, limits=limits,
    )


def check_flyability(tr: Trajectory, limits: FlightLimits, i: int = 0) -> Flyability:
    """Check trajectory ``i`` of a recorded batch (see the module docstring)."""
    s = tr.series(i)
    return check_series(s["time_s"], s["altitude_m"], s["speed_mps"], limits)
