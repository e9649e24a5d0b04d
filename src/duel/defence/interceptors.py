"""Interceptor types and batteries: kinematic envelopes, fly-out time, magazines and organic radars.

Scope: an interceptor is a kinematic envelope with a single-shot kill probability, not a homing
simulation. No guidance law, no seeker, no damage model.

Envelope (the ``interceptor.ID.*`` inputs, from the catalogue ``interceptors.toml``)
    min_intercept_altitude_km <= h <= max_intercept_altitude_km, ground range d <= max_ground_range_km
    (and >= min_ground_range_km where given), target speed <= max_target_speed_mps where given.

Fly-out time (kinematic only): a straight line from the launcher (on the surface) to the intercept point at
constant average speed,

    t_fly(d, h) = rho(d, h) / v_avg,   rho^2 = h^2 + 4 R (R + h) sin^2(d / (2 R)),   R = 6,371 km

(rho is the chord between the launcher and the point at altitude h above a surface point a ground distance
d away; rho ~ sqrt(d^2 + h^2) for d << R). Real fly-outs are curved, accelerate and decelerate; the
catalogue's ``average_speed_mps`` is chosen for time = distance / speed (docs/catalog.md).

Batteries
---------
``Battery(type, lat, lon, launchers, magazine, radar)``: launchers default to the catalogue
``launchers_per_battery``; magazine = launchers x ``missiles_per_launcher`` (interceptors for the whole
raid); the radar is the type's organic fire-control radar (the catalogue's ``radar`` of the interceptor:
Patriot -> an-mpq-65, SAMP/T -> samp-t-arabel, THAAD -> an-tpy-2, SM-3/SM-6 -> spy-1, Arrow and David's
Sling -> green-pine), co-located with the launchers. Every number comes from the model's inputs
(:class:`duel.scenario.inputs.Inputs`): :func:`interceptor_type` and :func:`parse_battery` build them, with
scalars for one evaluation or arrays over trials.

Battery specification (CLI ``--battery``): ``TYPE@POSITION[:KEY=VALUE]...``

* ``POSITION`` is a catalogue place id or name (``kyiv``), ``LAT,LON`` in decimal degrees (``50.45,30.52``),
  or an offset ``[BASE]+DISTkm@AZ``: DIST km along the geodesic from BASE at azimuth AZ (deg clockwise
  from north). BASE is a place id or ``LAT,LON``; empty BASE means the defended point (``--to``):
  ``pac-3-mse@+20km@90`` is 20 km east of the target, ``thaad@kyiv+50km@270`` 50 km west of Kyiv.
* ``KEY=VALUE`` overrides: ``launchers=N`` (>= 1), ``magazine=N`` (>= 0), ``sspk=P`` (0..1),
  ``radar=ID`` (a radar id in the sensor catalogue), ``fire_control=MODE`` (own-track, launch-on-remote or
  engage-on-remote; default: the scenario's ``doctrine.fire_control``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from duel.catalog.schema import Place
from duel.defence.radar import R_EARTH_M, Radar
from duel.errors import InputError
from duel.physics.earth import earth_model, geodesic_forward
from duel.scenario.inputs import Inputs, Number

__all__ = ["InterceptorType", "Battery", "slant_distance_m", "interceptor_type", "radar_at", "parse_battery",
           "compass_word"]


def slant_distance_m(ground_m: Any, alt_m: Any, r_m: float = R_EARTH_M, xp: Any = np) -> Any:
    """Straight-line distance (m) from a surface point to a point at ``alt_m`` over a surface point
    ``ground_m`` away, on a sphere of radius ``r_m``: rho^2 = h^2 + 4 R (R + h) sin^2(d / 2R).

    ``xp``: the array namespace (NumPy by default; the batch engine passes ``jax.numpy`` on the GPU).
    """
    d = xp.asarray(ground_m, dtype=float)
    h = xp.asarray(alt_m, dtype=float)
    s = xp.sin(d / (2.0 * r_m))
    return xp.sqrt(h * h + 4.0 * r_m * (r_m + h) * s * s)


@dataclass(frozen=True)
class InterceptorType:
    """An interceptor type as a kinematic envelope with an SSPK (SI units; nominal catalogue values).

    Attributes:
        id, name: catalogue id and name.
        min_alt_m, max_alt_m: intercept altitude band (m).
        max_range_m, min_range_m: ground-range band from the launcher (m).
        average_speed_mps: average fly-out speed for t = distance / speed (m/s).
        reaction_time_s: decision-to-launch time (s).
        track_formation_s: from the battery radar's first detection to a fire-control track (s).
        decision_delay_s: from the later of track and cue to the engagement order (s), without notice.
        sspk: single-shot kill probability against one object.
        missiles_per_launcher, launchers_per_battery, simultaneous_engagements: battery composition and
            fire channels (objects engaged at once).
        max_target_speed_mps: fastest target credited (m/s), None = no limit.
        sources: catalogue source ids of the entry and its values.
    Values are scalars (one evaluation) or arrays with one value per trial.
    """

    id: str
    name: str
    min_alt_m: Number
    max_alt_m: Number
    max_range_m: Number
    average_speed_mps: Number
    reaction_time_s: Number
    track_formation_s: Number
    decision_delay_s: Number
    sspk: Number
    missiles_per_launcher: Number
    launchers_per_battery: Number
    simultaneous_engagements: Number
    max_target_speed_mps: Number = None
    min_range_m: Number = 0.0
    sources: tuple[str, ...] = ()

    @property
    def short_name(self) -> str:
        """The catalogue name without its parenthesis, as people say it ('Patriot PAC-3 MSE')."""
        return re.sub(r"\s*\([^)]*\)", "", self.name).strip() or self.id

    def flyout_time_s(self, ground_m: Any, alt_m: Any) -> Any:
        """Fly-out time (s) to a point at ground distance ``ground_m`` and altitude ``alt_m``: chord / v_avg."""
        return slant_distance_m(ground_m, alt_m) / self.average_speed_mps

    def with_values(self, **changes: Any) -> InterceptorType:
        """A copy with some values changed (e.g. ``sspk=0.5``), for studies and Monte Carlo draws."""
        return replace(self, **changes)


@dataclass(frozen=True)
class Battery:
    """One fire unit: an interceptor type at a point, with launchers, a magazine and its radar.

    Attributes:
        type: the :class:`InterceptorType`.
        lat_deg, lon_deg: launcher (and radar) position, WGS84 deg.
        launchers: launchers in the battery.
        magazine: interceptors available for the whole raid (>= 0).
        radar: the fire-control :class:`~duel.defence.radar.Radar`, at the battery.
        label: how the user named it (e.g. ``pac-3-mse@kyiv``).
        place: the position in words.
        fire_control: this battery's fire-control mode (``own-track``, ``launch-on-remote``,
            ``engage-on-remote``), or None for the scenario's (``doctrine.fire_control``).
    """

    type: InterceptorType
    lat_deg: float
    lon_deg: float
    launchers: Number
    magazine: Number
    radar: Radar
    label: str = ""
    place: str = ""
    fire_control: str | None = None

    @property
    def title(self) -> str:
        """How people name the battery: the type's catalogue name without its parenthesis and where it stands
        ('Patriot PAC-3 MSE, 15 km east of Kyiv'; 'Patriot PAC-3 MSE at Kyiv')."""
        if re.match(r"^[0-9.]+ km ", self.place):
            return f"{self.type.short_name}, {self.place}"
        return f"{self.type.short_name} at {self.place}"

    @classmethod
    def create(cls, type_: InterceptorType, lat_deg: float, lon_deg: float, radar: Radar, launchers: Any = None,
               magazine: Any = None, label: str = "", place: str = "", fire_control: str | None = None) -> Battery:
        """A battery with the type's defaults: launchers per battery, magazine = launchers x missiles per
        launcher."""
        n = type_.launchers_per_battery if launchers is None else launchers
        mag = n * type_.missiles_per_launcher if magazine is None else magazine
        return cls(type_, float(lat_deg), float(lon_deg), n, mag, radar,
                   label or f"{type_.id}@{lat_deg:g},{lon_deg:g}", place or f"{lat_deg:.4f},{lon_deg:.4f}",
                   fire_control)


def _count(v: Any) -> Any:
    """A whole-number input: an int for one evaluation, an array (one value per trial) as it is."""
    return int(v) if np.ndim(v) == 0 else np.asarray(v)


def interceptor_type(inputs: Inputs, tid: str) -> InterceptorType:
    """The interceptor type ``tid`` from its ``interceptor.ID.*`` inputs (SI inside: km -> m)."""
    f = inputs.fields(f"interceptor.{tid}")
    reg = inputs.registry
    return InterceptorType(
        id=tid, name=reg.interceptor_name(tid), min_alt_m=f["min_intercept_altitude_km"] * 1e3,
        max_alt_m=f["max_intercept_altitude_km"] * 1e3, max_range_m=f["max_ground_range_km"] * 1e3,
        average_speed_mps=f["average_speed_mps"], reaction_time_s=f["reaction_time_s"],
        track_formation_s=f["track_formation_s"], decision_delay_s=f["decision_delay_s"], sspk=f["sspk"],
        missiles_per_launcher=_count(f["missiles_per_launcher"]), launchers_per_battery=_count(f["launchers_per_battery"]),
        simultaneous_engagements=_count(f["simultaneous_engagements"]), max_target_speed_mps=f.get("max_target_speed_mps"),
        min_range_m=f.get("min_ground_range_km", 0.0) * 1e3, sources=tuple(reg.entry_sources("interceptor", tid)))


def radar_at(inputs: Inputs, sid: str, lat_deg: float, lon_deg: float) -> Radar:
    """The catalogue radar ``sid`` (its ``sensor.ID.*`` inputs) placed at (lat, lon)."""
    f = inputs.fields(f"sensor.{sid}")
    reg = inputs.registry
    return Radar(lat_deg=float(lat_deg), lon_deg=float(lon_deg), antenna_height_m=f["antenna_height_m"],
                 elevation_mask_deg=f["elevation_mask_deg"], range_ref_m=f["max_range_km"] * 1e3,
                 rcs_ref_m2=f["reference_rcs_m2"], id=sid, name=reg.sensor_name(sid),
                 sources=tuple(reg.entry_sources("sensor", sid)))


_COMPASS = ("north", "north-east", "east", "south-east", "south", "south-west", "west", "north-west")


def compass_word(azimuth_deg: float) -> str:
    """The nearest of the eight compass directions to an azimuth (deg clockwise from north): 95 -> 'east'."""
    return _COMPASS[int(((azimuth_deg % 360.0) + 22.5) // 45.0) % 8]


_OFFSET_RE = re.compile(r"^(?P<base>.*?)\+(?P<dist>[0-9]*\.?[0-9]+)\s*km@(?P<az>[-+]?[0-9]*\.?[0-9]+)$", re.I)


def _position(text: str, inputs: Inputs, defended: Place | None, option: str) -> tuple[float, float, str]:
    if "@" in text or re.search(r"[A-Za-z0-9.]\+", text):
        m = _OFFSET_RE.match(text)
        if not m:
            raise InputError(f"{option}: offset '{text}' must look like PLACE+20km@90 (km, azimuth deg from north)")
        base_txt = m.group("base").strip()
        if base_txt:
            base = inputs.place(base_txt, option)
        elif defended is not None:
            base = defended
        else:
            raise InputError(f"{option}: offset '{text}' has no base place and no defended point (--to)")
        dist_km, az = float(m.group("dist")), float(m.group("az"))
        if dist_km > 5_000:
            raise InputError(f"{option}: offset {dist_km:g} km is more than 5,000 km")
        lat, lon = geodesic_forward(base.lat_deg, base.lon_deg, az, dist_km * 1e3, earth_model())
        return float(lat), float(lon), f"{dist_km:g} km {compass_word(az)} of {base.name}"
    p = inputs.place(text, option)
    return p.lat_deg, p.lon_deg, p.name


def parse_battery(spec: str, inputs: Inputs, defended: Place | None = None, option: str = "--battery") -> Battery:
    """A :class:`Battery` from ``TYPE@POSITION[:KEY=VALUE]...`` (syntax in the module docstring), its numbers
    from ``inputs``.

    ``defended``: the defended point, the base of offsets written ``+DISTkm@AZ``. Every problem raises
    :class:`InputError` naming ``option`` and the spec.
    """
    text = spec.strip()
    if "@" not in text:
        raise InputError(f"{option}: '{spec}' needs a position: TYPE@PLACE (e.g. pac-3-mse@kyiv)")
    type_txt, rest = text.split("@", 1)
    if not type_txt.strip():
        raise InputError(f"{option}: '{spec}' has no interceptor type before '@' (e.g. pac-3-mse@kyiv)")
    t = interceptor_type(inputs, inputs.registry.interceptor_id(type_txt.strip(), option))
    pos_txt, *opts = rest.split(":")
    if not pos_txt.strip():
        raise InputError(f"{option}: '{spec}' has no position after '@' (place id, LAT,LON or +20km@90)")
    lat, lon, where = _position(pos_txt.strip(), inputs, defended, option)
    kw: dict[str, Any] = {}
    for o in opts:
        if "=" not in o:
            raise InputError(f"{option}: '{o}' in '{spec}' must be KEY=VALUE (launchers, magazine, sspk, radar, "
                             "fire_control)")
        k, v = (x.strip() for x in o.split("=", 1))
        if k in ("launchers", "magazine"):
            try:
                num = float(v)
            except ValueError:
                raise InputError(f"{option}: {k} must be a whole number, got '{v}'") from None
            least = 1 if k == "launchers" else 0
            if not num.is_integer() or num < least:
                raise InputError(f"{option}: {k} must be a whole number >= {least}, got '{v}'")
            kw[k] = int(num)
        elif k == "sspk":
            try:
                p = float(v)
            except ValueError:
                raise InputError(f"{option}: sspk must be a probability in [0, 1], got '{v}'") from None
            if not (0.0 <= p <= 1.0):
                raise InputError(f"{option}: sspk must be a probability in [0, 1], got {p:g}")
            t = t.with_values(sspk=p)
        elif k == "radar":
            kw["radar"] = inputs.registry.sensor_id(v, "radar", option)
        elif k == "fire_control":
            kw["fire_control"] = inputs.spec("doctrine.fire_control").check(v, f"{option}: fire_control")
        else:
            raise InputError(f"{option}: unknown key '{k}' in '{spec}' (launchers, magazine, sspk, radar, "
                             "fire_control)")
    if not (math.isfinite(lat) and math.isfinite(lon)):
        raise InputError(f"{option}: '{spec}' gives no finite position")
    radar = radar_at(inputs, kw.pop("radar", inputs.registry.organic_radar(t.id)), lat, lon)
    return Battery.create(t, lat, lon, radar, label=text, place=where, **kw)
