"""Figures for the report: plain Python/NumPy data in, a matplotlib ``Figure`` out (presentation only).

Every function takes plain data (lists, NumPy arrays, dicts) with the unit in the argument name, draws one
figure for a non-specialist reader (title, labelled axes with units, legend, no chart junk) and returns a
:class:`matplotlib.figure.Figure`. Figures are made with ``matplotlib.figure.Figure`` attached to the
non-interactive Agg canvas — never through ``pyplot`` — so no GUI backend is touched, no global figure
registry grows, and nothing needs closing. matplotlib is imported inside the functions (the CLI's start-up
never pays for it).

``figure_to_svg`` and ``figure_to_png_base64`` turn a figure into text for the HTML report; both are
deterministic (no dates, fixed SVG id salt, ids prefixed per figure so several SVGs can live in one page).

Hover values: the parts a reader points at (a window bar, an event, a band, a bar, points along a line) carry a
short text with their values and units (:func:`tooltip`); ``figure_to_svg`` writes it as the SVG element's
``<title>``, which a browser shows on hover, in the offline report and on the web page alike (one chart code for
both, no scripts).

Signatures (units in the names; times in seconds from launch, shown in minutes):

- ``timeline_chart(events, windows, notice_s, impact_s)``
- ``altitude_downrange(downrange_km, altitude_km, bands, comparisons=())``
- ``speed_mach(time_s, speed_mps, mach)``
- ``world_map(track_lat, track_lon, launch, target, batteries)``
- ``leaker_distribution(counts, objects)``
- ``tornado(names, low, high, base, xlabel)``
- ``sensitivity_bars(names, s1, st)``
"""

from __future__ import annotations

import base64
import html
import io
import re
import textwrap
from contextlib import contextmanager
from functools import partial
from importlib import import_module
from typing import Any, Iterator, Sequence

import numpy as np

from duel.report.times import fmt_duration, fmt_time

#: colours: a restrained, colour-blind-safe palette (Okabe–Ito based)
INK = "#222222"
MUTED = "#6b6b6b"
RED = "#b3261e"
GREEN = "#1e7b4a"
BLUE = "#1f5fa8"
ORANGE = "#d55e00"
PALETTE = ["#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#7f7f7f"]

_RC = {
    "font.size": 10,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": 10,
    "axes.edgecolor": "#444444",
    "axes.labelcolor": INK,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": False,
    "grid.color": "#e3e3e3",
    "grid.linewidth": 0.8,
    "xtick.color": "#444444",
    "ytick.color": "#444444",
    "legend.frameon": False,
    "legend.fontsize": 9,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "svg.fonttype": "path",  # identical rendering everywhere (no dependence on the reader's fonts)
    "svg.hashsalt": "duel",  # deterministic ids
    "path.simplify": True,
}


@contextmanager
def _style() -> Iterator[None]:
    import matplotlib

    with matplotlib.rc_context(_RC):
        yield


def _figure(width_in: float = 8.0, height_in: float = 4.0) -> Any:
    """A new Figure on the Agg canvas, constrained layout."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width_in, height_in), layout="constrained", dpi=100)
    FigureCanvasAgg(fig)
    return fig


def _draw_throwaway() -> None:
    """Draw a small figure with a mathtext title: loads matplotlib's font and mathtext parser."""
    with _style():
        fig = _figure(2.0, 1.0)
        fig.add_subplot().set_title("x $^\\circ$")
        figure_to_svg(fig)


def _load_atlas() -> None:
    from duel.report import worldmap

    worldmap.atlas()


WARM_UP = (*(partial(import_module, m) for m in ("matplotlib", "matplotlib.text", "matplotlib.backend_bases",
                                                  "matplotlib.axes", "matplotlib.figure",
                                                  "matplotlib.backends.backend_svg")),
           _load_atlas, _draw_throwaway)
"""What the report's figures need first (0.6-0.8 s in all: matplotlib's imports, the vendored atlas, its font
and mathtext parser), as steps of at most 0.1-0.2 s each (the packages a step needs imported by the steps
before it), e.g. for this process to take while others work; the figures then start warm."""


def tooltip(artist: Any, gid: str, text: str) -> Any:
    """Give ``artist`` (already on a figure) the SVG id ``gid`` and a hover ``text`` (values with units); returns
    the artist. The texts are kept in the figure's ``tooltips`` dict (gid -> text) for :func:`figure_to_svg`."""
    artist.set_gid(gid)
    artist.figure.__dict__.setdefault("tooltips", {})[gid] = text
    return artist


def _hover_points(ax: Any, x: Any, y: Any, texts: Sequence[str], prefix: str) -> None:
    """Invisible hover targets at (x[i], y[i]) with ``texts[i]`` (gids ``<prefix>-<i>``): values along a line."""
    for i, (xi, yi, text) in enumerate(zip(x, y, texts)):
        (pt,) = ax.plot([xi], [yi], marker="o", ms=10, ls="none", color=INK, alpha=0.0, zorder=6)
        tooltip(pt, f"{prefix}-{i}", text)


def _samples(n: int, most: int = 40) -> Any:
    """Up to ``most`` indices spread evenly over ``range(n)`` (first and last included)."""
    return np.unique(np.linspace(0, n - 1, min(n, most)).round().astype(int)) if n else np.arange(0)


# --- timeline ---------------------------------------------------------------------------------------

_EVENT_GIDS = {"notice sent": "notice", "notice reaches the defender": "notice-received"}


def _place_labels(ax: Any, labels: Sequence[tuple[float, str, str, bool]], base_pt: float = 9.0,
                  step_pt: float = 21.0, levels: int = 5) -> None:
    """Write event labels above the events row at x (axis units), each on the lowest level where its box
    overlaps no label placed before it (boxes measured after a draw, so the check is on the real extents).

    labels: ``(x, text, colour, bold)``, placed in the given order.
    """
    fig = ax.figure
    fig.draw_without_rendering()  # settle the layout: the extents below are then the final ones
    r = fig.canvas.get_renderer()
    placed: list[Any] = []
    for xv, text, colour, bold in labels:
        for lvl in range(levels):
            a = ax.annotate(text, (xv, 0.0), xytext=(0, base_pt + step_pt * lvl), textcoords="offset points",
                            ha="center", va="bottom", fontsize=8, color=colour, linespacing=1.0,
                            fontweight="bold" if bold else "normal", annotation_clip=False)
            box = a.get_window_extent(r)
            if lvl == levels - 1 or not any(box.overlaps(b) for b in placed):
                placed.append(box.expanded(1.04, 1.0))
                break
            a.remove()


