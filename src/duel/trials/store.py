"""Results to Parquet in chunks, with a manifest that makes a killed run resumable (DuckDB, no pyarrow).

A :class:`ChunkStore` is a directory::

    run-dir/
      manifest.json                          what the run is (fingerprint) and which trials are done
      trials-000000000000-000000100000.parquet   one file per finished chunk: rows for trials [start, stop)
      ...

Every row carries its ``trial`` index. Writing a chunk is crash-safe in this order: DuckDB writes the Parquet
file under a temporary name, the file is renamed into place (atomic on POSIX), and only then is the manifest
rewritten (temporary file + ``fsync`` + atomic rename). A process killed at any point leaves a manifest that
lists only complete files; on reopening, files the manifest does not list (a half-written temporary, or a
complete file whose manifest update never happened) are deleted and their trials run again. Because trial
i's random numbers depend only on (seed, i) (:mod:`duel.trials.montecarlo`), the resumed run ends with exactly the
rows of an uninterrupted one.

The manifest's ``fingerprint`` (trial function, its parameters, the seed) must match when a run is resumed;
a different fingerprint is an :class:`~duel.errors.InputError` rather than a silent mix of two runs.

Queries go through DuckDB over the chunk files (:meth:`ChunkStore.sql_source`), so 10^7 rows never need to
be in memory at once; :meth:`ChunkStore.finalize` writes one Parquet file sorted by trial.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import numpy as np

from duel.errors import InputError

MANIFEST = "manifest.json"
FORMAT = "duel-chunks/1"


def _sql_str(path: Path | str) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _write_json_atomic(path: Path, obj: Any) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w") as fh:
        json.dump(obj, fh, indent=1, sort_keys=True)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def merge_ranges(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted, merged half-open integer ranges."""
    out: list[list[int]] = []
    for a, b in sorted(ranges):
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def missing_ranges(done: list[tuple[int, int]], stop: int, start: int = 0) -> list[tuple[int, int]]:
    """The parts of [start, stop) not covered by the ``done`` ranges."""
    out, pos = [], start
    for a, b in merge_ranges(done):
        if b <= pos:
            continue
        if a >= stop:
            break
        if a > pos:
            out.append((pos, min(a, stop)))
        pos = max(pos, b)
    if pos < stop:
        out.append((pos, stop))
    return out


