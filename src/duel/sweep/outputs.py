"""What a finished sweep shows: ``DIR/maps/*.svg`` (a column over the targets), ``DIR/plots/*.svg`` (a quantity
against a numeric axis, with its 90 % band) and ``DIR/sweep.html`` (self-contained, offline: the figures
inline, the spec, and the rows' key columns).

Which figures: maps when the target axis has three or more targets, one per combination of the other axes
(launch site, trajectory, inputs; at most :data:`MAX_FIGURES`), of flight time and warning time (kinematics)
or of P(all stopped) and the objects getting through (duel, medians across the draws); a line plot for each
numeric input axis with three or more values, one line per combination of the other axes except the target.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

import numpy as np

from duel.sweep.spec import GEOMETRY_AXES, Grid, Sweep

MAX_FIGURES = 12
MAP_COLUMNS = {"kinematics": ("flight_time_s", "warning_ir_report_s"),
               "duel": ("p_all_stopped_median", "expected_leakers_median")}
LINE_COLUMNS = {"kinematics": (("flight_time_s", False),),
                "duel": (("p_all_stopped", True), ("expected_leakers", True))}
TABLE_COLUMNS = ("launch", "target", "trajectory", "flight_time_s", "warning_ir_report_s", "flyable",
                 "p_all_stopped_median", "p_all_stopped_lo", "p_all_stopped_hi", "expected_leakers_median",
                 "error")
MAX_TABLE_ROWS = 300


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _groups(rows: dict[str, np.ndarray], axes: list[str]) -> list[tuple[dict[str, Any], np.ndarray]]:
    """Row masks for every combination of ``axes``' values present, in the order of first appearance."""
    if not axes:
        return [({}, np.ones(len(rows["point"]), bool))]
    values = [list(dict.fromkeys(rows[a].tolist())) for a in axes]
    out = []
    for combo in itertools.product(*values):
        mask = np.ones(len(rows["point"]), bool)
        for a, v in zip(axes, combo):
            mask &= rows[a] == v
        if mask.any():
            out.append((dict(zip(axes, combo)), mask))
    return out


def _name(combo: dict[str, Any]) -> str:
    return ", ".join(f"{v}" if k in GEOMETRY_AXES else f"{k} = {v}" for k, v in combo.items())


def write_outputs(sweep: Sweep, rows: dict[str, np.ndarray], out: Path, summary: dict[str, Any]) -> dict[str, Path]:
    """Write the maps, plots and page of a sweep's ``rows`` (columns as arrays, ordered by point); returns the
    page and figure paths by name."""
    from duel.report.plots import figure_to_svg
    from duel.report.sweep_figures import sweep_line, sweep_map, words

    mode = sweep.spec.sweep.mode
    varying = [a for a in GEOMETRY_AXES if len(set(rows[a].tolist())) > 1] + \
        [a for a in sweep.axis_names() if a not in GEOMETRY_AXES and len(set(rows[a].tolist())) > 1]
    figures: list[tuple[str, str, str]] = []  # (file name, caption, svg)
    target_axis = sweep.spec.axes.get("target")
    step = target_axis.step if isinstance(target_axis, Grid) else None
    if len(set(rows["target"].tolist())) >= 3:
        others = [a for a in varying if a != "target"]
        for combo, mask in _groups(rows, others)[:MAX_FIGURES]:
            launch_ll = sorted({(str(s), float(a), float(b)) for s, a, b in
                                zip(rows["launch"][mask], rows["launch_lat_deg"][mask], rows["launch_lon_deg"][mask])})
            for col in MAP_COLUMNS[mode]:
                title = words(col)[0].split(" (")[0].capitalize() + (f": {_name(combo)}" if combo else "")
                if mode == "kinematics" and (rows["flyable"][mask] == False).any():  # noqa: E712 - object array
                    n_bad = int((rows["flyable"][mask] == False).sum())  # noqa: E712
                    title += f" (not flyable at {n_bad} of {int(mask.sum())} points)"
                fig = sweep_map(rows["target_lat_deg"][mask].astype(float), rows["target_lon_deg"][mask].astype(float),
                                rows[col][mask].astype(float), col, title, launch_ll, step,
                                None if step else [str(t) for t in rows["target"][mask]])
                name = f"maps/{_slug(col)}" + (f"-{_slug(_name(combo))}" if combo else "") + ".svg"
                caption = (f"Colour: {words(col)[0]} at each target" + (" cell" if step else "")
                           + "; ▲ the launch site" + ("; dashed: the grid's bounds" if step else "")
                           + f". File: {name}.")
                figures.append((name, caption, figure_to_svg(fig, id_prefix=f"{_slug(name)}-")))
    numeric = [a for a in varying if a not in GEOMETRY_AXES and rows[a].dtype.kind == "f"
               and len(set(rows[a].tolist())) >= 3]
    for axis in numeric:
        others = [a for a in varying if a not in (axis, "target")]
        groups = _groups(rows, others)[:8]
        x = np.array(sorted(set(rows[axis].tolist())), float)
        for col, band in LINE_COLUMNS[mode]:
            series = []
            for combo, mask in groups:
                order = np.argsort(rows[axis][mask].astype(float))
                ys = rows[f"{col}_median" if band else col][mask][order].astype(float)
                lo = rows[f"{col}_lo"][mask][order].astype(float) if band else None
                hi = rows[f"{col}_hi"][mask][order].astype(float) if band else None
                series.append((", ".join(str(v) for v in combo.values()) or "all points", ys, lo, hi))
            label = words(col)[0]
            title = f"{label.split(' (')[0]} against {axis}"
            title = title[0].upper() + title[1:]
            fig = sweep_line(x, series, axis, f"{col}_median" if band else col, title, ", ".join(others))
            name = f"plots/{_slug(col)}-by-{_slug(axis)}.svg"
            caption = (f"{label[0].upper() + label[1:]} against {axis}" + (": the median across the draws, shaded the 5th-95th percentile"
                                                    if band else "") + f". File: {name}.")
            figures.append((name, caption, figure_to_svg(fig, id_prefix=f"{_slug(name)}-")))
    paths: dict[str, Path] = {}
    for name, _, svg in figures:
        p = out / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(svg, encoding="utf-8")
        paths[name] = p
    from duel.report.html import render_sweep_page

    cols = ["point"] + [a for a in sweep.axis_names() if a not in GEOMETRY_AXES] + \
        [c for c in TABLE_COLUMNS if c in rows]
    table = [[_cell(rows[c][i]) for c in cols] for i in range(min(len(rows["point"]), MAX_TABLE_ROWS))]
    html = render_sweep_page({"summary": summary, "figures": [(cap, svg) for _, cap, svg in figures],
                              "columns": cols, "table": table, "rows": len(rows["point"]),
                              "shown": len(table), "out": str(out)})
    (out / "sweep.html").write_text(html, encoding="utf-8")
    paths["sweep.html"] = out / "sweep.html"
    return paths


def _cell(v: Any) -> str:
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return "—"
    if isinstance(v, (float, np.floating)):
        return f"{float(v):,.4g}"
    return str(v)
