"""Per-party SQLite storage (WAL): outbox, inbox (the dedupe store), anti-replay windows, the notices
view, and an append-only hash-chained log.

Every state change happens inside one :meth:`Store.tx` transaction together with its log entry, so a
crash at any point leaves either all of a step or none of it. The log chains
``hash_i = SHA-256(hash_{i-1} || canonical({i, t, event}))`` from 64 zeros; triggers refuse UPDATE and
DELETE on it, and :meth:`Store.verify_log` recomputes the chain and compares it with the head recorded
alongside (edits, deletions, insertions and reordering are detected; a truncation of both log and head
only against a head published elsewhere). Times are POSIX seconds (UTC).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from duel.notify.canonical import canonical, number

GENESIS = "0" * 64

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS outbox (
  id TEXT NOT NULL, recipient TEXT NOT NULL, seq INTEGER NOT NULL, type TEXT NOT NULL, body BLOB NOT NULL,
  state TEXT NOT NULL, attempts INTEGER NOT NULL, next_at REAL NOT NULL, deadline REAL NOT NULL,
  PRIMARY KEY (id, recipient));
CREATE TABLE IF NOT EXISTS inbox (
  sender TEXT NOT NULL, id TEXT NOT NULL, seq INTEGER NOT NULL, type TEXT NOT NULL, root_id TEXT,
  body_hash TEXT NOT NULL, body BLOB NOT NULL, received_at REAL NOT NULL, state TEXT NOT NULL, reply BLOB,
  PRIMARY KEY (sender, id));
CREATE TABLE IF NOT EXISTS seqwin (sender TEXT PRIMARY KEY, top INTEGER NOT NULL, bits TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS notices (
  root_sender TEXT NOT NULL, root_id TEXT NOT NULL, state TEXT NOT NULL, seq INTEGER NOT NULL,
  body BLOB NOT NULL, first_at REAL NOT NULL, launched_at REAL, flags TEXT NOT NULL,
  PRIMARY KEY (root_sender, root_id));
CREATE TABLE IF NOT EXISTS log (i INTEGER PRIMARY KEY, t REAL NOT NULL, event TEXT NOT NULL,
  prev TEXT NOT NULL, hash TEXT NOT NULL);
CREATE TRIGGER IF NOT EXISTS log_no_update BEFORE UPDATE ON log BEGIN SELECT RAISE(ABORT, 'log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS log_no_delete BEFORE DELETE ON log BEGIN SELECT RAISE(ABORT, 'log is append-only'); END;
"""


def entry_hash(prev: str, i: int, t: float, event_text: str) -> str:
    """The chained hash of log entry ``i``: SHA-256 of ``prev`` (hex) and the canonical JSON of
    ``{"event": event, "i": i, "t": t}`` (``event_text`` is the canonical JSON of the event)."""
    entry = '{"event":' + event_text + ',"i":' + str(i) + ',"t":' + number(t) + "}"
    return hashlib.sha256(prev.encode() + entry.encode()).hexdigest()


class Store:
    """One party's database. ``path`` may be ``":memory:"`` (simulations); files use WAL and, with
    ``fsync``, ``synchronous=FULL`` (each commit reaches the disk)."""

    def __init__(self, path: str | Path, fsync: bool = True):
        self.db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=30.0)
        if str(path) != ":memory:":
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute(f"PRAGMA synchronous={'FULL' if fsync else 'OFF'}")
        self.db.executescript(SCHEMA)
        self._in_tx = False

    def close(self) -> None:
        """Close the connection."""
        self.db.close()

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """One atomic step: BEGIN IMMEDIATE … COMMIT, rolled back on any exception."""
        self.db.execute("BEGIN IMMEDIATE")
        self._in_tx = True
        try:
            yield self.db
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        finally:
            self._in_tx = False

    def meta(self, key: str, default: str | None = None) -> str | None:
        """A value from the meta table."""
        row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return default if row is None else row[0]

    def set_meta(self, key: str, value: str) -> None:
        """Set a meta value (inside a transaction)."""
        self.db.execute("INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                        (key, value))

    def log(self, t: float, event: dict[str, Any]) -> str:
        """Append ``event`` at time ``t`` (inside a transaction); return the new head hash."""
        assert self._in_tx, "log entries are written inside a transaction"
        row = self.db.execute("SELECT i, hash FROM log ORDER BY i DESC LIMIT 1").fetchone()
        i, prev = (row[0] + 1, row[1]) if row else (1, GENESIS)
        text = canonical(event).decode()
        h = entry_hash(prev, i, t, text)
        self.db.execute("INSERT INTO log(i, t, event, prev, hash) VALUES(?, ?, ?, ?, ?)", (i, t, text, prev, h))
        self.set_meta("log_head", f"{i}:{h}")
        return h

    def events(self, ev: str | None = None) -> list[dict[str, Any]]:
        """Log events in order (optionally only those named ``ev``), each with its time ``t``."""
        rows = self.db.execute("SELECT t, event FROM log ORDER BY i").fetchall()
        out = [dict(json.loads(e), t=t) for t, e in rows]
        return [e for e in out if ev is None or e["ev"] == ev]

    def count_events(self, ev: str) -> int:
        """How many log events are named ``ev``."""
        return self.db.execute("SELECT COUNT(*) FROM log WHERE json_extract(event, '$.ev')=?", (ev,)).fetchone()[0]

    def verify_log(self) -> dict[str, Any]:
        """Recompute the chain: ``{ok, entries, head, problem}``."""
        prev, n = GENESIS, 0
        for i, t, text, p, h in self.db.execute("SELECT i, t, event, prev, hash FROM log ORDER BY i"):
            n += 1
            if i != n:
                return {"ok": False, "entries": n, "head": prev, "problem": f"entry {n}: index {i} (deleted or inserted)"}
            if p != prev:
                return {"ok": False, "entries": n, "head": prev, "problem": f"entry {i}: prev does not match entry {i - 1}"}
            try:
                good = canonical(json.loads(text)).decode() == text and entry_hash(prev, i, t, text) == h
            except (ValueError, TypeError):
                good = False
            if not good:
                return {"ok": False, "entries": n, "head": prev, "problem": f"entry {i}: hash does not match its content"}
            prev = h
        head = self.meta("log_head", f"0:{GENESIS}")
        if head != f"{n}:{prev}":
            return {"ok": False, "entries": n, "head": prev,
                    "problem": f"recorded head {head} differs from the chain's {n}:{prev} (truncated?)"}
        return {"ok": True, "entries": n, "head": prev, "problem": None}
