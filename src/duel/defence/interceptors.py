"""Interceptor types and batteries: kinematic envelopes, fly-out time, magazines and organic radars.

Scope (design.md): an interceptor is a kinematic envelope with a single-shot kill probability, not a homing
simulation. No guidance law, no seeker, no damage model.

Envelope (catalogue ``interceptors.toml``, nominal values; ``bands`` keeps low/nominal/high for Monte Carlo)
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
raid); the radar is the type's organic fire-control radar, from the data file
``duel/data/battery_radars.json`` (Patriot -> an-mpq-65, SAMP/T -> samp-t-arabel, THAAD -> an-tpy-2,
SM-3/SM-6 -> spy-1, Arrow and David's Sling -> green-pine), co-located with the launchers.

Battery specification (CLI ``--battery``): ``TYPE@POSITION[:KEY=VALUE]...``

* ``POSITION`` is a catalogue place id or name (``kyiv``), ``LAT,LON`` in decimal degrees (``50.45,30.52``),
  or an offset ``[BASE]+DISTkm@AZ``: DIST km along the geodesic from BASE at azimuth AZ (deg clockwise
  from north). BASE is a place id or ``LAT,LON``; empty BASE means the defended point (``--to``):
  ``pac-3-mse@+20km@90`` is 20 km east of the target, ``thaad@kyiv+50km@270`` 50 km west of Kyiv.
* ``KEY=VALUE`` overrides: ``launchers=N`` (>= 1), ``magazine=N`` (>= 0), ``sspk=P`` (0..1),
  ``radar=ID`` (a radar id in the sensor catalogue).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from duel.defence.sensors import R_EARTH_M, Radar
from duel.errors import InputError, suggest

__all__ = [
    "InterceptorType",
    "Battery",
    "slant_distance_m",
    "organic_radar_id",
    "parse_battery",
    "interceptor_ids",
]

RADAR_MAP_FILE = Path(__file__).resolve().parent.parent / "data" / "battery_radars.json"

_FIELDS = (
    "min_intercept_altitude_km", "max_intercept_altitude_km", "max_ground_range_km", "average_speed_mps",
    "reaction_time_s", "sspk", "missiles_per_launcher", "launchers_per_battery", "simultaneous_engagements",
    "max_target_speed_mps", "min_ground_range_km",
)


def slant_distance_m(ground_m: Any, alt_m: Any, r_m: float = R_EARTH_M, xp: Any = np) -> Any:
    """Straight-line distance (m) from a surface point to a point at ``alt_m`` over a surface point
    ``ground_m`` away, on a sphere of radius ``r_m``: rho^2 = h^2 + 4 R (R + h) sin^2(d / 2R).

    ``xp``: the array namespace (NumPy by default; the batch engine passes ``jax.numpy`` on the GPU).
    """
    d = xp.asarray(ground_m, dtype=float)
    h = xp.asarray(alt_m, dtype=float)
    s = xp.sin(d / (2.0 * r_m))
    return xp.sqrt(h * h + 4.0 * r_m * (r_m + h) * s * s)


@cache
def _radar_map() -> dict[str, str]:
    try:
        data = json.loads(RADAR_MAP_FILE.read_text())
        return dict(data["radars"])
    except (OSError, ValueError, KeyError) as exc:  # pragma: no cover - a broken install
        raise InputError(f"data file {RADAR_MAP_FILE.name}: cannot read the radar map ({exc})") from None


def organic_radar_id(type_id: str) -> str:
    """The sensor-catalogue id of an interceptor type's organic fire-control radar."""
    m = _radar_map()
    if type_id not in m:
        raise InputError(f"{RADAR_MAP_FILE.name}: no radar for interceptor '{type_id}'; add it or give radar=ID")
    return m[type_id]


def interceptor_ids() -> list[str]:
    """The interceptor ids in the catalogue."""
    from duel import catalog

    return sorted(catalog.entries("interceptors"))


