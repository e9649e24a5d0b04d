"""Where a matplotlib figure's texts, legends and reference lines collide (a test helper, not duel code).

After a draw on the Agg canvas every text has a window extent (pixels). :func:`collisions` lists, in words,

- two texts whose boxes overlap (titles, axis and tick labels, annotations, legend entries, notes);
- a text that runs off the figure;
- a legend whose frame covers a text that is not its own, or a bar of the chart;
- a text crossed by a straight reference line (an ``axvline``/``axhline``-style line of two points).

Boxes are shrunk by ``slack`` pixels on each side first, so texts that merely touch do not count.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.text import Text
from matplotlib.transforms import Bbox


@dataclass(frozen=True)
class Placed:
    """A drawn text: its words, where it is (pixels), what it belongs to (an axis' ticks, a legend, ...) and the
    height (zorder) of an opaque background box it sits on (None without one)."""

    text: str
    box: Bbox
    group: str
    backed_at: float | None = None


def _backing(t: Text) -> float | None:
    """The zorder at which the text hides what is below it: an opaque background box (alpha >= 0.85)."""
    patch = t.get_bbox_patch()
    if patch is None or not patch.get_fill():
        return None
    alpha = patch.get_facecolor()[3] if patch.get_alpha() is None else patch.get_alpha()
    return t.get_zorder() if alpha >= 0.85 else None


def _shrunk(b: Bbox, slack: float) -> Bbox:
    return Bbox.from_extents(b.x0 + slack, b.y0 + slack, b.x1 - slack, b.y1 - slack)


def _overlap(a: Bbox, b: Bbox) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


def _ticks_in_view(axis: Any, lim: tuple[float, float]) -> list[Text]:
    lo, hi = sorted(lim)
    span = hi - lo
    out = []
    for tick in axis.get_major_ticks():
        loc = tick.get_loc()
        if lo - 1e-9 * span <= loc <= hi + 1e-9 * span:
            out += [t for t in (tick.label1, tick.label2) if t.get_visible() and t.get_text().strip()]
    return out


def all_axes(fig: Any) -> list[Any]:
    """The figure's axes and their insets (``inset_axes`` are children of an axes, not in ``fig.axes``)."""
    out = []
    for ax in fig.axes:
        out += [ax, *ax.child_axes]
    return out


def placed_texts(fig: Any) -> list[Placed]:
    """Every visible, non-empty text of the figure with its window extent (draws the figure first)."""
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    found: list[tuple[Text, str]] = []
    for ax in all_axes(fig):
        if not ax.get_visible():
            continue
        for t in (ax.title, ax._left_title, ax._right_title):  # noqa: SLF001 - the three title slots
            found.append((t, f"title {id(ax)}"))
        found.append((ax.xaxis.label, f"xlabel {id(ax)}"))
        found.append((ax.yaxis.label, f"ylabel {id(ax)}"))
        found += [(t, f"xticks {id(ax)}") for t in _ticks_in_view(ax.xaxis, ax.get_xlim())]
        found += [(t, f"yticks {id(ax)}") for t in _ticks_in_view(ax.yaxis, ax.get_ylim())]
        found += [(t, f"text {id(t)}") for t in ax.texts]
        leg = ax.get_legend()
        if leg is not None:
            found += [(t, f"legend {id(leg)}") for t in [*leg.get_texts(), leg.get_title()]]
    for leg in fig.legends:
        found += [(t, f"legend {id(leg)}") for t in [*leg.get_texts(), leg.get_title()]]
    found += [(t, f"text {id(t)}") for t in fig.texts]
    if fig._suptitle is not None:  # noqa: SLF001
        found.append((fig._suptitle, f"text {id(fig._suptitle)}"))  # noqa: SLF001
    out, seen = [], set()
    for t, group in found:
        if id(t) in seen or not t.get_visible() or not t.get_text().strip():
            continue
        seen.add(id(t))
        out.append(Placed(t.get_text(), t.get_window_extent(r), group, _backing(t)))
    return out


def _legends(fig: Any) -> list[tuple[Any, Bbox]]:
    r = fig.canvas.get_renderer()
    legs = [ax.get_legend() for ax in all_axes(fig) if ax.get_legend() is not None] + list(fig.legends)
    return [(leg, leg.get_frame().get_window_extent(r)) for leg in legs if leg.get_visible()]


def _bars(fig: Any) -> list[Bbox]:
    r = fig.canvas.get_renderer()
    out = []
    for ax in all_axes(fig):
        for c in ax.containers:
            for p in c:
                if isinstance(p, Rectangle) and p.get_visible() and p.get_height() != 0 and p.get_width() != 0:
                    out.append(p.get_window_extent(r))
    return out


def _reference_lines(fig: Any) -> list[tuple[str, Bbox, float]]:
    """Straight horizontal or vertical lines (axvline/axhline/vlines style) as thin pixel boxes, with their zorder."""
    from matplotlib.collections import LineCollection

    out = []
    for ax in all_axes(fig):
        for coll in ax.collections:  # vlines/hlines
            if type(coll) is not LineCollection or not coll.get_visible():
                continue
            for seg in coll.get_segments():
                if len(seg) != 2:
                    continue
                (x0, y0), (x1, y1) = ax.transData.transform(seg)
                if abs(x0 - x1) < 0.5 or abs(y0 - y1) < 0.5:
                    box = Bbox.from_extents(min(x0, x1) - 0.5, min(y0, y1) - 0.5, max(x0, x1) + 0.5,
                                            max(y0, y1) + 0.5)
                    out.append((coll.get_label() or "a reference line", box, coll.get_zorder()))
        for ln in ax.lines:
            if not isinstance(ln, Line2D) or not ln.get_visible() or ln.get_linestyle() in ("None", "none", ""):
                continue
            xy = ln.get_transform().transform(ln.get_xydata())
            if len(xy) != 2:
                continue
            (x0, y0), (x1, y1) = xy
            if abs(x0 - x1) < 0.5 or abs(y0 - y1) < 0.5:
                box = Bbox.from_extents(min(x0, x1) - 0.5, min(y0, y1) - 0.5, max(x0, x1) + 0.5, max(y0, y1) + 0.5)
                out.append((ln.get_label() or ln.get_gid() or "a reference line",
                            Bbox.intersection(box, ax.bbox) or box, ln.get_zorder()))
    return out


def collisions(fig: Any, slack: float = 1.0) -> list[str]:
    """Every collision in the figure, in words (empty when the layout is clean)."""
    texts = placed_texts(fig)
    bad = []
    for i, a in enumerate(texts):
        for b in texts[i + 1:]:
            if a.group == b.group and a.group.startswith("legend"):
                continue  # a legend lays out its own rows
            if _overlap(_shrunk(a.box, slack), _shrunk(b.box, slack)):
                bad.append(f"text {a.text!r} overlaps text {b.text!r}")
    fb = fig.bbox
    for a in texts:
        if a.box.x0 < fb.x0 - slack or a.box.x1 > fb.x1 + slack or a.box.y0 < fb.y0 - slack or a.box.y1 > fb.y1 + slack:
            bad.append(f"text {a.text!r} runs off the figure")
    for leg, frame in _legends(fig):
        own = {id(t) for t in leg.get_texts()}
        inside = _shrunk(frame, slack)
        for a in texts:
            if a.group == f"legend {id(leg)}" or id(a) in own:
                continue
            if _overlap(inside, _shrunk(a.box, slack)):
                bad.append(f"the legend covers text {a.text!r}")
        for bar in _bars(fig):
            if _overlap(inside, _shrunk(bar, slack)):
                bad.append("the legend covers a bar of the chart")
                break
    r = fig.canvas.get_renderer()
    for upper in all_axes(fig):  # an inset (an axes drawn over another) hides the texts of the axes below it
        for lower in all_axes(fig):
            if upper is lower or upper.get_zorder() <= lower.get_zorder():
                continue
            cover = _shrunk(upper.get_tightbbox(r), slack)
            for t in lower.texts:
                if t.get_visible() and t.get_text().strip() and _overlap(cover, t.get_window_extent(r)):
                    bad.append(f"an inset covers text {t.get_text()!r}")
    for name, line, z in _reference_lines(fig):
        for a in texts:
            if a.group.startswith(("xticks", "yticks", "xlabel", "ylabel", "title", "legend")):
                continue
            if a.backed_at is not None and a.backed_at > z:
                continue  # the text's opaque box is drawn over the line
            if _overlap(line, _shrunk(a.box, slack)):
                bad.append(f"the line {name!r} runs through text {a.text!r}")
    return bad
