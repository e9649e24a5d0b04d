"""Figures of a sweep (``duel sweep``): maps of a row column over the targets, and a quantity against a numeric
axis with its 90 % band. They take plain arrays (the sweep's rows), so they know nothing of how the rows were
computed.

Column words and units (:data:`COLUMN_WORDS`): times are shown in minutes, probabilities in percent; a column
not listed is shown as stored, its name as its label.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from duel.report.plots import PALETTE, _figure, _style

# column -> (words with the unit shown, factor from the stored unit)
COLUMN_WORDS: dict[str, tuple[str, float]] = {
    "flight_time_s": ("flight time (min)", 1 / 60),
    "warning_ir_report_s": ("warning from the infrared launch report to impact (min)", 1 / 60),
    "warning_ir_detection_s": ("warning from infrared detection of the boost to impact (min)", 1 / 60),
    "warning_early_warning_report_s": ("warning from the infrared launch report to impact (min)", 1 / 60),
    "warning_notice_s": ("time from the notice being sent to impact (min)", 1 / 60),
    "decision_time_left_s": ("decision time (min)", 1 / 60),
    "apogee_km": ("apogee (km)", 1.0),
    "distance_km": ("ground range (km)", 1.0),
    "max_mach": ("highest Mach number", 1.0),
    "mach_30km": ("Mach number descending through 30 km", 1.0),
    "p_all_stopped": ("P(all objects stopped) (%)", 100.0),
    "p_at_least_one_stopped": ("P(at least one object stopped) (%)", 100.0),
    "expected_leakers": ("objects getting through", 1.0),
}


def words(column: str) -> tuple[str, float]:
    """The label (with unit) and the factor for a column; ``X_median``/``X_value`` take X's."""
    base = column.removesuffix("_median").removesuffix("_value")
    label, factor = COLUMN_WORDS.get(column, COLUMN_WORDS.get(base, (column.replace("_", " "), 1.0)))
    if column.endswith("_median"):
        label = f"{label}, median across the draws"
    return label, factor


def sweep_map(lat_deg: np.ndarray, lon_deg: np.ndarray, values: np.ndarray, column: str, title: str,
              launches: Sequence[tuple[str, float, float]] = (), step_deg: float | None = None,
              names: Sequence[str] | None = None) -> Any:
    """A map of ``values`` (a row column, stored units) at the targets: filled cells of ``step_deg`` for a grid
    (missing cells, such as points outside a country or not flown, left empty), else coloured points labelled
    with ``names``; the launch sites as triangles; a colour bar in the column's units (:func:`words`); the
    grid's bounds as a dashed rectangle. Degrees, plate carrée at true scale at mid-latitude."""
    from duel.report.worldmap import add_point, draw_map

    label, factor = words(column)
    v = np.asarray(values, float) * factor
    lat, lon = np.asarray(lat_deg, float), np.asarray(lon_deg, float)
    pts_lat = np.concatenate([lat, [la for _, la, _ in launches]])
    pts_lon = np.concatenate([lon, [lo for _, _, lo in launches]])
    pad = 1.5 if step_deg is None else max(step_deg, 0.5)
    lon_range = (float(pts_lon.min()) - pad, float(pts_lon.max()) + pad)
    lat_range = (float(pts_lat.min()) - pad, float(pts_lat.max()) + pad)
    finite = v[np.isfinite(v)]
    vmin, vmax = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    if vmax <= vmin:
        vmax = vmin + 1.0
    # the figure takes the map's shape (true scale at mid-latitude), plus room for the title and colour bar
    aspect = (lat_range[1] - lat_range[0]) / ((lon_range[1] - lon_range[0]) * np.cos(np.radians(np.mean(lat_range))))
    with _style():
        fig = _figure(8.0, float(np.clip(6.6 * aspect + 1.9, 3.6, 10.0)))
        ax = fig.add_subplot(1, 1, 1)
        draw_map(ax, lon_range, lat_range, country_labels=True)
        if step_deg is not None:
            lats, lons = np.unique(lat), np.unique(lon)
            grid = np.full((lats.size, lons.size), np.nan)
            grid[np.searchsorted(lats, lat), np.searchsorted(lons, lon)] = v
            half = step_deg / 2
            mesh = ax.pcolormesh(np.append(lons - half, lons[-1] + half), np.append(lats - half, lats[-1] + half),
                                 np.ma.masked_invalid(grid), cmap="viridis", vmin=vmin, vmax=vmax, alpha=0.85,
                                 zorder=2, gid="cells")
            ax.add_patch(_rectangle(lon.min() - half, lat.min() - half, lon.max() + half, lat.max() + half))
        else:
            mesh = ax.scatter(lon, lat, c=v, cmap="viridis", vmin=vmin, vmax=vmax, s=46, edgecolors="white",
                              linewidths=0.8, zorder=5, gid="points")
            for name, la, lo, val in zip(names or [], lat, lon, v):
                ax.annotate(f"{name} {val:.3g}" if np.isfinite(val) else f"{name} —", (lo, la), xytext=(4, 3),
                            textcoords="offset points", fontsize=7, color="#222", zorder=6)
        mid_lon = 0.5 * (lon_range[0] + lon_range[1])
        for name, la, lo in launches:  # the label on the side of the map's centre, so it stays inside
            add_point(ax, la, lo, f"{name} (launch)", marker="^", color="#222",
                      offset_pt=(6, 6) if lo < mid_lon else (-6, 6))
        bar = fig.colorbar(mesh, ax=ax, orientation="horizontal", shrink=0.8, pad=0.02, aspect=40)
        bar.set_label(label)
        ax.set_title(title)
    return fig


def _rectangle(x0: float, y0: float, x1: float, y1: float) -> Any:
    from matplotlib.patches import Rectangle

    return Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, ec="#444", lw=0.8, ls=(0, (4, 3)), zorder=3,
                     gid="grid-bounds")


def sweep_line(x: np.ndarray, series: Sequence[tuple[str, np.ndarray, np.ndarray | None, np.ndarray | None]],
               x_label: str, column: str, title: str, series_title: str = "") -> Any:
    """A quantity against a numeric axis: one line per series ``(name, y, lo, hi)`` (stored units; ``lo``/``hi``
    the 5th-95th percentile across the draws, drawn as a band of the line's colour where given), labelled in the
    column's units; the legend is titled ``series_title`` (what tells the lines apart)."""
    from matplotlib.patches import Patch

    label, factor = words(column)
    with _style():
        fig = _figure(8.0, 4.6)
        ax = fig.add_subplot(1, 1, 1)
        handles = []
        for i, (name, y, lo, hi) in enumerate(series):
            color = PALETTE[i % len(PALETTE)]
            (line,) = ax.plot(x, np.asarray(y, float) * factor, marker="o", ms=4, color=color, label=name, zorder=3)
            handles.append(line)
            if lo is not None and hi is not None:
                ax.fill_between(x, np.asarray(lo, float) * factor, np.asarray(hi, float) * factor, color=color,
                                alpha=0.12, lw=0, zorder=2)
        if any(lo is not None for _, _, lo, _ in series):
            handles.append(Patch(color="#999999", alpha=0.3, label="shaded: 5th-95th percentile of the draws"))
        ax.set_xlabel(x_label)
        ax.set_ylabel(label)
        ax.grid(True, axis="y")
        ax.set_title(title)
        fig.legend(handles=handles, loc="outside lower center", ncols=2, title=series_title or None,
                   title_fontsize=9)
    return fig
