"""Sensors, warning and the notice: who sees the threat when, and how ready the defence is.

Everything here is batch-first NumPy: arrays over objects (N) and time samples (S). SI inside (m, s, rad);
degrees only for geodetic latitude/longitude and for the elevation mask at the edges.

Threat objects
--------------
:class:`ThreatTrack` holds N threat objects on one common time grid (s from launch): geodetic latitude and
longitude (deg, WGS84), altitude (m above the ellipsoid) and Earth-relative speed (m/s), each (N, S), NaN
after an object's impact. :meth:`ThreatTrack.from_trajectory` resamples flown trajectories (ECEF states)
onto a fine uniform grid by cubic Hermite interpolation of position with velocity; :meth:`ThreatTrack.at`
evaluates the track between samples (linear in each quantity), which the crossing refinement uses.

Space-based infrared warning (:class:`SpaceIR`)
-----------------------------------------------
An early-warning satellite sees the *boost plume only*: it detects a launch ``detection_delay_s`` after
lift-off if the motor is still burning then (detection_delay < burnout time; otherwise nothing), and issues
a launch report / warning track ``track_latency_s`` after lift-off (the catalogue measures both from lift-off,
not the latency from detection). It gives *warning and a cue*, never a fire-control track: no battery can
fire on it. The cue reaches the batteries ``relay_s`` later (default 0).

Ground radars (:class:`Radar`)
------------------------------
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
time the object is visible (refined between samples by bisection); a fire-control track follows after a
notional track-formation delay.

The cue and the launch time of a battery
----------------------------------------
A battery can launch no earlier than

    t_launch = max(first fire-control track by its own radar, cue) + decision delay + reaction time

(:func:`launch_earliest`). No radar track, no launch: the IR cue alone never suffices.

The notice (:class:`Notice`, :func:`readiness`)
-----------------------------------------------
A launch notice has a lead time before launch (None = no notice; 30 min as reported for 21 Nov 2024; 24 h
as in the 1988 US-Soviet agreement; any value), a content (``window``: a time window only;
``launch-area``; ``impact-area``) and a recipient (``defender``, or ``third-party`` that relays it after a
delay). It reaches the defender at t = -lead + relay (s from launch). Its effect is explicit and modest:
*readiness*. It never creates a track, never moves a battery (batteries are where the user puts them) and
never shortens a window. Notional rules (values in :data:`NOTIONAL`):

* notice received after launch, or none: decision delay as given, catalogue reaction time (level "none");
* received before launch: the decision delay shrinks to the readiness value (level "alert");
* received at least ``ready_lead_min`` before launch *and* naming a launch or impact area (the defender knows
  which batteries to ready and where to look): the reaction time is multiplied by the readiness factor too
  (level "ready": missiles and radar in ready state, crews at stations).

A longer lead time gives an earlier receipt, hence the same or a higher level, hence delays that are the
same or shorter: windows can only grow (a property the tests check).

Notional values
---------------
Every default with no public basis is in :data:`NOTIONAL` (value, band, unit, note), reported by
``duel engage`` under ``assumptions``; the default RCS of a small reentry vehicle is one of them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Literal

import numpy as np

from duel.errors import InputError

if TYPE_CHECKING:
    from duel.flight.trajectory import Trajectory

__all__ = [
    "K_EFFECTIVE",
    "R_EARTH_M",
    "A_EFFECTIVE_M",
    "NOTIONAL",
    "Notional",
    "ThreatTrack",
    "SpaceIR",
    "Radar",
    "Notice",
    "Readiness",
    "radar_horizon_m",
    "horizon_ground_range_m",
    "radar_geometry",
    "max_detection_range_m",
    "first_visible",
    "launch_earliest",
    "readiness",
    "runs",
    "refine_edges",
]

K_EFFECTIVE = 4.0 / 3.0
"""Effective-Earth factor for standard atmospheric refraction."""
R_EARTH_M = 6_371_000.0
"""Mean Earth radius of the 4/3-Earth model and of the fly-out chord (m)."""
A_EFFECTIVE_M = K_EFFECTIVE * R_EARTH_M
"""Radius of the effective Earth (m)."""


@dataclass(frozen=True)
class Notional:
    """A default with no public basis: value, plausible band, unit and why. Status is always notional."""

    value: float
    low: float
    high: float
    unit: str
    note: str
    status: str = "notional"

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "low": self.low, "high": self.high, "unit": self.unit,
                "status": self.status, "note": self.note}


def _load_notional() -> dict[str, Notional]:
    """Read ``duel/data/notional.toml`` (the notional defaults, each with band, unit and reason)."""
    import tomllib
    from importlib.resources import files

    raw = tomllib.loads(files("duel").joinpath("data", "notional.toml").read_text(encoding="utf-8"))
    return {k: Notional(float(v["nominal"]), float(v["low"]), float(v["high"]), v["unit"], v["note"])
            for k, v in raw.items()}


NOTIONAL: dict[str, Notional] = _load_notional()
"""Every notional default the defence timeline uses (data file ``duel/data/notional.toml``; reported by
``duel engage`` under ``assumptions``)."""


# ------------------------------------------------------------------------------------ threat track
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
        from duel.flight.resample import hermite_grid

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
        from duel.earth import earth_model, geodesic_inverse

        lat = self.lat_deg if lat is None else np.asarray(lat, float)
        lon = self.lon_deg if lon is None else np.asarray(lon, float)
        out = np.full(lat.shape, np.nan)
        ok = np.isfinite(lat) & np.isfinite(lon)
        if ok.any():
            _, d = geodesic_inverse(np.full(ok.sum(), lat_deg), np.full(ok.sum(), lon_deg), lat[ok], lon[ok],
                                    earth_model())
            out[ok] = d
        return out


# ------------------------------------------------------------------------------ crossings (generic)
def runs(ok: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Maximal runs of True along the last axis of a (N, S) boolean array.

    Returns (row, start, stop): run r covers samples [start[r], stop[r]) of row[r]; rows in order, runs in
    time order within a row.
    """
    ok = np.atleast_2d(ok).astype(np.int8)
    pad = np.pad(ok, ((0, 0), (1, 1)))
    d = np.diff(pad, axis=1)
    r0, s0 = np.nonzero(d == 1)
    r1, s1 = np.nonzero(d == -1)
    return r0, s0, s1


