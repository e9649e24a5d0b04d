"""Offline country borders and coasts for the report's maps (Natural Earth 1:50m, vendored; no network).

The data are ``assets/countries-50m.json`` from the npm package world-atlas 2.0.2 (Natural Earth 4.1.0,
public domain; ISC packaging, see ``assets/LICENSE-world-atlas`` and ``assets/README.md``). It is TopoJSON:
every shared border is stored once as an *arc*, a list of delta-encoded integer pairs; the absolute
position of an arc's points is ``np.cumsum(arc, axis=0) * scale + translate`` (degrees of longitude,
latitude). A polygon ring is a list of arc indices (``~i`` = arc ``i`` reversed), joined end to start.

The projection is the simplest honest one for a map a few hundred to a few thousand km across: plate
carrée (x = longitude, y = latitude, both in degrees) with the axes' aspect ratio set to 1/cos(mid-latitude),
so distances are true at the map's central latitude. The axes keep degree ticks.

Everything here reads package files only. Geodesic range rings use pyproj's ``Geod`` (Karney's
algorithm, WGS84), which needs no grid files and never downloads.

Only ``draw_map`` and the ``add_*`` functions touch matplotlib, and they receive an ``Axes``; matplotlib
is not imported at module level.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, Sequence

import numpy as np

ASSET = "countries-50m.json"

#: colours (a light, print-friendly palette)
LAND = "#efece4"
WATER = "#dbe8f2"
COAST = "#7f8c99"
BORDER = "#9a8f80"


@dataclass(frozen=True)
class Atlas:
    """The decoded world atlas.

    ``arcs``: list of (n_i × 2) float arrays, longitude and latitude in degrees.
    ``arc_bbox``: (n_arcs × 4) array of (lon_min, lat_min, lon_max, lat_max) per arc, degrees.
    ``arc_uses``: (n_arcs,) int array, how many country rings use each arc (2 = land border, 1 = coast).
    ``countries``: list of (name, iso_numeric_id, rings) with rings a list of (m × 2) arrays (closed, degrees).
    """

    arcs: list[np.ndarray]
    arc_bbox: np.ndarray
    arc_uses: np.ndarray
    countries: list[tuple[str, str, list[np.ndarray]]]


def decode_arcs(topology: dict[str, Any]) -> list[np.ndarray]:
    """Absolute coordinates (degrees) of every arc of a quantized TopoJSON ``topology``.

    Each arc is delta-encoded: the first pair is absolute (in quantized units), the rest are differences.
    """
    t = topology.get("transform")
    scale = np.asarray(t["scale"], dtype=float) if t else np.ones(2)
    translate = np.asarray(t["translate"], dtype=float) if t else np.zeros(2)
    out = []
    for arc in topology["arcs"]:
        a = np.asarray(arc, dtype=np.int64).reshape(-1, 2)
        q = np.cumsum(a, axis=0) if t else a
        out.append(q * scale + translate)
    return out


def _ring(arcs: list[np.ndarray], idx: Sequence[int]) -> np.ndarray:
    """Join the arcs of one ring (``~i`` means arc ``i`` reversed), dropping each repeated joint point."""
    parts = []
    for k, i in enumerate(idx):
        a = arcs[i] if i >= 0 else arcs[~i][::-1]
        parts.append(a if k == 0 else a[1:])
    return np.concatenate(parts, axis=0)


def _polygons(geom: dict[str, Any]) -> list[list[list[int]]]:
    if geom.get("type") == "Polygon":
        return [geom["arcs"]]
    if geom.get("type") == "MultiPolygon":
        return list(geom["arcs"])
    return []


def load_topology() -> dict[str, Any]:
    """The vendored TopoJSON document, parsed (a package file; no network)."""
    return json.loads(resources.files("duel.report").joinpath("assets", ASSET).read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def atlas() -> Atlas:
    """Decode the vendored atlas once per process (about 0.1 s) and cache it."""
    topo = load_topology()
    arcs = decode_arcs(topo)
    bbox = np.array([[a[:, 0].min(), a[:, 1].min(), a[:, 0].max(), a[:, 1].max()] for a in arcs])
    uses = np.zeros(len(arcs), dtype=int)
    countries = []
    for g in topo["objects"]["countries"]["geometries"]:
        rings = []
        for poly in _polygons(g):
            for ring in poly:
                for i in ring:
                    uses[i if i >= 0 else ~i] += 1
                rings.append(_ring(arcs, ring))
        countries.append((str(g.get("properties", {}).get("name", "")), str(g.get("id", "")), rings))
    for a in arcs:
        a.setflags(write=False)
    return Atlas(arcs=arcs, arc_bbox=bbox, arc_uses=uses, countries=countries)


# --- clipping to the map extent (keeps SVG files small) -----------------------------------------------

def _clip_polygon(poly: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
    """Sutherland–Hodgman clip of a closed ring (m × 2) to ``box`` = (x0, y0, x1, y1); vectorised per edge."""
    x0, y0, x1, y1 = box
    p = poly
    for axis, bound, keep_le in ((0, x0, False), (0, x1, True), (1, y0, False), (1, y1, True)):
        if len(p) == 0:
            break
        q = np.roll(p, 1, axis=0)  # previous vertex
        cin = p[:, axis] <= bound if keep_le else p[:, axis] >= bound
        qin = q[:, axis] <= bound if keep_le else q[:, axis] >= bound
        d = p[:, axis] - q[:, axis]
        with np.errstate(divide="ignore", invalid="ignore"):
            s = np.where(d != 0, (bound - q[:, axis]) / d, 0.0)
        inter = q + s[:, None] * (p - q)
        inter[:, axis] = bound
        # per vertex: [intersection if crossing] then [vertex if inside]
        cand = np.stack([inter, p], axis=1)  # (m, 2, 2)
        mask = np.stack([cin != qin, cin], axis=1)  # (m, 2)
        p = cand[mask]
    return p


def _clip_polyline(line: np.ndarray, box: tuple[float, float, float, float]) -> list[np.ndarray]:
    """Split a polyline into the runs that touch ``box`` (a segment is kept if either end is inside).

    Lines are not cut exactly at the edge: the axes clip what little sticks out. This drops the
    thousands of off-map vertices that would otherwise be written into every SVG.
    """
    x0, y0, x1, y1 = box
    inside = (line[:, 0] >= x0) & (line[:, 0] <= x1) & (line[:, 1] >= y0) & (line[:, 1] <= y1)
    if inside.all():
        return [line]
    # a vertex is kept if it or a neighbour is inside
    keep = inside.copy()
    keep[1:] |= inside[:-1]
    keep[:-1] |= inside[1:]
    if not keep.any():
        return []
    edges = np.flatnonzero(np.diff(np.concatenate([[0], keep.astype(np.int8), [0]])))
    return [line[a:b] for a, b in zip(edges[::2], edges[1::2]) if b - a >= 2]


def map_pieces(lon_range: tuple[float, float], lat_range: tuple[float, float], pad_deg: float = 0.5
               ) -> dict[str, Any]:
    """The atlas cut to an extent (degrees), as plain arrays: what ``draw_map`` draws.

    Returns ``{"coasts": [lines], "borders": [lines], "land": [(name, polygon)]}``; lines and polygons
    are (n × 2) arrays of (longitude, latitude) in degrees.
    """
    at = atlas()
    box = (lon_range[0] - pad_deg, lat_range[0] - pad_deg, lon_range[1] + pad_deg, lat_range[1] + pad_deg)
    bb = at.arc_bbox
    hit = np.flatnonzero((bb[:, 2] >= box[0]) & (bb[:, 0] <= box[2]) & (bb[:, 3] >= box[1]) & (bb[:, 1] <= box[3]))
    coasts, borders = [], []
    for i in hit:
        pieces = _clip_polyline(at.arcs[i], box)
        (borders if at.arc_uses[i] >= 2 else coasts).extend(pieces)
    land = []
    for name, _id, rings in at.countries:
        for r in rings:
            if r[:, 0].max() < box[0] or r[:, 0].min() > box[2] or r[:, 1].max() < box[1] or r[:, 1].min() > box[3]:
                continue
            c = _clip_polygon(r, box)
            if len(c) >= 3:
                land.append((name, c))
    return {"coasts": coasts, "borders": borders, "land": land}


# --- drawing -----------------------------------------------------------------------------------------

def set_extent(ax: Any, lon_range: tuple[float, float], lat_range: tuple[float, float],
               adjustable: str = "datalim") -> None:
    """Limit the axes to an extent (degrees) with the cos(mid-latitude) aspect: true scale at mid-latitude.

    With ``adjustable="datalim"`` (default) the map fills its axes and the extent may grow in one direction to
    keep the aspect (the limits stay autoscaled: something drawn outside the extent later widens the map);
    ``"box"`` fixes the extent exactly and shrinks the axes instead.
    """
    mid = np.radians(0.5 * (lat_range[0] + lat_range[1]))
    ax.set_aspect(1.0 / max(np.cos(mid), 0.05), adjustable=adjustable)
    if adjustable == "datalim":
        # autoscaled limits on exactly this extent (no margins), so matplotlib may widen one of them for the
        # aspect; anything drawn later inside the extent leaves them unchanged
        ax.margins(0)
        ax.update_datalim([(lon_range[0], lat_range[0]), (lon_range[1], lat_range[1])])
        ax.autoscale(True)
    else:
        ax.set_xlim(*lon_range)
        ax.set_ylim(*lat_range)


def _polygon_area_centroid(p: np.ndarray) -> tuple[float, tuple[float, float]]:
    x, y = p[:, 0], p[:, 1]
    xs, ys = np.roll(x, -1), np.roll(y, -1)
    cross = x * ys - xs * y
    a = 0.5 * cross.sum()
    if abs(a) < 1e-12:
        return 0.0, (float(x.mean()), float(y.mean()))
    return abs(a), (float(((x + xs) * cross).sum() / (6 * a)), float(((y + ys) * cross).sum() / (6 * a)))


def draw_map(ax: Any, lon_range: tuple[float, float], lat_range: tuple[float, float],
             country_labels: bool = True, label_min_fraction: float = 0.04, adjustable: str = "box",
             pad_deg: float = 0.5) -> dict[str, Any]:
    """Draw land, coasts and country borders on ``ax`` for an extent in degrees (lon_min, lon_max), (lat_min, lat_max).

    The atlas is cut to the extent plus ``pad_deg`` before drawing (small SVGs). ``adjustable`` is passed to
    :func:`set_extent`: ``"box"`` (default) shows exactly the extent; with ``"datalim"`` pass a ``pad_deg``
    large enough for the widening. To fill a figure exactly, first find the extent the layout gives (as
    :func:`duel.report.plots.world_map` does: ``set_extent(..., "datalim")``, ``fig.draw_without_rendering()``,
    read the limits) and then draw that extent with ``"box"``.

    Land is a light fill (one ``PolyCollection``), coasts and borders are two ``LineCollection`` s (borders
    dashed). With ``country_labels``, countries covering at least ``label_min_fraction`` of the map get their
    name in small grey capitals. Returns the artists: ``{"land", "coasts", "borders", "labels"}``.
    """
    from matplotlib.collections import LineCollection, PolyCollection

    pieces = map_pieces(lon_range, lat_range, pad_deg=pad_deg)
    ax.set_facecolor(WATER)
    land = PolyCollection([p for _, p in pieces["land"]], facecolors=LAND, edgecolors="none", zorder=0.5)
    ax.add_collection(land, autolim=False)
    coasts = LineCollection(pieces["coasts"], colors=COAST, linewidths=0.6, zorder=1)
    borders = LineCollection(pieces["borders"], colors=BORDER, linewidths=0.7, linestyles=(0, (4, 2)), zorder=1)
    ax.add_collection(coasts, autolim=False)
    ax.add_collection(borders, autolim=False)
    labels = []
    if country_labels:
        box_area = (lon_range[1] - lon_range[0]) * (lat_range[1] - lat_range[0])
        best: dict[str, tuple[float, tuple[float, float]]] = {}
        total: dict[str, float] = {}
        for name, p in pieces["land"]:
            clipped = _clip_polygon(p, (lon_range[0], lat_range[0], lon_range[1], lat_range[1]))
            if len(clipped) < 3:
                continue
            a, c = _polygon_area_centroid(clipped)
            total[name] = total.get(name, 0.0) + a
            if a > best.get(name, (0.0, c))[0]:
                best[name] = (a, c)
        for name in sorted(best, key=lambda n: -total[n]):
            if total[name] >= label_min_fraction * box_area:
                labels.append(ax.text(*best[name][1], name.upper(), ha="center", va="center", fontsize=8,
                                      color="#a39a8c", zorder=1.5, gid=f"country-{name}"))
    set_extent(ax, lon_range, lat_range, adjustable=adjustable)
    ax.set_xlabel("longitude (°E)")
    ax.set_ylabel("latitude (°N)")
    return {"land": land, "coasts": coasts, "borders": borders, "labels": labels}


def range_ring(lat_deg: float, lon_deg: float, radius_km: float, n: int = 181) -> tuple[np.ndarray, np.ndarray]:
    """A geodesic circle on WGS84: the points at ``radius_km`` from (lat_deg, lon_deg) at ``n`` azimuths 0..360°.

    Returns (lat_deg, lon_deg) arrays of length ``n``; the first and last point coincide (azimuth 0 and 360),
    so the ring is closed. Vectorised over azimuths with ``pyproj.Geod.fwd``.
    """
    from pyproj import Geod

    az = np.linspace(0.0, 360.0, n)
    lon, lat, _ = Geod(ellps="WGS84").fwd(np.full(n, lon_deg, dtype=float), np.full(n, lat_deg, dtype=float),
                                           az, np.full(n, radius_km * 1e3))
    return np.asarray(lat), np.asarray(lon)


def add_track(ax: Any, lat_deg: Any, lon_deg: Any, label: str = "ground track", **kw: Any) -> Any:
    """Draw a ground track (arrays of latitude and longitude, degrees) as a line; returns the Line2D."""
    style = {"color": "#b3261e", "lw": 2.0, "zorder": 4, "solid_capstyle": "round"}
    style.update(kw)
    (line,) = ax.plot(np.asarray(lon_deg), np.asarray(lat_deg), label=label, **style)
    return line


def add_point(ax: Any, lat_deg: float, lon_deg: float, label: str, marker: str = "o", color: str = "#222",
              legend_label: str | None = None, offset_pt: tuple[float, float] = (6, 6), size: float = 7) -> Any:
    """A labelled point (degrees). The text is offset by ``offset_pt`` points; returns the marker's Line2D."""
    (pt,) = ax.plot([lon_deg], [lat_deg], marker=marker, ms=size, color=color, mec="white", mew=1.0, ls="none",
                    zorder=6, label=legend_label)
    ha = "left" if offset_pt[0] >= 0 else "right"
    ax.annotate(label, (lon_deg, lat_deg), xytext=offset_pt, textcoords="offset points", fontsize=9, ha=ha,
                va="bottom" if offset_pt[1] >= 0 else "top", color="#111", zorder=7,
                bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.75})
    return pt


def add_range_ring(ax: Any, lat_deg: float, lon_deg: float, radius_km: float, color: str = "#1f5fa8",
                   label: str | None = None, n: int = 181, gid: str | None = None) -> Any:
    """Draw a geodesic range ring (see :func:`range_ring`) with a faint fill; returns the outline Line2D."""
    lat, lon = range_ring(lat_deg, lon_deg, radius_km, n)
    ax.fill(lon, lat, color=color, alpha=0.10, lw=0, zorder=2)
    (line,) = ax.plot(lon, lat, color=color, lw=1.3, zorder=3, label=label, gid=gid)
    return line
