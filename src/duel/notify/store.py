"""Per-party SQLite storage (WAL): outbox, inbox (the dedupe store), anti-replay windows, the notices
view, the tree heads exchanged with the peers, and an append-only log.

Every state change happens inside one :meth:`Store.tx` transaction together with its log entry, so a
crash at any point leaves either all of a step or none of it. The log chains
``hash_i = SHA-256(hash_{i-1} || canonical({i, t, event}))`` from 64 zeros, and its entries are also the leaves
of a Merkle tree (RFC 9162, :mod:`duel.notify.merkle`) whose head (size, root) goes into every message the
party signs, so each peer holds signed heads of this log and countersigns them in its answers
(:mod:`duel.notify.audit` checks the log against them: a rewrite with recomputed hashes no longer matches a
head the peer signed). Every write to a derived table (``notices``, ``inbox``, ``outbox``, ``heads``) logs the
row's hash (:meth:`Store.cover`), so an edit of a table is an edit of the log's promise. Triggers refuse
UPDATE and DELETE on the log. Times are POSIX seconds (UTC).
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import urllib.parse
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from duel.notify.canonical import canonical, number
from duel.notify.merkle import Frontier, leaf_hash

GENESIS = "0" * 64
Checkpoint = tuple[int, str, str]
"""Where a verified log ended: (entries, the last entry's chain hash, the Merkle frontier's text)."""

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
CREATE TABLE IF NOT EXISTS heads (
  sender TEXT NOT NULL, id TEXT NOT NULL, kind TEXT NOT NULL, size INTEGER NOT NULL, root TEXT NOT NULL,
  PRIMARY KEY (sender, id, kind));
CREATE INDEX IF NOT EXISTS heads_latest ON heads (sender, kind, size);
CREATE TABLE IF NOT EXISTS log (i INTEGER PRIMARY KEY, t REAL NOT NULL, event TEXT NOT NULL,
  prev TEXT NOT NULL, hash TEXT NOT NULL);
CREATE TRIGGER IF NOT EXISTS log_no_update BEFORE UPDATE ON log BEGIN SELECT RAISE(ABORT, 'log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS log_no_delete BEFORE DELETE ON log BEGIN SELECT RAISE(ABORT, 'log is append-only'); END;
"""


COVERED = {"notices": ("root_sender", "root_id"), "inbox": ("sender", "id"), "outbox": ("id", "recipient"),
           "heads": ("sender", "id", "kind")}
"""The derived tables whose every write is logged with the row's hash, and their keys."""


def entry_text(i: int, t: float, event_text: str) -> str:
    """Log entry ``i`` as canonical JSON ``{"event": event, "i": i, "t": t}`` (``event_text``: the event's)."""
    return '{"event":' + event_text + ',"i":' + str(i) + ',"t":' + number(t) + "}"


def entry_hash(prev: str, i: int, t: float, event_text: str) -> str:
    """The chained hash of log entry ``i``: SHA-256 of ``prev`` (hex) and :func:`entry_text`."""
    return hashlib.sha256(prev.encode() + entry_text(i, t, event_text).encode()).hexdigest()


def row_hash(row: Sequence[Any]) -> str:
    """The SHA-256 (hex) of a table row's values (bytes as hex): what :meth:`Store.cover` logs."""
    values = [v.hex() if isinstance(v, bytes | bytearray | memoryview) and not isinstance(v, str) else v
              for v in (bytes(x) if isinstance(x, memoryview) else x for x in row)]
    return hashlib.sha256(json.dumps(values, separators=(",", ":")).encode()).hexdigest()


_EMPTY: dict[int, sqlite3.Connection] = {}  # per process: an in-memory store with the schema and nothing else
_EMPTY_LOCK = threading.Lock()


