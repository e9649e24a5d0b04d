"""Run a sweep's chunks on Dask and keep the rows: ``DIR/rows/`` (Parquet, resumable), ``DIR/run.json``,
``DIR/summary.json``.

Each chunk of points is one Dask task (:func:`duel.sweep.rows.chunk_rows`). With no scheduler address a
``LocalCluster`` of ``workers`` processes (one thread each) runs them; with ``tcp://HOST:PORT`` an existing
cluster does (its workers must have duel installed and read the spec's scenario file at the same path). The
client writes each finished chunk through :class:`duel.trials.store.ChunkStore` (temporary file, atomic rename,
then the manifest), so a sweep killed at any moment resumes with only its missing chunks, and the rows are
those of an uninterrupted run: a point's row depends only on the spec, never on chunking or workers.

``DIR/rows/manifest.json`` holds the spec's hash (a different spec in the same DIR is refused) and the finished
chunks; ``DIR/run.json`` the run's metadata (start and end times, the workers' hosts per chunk), which never
enter the rows.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from duel.errors import InputError
from duel.files import write_atomic
from duel.sweep.rows import chunk_rows, columns
from duel.sweep.spec import GEOMETRY_AXES, Sweep
from duel.trials.store import ChunkStore

FORMAT = "duel-sweep/1"
ProgressFn = Callable[[int, int], None]


@dataclass(frozen=True)
class SweepRun:
    """What a finished sweep wrote: the directory, the points, the chunks run now and before, the summary."""

    out: Path
    points: int
    chunks_run: int
    chunks_reused: int
    summary: dict[str, Any]


def column_types(sweep: Sweep) -> dict[str, str]:
    """The DuckDB type of every row column (the same in every chunk, nulls included)."""
    text = {"launch", "target", "trajectory", "limit_broken", "answer_kind", "error"}
    types: dict[str, str] = {}
    for c in columns(sweep):
        if c == "point":
            continue
        if c in text:
            types[c] = "VARCHAR"
        elif c == "flyable":
            types[c] = "BOOLEAN"
        else:
            types[c] = "DOUBLE"
    for name in sweep.axis_names():
        if name in GEOMETRY_AXES:
            continue
        first = next(v for n, v in sweep.points[0].sets if n == name)
        types[name] = "BOOLEAN" if isinstance(first, bool) else ("VARCHAR" if isinstance(first, str) else "DOUBLE")
    return types


def _store(sweep: Sweep, out: Path) -> ChunkStore:
    fingerprint = {"format": FORMAT, "spec_hash": sweep.hash, "points": len(sweep.points),
                   "chunk": sweep.spec.sweep.chunk}
    manifest = out / "rows" / "manifest.json"
    if manifest.is_file():
        try:
            held = json.loads(manifest.read_text()).get("fingerprint", {})
        except (OSError, json.JSONDecodeError):
            held = {}
        if held != json.loads(json.dumps(fingerprint)):
            raise InputError(f"--out: {out} holds another sweep (spec hash {str(held.get('spec_hash'))[:12]}, "
                             f"this one {sweep.hash[:12]}); use another directory")
    elif out.exists() and any(out.iterdir()):
        raise InputError(f"--out: {out} is not empty and holds no sweep; use a new directory")
    return ChunkStore(out / "rows", fingerprint, index="point", lock="--out")


def _client(workers: int | None, scheduler: str | None) -> Any:
    """A Dask client: of the cluster at ``scheduler``, or of a new local cluster of ``workers`` processes."""
    from dask.distributed import Client, LocalCluster

    if scheduler:
        try:
            return Client(scheduler, timeout="20s")
        except (OSError, TimeoutError) as exc:
            raise InputError(f"--scheduler: cannot reach {scheduler} ({exc})") from None
    n = workers or os.cpu_count() or 1
    cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None)
    return Client(cluster)


def _timed_chunk(sweep: Sweep, start: int, stop: int) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """A chunk's rows and where and how long it ran (for ``run.json``, never for the rows)."""
    t0 = time.perf_counter()
    rows = chunk_rows(sweep, start, stop)
    return rows, {"start": start, "stop": stop, "host": socket.gethostname(), "pid": os.getpid(),
                  "seconds": round(time.perf_counter() - t0, 3)}


def _columns_of(rows: list[dict[str, Any]], names: list[str]) -> dict[str, np.ndarray]:
    return {c: np.array([r[c] for r in rows], dtype=object) for c in names if c != "point"}


def run_sweep(sweep: Sweep, out: Path, workers: int | None = None, scheduler: str | None = None,
              progress: ProgressFn | None = None) -> SweepRun:
    """Run the chunks of ``sweep`` not yet stored under ``out`` (module docstring) and write the summary."""
    store = _store(sweep, out)
    try:
        return _run(sweep, out, store, workers, scheduler, progress)
    finally:
        store.close()  # and the folder's lock