class ChunkStore:
    """A resumable directory of Parquet chunks (see the module docstring).

    Args:
        path: the run directory (created if needed).
        fingerprint: JSON-able description of what produces the rows (trial function, parameters, seed).
            Reopening a directory with a different fingerprint raises :class:`~duel.errors.InputError`.
        overwrite: delete an existing run in ``path`` (its manifest and chunk files) and start afresh.
        compression: Parquet compression codec (DuckDB names: zstd, snappy, uncompressed, ...).
    """

    def __init__(self, path: str | os.PathLike[str], fingerprint: dict[str, Any], *, overwrite: bool = False,
                 compression: str = "zstd", index: str = "trial"):
        self.path = Path(path)
        self.index = index  # the row-number column, and the chunk files' prefix (``trials-...``)
        self._chunk_re = re.compile(rf"^{index}s-(\d{{12}})-(\d{{12}})\.parquet$")
        self.compression = compression
        self.fingerprint = json.loads(json.dumps(fingerprint, sort_keys=True))  # normalised (tuples -> lists)
        self.path.mkdir(parents=True, exist_ok=True)
        mpath = self.path / MANIFEST
        if overwrite:
            self._delete_run()
        if mpath.exists():
            try:
                manifest = json.loads(mpath.read_text())
            except (OSError, json.JSONDecodeError) as exc:
                raise InputError(f"{mpath}: unreadable manifest ({exc}); delete the directory or pass overwrite") from exc
            if manifest.get("format") != FORMAT:
                raise InputError(f"{mpath}: not a duel chunk store (format {manifest.get('format')!r})")
            if manifest.get("fingerprint") != self.fingerprint:
                raise InputError(
                    f"{self.path}: holds a different run (its fingerprint {manifest.get('fingerprint')} differs "
                    f"from {self.fingerprint}); use another output directory or overwrite it"
                )
            self.manifest = manifest
        else:
            self.manifest = {"format": FORMAT, "fingerprint": self.fingerprint, "chunks": []}
            _write_json_atomic(mpath, self.manifest)
        self._clean_strays()
        self._con: Any = None

    # ---------------------------------------------------------------------------------------- state
    @property
    def chunks(self) -> list[dict[str, Any]]:
        """Finished chunks: dicts with ``start``, ``stop``, ``rows``, ``file`` (relative to the run directory)."""
        return self.manifest["chunks"]

    def done_ranges(self) -> list[tuple[int, int]]:
        """Merged trial ranges [start, stop) whose rows are stored."""
        return merge_ranges([(c["start"], c["stop"]) for c in self.chunks])

    def missing(self, trials: int) -> list[tuple[int, int]]:
        """Trial ranges in [0, trials) still to run."""
        return missing_ranges(self.done_ranges(), trials)

    def files(self, trials: int | None = None) -> list[Path]:
        """Chunk files in trial order (only those with trials below ``trials`` when given)."""
        cs = sorted(self.chunks, key=lambda c: c["start"])
        return [self.path / c["file"] for c in cs if trials is None or c["start"] < trials]

    def _delete_run(self) -> None:
        for p in self.path.iterdir():
            if p.name in (MANIFEST, MANIFEST + ".tmp") or self._chunk_re.match(p.name) or p.name.endswith(".parquet.tmp"):
                p.unlink()

    def _clean_strays(self) -> None:
        listed = {c["file"] for c in self.chunks}
        for p in self.path.iterdir():
            stray_chunk = self._chunk_re.match(p.name) and p.name not in listed
            if stray_chunk or p.name.endswith(".parquet.tmp") or p.name == MANIFEST + ".tmp":
                p.unlink()
        for c in self.chunks:
            if not (self.path / c["file"]).exists():
                raise InputError(f"{self.path}: chunk file {c['file']} listed in the manifest is missing")

    # --------------------------------------------------------------------------------------- writing
    @property
    def con(self) -> Any:
        """The store's in-memory DuckDB connection, single-threaded: floating-point sums over the rows then
        add in one fixed order, so the same rows always give the same summary to the last bit."""
        if self._con is None:
            import duckdb

            self._con = duckdb.connect(config={"threads": 1})
        return self._con

    def write_chunk(self, start: int, stop: int, columns: dict[str, np.ndarray],
                    types: dict[str, str] | None = None) -> Path:
        """Store the rows of trials [start, stop): ``columns`` maps names to arrays of length stop - start.

        A ``trial`` column (int64) is added first. The chunk must not overlap stored trials. ``types`` gives
        columns a DuckDB type (``DOUBLE``, ``VARCHAR``, ``BOOLEAN``): object arrays holding ``None`` are then
        stored as nulls of that type, the same in every chunk.
        """
        m = stop - start
        if m <= 0:
            raise ValueError(f"empty chunk [{start}, {stop})")
        if any(a < stop and start < b for a, b in self.done_ranges()):
            raise ValueError(f"trials [{start}, {stop}) overlap stored trials")
        cols: dict[str, np.ndarray] = {self.index: np.arange(start, stop, dtype=np.int64)}
        for k, v in columns.items():
            if k == self.index:
                continue
            v = np.asarray(v)
            if v.shape != (m,):
                raise ValueError(f"column {k!r}: shape {v.shape}, expected ({m},)")
            cols[k] = np.ascontiguousarray(v)
        name = f"{self.index}s-{start:012d}-{stop:012d}.parquet"
        final = self.path / name
        tmp = self.path / (name + ".tmp")
        con = self.con
        con.register("duel_chunk", cols)
        try:
            sel = ", ".join(f'CAST("{k}" AS {types[k]}) AS "{k}"' if types and k in types else f'"{k}"' for k in cols)
            con.execute(f"COPY (SELECT {sel} FROM duel_chunk) TO {_sql_str(tmp)} "
                        f"(FORMAT parquet, COMPRESSION {self.compression})")
        finally:
            con.unregister("duel_chunk")
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, final)
        self.manifest["chunks"].append({"start": int(start), "stop": int(stop), "rows": int(m), "file": name})
        _write_json_atomic(self.path / MANIFEST, self.manifest)
        return final

    # --------------------------------------------------------------------------------------- reading
    def sql_source(self, trials: int | None = None) -> str:
        """A DuckDB table expression over the stored rows (``trial < trials`` when given)."""
        files = self.files(trials)
        if not files:
            raise InputError(f"{self.path}: no stored rows yet")
        src = f"read_parquet([{', '.join(_sql_str(f) for f in files)}])"
        if trials is not None:
            src = f"(SELECT * FROM {src} WHERE {self.index} < {int(trials)})"
        return src

    def count(self, trials: int | None = None) -> int:
        """Number of stored rows (below ``trials`` when given)."""
        if not self.chunks:
            return 0
        return int(self.con.execute(f"SELECT count(*) FROM {self.sql_source(trials)}").fetchone()[0])

    def columns(self) -> list[str]:
        """Column names (``trial`` first)."""
        rel = self.con.execute(f"SELECT * FROM {self.sql_source()} LIMIT 0")
        return [d[0] for d in rel.description]

    def read(self, columns: list[str] | None = None, trials: int | None = None) -> dict[str, np.ndarray]:
        """Stored rows as NumPy arrays, ordered by trial (all columns unless named)."""
        sel = "*" if columns is None else ", ".join([f'"{self.index}"'] + [f'"{c}"' for c in columns if c != self.index])
        return self.con.execute(f"SELECT {sel} FROM {self.sql_source(trials)} ORDER BY {self.index}").fetchnumpy()

    def query(self, sql: str, trials: int | None = None) -> Any:
        """Run ``sql`` with the stored rows available as the view ``trials``; returns the DuckDB relation."""
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW trials AS SELECT * FROM {self.sql_source(trials)}")
        return self.con.execute(sql)

    def finalize(self, path: str | os.PathLike[str], trials: int | None = None) -> Path:
        """Write all stored rows, sorted by trial, to one Parquet file ``path``."""
        out = Path(path)
        self.con.execute(f"COPY (SELECT * FROM {self.sql_source(trials)} ORDER BY {self.index}) TO {_sql_str(out)} "
                         f"(FORMAT parquet, COMPRESSION {self.compression})")
        return out

    def close(self) -> None:
        """Close the DuckDB connection."""
        if self._con is not None:
            self._con.close()
            self._con = None