class Store:
    """One party's database. ``path`` may be ``":memory:"`` (simulations); files use WAL and, with
    ``fsync``, ``synchronous=FULL`` (each commit reaches the disk)."""

    def __init__(self, path: str | Path, fsync: bool = True):
        self.path = str(path)
        self.db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=30.0)
        if str(path) != ":memory:":
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute(f"PRAGMA synchronous={'FULL' if fsync else 'OFF'}")
            self.db.executescript(SCHEMA)
        else:  # a copy of an empty store (a simulation makes two per trial: 20x faster than the script)
            with _EMPTY_LOCK:
                empty = _EMPTY.get(os.getpid())  # never a connection inherited through fork
                if empty is None:
                    empty = _EMPTY[os.getpid()] = sqlite3.connect(":memory:", check_same_thread=False)
                    empty.executescript(SCHEMA)
                empty.backup(self.db)
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
        tree = Frontier.from_text(self.meta("merkle", "0:") or "0:")
        tree.append(leaf_hash(entry_text(i, t, text).encode()))
        self.set_meta("merkle", tree.to_text())
        return h

    def head(self) -> dict[str, Any]:
        """This log's Merkle tree head: ``{"size": entries, "root": hex}`` (what this party signs into messages)."""
        tree = Frontier.from_text(self.meta("merkle", "0:") or "0:")
        return {"size": tree.size, "root": tree.root().hex()}

    def cover(self, table: str, key: Sequence[Any], t: float) -> None:
        """Log the hash of ``table``'s row ``key`` as it is now (``None`` if there is none), inside the transaction
        that wrote it: the derived tables stay bound to the log (:data:`COVERED`)."""
        cols = COVERED[table]
        row = self.db.execute(f"SELECT * FROM {table} WHERE " + " AND ".join(f"{c}=?" for c in cols),
                              tuple(key)).fetchone()
        self.log(t, {"ev": "row", "table": table, "key": list(key), "hash": None if row is None else row_hash(row)})

    def events(self, ev: str | None = None) -> list[dict[str, Any]]:
        """Log events in order (optionally only those named ``ev``), each with its time ``t``."""
        rows = self.db.execute("SELECT t, event FROM log ORDER BY i").fetchall()
        out = [dict(json.loads(e), t=t) for t, e in rows]
        return [e for e in out if ev is None or e["ev"] == ev]

    def count_events(self, ev: str) -> int:
        """How many log events are named ``ev``."""
        return self.db.execute("SELECT COUNT(*) FROM log WHERE json_extract(event, '$.ev')=?", (ev,)).fetchone()[0]

    def verify_log(self) -> dict[str, Any]:
        """Recompute the whole chain and Merkle tree and check the derived tables against the log:
        ``{ok, entries, head, problem, root, ...}`` (the peers' heads are checked by :mod:`duel.notify.audit`)."""
        res = verify_chain(self.db)
        if res["ok"]:
            problem = verify_tables(self.db)
            if problem:
                res = {**res, "ok": False, "problem": problem}
        return res

    @contextmanager
    def snapshot(self) -> Iterator[sqlite3.Connection]:
        """A read-only connection to this store's file for the ``with`` block, closed after it (in a read
        transaction it sees one snapshot, and takes no write lock: WAL readers never block the writer); the
        store's own connection for a store in memory."""
        if self.path == ":memory:":
            yield self.db
            return
        db = sqlite3.connect(f"file:{urllib.parse.quote(self.path)}?mode=ro", uri=True, isolation_level=None,
                             check_same_thread=False, timeout=30.0)
        try:
            yield db
        finally:
            db.close()


def latest_heads(db: sqlite3.Connection, kind: str) -> dict[str, tuple[str, int, str]]:
    """Per peer, the largest tree head of ``kind`` held (``head``: the peer's own log as it signed it; ``seen``:
    this party's log as the peer countersigned it): sender -> (message id, size, root)."""
    rows = db.execute("SELECT sender, id, size, root FROM heads h WHERE kind=? AND size=(SELECT MAX(size) FROM "
                      "heads WHERE kind=? AND sender=h.sender) GROUP BY sender ORDER BY sender", (kind, kind))
    return {sender: (mid, size, root) for sender, mid, size, root in rows}