def _run(sweep: Sweep, out: Path, store: ChunkStore, workers: int | None, scheduler: str | None,
         progress: ProgressFn | None) -> SweepRun:
    chunks = sweep.chunks()
    done = {(a, b) for a, b in store.done_ranges()}
    todo = [c for c in chunks if not any(a <= c[0] and c[1] <= b for a, b in done)]
    meta_path = out / "run.json"
    meta = json.loads(meta_path.read_text()) if meta_path.is_file() else {"runs": []}
    this = {"started": datetime.now(timezone.utc).isoformat(timespec="seconds"), "scheduler": scheduler or "local",
            "workers": workers, "chunks": []}
    names, types = columns(sweep), column_types(sweep)
    finished = len(chunks) - len(todo)
    if progress:
        progress(sum(b - a for a, b in chunks if (a, b) not in todo), len(sweep.points))
    if todo:
        from dask.distributed import as_completed

        client = _client(workers, scheduler)
        try:
            futures = [client.submit(_timed_chunk, sweep, a, b, pure=False) for a, b in todo]
            points_done = sum(b - a for a, b in chunks) - sum(b - a for a, b in todo)
            for fut in as_completed(futures):
                rows, info = fut.result()
                store.write_chunk(info["start"], info["stop"], _columns_of(rows, names), types)
                this["chunks"].append(info)
                points_done += info["stop"] - info["start"]
                if progress:
                    progress(points_done, len(sweep.points))
        finally:
            cluster = getattr(client, "cluster", None)
            client.close()
            if cluster is not None and not scheduler:
                cluster.close()
    this["finished"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    meta["runs"].append(this)
    write_atomic(meta_path, json.dumps(meta, indent=1))
    summary = summarize(sweep, store)
    write_atomic(out / "summary.json", json.dumps(summary, indent=1))
    from duel.sweep.outputs import write_outputs

    write_outputs(sweep, read_rows(sweep, store), out, summary)
    return SweepRun(out, len(sweep.points), len(todo), finished, summary)


def read_rows(sweep: Sweep, store: ChunkStore) -> dict[str, np.ndarray]:
    """Every stored row, ordered by point: DOUBLE columns as float arrays (NaN for null), the rest as object
    arrays (None for null)."""
    names = columns(sweep)
    types = column_types(sweep)
    got = store.con.execute(f"SELECT {', '.join(chr(34) + n + chr(34) for n in names)} FROM {store.sql_source()} "
                            "ORDER BY point").fetchall()
    cols = list(zip(*got)) if got else [() for _ in names]
    out: dict[str, np.ndarray] = {}
    for n, vals in zip(names, cols):
        if types.get(n) == "DOUBLE":
            out[n] = np.array([np.nan if v is None else v for v in vals], float)
        elif n == "point":
            out[n] = np.array(vals, np.int64)
        else:
            out[n] = np.array(vals, dtype=object)
    return out


def summarize(sweep: Sweep, store: ChunkStore) -> dict[str, Any]:
    """``summary.json``: the spec (name, mode, hash, axes), the row count and, per numeric column, its
    minimum, median and maximum over the points that were flown."""
    con = store.con
    src = store.sql_source()
    n, failed = con.execute(f"SELECT count(*), count(error) FROM {src}").fetchone()
    stats = {}
    for c, t in column_types(sweep).items():
        if t != "DOUBLE" or c in sweep.axis_names() or c.startswith(("launch_l", "target_l")):
            continue
        lo, med, hi = con.execute(f'SELECT min("{c}"), median("{c}"), max("{c}") FROM {src}').fetchone()
        stats[c] = {"min": lo, "median": med, "max": hi}
    return {"format": FORMAT, "name": sweep.spec.sweep.name, "title": sweep.spec.sweep.title,
            "mode": sweep.spec.sweep.mode, "spec": str(sweep.path), "spec_hash": sweep.hash,
            "axes": {a: _axis_summary(sweep, a) for a in sweep.axis_names()},
            "points": int(n), "points_not_flown": int(failed), "columns": columns(sweep), "stats": stats}


def _axis_summary(sweep: Sweep, name: str) -> list[Any]:
    """The axis' distinct values in point order (a grid's targets as LAT,LON texts)."""
    if name in GEOMETRY_AXES:
        vals = [getattr(p, name) for p in sweep.points]
    else:
        vals = [dict(p.sets)[name] for p in sweep.points]
    return list(dict.fromkeys(vals))


def query(out: Path, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run ``sql`` over a sweep's rows (the view ``rows``): (column names, rows)."""
    import duckdb

    manifest = out / "rows" / "manifest.json"
    if not manifest.is_file():
        raise InputError(f"DIR: {out} holds no sweep (no rows/manifest.json)")
    fp = json.loads(manifest.read_text())["fingerprint"]
    store = ChunkStore(out / "rows", fp, index="point")
    try:
        con = store.con
        con.execute(f"CREATE OR REPLACE TEMP VIEW rows AS SELECT * FROM {store.sql_source()} ORDER BY point")
        try:
            rel = con.execute(sql)
        except duckdb.Error as exc:
            raise InputError(f"SQL: {str(exc).splitlines()[0]}") from None
        if rel.description is None:
            return [], []
        return [d[0] for d in rel.description], rel.fetchall()
    finally:
        store.close()