def refine_edges(
    cond: Callable[[np.ndarray, np.ndarray], np.ndarray],
    obj: np.ndarray,
    t_in: np.ndarray,
    t_out: np.ndarray,
    levels: int = 4,
    points: int = 32,
) -> np.ndarray:
    """Edge search between a time where ``cond`` holds (t_in) and one where it does not (t_out), per object.

    ``cond(obj, t)`` -> bool array. Each level evaluates ``cond`` at ``points`` evenly spaced times from t_in
    towards t_out in one vectorised call and keeps the sub-interval where it first fails. Returns the last
    inside point found: ``cond`` holds there exactly (on the interpolated track), and the first crossing
    from the inside end lies within |t_out - t_in| / points**levels of it (0.5 s / 32**4 = 0.5 us).
    """
    t_in = np.asarray(t_in, float).copy()
    t_out = np.asarray(t_out, float).copy()
    if t_in.size == 0:
        return t_in
    frac = np.arange(1, points + 1) / points
    for _ in range(levels):
        ts = t_in[:, None] + (t_out - t_in)[:, None] * frac[None, :]
        ts[:, -1] = t_out
        ok = np.asarray(cond(np.repeat(obj, points), ts.ravel()), bool).reshape(-1, points)
        ok[:, -1] = False  # t_out is outside by construction
        k = np.argmax(~ok, axis=1)  # first failing sub-sample
        rows = np.arange(ts.shape[0])
        t_out = ts[rows, k]
        t_in = np.where(k > 0, ts[rows, np.maximum(k - 1, 0)], t_in)
    return t_in


def first_visible(
    time_s: np.ndarray, ok: np.ndarray, cond: Callable[[np.ndarray, np.ndarray], np.ndarray]
) -> np.ndarray:
    """First time per row where ``ok`` (N, S) is True, refined between samples with ``cond``; NaN if never."""
    ok = np.atleast_2d(ok)
    n = ok.shape[0]
    out = np.full(n, np.nan)
    any_ok = ok.any(axis=1)
    j = np.argmax(ok, axis=1)
    rows = np.nonzero(any_ok)[0]
    if rows.size == 0:
        return out
    jr = j[rows]
    out[rows] = time_s[jr]
    inner = jr > 0
    if inner.any():
        rr = rows[inner]
        out[rr] = refine_edges(cond, rr, time_s[jr[inner]], time_s[jr[inner] - 1])
    return out


