"""A flight in numbers: :class:`FlightSummary`, derived from a recorded :class:`~duel.flight.trajectory.Trajectory`.

The model side of ``duel fly`` and of every report: range, time, apogee, speeds and Mach (each Mach with its
height: the peak and where, at the descending 30 km crossing, at impact), the burnout and impact states, the
named events in time order, each event under a typed key (``launch``, ``stage1_burnout``, ``cutoff``,
``apogee``, ``down_100km``, ``down_30km``, ``impact``), and whether the arc is flyable
(:mod:`duel.flight.flyability`). Presentation code formats it; :meth:`FlightSummary.to_dict` is the
``duel fly --format json`` document (its keys are a contract, see the README; keys are only ever added).
:func:`thin_track` is a flight's altitude against time and downrange, thinned for charts. Units are in the
names: km, s, m/s, deg (edge units).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from duel.flight.events import CROSSINGS
from duel.flight.flyability import FlightLimits, Flyability, check_flyability
from duel.flight.trajectory import MACH_CEILING_M, Trajectory, mach_number
from duel.physics.atmosphere import atmosphere_xp
from duel.physics.earth import geodesic_inverse

DOWN_30KM_M = 30_000.0  # the height of the ``down_30km`` crossing (duel.flight.events.CROSSINGS)


def _f(x: Any) -> float | None:
    """A finite float, or None (JSON null) for NaN."""
    x = float(x)
    return x if np.isfinite(x) else None


@dataclass(frozen=True)
class FlightEvent:
    """One event of a flight: typed key, label in words, time (s from launch), altitude (km), speed (m/s)."""

    key: str
    name: str
    time_s: float
    altitude_km: float
    speed_mps: float

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "name": self.name, "time_s": self.time_s, "altitude_km": self.altitude_km,
                "speed_mps": self.speed_mps}


@dataclass(frozen=True)
class EndState:
    """Burnout or impact state (None where it did not happen): time (s), altitude (km), speed (m/s),
    flight-path angle (deg), geodetic point (deg) and Mach number."""

    time_s: float | None = None
    altitude_km: float | None = None
    speed_mps: float | None = None
    angle_deg: float | None = None
    lat_deg: float | None = None
    lon_deg: float | None = None
    mach: float | None = None


@dataclass(frozen=True)
class FlightSummary:
    """Trajectory 0 of a batch in numbers (see the module docstring); None where a value does not exist."""

    trajectory: str
    ground_range_km: float | None
    flight_time_s: float | None
    apogee_km: float | None
    max_speed_mps: float | None
    max_mach: float | None
    miss_distance_km: float | None
    azimuth_deg: float | None
    burnout: EndState
    impact: EndState
    events: tuple[FlightEvent, ...]
    sources: tuple[str, ...]
    status: str
    earth: str
    atmosphere: bool
    parameters: dict[str, float] = field(default_factory=dict)
    max_mach_altitude_km: float | None = None
    mach_30km: float | None = None
    flyability: Flyability | None = None

    def event(self, key: str) -> FlightEvent | None:
        """The event with typed key ``key``, or None if the flight has none."""
        return next((e for e in self.events if e.key == key), None)

    def speed_at(self, key: str) -> float | None:
        """Speed (m/s) at the event ``key``, or None."""
        e = self.event(key)
        return None if e is None else e.speed_mps

    def to_dict(self) -> dict[str, Any]:
        """The ``duel fly`` JSON document (the solver's parameters, e.g. ``kick_deg``, at the top level)."""
        b, i = self.burnout, self.impact
        return {
            "ground_range_km": self.ground_range_km, "flight_time_s": self.flight_time_s,
            "apogee_km": self.apogee_km, "max_speed_mps": self.max_speed_mps, "max_mach": self.max_mach,
            "miss_distance_km": self.miss_distance_km, "azimuth_deg": self.azimuth_deg,
            "trajectory": self.trajectory,
            "burnout": {"time_s": b.time_s, "altitude_km": b.altitude_km, "speed_mps": b.speed_mps,
                        "angle_deg": b.angle_deg},
            "impact": {"lat_deg": i.lat_deg, "lon_deg": i.lon_deg, "speed_mps": i.speed_mps,
                       "angle_deg": i.angle_deg, "mach": i.mach},
            "events": [e.to_dict() for e in self.events],
            "sources": list(self.sources),
            "status": self.status,
            "physics": {"earth": self.earth, "atmosphere": self.atmosphere},
            "max_mach_altitude_km": self.max_mach_altitude_km, "mach_30km": self.mach_30km,
            "flyability": None if self.flyability is None else self.flyability.to_dict(),
            **self.parameters,
        }


def flight_events(tr: Trajectory, i: int = 0) -> tuple[FlightEvent, ...]:
    """The named events of trajectory i in time order (see the module docstring for the keys)."""
    log = tr.log
    ev: list[FlightEvent] = []

    def add(key: str, name: str, t: float, h_m: float, v: float) -> None:
        if np.isfinite(t):
            ev.append(FlightEvent(key, name, float(t), float(h_m) / 1e3, float(v)))

    n_st = log.stage_burnout_t.shape[1]
    if n_st:
        add("launch", "launch", 0.0, 0.0, 0.0)
    for k in range(n_st):
        add(f"stage{k + 1}_burnout", f"stage {k + 1} burnout", log.stage_burnout_t[i, k], log.stage_burnout_h[i, k],
            log.stage_burnout_v[i, k])
    h_b, v_b, _ = tr.burnout_speed_angle()
    cut_is_stage_end = n_st and np.isclose(log.burnout_t[i], log.stage_burnout_t[i, -1])
    if not cut_is_stage_end:
        add("cutoff", "thrust cut-off" if n_st else "burnout", log.burnout_t[i], h_b[i], v_b[i])
    for c in CROSSINGS:
        if c.key == "impact":
            if tr.landed[i]:
                speed, _ = tr.impact_speed_angle()
                add(c.key, c.label, log.impact_t[i], 0.0, speed[i])
        else:
            add(c.key, c.label, log.crossing_t[c.key][i], log.crossing_h[c.key][i], log.crossing_v[c.key][i])
    return tuple(sorted(ev, key=lambda e: e.time_s))


def flight_quantities(time_s: np.ndarray, alt_m: np.ndarray, speed_mps: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Flight time (s) and the highest Mach number after apogee, with its altitude (m), of each track, vectorised
    over tracks x samples.

    ``time_s``: (S,) seconds from launch, or per track (..., S); ``alt_m`` (m above the ellipsoid) and
    ``speed_mps`` (Earth-relative, m/s): (..., S), NaN after impact (and before a track starts). The flight
    time is the time of the last sample with a finite altitude (the impact sample, which the resampled tracks
    keep: :meth:`~duel.defence.track.ThreatTrack.from_trajectory`). Mach is the speed over the US76 speed of
    sound at the sample's altitude (:func:`~duel.physics.atmosphere.atmosphere_xp`), counted only where US76
    defines it (at or below 86 km) and from the highest sample (the apogee) on: the boost, whose speed below
    86 km is not the reentry's, is left out. The descent's crossing of 86 km (speed interpolated linearly
    between the samples around it) counts as a sample: the speed of sound is lowest there (186.9 K, 274 m/s)
    and falls with height through the 71-86 km layer, so a fast reentry's highest Mach is at 86 km whatever the
    grid. Returns three (...,) arrays; the Mach and its altitude are NaN where the descent has no sample at or
    below 86 km.
    """
    alt = np.asarray(alt_m, float)
    speed = np.asarray(speed_mps, float)
    t = np.broadcast_to(np.asarray(time_s, float), alt.shape)
    flying = np.isfinite(alt)
    last = alt.shape[-1] - 1 - np.argmax(flying[..., ::-1], axis=-1)
    flight_time = np.where(flying.any(axis=-1), np.take_along_axis(t, last[..., None], axis=-1)[..., 0], np.nan)
    apogee = np.argmax(np.where(flying, alt, -np.inf), axis=-1)[..., None]
    low = flying & np.isfinite(speed) & (np.arange(alt.shape[-1]) >= apogee) & (alt <= MACH_CEILING_M)
    h = np.where(low, alt, MACH_CEILING_M)
    mach = np.where(low, speed / atmosphere_xp(h)[3], -np.inf)
    # the descent's crossing of 86 km: the first low sample after apogee and the one before it, if that is above
    k = np.argmax(low, axis=-1)[..., None]
    before = np.maximum(k - 1, 0)
    h0, h1 = (np.take_along_axis(alt, i, axis=-1)[..., 0] for i in (before, k))
    v0, v1 = (np.take_along_axis(speed, i, axis=-1)[..., 0] for i in (before, k))
    crosses = low.any(axis=-1) & (k[..., 0] > apogee[..., 0]) & (h0 > MACH_CEILING_M) & np.isfinite(v0)
    u = np.where(crosses, (h0 - MACH_CEILING_M) / np.where(crosses, h0 - h1, 1.0), 0.0)
    mach_86 = np.where(crosses, (v0 + u * (v1 - v0)) / atmosphere_xp(MACH_CEILING_M)[3], -np.inf)
    i_top = np.argmax(mach, axis=-1)[..., None]
    top = np.take_along_axis(mach, i_top, axis=-1)[..., 0]
    top_alt = np.take_along_axis(h, i_top, axis=-1)[..., 0]
    at_86 = mach_86 >= top
    top, top_alt = np.where(at_86, mach_86, top), np.where(at_86, MACH_CEILING_M, top_alt)
    none = ~np.isfinite(top)
    return flight_time, np.where(none, np.nan, top), np.where(none, np.nan, top_alt)


def summarize(tr: Trajectory, trajectory: str, azimuth_deg: float, miss_m: float | None, sources: list[str],
              parameters: dict[str, float] | None = None, limits: FlightLimits | None = None) -> FlightSummary:
    """The :class:`FlightSummary` of trajectory 0 of a recorded batch; with ``limits``, checked for flyability."""
    ser = tr.series(0)
    h_b, v_b, g_b = tr.burnout_speed_angle()
    lat, lon = tr.impact_geodetic()
    speed_i, gamma_i = tr.impact_speed_angle()
    mach = ser["mach"]
    # Mach is defined where US76 defines a speed of sound: count only the flight below 86 km; the boost's
    # highest sample and the descent's highest Mach (the 86 km crossing included: flight_quantities), the larger
    up = np.arange(mach.size) <= int(np.nanargmax(ser["altitude_m"]))
    mach_up = np.where(up & (ser["altitude_m"] <= MACH_CEILING_M), mach, np.nan)
    _, m_down, h_down = flight_quantities(ser["time_s"], ser["altitude_m"], ser["speed_mps"])
    peaks = [(float(m_down), float(h_down))] if np.isfinite(m_down) else []
    if np.isfinite(mach_up).any():
        i_up = int(np.nanargmax(mach_up))
        peaks.append((float(mach_up[i_up]), float(ser["altitude_m"][i_up])))
    peak = max(peaks) if peaks else None
    v30 = float(tr.log.crossing_v["down_30km"][0])
    return FlightSummary(
        trajectory=trajectory,
        ground_range_km=_f(tr.ground_range_m()[0] / 1e3),
        flight_time_s=_f(tr.flight_time_s()[0]),
        apogee_km=_f(np.nanmax(ser["altitude_m"]) / 1e3),
        max_speed_mps=_f(np.nanmax(ser["speed_mps"])),
        max_mach=None if peak is None else _f(peak[0]),
        miss_distance_km=None if miss_m is None else _f(miss_m / 1e3),
        azimuth_deg=_f(azimuth_deg % 360.0),
        burnout=EndState(_f(tr.log.burnout_t[0]), _f(h_b[0] / 1e3), _f(v_b[0]), _f(g_b[0])),
        impact=EndState(_f(tr.log.impact_t[0]), 0.0, _f(speed_i[0]), _f(gamma_i[0]), _f(lat[0]), _f(lon[0]),
                        _f(mach[-1])),
        events=flight_events(tr, 0),
        sources=tuple(sorted(set(sources))),
        status=tr.status_names()[0],
        earth=tr.earth.label(),
        atmosphere=tr.physics.atmosphere,
        parameters=dict(parameters or {}),
        max_mach_altitude_km=None if peak is None else _f(peak[1] / 1e3),
        mach_30km=_f(mach_number(np.array([v30]), np.array([DOWN_30KM_M]))[0]),
        flyability=None if limits is None else check_flyability(tr, limits),
    )


def thin_track(tr: Trajectory, i: int = 0, max_points: int = 200) -> dict[str, list[float]]:
    """Trajectory i's time (s), altitude (km) and downrange distance from its launch point (km, geodesic),
    thinned to at most ``max_points`` samples (first and last kept), for charts."""
    ser = tr.series(i)
    n = len(ser["time_s"])
    keep = np.unique(np.linspace(0, n - 1, min(n, max_points)).round().astype(int))
    _, down = geodesic_inverse(np.full(keep.size, tr.launch_lat[i]), np.full(keep.size, tr.launch_lon[i]),
                               ser["lat_deg"][keep], ser["lon_deg"][keep], tr.earth)
    return {"time_s": [float(x) for x in ser["time_s"][keep]],
            "altitude_km": [float(x) / 1e3 for x in ser["altitude_m"][keep]],
            "downrange_km": [float(x) / 1e3 for x in down]}