def timeline_chart(events: Sequence[dict[str, Any]], windows: Sequence[dict[str, Any]], notice_s: float | None,
                   impact_s: float, title: str = "From launch to impact", zoom: bool | None = None,
                   notice_received_s: float | None = None) -> Any:
    """The defence timeline: events as markers, each battery's engagement window as a bar; minutes on the axis.

    events: ``[{"name": str, "time_s": float}]`` — seconds from launch (launch, burnout, detection, track, ...;
        impact may be included or not: it is always drawn from ``impact_s``).
    windows: ``[{"label": str, "t_first_s": float | None, "t_last_s": float | None}]`` — the interval in which
        the battery can intercept (seconds from launch); ``None`` draws "no engagement window".
    notice_s: when the notice was **sent** (seconds from launch; negative: before launch), or None without a
        notice: a "notice sent" marker. notice_received_s: when it reached the defender, if later than sent (a
        relay through a third party): a second marker, "notice reaches the defender". The span from the
        notice reaching the defender (or being sent) to impact is shaded and named after that event.
    impact_s: impact time (seconds from launch).
    zoom: add a right-hand panel with the last seconds before impact (in seconds), where the windows are.
        ``None`` (default) zooms when all windows fall in the last 40 % of the timeline and are short.

    Event labels are stacked on up to five levels so that no two overlap (placed on their measured extents).
    Axes content (for tests): in ``fig.axes[0]`` (the whole timeline, minutes after launch) one Rectangle with
    gid ``window-<i>`` per window that exists and one marker Line2D with gid ``event-<name>`` per event plus
    ``event-impact``; the zoom panel, if any, is ``fig.axes[1]`` (gids ``zoom-window-<i>``).
    """
    from matplotlib.patches import Rectangle

    imp = float(impact_s)
    received = None if notice_received_s is None or notice_s is None or \
        abs(float(notice_received_s) - float(notice_s)) < 1.0 else float(notice_received_s)
    times = [float(e["time_s"]) for e in events] + [imp, 0.0]
    if notice_s is not None:
        times.append(float(notice_s))
    wins = [(w.get("t_first_s"), w.get("t_last_s")) for w in windows]
    have = [(float(a), float(b)) for a, b in wins if a is not None and b is not None]
    for a, b in have:
        times += [a, b]
    t0, t1 = min(times), max(times)
    span = max(t1 - t0, 60.0)
    if zoom is None:
        zoom = bool(have) and min(a for a, _ in have) > t0 + 0.6 * span and \
            (imp - min(a for a, _ in have)) < 0.3 * span
    n = len(windows)
    evs = [(str(e["name"]), float(e["time_s"])) for e in events
           if str(e["name"]).lower() not in ("impact", "notice", "notice sent")] + [("impact", imp)]
    if notice_s is not None:
        evs.append(("notice sent", float(notice_s)))
    if received is not None:
        evs.append(("notice reaches the defender", received))
    evs.sort(key=lambda x: x[1])
    warned_from = received if received is not None else (None if notice_s is None else float(notice_s))
    boxed = {"boxstyle": "square,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.92}

    def rows(ax: Any, x: Any, xspan: float, prefix: str, main: bool) -> None:
        """Draw the rows on ``ax``; ``x`` maps seconds from launch to the axis' unit."""
        if warned_from is not None:
            a, b = sorted((x(warned_from), x(imp)))
            tooltip(ax.axvspan(a, b, color="#fff3c4", zorder=0, lw=0), f"{prefix}warned",
                    f"{'notice reaches the defender' if received is not None else 'notice sent'} → impact: "
                    f"{fmt_duration(imp - warned_from)}")
        for name, t_s in evs:
            xv = x(t_s)
            color = RED if name == "impact" else INK
            ax.vlines(xv, 0.35, n + 0.8, color="#9a9a9a" if name != "impact" else RED, lw=0.8, ls=":", zorder=1)
            (mark,) = ax.plot([xv], [0.0], marker="D" if name != "impact" else "X", ms=7 if name != "impact" else 10,
                              color=color, mec="white", ls="none", zorder=4)
            tooltip(mark, f"{prefix}event-{_EVENT_GIDS.get(name, name)}",
                    f"{name}: {fmt_time(t_s)} ({abs(t_s):,.0f} s {'after' if t_s >= 0 else 'before'} launch"
                    + (")" if name == "impact" else f"; {imp - t_s:,.0f} s before impact)"))
        for i, w in enumerate(windows):
            y = i + 1
            a, b = w.get("t_first_s"), w.get("t_last_s")
            if a is None or b is None:
                if main:
                    ax.text(0.5, y, "no engagement window", ha="center", va="center", fontsize=9, color=MUTED,
                            style="italic", transform=ax.get_yaxis_transform(), bbox=boxed, zorder=5)
                continue
            xa, xb = sorted((x(float(a)), x(float(b))))
            c = PALETTE[i % len(PALETTE)]
            tooltip(ax.add_patch(Rectangle((xa, y - 0.28), max(xb - xa, 0.004 * xspan), 0.56, color=c, alpha=0.85,
                                           zorder=3)), f"{prefix}window-{i}",
                    f"{' '.join(str(w['label']).split())}: can intercept from {fmt_time(float(a))} to "
                    f"{fmt_time(float(b))} ({fmt_duration(float(b) - float(a))}; ends {imp - float(b):,.0f} s before impact)")
            left = xa if not ax.xaxis_inverted() else xb  # the bar's left end on screen
            ax.annotate(fmt_duration(float(b) - float(a)), (left, y), xytext=(-5, 0), textcoords="offset points",
                        ha="right", va="center", fontsize=8, color=c, fontweight="bold", bbox=boxed, zorder=5)

    with _style():
        fig = _figure(8.8, 2.9 + 0.5 * n)
        if zoom:
            ax, axz = fig.subplots(1, 2, sharey=True, width_ratios=[2.3, 1.0])
        else:
            ax, axz = fig.add_subplot(), None
        ax.set_ylim(n + 0.8, -3.2)
        ax.set_yticks([0.0] + [i + 1 for i in range(n)], ["events"] + [str(w["label"]) for w in windows])
        for a_ in (ax, axz):
            if a_ is None:
                continue
            a_.tick_params(axis="y", length=0)
            a_.spines["left"].set_visible(False)
            a_.xaxis.grid(True)
            a_.set_axisbelow(True)
        xm0, xm1 = t0 / 60.0, t1 / 60.0
        ax.set_xlim(xm0 - 0.06 * span / 60.0, xm1 + 0.08 * span / 60.0)
        rows(ax, lambda t: t / 60.0, span / 60.0, "", True)
        ax.set_xlabel("minutes after launch")
        if warned_from is not None:
            ax.text(0.5 * (warned_from + imp) / 60.0, n + 0.55,
                    f"{'notice reaches the defender' if received is not None else 'notice sent'} → impact: "
                    f"{fmt_duration(imp - warned_from)}", ha="center", va="center", fontsize=8, color="#7a5c00",
                    bbox={**boxed, "fc": "#fff3c4"}, zorder=5)
        if axz is not None:
            first = min(a for a, _ in have)
            zspan = max(imp - first, 10.0)
            zl = imp - first + 0.25 * zspan
            axz.set_xlim(zl, -0.08 * zspan)  # seconds before impact, decreasing to the right
            rows(axz, lambda t: imp - t, zspan, "zoom-", False)
            axz.set_xlabel("seconds before impact")
            axz.set_title("last seconds, enlarged", fontsize=9, fontweight="normal", color=MUTED)
            axz.annotate("impact", (0.0, 0.0), xytext=(0, 9), textcoords="offset points", ha="center",
                         va="bottom", fontsize=8, color=RED, fontweight="bold")
            # show on the main panel which part is enlarged
            ax.add_patch(Rectangle(((imp - zl) / 60.0, 0.5), zl / 60.0, n + 0.2, fill=False, ec=MUTED, lw=0.8,
                                   ls="--", zorder=5))
        fig.suptitle(title, x=0.01, ha="left", fontsize=12, fontweight="bold")
        _place_labels(ax, [(t_s / 60.0, f"{name}\n{fmt_time(t_s)}", RED if name == "impact" else INK,
                            name in ("impact", "notice sent")) for name, t_s in evs])
    return fig


# --- trajectory ---------------------------------------------------------------------------------------

def altitude_downrange(downrange_km: Any, altitude_km: Any, bands: Sequence[dict[str, Any]],
                       title: str = "Altitude along the flight", comparisons: Sequence[dict[str, Any]] = (),
                       nominal_label: str = "missile trajectory", time_s: Any = None) -> Any:
    """The trajectory's altitude (km) against downrange distance (km), with interceptor altitude bands shaded
    and the comparison arcs beside it.

    downrange_km, altitude_km: arrays of equal length (ground distance from the launch point; altitude above
        the ellipsoid), one trajectory.
    bands: ``[{"label": str, "min_km": float, "max_km": float}]`` — each interceptor's intercept altitudes. The
        y-axis follows the trajectories (the nominal arc and comparison arcs up to twice its apogee): a band
        reaching above them is clipped at the top, its label saying how high it goes ("↑ to 1,000 km"; labels
        wrap at 18 characters); a band
        wholly above the chart is named in the legend only.
    comparisons: ``result.json``'s ``comparisons[]`` entries — ``{"trajectory": str, "track": {"downrange_km":
        [...], "altitude_km": [...]}, "flyable": bool, "limit_broken_short": str | None}``; entries without a
        track (an arc that could not be flown) are skipped. Each is a thin dashed line labelled with its shape,
        red and marked "not flyable" where it breaks the flight limits; an arc far above the nominal one runs off
        the top of the chart, its apogee written where it leaves.

    time_s: the trajectory's times (s from launch), for the hover texts along it (optional).

    Axes content (for tests): one Rectangle patch per band (gid ``band-<i>``), one trajectory line (gid
    ``trajectory``), hover points along it (gids ``hover-trajectory-<i>``) and one dashed line per comparison arc (gid ``comparison-<i>``).
    """
    x = np.asarray(downrange_km, dtype=float)
    y = np.asarray(altitude_km, dtype=float)
    arcs = []
    for c in comparisons:
        tr = c.get("track")
        if not tr:
            continue
        arcs.append((c, np.asarray(tr["downrange_km"], dtype=float), np.asarray(tr["altitude_km"], dtype=float)))
    with _style():
        fig = _figure(8.0, 4.4 if arcs else 3.8)
        ax = fig.add_subplot()
        top = float(np.nanmax(y)) if y.size else 1.0  # the axis follows the trajectories, not the bands
        xmax = float(np.nanmax(x)) if x.size else 1.0
        # a comparison arc up to 2 x the nominal chart's height widens the chart; a higher one runs off the top
        for _, cx, cy in arcs:
            if cy.size and np.nanmax(cy) <= 2.0 * top:
                top = max(top, float(np.nanmax(cy)))
            xmax = max(xmax, float(np.nanmax(cx)) if cx.size else 0.0)
        ceiling = top * 1.12
        same: dict[tuple[float, float], list[str]] = {}  # bands with the same altitudes share one label
        for b in bands:
            same.setdefault((float(b["min_km"]), float(b["max_km"])), []).append(str(b["label"]))
        tags = []  # (height, text, colour): written right of the axes, beside each band, apart from each other
        for i, b in enumerate(bands):
            c = PALETTE[i % len(PALETTE)]
            lo, hi = float(b["min_km"]), float(b["max_km"])
            tooltip(ax.axhspan(lo, hi, color=c, alpha=0.16, lw=0, zorder=0, label=f"{b['label']}: {lo:g}–{hi:g} km"),
                    f"band-{i}", f"{b['label']}: intercepts between {lo:g} and {hi:,.0f} km altitude")
            names = same[(lo, hi)]
            if names[0] == b["label"] and lo < ceiling:
                clipped = f"\n↑ to {hi:,.0f} km" if hi > ceiling else ""  # a band above the chart: say how high
                text = "\n".join(textwrap.fill(str(n), 18) for n in names) + clipped
                tags.append((0.5 * (lo + min(hi, ceiling)), text, c))
        line, below = 0.06 * ceiling, -np.inf  # a text line's height (km of the axis); the top of the tag below
        for y_tag, text, c in sorted(tags):
            half = 0.5 * line * (1 + text.count("\n"))
            y_tag = max(y_tag, below + half)
            below = y_tag + half
            ax.text(1.01, y_tag, text, transform=ax.get_yaxis_transform(), ha="left", va="center", fontsize=8,
                    color=c, fontweight="bold", clip_on=False)
        ax.plot(x, y, color=INK, lw=2.0, zorder=3, label=nominal_label, gid="trajectory")
        k = _samples(x.size)
        t = None if time_s is None else np.asarray(time_s, dtype=float)
        _hover_points(ax, x[k], y[k], [(f"{fmt_time(t[i])}: " if t is not None else "")
                                       + f"altitude {y[i]:,.0f} km, {x[i]:,.0f} km from the launch site"
                                       for i in k], "hover-trajectory")
        i_top = int(np.nanargmax(y)) if y.size else 0
        if y.size:
            ax.annotate(f"apogee {y[i_top]:,.0f} km", (x[i_top], y[i_top]), xytext=(0, 6),
                        textcoords="offset points", ha="center", va="bottom", fontsize=8, color=INK)
        shades = ["#0072b2", "#009e73", "#cc79a7", "#e69f00", "#56b4e9"]
        off_top = 0
        for i, (c, cx, cy) in enumerate(arcs):
            bad = c.get("flyable") is False
            colour = RED if bad else shades[i % len(shades)]
            name = str(c["trajectory"])
            why = str(c.get("limit_broken_short") or "").replace("^2", "²")
            legend = textwrap.fill(f"{name} arc" + ((f" — not flyable: {why}" if why else " — not flyable") if bad
                                                    else ""), 60)
            ax.plot(cx, cy, color=colour, lw=1.1, ls=(0, (5, 3)), zorder=2.5, label=legend, gid=f"comparison-{i}")
            if not cy.size:
                continue
            j = int(np.nanargmax(cy))
            tag = name + (" (not flyable)" if bad else "")
            if cy[j] > ceiling:  # runs off the top: write its apogee where it leaves the chart
                k = int(np.argmax(cy > ceiling))
                ax.annotate(f"{tag} ↑ apogee {cy[j]:,.0f} km", (cx[k], ceiling), xytext=(4, -4 - 11 * off_top),
                            textcoords="offset points", ha="left", va="top", fontsize=7.5, color=colour,
                            annotation_clip=False)
                off_top += 1
            elif cy[j] < 0.25 * top:  # a low arc: label it above its middle
                k = len(cy) // 2
                ax.annotate(tag, (cx[k], cy[k]), xytext=(0, 4), textcoords="offset points", ha="center",
                            va="bottom", fontsize=7.5, color=colour)
            else:
                ax.annotate(f"{tag}, {cy[j]:,.0f} km", (cx[j], cy[j]), xytext=(0, 4), textcoords="offset points",
                            ha="center", va="bottom", fontsize=7.5, color=colour)
        ax.set_xlim(0, xmax * 1.02)
        ax.set_ylim(0, ceiling)
        ax.set_xlabel("distance along the ground from the launch site (km)")
        ax.set_ylabel("altitude (km)")
        ax.set_title(title)
        ax.yaxis.grid(True)
        ax.set_axisbelow(True)
        if arcs:
            fig.legend(loc="outside lower center", ncols=2, fontsize=7.5)
        else:
            ax.legend(loc="upper right", fontsize=8)
    return fig


def speed_mach(time_s: Any, speed_mps: Any, mach: Any, title: str = "Speed during the flight") -> Any:
    """Speed (m/s, left axis) and Mach number (right axis) against time since launch (shown in minutes).

    time_s, speed_mps, mach: arrays of equal length for one trajectory. Mach may be NaN where the speed of
    sound is undefined (above 86 km in US76): the Mach line then has gaps, and a note says so.

    Axes content (for tests): two axes (speed, Mach), one line each (gids ``speed`` and ``mach``).
    """
    t = np.asarray(time_s, dtype=float) / 60.0
    v = np.asarray(speed_mps, dtype=float)
    m = np.asarray(mach, dtype=float)
    with _style():
        fig = _figure(8.0, 3.6)
        ax = fig.add_subplot()
        ax2 = ax.twinx()
        ax2.spines["right"].set_visible(True)
        (l1,) = ax.plot(t, v, color=BLUE, lw=2.0, label="speed (m/s, left axis)", gid="speed")
        (l2,) = ax2.plot(t, m, color=ORANGE, lw=1.6, ls="--", label="Mach number (right axis)", gid="mach")
        k = _samples(t.size)
        _hover_points(ax, t[k], v[k], [f"{fmt_time(60.0 * t[i])}: {v[i]:,.0f} m/s"
                                       + (f", Mach {m[i]:.1f}" if np.isfinite(m[i]) else "") for i in k],
                      "hover-speed")
        ax.set_xlabel("minutes after launch")
        ax.set_ylabel("speed (m/s)", color=BLUE)
        ax2.set_ylabel("Mach number", color=ORANGE)
        ax.tick_params(axis="y", colors=BLUE)
        ax2.tick_params(axis="y", colors=ORANGE)
        ax.set_ylim(0, np.nanmax(v) * 1.15 if v.size else 1)
        if np.isfinite(m).any():
            ax2.set_ylim(0, np.nanmax(m) * 1.15)
        ax.set_xlim(t.min() if t.size else 0, t.max() if t.size else 1)
        ax.yaxis.grid(True)
        ax.set_axisbelow(True)
        handles = [l1, l2]
        ax.legend(handles, [h.get_label() for h in handles], loc="upper center", fontsize=8)
        if m.size and not np.isfinite(m).all():
            ax.text(0.99, 0.02, "Mach is shown only below 86 km, where air has a defined speed of sound",
                    transform=ax.transAxes, ha="right", va="bottom", fontsize=7, color=MUTED)
        ax.set_title(title)
    return fig


# --- map ---------------------------------------------------------------------------------------------

def map_extent(lats: Any, lons: Any, margin: float = 0.08, min_span_deg: float = 3.0
               ) -> tuple[tuple[float, float], tuple[float, float]]:
    """An extent ((lon_min, lon_max), (lat_min, lat_max)) in degrees fitting the points with a margin."""
    lats = np.asarray(lats, dtype=float)
    lons = np.asarray(lons, dtype=float)
    la0, la1 = float(np.nanmin(lats)), float(np.nanmax(lats))
    lo0, lo1 = float(np.nanmin(lons)), float(np.nanmax(lons))
    cos = max(np.cos(np.radians(0.5 * (la0 + la1))), 0.2)
    # pad both directions by the same ground distance
    pad = margin * max(la1 - la0, (lo1 - lo0) * cos, min_span_deg)
    lat_r = (max(la0 - pad, -90.0), min(la1 + pad, 90.0))
    lon_r = (lo0 - pad / cos, lo1 + pad / cos)
    # enforce a minimum span
    if lat_r[1] - lat_r[0] < min_span_deg:
        c = 0.5 * sum(lat_r)
        lat_r = (c - min_span_deg / 2, c + min_span_deg / 2)
    if (lon_r[1] - lon_r[0]) * cos < min_span_deg:
        c = 0.5 * sum(lon_r)
        lon_r = (c - min_span_deg / 2 / cos, c + min_span_deg / 2 / cos)
    return lon_r, lat_r


def _free_corner(ax: Any, points_xy: Any, size: tuple[float, float]) -> tuple[float, float] | None:
    """The lower-left corner (axes fraction) of a box of ``size`` in a corner of ``ax`` that holds none of the
    points (data coordinates), trying lower right, upper right, lower left, upper left; None if every corner
    holds some."""
    frac = ax.transAxes.inverted().transform(ax.transData.transform(np.asarray(points_xy, float)))
    w, h = size
    for x0, y0 in ((1 - w - 0.02, 0.06), (1 - w - 0.02, 1 - h - 0.02), (0.02, 0.06), (0.02, 1 - h - 0.02)):
        inside = (frac[:, 0] > x0 - 0.03) & (frac[:, 0] < x0 + w + 0.03) & \
                 (frac[:, 1] > y0 - 0.03) & (frac[:, 1] < y0 + h + 0.03)
        if not inside.any():
            return x0, y0
    return None


def _drop_colliding_country_names(fig: Any, ax: Any, names: Sequence[Any]) -> None:
    """Remove the grey country names that touch another text of the map (place labels come first)."""
    fig.draw_without_rendering()
    r = fig.canvas.get_renderer()
    others = [t.get_window_extent(r) for t in ax.texts if t not in names and t.get_visible()]
    others += [a.get_tightbbox(r) for a in ax.child_axes]  # an inset
    for leg in [ax.get_legend(), *fig.legends]:
        if leg is not None:
            others.append(leg.get_frame().get_window_extent(r))
    for t in names:
        if any(t.get_window_extent(r).overlaps(o) for o in others):
            t.set_visible(False)


def world_map(track_lat: Any, track_lon: Any, launch: tuple[str, float, float], target: tuple[str, float, float],
              batteries: Sequence[dict[str, Any]] = (), title: str = "Where it flies",
              inset_radius_km: float = 100.0) -> Any:
    """Map of the ground track, launch site, target and defence batteries with their range rings, and an inset
    that enlarges the defended area.

    track_lat, track_lon: the ground track in degrees (arrays).
    launch, target: ``(name, lat_deg, lon_deg)``.
    batteries: ``[{"label": str, "lat": float (deg), "lon": float (deg), "range_km": float}]`` — each drawn
        as a square with a geodesic range ring of ``range_km`` (WGS84); ``label`` names it in the legend.
    inset_radius_km: the inset shows the target with the batteries within this distance of it and their rings
        up to this size (larger rings cross the inset's edge; a zoom of at least 0.5 degrees); it sits in a corner of the map that the track
        and the places leave free, and a dashed box on the map shows what it enlarges. No inset without
        two batteries near the target, or when no corner is free.

    The extent fits the track, the points and the rings with a margin (rings much larger than the flight are
    clipped by the map's edge instead); borders and coasts are Natural Earth 1:50m (vendored, offline; see
    :mod:`duel.report.worldmap`); the legend sits under the map, and a country's name is left out where it
    would touch a place's label. Axes content (for tests): a LineCollection of borders and one of coasts, one
    track line (gid ``track``), one ring line per battery (gid ``ring-<i>``); the inset, if any, is
    ``fig.axes[0].child_axes[0]`` (rings ``inset-ring-<i>``).
    """
    from pyproj import Geod

    from duel.report import worldmap as wm

    tlat = np.asarray(track_lat, dtype=float)
    tlon = np.asarray(track_lon, dtype=float)
    # the extent fits the track, the points and the whole rings, except rings far larger than the flight
    # (a 2,500 km SM-3 reach would shrink the flight to a dot): those are drawn clipped by the map's edge
    rings = [wm.range_ring(float(b["lat"]), float(b["lon"]), float(b["range_km"])) for b in batteries]
    span_km = 111.0 * float(np.hypot(np.ptp(tlat), np.ptp(tlon) * np.cos(np.radians(np.mean(tlat)))))
    fits = [r for r, b in zip(rings, batteries) if float(b["range_km"]) <= max(600.0, 0.6 * span_km)]
    all_lat = np.concatenate([tlat, [launch[1], target[1]]] + [r[0] for r in fits] + [[b["lat"] for b in batteries]])
    all_lon = np.concatenate([tlon, [launch[2], target[2]]] + [r[1] for r in fits] + [[b["lon"] for b in batteries]])
    lon_r, lat_r = map_extent(all_lat, all_lon)
    cos = np.cos(np.radians(0.5 * sum(lat_r)))
    ratio = (lat_r[1] - lat_r[0]) / ((lon_r[1] - lon_r[0]) * cos)
    width = 8.5
    entries = [f"{b['label']}: reach {float(b['range_km']):,.0f} km" for b in batteries] + ["ground track of the missile"]
    ncols = 2 if max(len(e) for e in entries) <= 50 else 1
    legend_in = 0.2 * (1 + -(-len(entries) // ncols))  # the legend's rows under the map
    height = float(np.clip((width - 1.1) * ratio + 1.0, 3.0, 9.5)) + legend_in
    with _style():
        fig = _figure(width, height)
        ax = fig.add_subplot()
        for s in ("top", "right"):
            ax.spines[s].set_visible(True)
        ax.set_title(title)
        ax.set_xlabel("longitude (°E)")
        ax.set_ylabel("latitude (°N)")
        for i, entry in enumerate(entries[:-1]):
            ax.plot([], [], color=PALETTE[i % len(PALETTE)], lw=1.3, marker="s", ms=5, mec="white", label=entry)
        ax.plot([], [], color="#b3261e", lw=2.0, label=entries[-1])
        fig.legend(loc="outside lower center", ncols=ncols, fontsize=8)
        # let the layout and the aspect settle, then draw exactly the extent the axes show (fills the figure)
        wm.set_extent(ax, lon_r, lat_r, adjustable="datalim")
        fig.draw_without_rendering()
        lon_r, lat_r = tuple(ax.get_xlim()), tuple(ax.get_ylim())
        drawn = wm.draw_map(ax, lon_r, lat_r, adjustable="box")

        def defence(a: Any, prefix: str) -> None:
            for i, b in enumerate(batteries):
                c = PALETTE[i % len(PALETTE)]
                wm.add_range_ring(a, float(b["lat"]), float(b["lon"]), float(b["range_km"]), color=c,
                                  gid=f"{prefix}ring-{i}")
                (square,) = a.plot([b["lon"]], [b["lat"]], marker="s", ms=6, color=c, mec="white", ls="none", zorder=6)
                tooltip(square, f"{prefix}battery-{i}", f"{b['label']}: {float(b['lat']):.3f}° N, "
                                                         f"{float(b['lon']):.3f}° E; reach {float(b['range_km']):,.0f} km")
            line = wm.add_track(a, tlat, tlon)
            line.set_gid(f"{prefix}track")

        defence(ax, "")
        lon_mid = 0.5 * (lon_r[0] + lon_r[1])
        # labels point towards the map's centre so they stay inside it
        wm.add_point(ax, launch[1], launch[2], f"{launch[0]} (launch)", marker="^", color=INK,
                     offset_pt=(7 if launch[2] < lon_mid else -7, 6), size=9)
        wm.add_point(ax, target[1], target[2], f"{target[0]} (target)", marker="*", color=RED,
                     offset_pt=(7 if target[2] < lon_mid else -7, -8), size=14)
        ax.text(0.995, 0.005, "Borders: Natural Earth 1:50m (public domain), de facto lines as drawn there in 2018;\n"
                "they put Crimea on the Russian side, not its internationally recognised status as part of "
                "Ukraine. Rings: geodesic distance on WGS84.", transform=ax.transAxes, ha="right", va="bottom",
                fontsize=6, color=MUTED, linespacing=1.1)
        geod = Geod(ellps="WGS84")
        near = [b for b in batteries
                if geod.inv(target[2], target[1], float(b["lon"]), float(b["lat"]))[2] <= inset_radius_km * 1e3]
        if len(near) >= 2:  # one battery is clear enough on the map; several make a tangle worth enlarging
            pts = [(target[2], target[1])] + [(float(b["lon"]), float(b["lat"])) for b in near]
            for b in near:
                if float(b["range_km"]) <= inset_radius_km:
                    la, lo = wm.range_ring(float(b["lat"]), float(b["lon"]), float(b["range_km"]))
                    pts += list(zip(lo, la))
            (ilon, ilat) = map_extent([p[1] for p in pts], [p[0] for p in pts], margin=0.05, min_span_deg=0.5)
            icos = np.cos(np.radians(0.5 * sum(ilat)))
            iw = 0.34
            fig.draw_without_rendering()
            ax_ratio = ax.bbox.height / ax.bbox.width
            ih = iw * (ilat[1] - ilat[0]) / ((ilon[1] - ilon[0]) * icos) / ax_ratio
            scale = min(1.0, 0.5 / ih)
            iw, ih = iw * scale, ih * scale
            others = np.column_stack([tlon, tlat])
            labels_at = np.array([[launch[2], launch[1]], [target[2], target[1]]])
            corner = _free_corner(ax, np.vstack([others, labels_at]), (iw, ih))
            if corner is not None:
                axi = ax.inset_axes([corner[0], corner[1], iw, ih])
                wm.draw_map(axi, ilon, ilat, country_labels=False, adjustable="datalim")
                defence(axi, "inset-")
                axi.plot([target[2]], [target[1]], "*", ms=12, color=RED, mec="white", zorder=7)
                axi.set_xlabel("")
                axi.set_ylabel("")
                axi.tick_params(labelsize=6, length=2)
                axi.set_title(f"{target[0]} area, enlarged", fontsize=7, fontweight="normal", color=INK,
                              loc="left", pad=2)
                for s in ("top", "right"):
                    axi.spines[s].set_visible(True)
                axi.set_xlim(*ilon)
                axi.set_ylim(*ilat)
                ax.indicate_inset_zoom(axi, edgecolor=MUTED, alpha=0.9, lw=0.8)
        _drop_colliding_country_names(fig, ax, drawn["labels"])
    return fig


# --- outcome ---------------------------------------------------------------------------------------

def leaker_distribution(counts: Sequence[float], objects: int,
                        title: str = "How many objects get through?") -> Any:
    """Bars of P(k leakers) for k = 0..objects.

    counts: length ``objects + 1`` — either probabilities (summing to 1) or Monte Carlo counts (normalised
        here); a shorter list is padded with zeros.
    objects: the number of attacking objects (warheads x submunitions) in the raid.

    Axes content (for tests): ``objects + 1`` bars (in ``ax.containers[0]``, gids ``leakers-<k>``), k = 0 in
    green.
    """
    c = np.zeros(int(objects) + 1)
    arr = np.asarray(counts, dtype=float)[: objects + 1]
    c[: arr.size] = arr
    tot = c.sum()
    p = c / tot if tot > 0 else c
    k = np.arange(objects + 1)
    with _style():
        fig = _figure(7.0, 3.6)
        ax = fig.add_subplot()
        colors = [GREEN] + [RED] * objects
        bars = ax.bar(k, 100 * p, color=colors, alpha=0.85, width=0.7)
        for ki, (bar, pi) in enumerate(zip(bars, p)):
            tooltip(bar, f"leakers-{ki}", f"{ki} of {objects} objects get through: {100 * pi:.1f} % of the draws")
        crowded = objects > 12  # label every bar when few; else k = 0 and the bars of at least 5 %
        for ki, pi in zip(k, p):
            if crowded and ki != 0 and pi < 0.05:
                continue
            txt = "<0.1 %" if 0 < pi < 0.001 else f"{100 * pi:.1f} %" if pi > 0 else "0"
            ax.annotate(txt, (ki, 100 * pi), xytext=(0, 3), textcoords="offset points", ha="center",
                        va="bottom", fontsize=8, color=INK)
        mean = float((k * p).sum())  # marked under the axis, so no line crosses a bar's label
        (avg,) = ax.plot([mean], [0.0], marker="^", ms=9, color=INK, mec="white", ls="none", clip_on=False,
                         zorder=5, gid="average", transform=ax.get_xaxis_transform())
        step = 1 if objects <= 12 else 2 if objects <= 24 else 5
        ax.set_xticks(k[::step])
        ax.set_xlabel("number of objects that are not intercepted (leakers)")
        ax.set_ylabel("probability (%)")
        ax.set_ylim(0, max(100 * p.max() * 1.18, 1.0))
        ax.set_title(title)
        ax.yaxis.grid(True)
        ax.set_axisbelow(True)
        fig.legend(([bars[0], bars[-1]] if objects > 0 else [bars[0]]) + [avg],
                   ["all stopped (0 leakers)", "at least one gets through"][: 2 if objects > 0 else 1]
                   + [f"average: {mean:.2f} get through"], loc="outside lower center", ncols=3, fontsize=8)
    return fig


def _row_labels(names: Sequence[str], least_in: float) -> tuple[list[str], float]:
    """Row labels of a horizontal bar chart (each name wrapped at 34 characters) and the rows' pitch (in): at
    least ``least_in``, and as much as the longest label needs at 8 pt with matplotlib's 1.2 line spacing
    (0.133 in a line, taken as 0.14, plus a 0.06 in gap), so two labels of three or more lines next to each other
    do not touch."""
    labels = [textwrap.fill(str(name), 34) for name in names]
    lines = max((label.count("\n") + 1 for label in labels), default=1)
    return labels, max(least_in, 0.14 * lines + 0.06)


def tornado(names: Sequence[str], low: Sequence[float], high: Sequence[float], base: float, xlabel: str,
            title: str = "Which inputs matter most") -> Any:
    """Tornado chart: for each input, the output with that input at its low and at its high end.

    names: input names; low, high: the output (in ``xlabel``'s unit) with the input at its low / high value,
    the others at nominal; base: the output with every input at nominal. Rows are sorted by swing
    ``|high - low|``, the largest on top.

    Axes content (for tests): ``2 * len(names)`` bars (gids ``low-<row>``, ``high-<row>``); y tick labels in
    order of decreasing swing from the top.
    """
    lo = np.asarray(low, dtype=float)
    hi = np.asarray(high, dtype=float)
    order = np.argsort(-np.abs(hi - lo), kind="stable")
    n = len(names)
    labels, pitch_in = _row_labels([names[i] for i in order], 0.5)
    with _style():
        fig = _figure(8.0, 1.3 + pitch_in * max(n, 1))
        ax = fig.add_subplot()
        y = np.arange(n)
        low_bars = ax.barh(y, lo[order] - base, left=base, color=PALETTE[0], height=0.6, label="input at its low end")
        high_bars = ax.barh(y, hi[order] - base, left=base, color=PALETTE[1], height=0.6,
                            label="input at its high end")
        for row, i in enumerate(order):
            for end, bars, val in (("low", low_bars, lo[i]), ("high", high_bars, hi[i])):
                tooltip(bars[row], f"{end}-{row}", f"{names[i]} at its {end} end: {xlabel} {val:.3g} "
                                                   f"(every input nominal: {base:.3g})")
        ax.axvline(base, color=INK, lw=1.0, label=f"every input nominal: {base:.3g}")
        ax.set_yticks(y, labels, fontsize=8)
        ax.invert_yaxis()
        ax.set_xlabel(xlabel)
        ax.tick_params(axis="y", length=0)
        ax.xaxis.grid(True)
        ax.set_axisbelow(True)
        fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncols=3, fontsize=8)
        ax.set_title(title)
    return fig


def sensitivity_bars(names: Sequence[str], s1: Sequence[float], st: Sequence[float],
                     title: str = "Share of the uncertainty due to each input") -> Any:
    """First-order (S1) and total (ST) Sobol sensitivity indices per input as paired horizontal bars.

    names: input names; s1, st: indices in [0, 1] (estimates outside it, Monte Carlo noise, are drawn at 0 or 1).
    Rows are sorted by ST, the largest on top. Axes content (for tests): ``2 * len(names)`` bars (gids
    ``st-<row>``, ``s1-<row>``).
    """
    a = np.clip(np.asarray(s1, dtype=float), 0.0, 1.0)  # estimates outside [0, 1] (noise) drawn at the ends
    b = np.clip(np.asarray(st, dtype=float), 0.0, 1.0)
    order = np.argsort(-b, kind="stable")
    n = len(names)
    labels, pitch_in = _row_labels([names[i] for i in order], 0.42)
    with _style():
        fig = _figure(8.0, 1.3 + pitch_in * max(n, 1))
        ax = fig.add_subplot()
        y = np.arange(n)
        st_bars = ax.barh(y - 0.18, b[order], height=0.34, color=PALETTE[1],
                          label="total effect (ST, with interactions)")
        s1_bars = ax.barh(y + 0.18, a[order], height=0.34, color=PALETTE[0], label="alone (first-order S1)")
        for row, i in enumerate(order):
            tooltip(st_bars[row], f"st-{row}", f"{names[i]}: total effect ST = {b[i]:.2f} of the variance")
            tooltip(s1_bars[row], f"s1-{row}", f"{names[i]}: alone (S1) = {a[i]:.2f} of the variance")
        ax.set_yticks(y, labels, fontsize=8)
        ax.invert_yaxis()
        ax.set_xlim(0, max(1.0, float(b.max(initial=0)) * 1.05))
        ax.set_xlabel("fraction of the output's variance")
        ax.tick_params(axis="y", length=0)
        ax.xaxis.grid(True)
        ax.set_axisbelow(True)
        fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncols=2, fontsize=8)
        ax.set_title(title)
    return fig


# --- serialisation -------------------------------------------------------------------------------------

_ID = re.compile(r'\bid="([^"]+)"')
_STYLE = re.compile(r'style="([^"]*)"')


def _prefix_ids(svg: str, prefix: str) -> str:
    """Prefix every id in an SVG (and every ``#id`` reference to it) so several SVGs can share one page."""
    ids = set(_ID.findall(svg))
    if not ids:
        return svg
    svg = _ID.sub(lambda m: f'id="{prefix}{m.group(1)}"', svg)

    def ref(m: re.Match[str]) -> str:
        name = m.group(2)
        return f"{m.group(1)}#{prefix}{name}" if name in ids else m.group(0)

    return re.sub(r'(href="|url\()#([A-Za-z0-9_.:-]+)', ref, svg)


def figure_to_svg(fig: Any, id_prefix: str = "fig-") -> str:
    """The figure as an inline ``<svg>`` element (text): no XML prolog, no metadata, no dates, responsive width,
    no CSS (presentation attributes only, so a strict Content-Security-Policy draws it unchanged).

    Deterministic for the same figure. Each hover text given with :func:`tooltip` becomes the ``<title>`` of its
    element (class ``tip``), which browsers show on hover. Every id inside is prefixed with ``id_prefix`` (give each figure of a
    page its own prefix). Text is drawn as paths, so the figure looks the same without matplotlib's fonts.
    """
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": "duel", "svg.fonttype": "path"}):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    s = buf.getvalue()
    s = s[s.index("<svg"):]
    s = re.sub(r"<metadata>.*?</metadata>\s*", "", s, flags=re.S)
    # no CSS inside: a page whose Content-Security-Policy forbids inline styles draws it the same. matplotlib's
    # one style sheet (round joins, butt caps) becomes inherited attributes of the root, and every style="..."
    # becomes the SVG presentation attributes it lists.
    s = re.sub(r'\s*<defs>\s*<style type="text/css">[^<]*</style>\s*</defs>', "", s, count=1)
    s = _STYLE.sub(lambda m: " ".join(f'{k.strip()}="{v.strip()}"' for k, v in
                                      (d.split(":", 1) for d in m.group(1).split(";") if d.strip())), s)
    # responsive: drop the fixed width/height (pt) of the root, keep the viewBox; the page sizes it (CSS)
    head_end = s.index(">")
    head = re.sub(r'\s(width|height)="[^"]*"', "", s[:head_end])
    head += ' width="100%" stroke-linejoin="round" stroke-linecap="butt" role="img"'
    s = head + s[head_end:]
    for gid, text in getattr(fig, "tooltips", {}).items():  # hover texts: the element's <title>
        s = s.replace(f'<g id="{gid}">', f'<g id="{gid}" class="tip"><title>{html.escape(text)}</title>', 1)
    return _prefix_ids(s.strip(), id_prefix)


def figure_to_png_base64(fig: Any, dpi: int = 144) -> str:
    """The figure as a base64 PNG (text; use as ``data:image/png;base64,...``). No metadata, deterministic."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    return base64.b64encode(buf.getvalue()).decode("ascii")


def basing_chart(rows: Sequence[dict[str, Any]], title: str = "Flight time by launch site") -> Any:
    """Grouped horizontal bars: minimum-energy flight time (min) per target, one colour per launch site.

    rows: ``[{"site": str, "target": str, "flight_time_s": float, "fastest_time_s": float | None,
    "fastest_flyable": bool}]``; a tick marks the fastest arc the missile can fly (none where no arc is
    flyable). Axes content (for tests): one bar per row.
    """
    import numpy as np

    with _style():
        fig = _figure(8.0, 1.4 + 0.45 * max(len(rows), 1))
        ax = fig.add_subplot(1, 1, 1)
        sites = list(dict.fromkeys(r["site"] for r in rows))
        targets = list(dict.fromkeys(r["target"] for r in rows))
        h = 0.8 / max(len(sites), 1)
        colours = ["#1f5fa8", "#d95f02", "#1b9e77", "#7570b3", "#e7298a"]
        for i, s in enumerate(sites):
            sub = [r for r in rows if r["site"] == s]
            y = np.array([targets.index(r["target"]) for r in sub]) + (i - (len(sites) - 1) / 2) * h
            ax.barh(y, [r["flight_time_s"] / 60 for r in sub], height=h * 0.9, color=colours[i % len(colours)],
                    label=f"from {s} (minimum energy)")
            fast = [(r["fastest_time_s"] / 60, yi) for r, yi in zip(sub, y) if r.get("fastest_time_s") is not None]
            if fast:
                ax.plot([f[0] for f in fast], [f[1] for f in fast], "|", color="black", markersize=10)
        within = all(r.get("fastest_flyable", True) is not False for r in rows)
        ax.plot([], [], "|", color="black", label="fastest flyable arc" if within else "fastest arc (flyable or not)")
        ax.set_yticks(range(len(targets)), targets)
        ax.invert_yaxis()
        ax.set_xlabel("minutes from launch to impact")
        ax.set_title(title, loc="left", fontweight="bold")
        fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncols=2, frameon=False, fontsize=8)
        ax.grid(axis="x", alpha=0.3)
    return fig


def impact_scatter(east_km: Sequence[float], north_km: Sequence[float], cep_km: float,
                   title: str = "Where the objects land") -> Any:
    """Impact points relative to the target (east and north offsets, km) with the CEP circle.

    Axes content (for tests): one scatter (gid ``impacts``) and one CEP circle line (gid ``cep``).
    """
    import numpy as np

    with _style():
        fig = _figure(8.0, 5.6)  # as wide as the other figures, so its text prints at the same size on the page
        ax = fig.add_subplot(1, 1, 1)
        ax.scatter(east_km, north_km, s=6, alpha=0.5, color="#1f5fa8", gid="impacts", label="impact points")
        a = np.linspace(0, 2 * np.pi, 181)
        ax.plot(cep_km * np.cos(a), cep_km * np.sin(a), color="#b22222", gid="cep",
                label=f"CEP {cep_km:.2f} km (half land inside)")
        ax.plot([0], [0], "*", color="#b22222", markersize=12, label="target")
        ax.set_aspect("equal", adjustable="datalim")
        ax.set_xlabel("east of the target (km)")
        ax.set_ylabel("north of the target (km)")
        ax.set_title(title, loc="left", fontweight="bold")
        fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncols=3, fontsize=8, frameon=False)
        ax.grid(alpha=0.3)
    return fig


def convergence_plot(trials: Sequence[int], estimate: Sequence[float], label: str = "P(all objects stopped)",
                     title: str = "Does the Monte Carlo estimate settle?",
                     xlabel: str = "trials (uncertainty draws)", low: Sequence[float] | None = None,
                     high: Sequence[float] | None = None) -> Any:
    """The running Monte Carlo estimate against the number of trials (log axis), with its 95 % interval
    shaded when ``low`` and ``high`` are given.

    Axes content (for tests): one line (gid ``estimate``).
    """
    with _style():
        fig = _figure(7.0, 3.2)
        ax = fig.add_subplot(1, 1, 1)
        if low is not None and high is not None:
            ax.fill_between(trials, low, high, color="#1f5fa8", alpha=0.15, lw=0, label="95 % interval")
        ax.plot(trials, estimate, color="#1f5fa8", gid="estimate", marker="o", markersize=3, label="estimate")
        _hover_points(ax, trials, estimate, [f"after {int(n):,} trials: {label} {e:.3g}" for n, e in
                                             zip(trials, estimate)], "hover-estimate")
        if low is not None and high is not None:
            ax.legend(loc="best", fontsize=8)
        ax.set_xscale("log")
        ax.set_xlabel(xlabel)
        ax.set_ylabel(label)
        ax.set_title(title, loc="left", fontweight="bold")
        ax.grid(alpha=0.3)
    return fig