# ------------------------------------------------------------------------------------------- radar
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

    @classmethod
    def from_catalog(cls, sensor_id: str, lat_deg: float, lon_deg: float, option: str = "radar") -> Radar:
        """The catalogue radar ``sensor_id`` (nominal values) placed at (lat, lon)."""
        from duel import catalog
        from duel.errors import suggest

        table = catalog.entries("sensors")
        radars = {k: v for k, v in table.items() if v.get("kind") == "radar"}
        if sensor_id not in radars:
            raise InputError(f"{option}: {suggest(sensor_id, radars, 'radar')}")
        e = radars[sensor_id]
        srcs = list(e.get("sources", []))
        for key in ("max_range_km", "reference_rcs_m2", "antenna_height_m", "elevation_mask_deg"):
            srcs += e[key].get("sources", [])
        return cls(
            lat_deg=float(lat_deg), lon_deg=float(lon_deg),
            antenna_height_m=e["antenna_height_m"]["nominal"],
            elevation_mask_deg=e["elevation_mask_deg"]["nominal"],
            range_ref_m=e["max_range_km"]["nominal"] * 1e3,
            rcs_ref_m2=e["reference_rcs_m2"]["nominal"],
            id=sensor_id, name=e["name"], sources=tuple(dict.fromkeys(srcs)),
        )

    def max_range_m(self, rcs_m2: float) -> float:
        """Detection range against ``rcs_m2`` (m)."""
        return float(max_detection_range_m(self.range_ref_m, self.rcs_ref_m2, rcs_m2))

    def visible(self, ground_m: Any, alt_m: Any, rcs_m2: float) -> np.ndarray:
        """True where an object at ground distance ``ground_m`` and altitude ``alt_m`` is detectable."""
        rho, eps, margin = radar_geometry(ground_m, self.antenna_height_m, alt_m)
        alt = np.asarray(alt_m, float)
        return (
            np.isfinite(alt) & (alt >= 0.0) & (margin >= 0.0)
            & (eps >= math.radians(self.elevation_mask_deg)) & (rho <= self.max_range_m(rcs_m2))
        )

    def first_detection_s(self, track: ThreatTrack, rcs_m2: float) -> np.ndarray:
        """First detection time of each object (s from launch; NaN if never), refined between samples."""

        def cond(obj: np.ndarray, t: np.ndarray) -> np.ndarray:
            lat, lon, alt, _ = track.at(obj, t)
            return self.visible(track.ground_distance_m(self.lat_deg, self.lon_deg, lat, lon), alt, rcs_m2)

        ok = self.visible(track.ground_distance_m(self.lat_deg, self.lon_deg), track.alt_m, rcs_m2)
        return first_visible(track.time_s, ok, cond)