@dataclass(frozen=True)
class InterceptorType:
    """An interceptor type as a kinematic envelope with an SSPK (SI units; nominal catalogue values).

    Attributes:
        id, name: catalogue id and name.
        min_alt_m, max_alt_m: intercept altitude band (m).
        max_range_m, min_range_m: ground-range band from the launcher (m).
        average_speed_mps: average fly-out speed for t = distance / speed (m/s).
        reaction_time_s: decision-to-launch time (s).
        sspk: single-shot kill probability against one object.
        missiles_per_launcher, launchers_per_battery, simultaneous_engagements: battery composition and
            fire channels (objects engaged at once).
        max_target_speed_mps: fastest target credited (m/s), None = no limit.
        sources: catalogue source ids of the entry and its values.
        bands: field -> {low, nominal, high, status} for later Monte Carlo (catalogue units).
    """

    id: str
    name: str
    min_alt_m: float
    max_alt_m: float
    max_range_m: float
    average_speed_mps: float
    reaction_time_s: float
    sspk: float
    missiles_per_launcher: int
    launchers_per_battery: int
    simultaneous_engagements: int
    max_target_speed_mps: float | None = None
    min_range_m: float = 0.0
    sources: tuple[str, ...] = ()
    bands: dict[str, dict[str, Any]] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_catalog(cls, type_id: str, option: str = "interceptor") -> InterceptorType:
        """The catalogue interceptor ``type_id`` with its nominal values; unknown id -> InputError naming
        ``option`` with close ids suggested."""
        from duel import catalog

        table = catalog.entries("interceptors")
        key = type_id.strip().lower()
        if key not in table:
            raise InputError(f"{option}: {suggest(type_id, table, 'interceptor')}")
        e = table[key]
        nom = {f: e[f]["nominal"] for f in _FIELDS if f in e}
        bands = {
            f: {"low": e[f].get("low", e[f]["nominal"]), "nominal": e[f]["nominal"],
                "high": e[f].get("high", e[f]["nominal"]), "status": e[f]["status"]}
            for f in _FIELDS if f in e
        }
        srcs = list(e.get("sources", []))
        for f in _FIELDS:
            if f in e:
                srcs += e[f].get("sources", [])
        return cls(
            id=key, name=e["name"],
            min_alt_m=nom["min_intercept_altitude_km"] * 1e3,
            max_alt_m=nom["max_intercept_altitude_km"] * 1e3,
            max_range_m=nom["max_ground_range_km"] * 1e3,
            average_speed_mps=nom["average_speed_mps"],
            reaction_time_s=nom["reaction_time_s"],
            sspk=nom["sspk"],
            missiles_per_launcher=int(nom["missiles_per_launcher"]),
            launchers_per_battery=int(nom["launchers_per_battery"]),
            simultaneous_engagements=int(nom["simultaneous_engagements"]),
            max_target_speed_mps=nom.get("max_target_speed_mps"),
            min_range_m=nom.get("min_ground_range_km", 0.0) * 1e3,
            sources=tuple(dict.fromkeys(srcs)),
            bands=bands,
        )

    def flyout_time_s(self, ground_m: Any, alt_m: Any) -> np.ndarray:
        """Fly-out time (s) to a point at ground distance ``ground_m`` and altitude ``alt_m``: chord / v_avg."""
        return slant_distance_m(ground_m, alt_m) / self.average_speed_mps

    def in_envelope(self, ground_m: Any, alt_m: Any, speed_mps: Any) -> np.ndarray:
        """True where a point (ground distance, altitude, target speed) is inside the kinematic envelope."""
        d, h, v = (np.asarray(x, float) for x in (ground_m, alt_m, speed_mps))
        ok = (h >= self.min_alt_m) & (h <= self.max_alt_m) & (d <= self.max_range_m) & (d >= self.min_range_m)
        if self.max_target_speed_mps is not None:
            ok &= v <= self.max_target_speed_mps
        return ok

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
        radar: the fire-control :class:`~duel.defence.sensors.Radar`, at the battery.
        label: how the user named it (e.g. ``pac-3-mse@kyiv``).
        place: the position in words.
    """

    type: InterceptorType
    lat_deg: float
    lon_deg: float
    launchers: int
    magazine: int
    radar: Radar
    label: str = ""
    place: str = ""

    @classmethod
    def create(
        cls, type_: InterceptorType | str, lat_deg: float, lon_deg: float, launchers: int | None = None,
        magazine: int | None = None, radar: str | Radar | None = None, label: str = "", place: str = "",
        option: str = "--battery",
    ) -> Battery:
        """A battery with catalogue defaults: launchers per battery, magazine = launchers x missiles per
        launcher, the type's organic radar at the battery."""
        t = InterceptorType.from_catalog(type_, option) if isinstance(type_, str) else type_
        n = t.launchers_per_battery if launchers is None else launchers
        if isinstance(n, bool) or int(n) != n or n < 1:
            raise InputError(f"{option}: launchers must be a whole number >= 1, got {n}")
        mag = int(n) * t.missiles_per_launcher if magazine is None else magazine
        if isinstance(mag, bool) or int(mag) != mag or mag < 0:
            raise InputError(f"{option}: magazine must be a whole number >= 0, got {mag}")
        if isinstance(radar, Radar):
            r = radar
        else:
            r = Radar.from_catalog(radar or organic_radar_id(t.id), lat_deg, lon_deg, option)
        return cls(t, float(lat_deg), float(lon_deg), int(n), int(mag), r, label or f"{t.id}@{lat_deg:g},{lon_deg:g}",
                   place or f"{lat_deg:.4f},{lon_deg:.4f}")


