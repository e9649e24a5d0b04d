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
complete file whose manifest update never happened) are deleted and their trials run again.

Each manifest entry carries its trial range and the SHA-256 of its file, checked when the store is opened: a
chunk file that is missing, truncated, damaged or replaced by another chunk's file is dropped from the manifest
(and deleted), so its trials run again, and named in :attr:`ChunkStore.repaired`. A writer can hold the folder
(``lock``: :class:`duel.files.FolderLock`), so two runs into one folder do not both do the work. A full disk
is a one-line error, not a traceback. Because trial
i's random numbers depend only on (seed, i) (:mod:`duel.trials.montecarlo`), the resumed run ends with exactly the
rows of an uninterrupted one.

The manifest's ``fingerprint`` (trial function, its parameters, the seed) must match when a run is resumed;
a different fingerprint is an :class:`~duel.errors.InputError` rather than a silent mix of two runs.

Queries go through DuckDB over the chunk files (:meth:`ChunkStore.sql_source`), so 10^7 rows never need to
be in memory at once; :meth:`ChunkStore.finalize` writes one Parquet file sorted by trial.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

import numpy as np

from duel.errors import InputError
from duel.files import FolderLock, rename_durably, write_atomic

MANIFEST = "manifest.json"
FORMAT = "duel-chunks/1"


def _sql_str(path: Path | str) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _write_json_atomic(path: Path, obj: Any) -> None:
    write_atomic(path, json.dumps(obj, indent=1, sort_keys=True))


def file_sha256(path: Path) -> str:
    """The SHA-256 (hex) of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


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
        lock: hold the folder while the store is open (a writer; the option that chose the folder, named in
            the error when another run holds it). Readers leave it None.
    """

    def __init__(self, path: str | os.PathLike[str], fingerprint: dict[str, Any], *, overwrite: bool = False,
                 compression: str = "zstd", index: str = "trial", lock: str | None = None):
        self.path = Path(path)
        self.index = index  # the row-number column, and the chunk files' prefix (``trials-...``)
        self._chunk_re = re.compile(rf"^{index}s-(\d{{12}})-(\d{{12}})\.parquet$")
        self.compression = compression
        self.fingerprint = json.loads(json.dumps(fingerprint, sort_keys=True))  # normalised (tuples -> lists)
        self.repaired: list[str] = []  # chunk files found damaged or missing on opening (their trials run again)
        self._con: Any = None
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(f"{lock or 'DIR'}: cannot create {self.path}: {exc.strerror}") from None
        self._lock = FolderLock(self.path, lock).acquire() if lock else None
        try:
            self._open(overwrite)
        except BaseException:
            self.close()
            raise

    def _open(self, overwrite: bool) -> None:
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
        self._check_chunks()

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

    def _check_chunks(self) -> None:
        """Check every listed chunk's file against its range and SHA-256. A writer (holding the lock) drops the
        bad ones (their trials run again; named in ``repaired``) and deletes files the manifest does not list;
        a reader, which changes nothing, refuses a damaged store in one line."""
        good = []
        for c in self.chunks:
            f = self.path / c["file"]
            expected = self._chunk_re.match(c["file"])
            ok = (expected is not None and (int(expected[1]), int(expected[2])) == (c["start"], c["stop"])
                  and f.is_file() and file_sha256(f) == c.get("sha256"))
            if ok:
                good.append(c)
            else:
                self.repaired.append(c["file"])
        if self._lock is None:
            if self.repaired:
                raise InputError(f"{self.path}: chunk file {self.repaired[0]} is missing or damaged (not the bytes "
                                 "the manifest records); run the same command again to recompute it")
            return
        if self.repaired:
            self.manifest["chunks"] = good
            _write_json_atomic(self.path / MANIFEST, self.manifest)
        listed = {c["file"] for c in self.chunks}
        for p in self.path.iterdir():
            stray_chunk = self._chunk_re.match(p.name) and p.name not in listed
            own_tmp = p.name.endswith(".parquet.tmp") or re.match(rf"^\.{re.escape(MANIFEST)}\.\d+\.tmp$", p.name)
            if stray_chunk or own_tmp or p.name == MANIFEST + ".tmp":  # only what this module writes
                p.unlink()

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
        import duckdb

        con = self.con
        con.register("duel_chunk", cols)
        try:
            sel = ", ".join(f'CAST("{k}" AS {types[k]}) AS "{k}"' if types and k in types else f'"{k}"' for k in cols)
            con.execute(f"COPY (SELECT {sel} FROM duel_chunk) TO {_sql_str(tmp)} "
                        f"(FORMAT parquet, COMPRESSION {self.compression})")
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
            rename_durably(tmp, final)
        except (duckdb.Error, OSError) as exc:
            tmp.unlink(missing_ok=True)
            full = "No space left" in str(exc) or getattr(exc, "errno", None) == 28
            raise InputError(f"{self.path}: disk full while writing {name}" if full else
                             f"{self.path}: cannot write {name}: {str(exc).splitlines()[0]}") from None
        finally:
            con.unregister("duel_chunk")
        self.manifest["chunks"].append({"start": int(start), "stop": int(stop), "rows": int(m), "file": name,
                                        "sha256": file_sha256(final)})
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
        """Close the DuckDB connection and give the folder's lock back."""
        if self._con is not None:
            self._con.close()
            self._con = None
        if self._lock is not None:
            self._lock.release()