def verify_chain(db: sqlite3.Connection, since: Checkpoint | None = None,
                 sizes: Sequence[int] = ()) -> dict[str, Any]:
    """Recompute the log's chain and Merkle tree in one read transaction of ``db``: ``{ok, entries, head,
    problem, root, roots, checkpoint}`` (``root``: the tree's root, hex; ``roots``: the root at each of
    ``sizes`` reached, hex; ``checkpoint``: where a later check may start).

    ``since``: a :data:`Checkpoint` of a check passed before: entry i must still carry that hash, and only
    the entries after it are recomputed (an edit of an earlier entry that keeps entry i's stored hash is then
    seen only by a full check)."""
    db.execute("BEGIN")
    try:
        prev, n, tree = GENESIS, 0, Frontier()
        want, roots = set(sizes), {}
        if since is not None and since[0] > 0:
            row = db.execute("SELECT hash FROM log WHERE i=?", (since[0],)).fetchone()
            if row is None or row[0] != since[1]:
                return {"ok": False, "entries": since[0], "head": since[1],
                        "problem": f"entry {since[0]}: not the entry verified before (rewritten or removed)"}
            n, prev, tree = since[0], since[1], Frontier.from_text(since[2])
        for i, t, text, p, h in db.execute("SELECT i, t, event, prev, hash FROM log WHERE i>? ORDER BY i", (n,)):
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
            tree.append(leaf_hash(entry_text(i, t, text).encode()))
            if n in want:
                roots[n] = tree.root().hex()
        row = db.execute("SELECT value FROM meta WHERE key='log_head'").fetchone()
        head = row[0] if row else f"0:{GENESIS}"
        if head != f"{n}:{prev}":
            return {"ok": False, "entries": n, "head": prev,
                    "problem": f"recorded head {head} differs from the chain's {n}:{prev} (truncated?)"}
        row = db.execute("SELECT value FROM meta WHERE key='merkle'").fetchone()
        if (row[0] if row else "0:") != tree.to_text():
            return {"ok": False, "entries": n, "head": prev,
                    "problem": "the recorded Merkle tree differs from the one the entries make"}
        return {"ok": True, "entries": n, "head": prev, "problem": None, "root": tree.root().hex(), "roots": roots,
                "checkpoint": (n, prev, tree.to_text())}
    finally:
        db.execute("COMMIT")


def verify_tables(db: sqlite3.Connection) -> str | None:
    """Compare every row of the derived tables (:data:`COVERED`) with the hash the log holds for it last: the
    problem (an edited, deleted or inserted row), or None."""
    expected: dict[tuple[str, tuple[Any, ...]], str | None] = {}
    for (text,) in db.execute("SELECT event FROM log WHERE json_extract(event, '$.ev')='row' ORDER BY i"):
        e = json.loads(text)
        expected[(e["table"], tuple(e["key"]))] = e["hash"]
    for table, cols in COVERED.items():
        names = [d[1] for d in db.execute(f"PRAGMA table_info({table})")]
        idx = [names.index(c) for c in cols]
        for row in db.execute(f"SELECT * FROM {table}"):
            key = tuple(row[k] for k in idx)
            want = expected.pop((table, key), "absent")
            if want == "absent":
                return f"{table}: row {list(key)} is not in the log (inserted outside the protocol)"
            if want != row_hash(row):
                return f"{table}: row {list(key)} differs from the log (edited)" if want else \
                    f"{table}: row {list(key)} was deleted in the log but is present"
    missing = [k for k, h in expected.items() if h is not None]
    if missing:
        table, key = missing[0]
        return f"{table}: row {list(key)} is in the log but missing (deleted)"
    return None