_OFFSET_RE = re.compile(r"^(?P<base>.*?)\+(?P<dist>[0-9]*\.?[0-9]+)\s*km@(?P<az>[-+]?[0-9]*\.?[0-9]+)$", re.I)


def _position(text: str, defended: Any, option: str) -> tuple[float, float, str]:
    from duel import catalog
    from duel.earth import earth_model, geodesic_forward

    if "@" in text or re.search(r"[A-Za-z0-9.]\+", text):
        m = _OFFSET_RE.match(text)
        if not m:
            raise InputError(f"{option}: offset '{text}' must look like PLACE+20km@90 (km, azimuth deg from north)")
        base_txt = m.group("base").strip()
        if base_txt:
            base = catalog.place(base_txt, option)
        elif defended is not None:
            base = defended
        else:
            raise InputError(f"{option}: offset '{text}' has no base place and no defended point (--to)")
        dist_km, az = float(m.group("dist")), float(m.group("az"))
        if dist_km > 5_000:
            raise InputError(f"{option}: offset {dist_km:g} km is more than 5,000 km")
        lat, lon = geodesic_forward(base.lat_deg, base.lon_deg, az, dist_km * 1e3, earth_model())
        return float(lat), float(lon), f"{base.name} +{dist_km:g} km at {az:g} deg"
    p = catalog.place(text, option)
    return p.lat_deg, p.lon_deg, p.name


def parse_battery(spec: str, defended: Any = None, option: str = "--battery") -> Battery:
    """A :class:`Battery` from ``TYPE@POSITION[:KEY=VALUE]...`` (syntax in the module docstring).

    ``defended``: the defended point (a catalogue ``Place``), the base of offsets written ``+DISTkm@AZ``.
    Every problem raises :class:`InputError` naming ``option`` and the spec.
    """
    text = spec.strip()
    if "@" not in text:
        raise InputError(f"{option}: '{spec}' needs a position: TYPE@PLACE (e.g. pac-3-mse@kyiv)")
    type_txt, rest = text.split("@", 1)
    if not type_txt.strip():
        raise InputError(f"{option}: '{spec}' has no interceptor type before '@' (e.g. pac-3-mse@kyiv)")
    t = InterceptorType.from_catalog(type_txt.strip(), option)
    pos_txt, *opts = rest.split(":")
    if not pos_txt.strip():
        raise InputError(f"{option}: '{spec}' has no position after '@' (place id, LAT,LON or +20km@90)")
    lat, lon, where = _position(pos_txt.strip(), defended, option)
    kw: dict[str, Any] = {}
    for o in opts:
        if "=" not in o:
            raise InputError(f"{option}: '{o}' in '{spec}' must be KEY=VALUE (launchers, magazine, sspk, radar)")
        k, v = (x.strip() for x in o.split("=", 1))
        if k in ("launchers", "magazine"):
            try:
                num = float(v)
            except ValueError:
                raise InputError(f"{option}: {k} must be a whole number, got '{v}'") from None
            if not num.is_integer():
                raise InputError(f"{option}: {k} must be a whole number, got '{v}'")
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
            kw["radar"] = v
        else:
            raise InputError(f"{option}: unknown key '{k}' in '{spec}' (launchers, magazine, sspk, radar)")
    if not (math.isfinite(lat) and math.isfinite(lon)):
        raise InputError(f"{option}: '{spec}' gives no finite position")
    return Battery.create(t, lat, lon, label=text, place=where, option=option, **kw)
