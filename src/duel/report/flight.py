"""A flight for people: the ``duel fly`` table and the time series written to a file.

Presentation only: it formats a :class:`~duel.flight.summary.FlightSummary` and a recorded
:class:`~duel.flight.trajectory.Trajectory`; it computes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from duel.errors import InputError
from duel.flight.summary import FlightSummary
from duel.flight.trajectory import Trajectory


def print_fly_table(s: FlightSummary, title: str) -> None:
    """Print a flight summary as a rich table and a small timeline."""
    from rich.console import Console
    from rich.table import Table

    con = Console()
    t = Table(title=title, show_header=False, title_justify="left")
    t.add_column("quantity", style="bold")
    t.add_column("value", justify="right")

    def row(name: str, value: Any, fmt: str) -> None:
        t.add_row(name, "—" if value is None else format(value, fmt))

    row("trajectory", s.trajectory, "s")
    row("ground range (km)", s.ground_range_km, ",.1f")
    row("flight time (s)", s.flight_time_s, ",.1f")
    row("flight time (min)", None if s.flight_time_s is None else s.flight_time_s / 60, ".2f")
    row("apogee (km)", s.apogee_km, ",.1f")
    row("max speed (m/s)", s.max_speed_mps, ",.0f")
    row("peak Mach", s.max_mach, ".1f")
    row("peak Mach: altitude (km)", s.max_mach_altitude_km, ".1f")
    row("Mach descending through 30 km", s.mach_30km, ".1f")
    row("launch azimuth (deg)", s.azimuth_deg, ".2f")
    b, i = s.burnout, s.impact
    row("burnout: time (s)", b.time_s, ".1f")
    row("burnout: altitude (km)", b.altitude_km, ".1f")
    row("burnout: speed (m/s)", b.speed_mps, ",.0f")
    row("burnout: angle (deg)", b.angle_deg, ".2f")
    row("impact: lat, lon (deg)", None if i.lat_deg is None else f"{i.lat_deg:.4f}, {i.lon_deg:.4f}", "s")
    row("impact: speed (m/s)", i.speed_mps, ",.0f")
    row("impact: Mach", i.mach, ".1f")
    row("impact: angle (deg)", i.angle_deg, ".1f")
    row("miss distance (km)", s.miss_distance_km, ".3f")
    f = s.flyability
    if f is not None:
        row("flyable", "yes" if f.flyable else f"no: {f.limit_broken_short}", "s")
        row("max dynamic pressure (kPa)", f.max_dynamic_pressure_kpa, ",.0f")
        row("max heat flux (MW/m²)", f.max_heat_flux_mw_m2, ".1f")
    for k, v in s.parameters.items():
        if k.endswith(("_deg", "_s", "_mps", "_kg_m2")):
            row(k.replace("_", " "), v, ".2f")
    con.print(t)
    tl = Table(title="timeline", title_justify="left")
    for c in ("event", "t (s)", "alt (km)", "speed (m/s)"):
        tl.add_column(c, justify="right" if c != "event" else "left")
    for e in s.events:
        tl.add_row(e.name, f"{e.time_s:.1f}", f"{e.altitude_km:.1f}", f"{e.speed_mps:,.0f}")
    con.print(tl)
    con.print(f"[dim]physics: {s.earth}, atmosphere {'on' if s.atmosphere else 'off'}; "
              f"sources: {', '.join(s.sources) or '—'} (duel catalog sources)[/dim]")


def write_track(tr: Trajectory, path: Path) -> None:
    """Write trajectory 0's time series to ``path`` (.csv, or .parquet through DuckDB)."""
    ser = tr.series(0)
    cols = ["time_s", "lat_deg", "lon_deg", "altitude_m", "speed_mps", "mach", "gamma_deg"]
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise InputError(f"--track: '{path}' must end in .csv or .parquet")
    if not path.parent.exists():
        raise InputError(f"--track: folder '{path.parent}' does not exist")
    if suffix == ".csv":
        data = np.column_stack([ser[c] for c in cols])
        np.savetxt(path, data, delimiter=",", header=",".join(cols), comments="", fmt="%.6f")
        return
    try:
        import duckdb
    except ImportError:
        raise InputError("--track: writing Parquet needs duckdb (pip install duckdb)") from None
    con = duckdb.connect()
    con.register("track", {c: ser[c] for c in cols})
    con.execute("COPY track TO '" + path.as_posix().replace("'", "''") + "' (FORMAT parquet)")
    con.close()
