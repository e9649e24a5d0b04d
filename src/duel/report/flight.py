"""A flight's time series written to a file (``duel fly --track``; the table is in :mod:`duel.report.terminal`).

Presentation only: it writes a recorded :class:`~duel.flight.trajectory.Trajectory`; it computes nothing.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from duel.errors import InputError
from duel.files import write_atomic
from duel.flight.trajectory import Trajectory


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
        buf = io.StringIO()
        np.savetxt(buf, np.column_stack([ser[c] for c in cols]), delimiter=",", header=",".join(cols), comments="",
                   fmt="%.6f")
        write_atomic(path, buf.getvalue(), "--track")  # whole or not at all; a one-line error if it cannot
        return
    try:
        import duckdb
    except ImportError:
        raise InputError("--track: writing Parquet needs duckdb (pip install duckdb)") from None
    con = duckdb.connect()
    con.register("track", {c: ser[c] for c in cols})
    try:
        con.execute("COPY track TO '" + path.as_posix().replace("'", "''") + "' (FORMAT parquet)")
    except duckdb.Error as exc:
        raise InputError(f"--track: cannot write {path}: {str(exc).splitlines()[0]}") from None
    finally:
        con.close()