# ---------------------------------------------------------------------------------- space-based IR
@dataclass(frozen=True)
class SpaceIR:
    """Space-based infrared early warning (e.g. SBIRS): sees the boost plume only.

    Attributes:
        detection_delay_s: first detection, s after lift-off (needs the motor still burning then).
        track_latency_s: launch report / warning track, s after lift-off (not after detection).
        relay_s: delay from the report to the batteries (the cue), s.
        id, sources: catalogue id and sources.
    """

    detection_delay_s: float
    track_latency_s: float
    relay_s: float = 0.0
    id: str = ""
    sources: tuple[str, ...] = ()

    @classmethod
    def from_catalog(cls, sensor_id: str = "sbirs", relay_s: float = 0.0) -> SpaceIR:
        """The catalogue space-IR system ``sensor_id`` (nominal delays)."""
        from duel import catalog
        from duel.errors import suggest

        table = {k: v for k, v in catalog.entries("sensors").items() if v.get("kind") == "space-ir"}
        if sensor_id not in table:
            raise suggest(sensor_id, table, "space-based IR sensor")
        e = table[sensor_id]
        srcs = list(e.get("sources", [])) + e["detection_delay_s"].get("sources", []) + e["track_latency_s"].get("sources", [])
        return cls(e["detection_delay_s"]["nominal"], e["track_latency_s"]["nominal"], relay_s, sensor_id,
                   tuple(dict.fromkeys(srcs)))

    def warning(self, burnout_s: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Detection, report and cue times (s from launch) per object; NaN where the plume was gone first.

        Detected iff detection_delay_s <= burnout (plume visible; an unknown burnout counts as visible).
        Report = max(track_latency_s, detection); cue = report + relay_s.
        """
        b = np.asarray(burnout_s, float)
        seen = ~(b < self.detection_delay_s)
        det = np.where(seen, self.detection_delay_s, np.nan)
        rep = np.where(seen, max(self.track_latency_s, self.detection_delay_s), np.nan)
        return det, rep, rep + self.relay_s


def launch_earliest(track_s: Any, cue_s: Any, decision_s: float, reaction_s: float) -> np.ndarray:
    """max(fire-control track, cue) + decision delay + reaction time; NaN without a track; no cue = NaN cue."""
    trk = np.asarray(track_s, float)
    cue = np.asarray(cue_s, float)
    start = np.where(np.isfinite(cue), np.fmax(trk, cue), trk)
    start = np.where(np.isfinite(trk), start, np.nan)
    return start + decision_s + reaction_s


# -------------------------------------------------------------------------------------- the notice
NoticeContent = Literal["window", "launch-area", "impact-area"]
NoticeRecipient = Literal["defender", "third-party"]
CONTENTS: tuple[str, ...] = ("window", "launch-area", "impact-area")
RECIPIENTS: tuple[str, ...] = ("defender", "third-party")


@dataclass(frozen=True)
class Notice:
    """A launch notice. Times in s; ``lead_s`` before launch (None = no notice).

    Attributes:
        lead_s: how long before launch the notice is sent (s, >= 0), or None.
        content: ``window`` (time only), ``launch-area`` or ``impact-area``.
        recipient: ``defender`` (relay 0) or ``third-party`` (relayed after ``relay_s``).
        relay_s: relay delay to the defender (s); None = 0 for the defender, the notional
            ``relay_third_party_min`` for a third party.
    """

    lead_s: float | None = None
    content: str = "window"
    recipient: str = "defender"
    relay_s: float | None = None

    def __post_init__(self) -> None:
        if self.lead_s is not None and not (math.isfinite(self.lead_s) and self.lead_s >= 0):
            raise InputError(f"--notice: lead time must be >= 0 minutes, got {self.lead_s / 60:g}")
        if self.content not in CONTENTS:
            raise InputError(f"--notice-content: must be one of {', '.join(CONTENTS)}, got '{self.content}'")
        if self.recipient not in RECIPIENTS:
            raise InputError(f"--notice-recipient: must be one of {', '.join(RECIPIENTS)}, got '{self.recipient}'")
        if self.relay_s is not None and not (math.isfinite(self.relay_s) and self.relay_s >= 0):
            raise InputError(f"--relay-delay: must be >= 0 minutes, got {self.relay_s / 60:g}")

    @property
    def relay(self) -> float:
        """Relay delay actually applied (s)."""
        if self.relay_s is not None:
            return self.relay_s
        return 0.0 if self.recipient == "defender" else NOTIONAL["relay_third_party_min"].value * 60.0

    @property
    def sent_s(self) -> float | None:
        """When the notice is sent (s from launch; negative = before), or None."""
        return None if self.lead_s is None else -self.lead_s

    @property
    def received_s(self) -> float | None:
        """When the notice reaches the defender (s from launch), or None."""
        return None if self.lead_s is None else -self.lead_s + self.relay


@dataclass(frozen=True)
class Readiness:
    """The defence's readiness that the notice buys: decision delay (s) and a factor on reaction times."""

    level: str
    decision_delay_s: float
    reaction_factor: float
    notice_received_s: float | None
    note: str

    def to_dict(self) -> dict[str, Any]:
        return {"level": self.level, "decision_delay_s": self.decision_delay_s,
                "reaction_factor": self.reaction_factor, "notice_received_s": self.notice_received_s,
                "note": self.note}


NONE, ALERT, READY = 0, 1, 2  # readiness levels (codes of :func:`readiness_levels`)


def readiness_levels(notice: Notice | None, ready_lead_s: Any, relay_s: Any = None) -> tuple[np.ndarray, Any]:
    """The readiness level (NONE, ALERT or READY, an int array broadcast over the inputs) and the time the
    notice reaches the defender (s from launch; None without a notice).

    Rules: no notice, or one that arrives after launch: NONE. Before launch: ALERT; READY if it arrives at
    least ``ready_lead_s`` before launch and names the launch or impact area. ``relay_s`` (array or None = the
    notice's own relay) lets a third party's relay delay vary per trial.
    """
    rl = np.asarray(ready_lead_s, float)
    if notice is None or notice.lead_s is None:
        return np.full(rl.shape, NONE), None
    rec = -notice.lead_s + (notice.relay if relay_s is None else np.asarray(relay_s, float))
    before = rec <= 0.0
    ready = before & (-rec >= rl) & (notice.content in ("launch-area", "impact-area"))
    return np.where(ready, READY, np.where(before, ALERT, NONE)), rec


def readiness_arrays(
    notice: Notice | None,
    decision_delay_s: Any,
    decision_delay_ready_s: Any = None,
    reaction_factor_ready: Any = None,
    ready_lead_s: Any = None,
    relay_s: Any = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Decision delay (s) and reaction factor for arrays of inputs (one per trial), by the rules of
    :func:`readiness_levels`: alert or ready -> decision delay min(normal, ready); ready -> reaction times
    x ``reaction_factor_ready``. Defaults are the notional values in :data:`NOTIONAL`. Returns two arrays
    broadcast to the inputs' common shape.
    """
    dd = np.asarray(decision_delay_s, float)
    dr = np.asarray(NOTIONAL["decision_delay_ready_s"].value if decision_delay_ready_s is None
                    else decision_delay_ready_s, float)
    rf = np.asarray(NOTIONAL["reaction_factor_ready"].value if reaction_factor_ready is None
                    else reaction_factor_ready, float)
    rl = NOTIONAL["ready_lead_min"].value * 60.0 if ready_lead_s is None else ready_lead_s
    level, _ = readiness_levels(notice, rl, relay_s)
    dec = np.where(level >= ALERT, np.minimum(dd, dr), dd)
    fac = np.where(level == READY, rf, 1.0)
    shape = np.broadcast_shapes(dec.shape, fac.shape)
    return np.broadcast_to(dec, shape).astype(float), np.broadcast_to(fac, shape).astype(float)


def readiness(
    notice: Notice | None,
    decision_delay_s: float | None = None,
    decision_delay_ready_s: float | None = None,
    reaction_factor_ready: float | None = None,
    ready_lead_s: float | None = None,
) -> Readiness:
    """Readiness level, decision delay and reaction factor from a notice (rules in the module docstring and
    :func:`readiness_levels`), with a note for the report.

    Defaults are the notional values in :data:`NOTIONAL`. The result is monotone in the lead time: a
    longer lead never gives a longer decision delay or a larger reaction factor.
    """
    dd = NOTIONAL["decision_delay_s"].value if decision_delay_s is None else float(decision_delay_s)
    rf = NOTIONAL["reaction_factor_ready"].value if reaction_factor_ready is None else float(reaction_factor_ready)
    rl = NOTIONAL["ready_lead_min"].value * 60.0 if ready_lead_s is None else float(ready_lead_s)
    if not dd >= 0:
        raise InputError(f"--decision-delay: must be >= 0 s, got {dd:g}")
    if not (0.0 < rf <= 1.0):
        raise InputError(f"reaction_factor_ready: must be in (0, 1], got {rf:g}")
    level, rec = readiness_levels(notice, rl)
    dec, fac = (float(x) for x in readiness_arrays(notice, dd, decision_delay_ready_s, rf, rl))
    level = int(level)
    if level == NONE:
        why = "no notice" if rec is None else f"notice reached the defender {rec / 60:.1f} min after launch"
        return Readiness("none", dec, fac, None if rec is None else float(rec),
                         f"{why}: decision delay and reaction times unchanged")
    rec = float(rec)
    if level == READY:
        return Readiness(
            "ready", dec, fac, rec,
            f"notice with the {notice.content} reached the defender {-rec / 60:.1f} min before launch: "  # type: ignore[union-attr]
            f"decision delay {dec:g} s, reaction times x {fac:g} (notional); no track is created",
        )
    return Readiness(
        "alert", dec, fac, rec,
        f"notice reached the defender {-rec / 60:.1f} min before launch: decision delay {dec:g} s "
        "(notional); reaction times unchanged; no track is created",
    )
