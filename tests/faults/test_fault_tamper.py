"""Issue 14.3: tamper evidence that holds against a rewrite. Every single-row edit, deletion, insertion and
reordering of the log, every edit, deletion or insertion of a derived-table row (notices, inbox, outbox, heads),
and a full rewrite of the log with every hash recomputed is detected, the last by the heads the peer signed
(RFC 9162 Merkle tree heads carried in the messages) and by the head the peer holds."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

from duel.notify import message as msg
from duel.notify.audit import audit
from duel.notify.merkle import EMPTY_ROOT, Frontier, leaf_hash, node_hash
from duel.notify.party import Policy
from duel.notify.sim import SIM_EPOCH, notice_fields, sim_keys, sim_party
from duel.notify.store import GENESIS, entry_hash, entry_text

T0 = SIM_EPOCH


def _exchange():
    """A and B after three notices, an update and a cancel from A, all acknowledged."""
    ring, signers = sim_keys(["A", "B"], 8, T0)
    rng = np.random.default_rng(8)
    a = sim_party("A", ring, signers["A"], Policy(), rng)
    b = sim_party("B", ring, signers["B"], Policy(), rng)
    t = T0
    sent = []
    for k in range(3):
        sent.append(a.submit(notice_fields("B", t + 1800 + k), t))
        t += 1
    upd = dict(notice_fields("B", t + 3600), type="UPDATE",
               references=[{"sender": "A", "id": sent[0]["id"], "sent": sent[0]["sent"]}])
    sent.append(a.submit(upd, t))
    cancel = {"type": "CANCEL", "recipients": ["B"], "references": [{"sender": "A", "id": sent[1]["id"],
                                                                     "sent": sent[1]["sent"]}]}
    sent.append(a.submit(cancel, t))
    for tx in a.due(t):
        out = b.receive(tx.raw, t + 0.5)
        a.receive(out.reply, t + 1.0)
    # a second round so that each side holds a head of the other's log that the other countersigned
    t += 5
    sent.append(a.submit(notice_fields("B", t + 1800), t))
    for tx in a.due(t):
        out = b.receive(tx.raw, t + 0.5)
        a.receive(out.reply, t + 1.0)
    for p in (a, b):
        db = p.store.db
        db.execute("DROP TRIGGER log_no_update")
        db.execute("DROP TRIGGER log_no_delete")
    return a, b


@pytest.fixture
def parties():
    a, b = _exchange()
    assert audit(a)["ok"] and audit(b)["ok"], (audit(a), audit(b))
    return a, b


def _entries(db) -> list[tuple]:
    return db.execute("SELECT i, t, event, prev, hash FROM log ORDER BY i").fetchall()


def _restore(db, rows) -> None:
    db.execute("DELETE FROM log")
    db.executemany("INSERT INTO log VALUES(?,?,?,?,?)", rows)


def test_the_exchange_left_countersigned_heads_on_both_sides(parties):
    for p in parties:
        heads = audit(p)["countersigned"]
        assert len(heads) == 1 and heads[0]["size"] > 0 and heads[0]["problem"] is None


@pytest.mark.parametrize("change", ["edit", "delete", "insert", "swap"])
def test_every_single_row_change_of_the_log_is_detected(parties, change):
    for p in parties:
        db = p.store.db
        rows = _entries(db)
        for k in range(len(rows)):
            i = rows[k][0]
            if change == "edit":
                db.execute("UPDATE log SET t=t+1 WHERE i=?", (i,))
            elif change == "delete":
                db.execute("DELETE FROM log WHERE i=?", (i,))
            elif change == "insert":  # a copy of entry i put before it, the later ones moved up by one
                db.execute("UPDATE log SET i=-(i+1) WHERE i>=?", (i,))
                db.execute("UPDATE log SET i=-i WHERE i<0")
                db.execute("INSERT INTO log VALUES(?,?,?,?,?)", (i, *rows[k][1:]))
            elif k + 1 < len(rows):
                db.execute("UPDATE log SET i=-i WHERE i IN (?,?)", (i, i + 1))
                db.execute("UPDATE log SET i=CASE WHEN i=? THEN ? ELSE ? END WHERE i<0", (-i, i + 1, i))
            else:
                continue
            res = audit(p)
            assert not res["ok"], (change, k, res)
            _restore(db, rows)
        assert audit(p)["ok"]


@pytest.mark.parametrize("table", ["notices", "inbox", "outbox", "heads"])
def test_every_derived_row_edit_deletion_and_insertion_is_detected(parties, table):
    for p in parties:
        db = p.store.db
        rows = db.execute(f"SELECT rowid, * FROM {table}").fetchall()
        if not rows:
            continue
        cols = [d[1] for d in db.execute(f"PRAGMA table_info({table})")]
        for row in rows:
            rid, values = row[0], row[1:]
            # edit: change one non-key value of the row (the example: UPDATE notices SET state=...)
            col = "state" if "state" in cols else "size"
            before = values[cols.index(col)]
            forged_value = ("cancelled" if before != "cancelled" else "active") if col == "state" else before + 1
            db.execute(f"UPDATE {table} SET {col}=? WHERE rowid=?", (forged_value, rid))
            assert not audit(p)["ok"], (table, "edit")
            db.execute(f"UPDATE {table} SET {col}=? WHERE rowid=?", (before, rid))
            db.execute(f"DELETE FROM {table} WHERE rowid=?", (rid,))
            assert not audit(p)["ok"], (table, "delete")
            db.execute(f"INSERT INTO {table}(rowid, {', '.join(cols)}) VALUES(?, {', '.join('?' * len(cols))})",
                       (rid, *values))
            assert audit(p)["ok"]
        forged = list(rows[0][1:])
        forged[1] = "00000000-0000-4000-8000-000000000000" if table != "outbox" else forged[1] + "x"
        db.execute(f"INSERT INTO {table} VALUES({', '.join('?' * len(cols))})", forged)
        res = audit(p)
        assert not res["ok"] and "not in the log" in res["problem"], (table, res)


def _rewrite(db, edit_at: int) -> None:
    """Edit entry ``edit_at``'s time and recompute every hash after it, the recorded head and the Merkle tree:
    a rewrite that passes every local check."""
    rows = _entries(db)
    prev, tree, out = GENESIS, Frontier(), []
    for i, t, text, _, _ in rows:
        t = t + 1.0 if i == edit_at else t
        h = entry_hash(prev, i, t, text)
        tree.append(leaf_hash(entry_text(i, t, text).encode()))
        out.append((i, t, text, prev, h))
        prev = h
    _restore(db, out)
    db.execute("UPDATE meta SET value=? WHERE key='log_head'", (f"{len(out)}:{prev}",))
    db.execute("UPDATE meta SET value=? WHERE key='merkle'", (tree.to_text(),))


def test_a_full_rewrite_with_recomputed_hashes_is_caught_by_the_peers_signature(parties):
    for p in parties:
        db = p.store.db
        signed = audit(p)["countersigned"][0]["size"]
        rows = _entries(db)
        for edit_at in (1, signed // 2, signed):
            _rewrite(db, edit_at)
            assert p.store.verify_log()["ok"]  # every local check passes: the chain was recomputed
            res = audit(p)
            assert not res["ok"] and "the log was rewritten" in res["problem"], res
            _restore(db, rows)
            db.execute("UPDATE meta SET value=? WHERE key='log_head'", (f"{len(rows)}:{rows[-1][4]}",))
            tree = Frontier()
            for i, t, text, _, _ in rows:
                tree.append(leaf_hash(entry_text(i, t, text).encode()))
            db.execute("UPDATE meta SET value=? WHERE key='merkle'", (tree.to_text(),))
            assert audit(p)["ok"]


def test_a_forged_countersignature_is_caught(parties):
    a, _ = parties
    db = a.store.db
    sender, mid = db.execute("SELECT sender, id FROM heads WHERE kind='seen'").fetchone()
    body = json.loads(db.execute("SELECT body FROM inbox WHERE sender=? AND id=?", (sender, mid)).fetchone()[0])
    body["seen"]["root"] = "0" * 64  # a head the peer never signed
    db.execute("UPDATE inbox SET body=? WHERE sender=? AND id=?", (msg.wire(body), sender, mid))
    res = audit(a)
    assert not res["ok"]


def _mth(leaves: list[bytes]) -> bytes:
    """RFC 9162's recursive Merkle Tree Hash (the oracle for the frontier)."""
    if not leaves:
        return EMPTY_ROOT
    if len(leaves) == 1:
        return leaves[0]
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return node_hash(_mth(leaves[:k]), _mth(leaves[k:]))


def test_the_frontier_gives_rfc_9162_tree_hashes_at_every_size():
    leaves = [leaf_hash(bytes([k])) for k in range(70)]
    tree = Frontier()
    assert tree.root() == EMPTY_ROOT == hashlib.sha256(b"").digest()
    for n in range(1, 71):
        tree.append(leaves[n - 1])
        assert tree.root() == _mth(leaves[:n]) and Frontier.from_text(tree.to_text()).root() == tree.root()
    assert _mth(leaves[:2]) == hashlib.sha256(b"\x01" + leaves[0] + leaves[1]).digest()
    assert leaves[0] == hashlib.sha256(b"\x00\x00").digest()  # leaf prefix 0x00, node prefix 0x01


def test_a_rewrite_that_also_removes_the_local_countersignatures_is_caught_by_the_peer(parties):
    """The strongest local attack: the countersigned heads and their log entries removed, every hash recomputed.
    Locally nothing is left to compare with; the head the peer holds (GET /v1/heads) still tells."""
    import asyncio
    import threading
    import time

    from duel.notify.asgi import NotifyApp, listen, server

    a, b = parties
    db = a.store.db
    db.execute("DELETE FROM heads")
    kept = [r for r in _entries(db) if not ('"ev":"row"' in r[2] and '"table":"heads"' in r[2])]
    _restore(db, [(k + 1, t, text, p, h) for k, (_, t, text, p, h) in enumerate(kept)])
    _rewrite(db, edit_at=0)  # renumbered; recompute the chain, the head and the tree
    assert a.store.verify_log()["ok"] and audit(a)["ok"] and audit(a)["countersigned"] == []
    sock = listen(0)
    srv = server(NotifyApp(b, threading.Lock()))
    th = threading.Thread(target=lambda: asyncio.run(srv.serve(sockets=[sock])), daemon=True)
    th.start()
    try:
        for _ in range(100):
            if srv.started:
                break
            time.sleep(0.05)
        res = audit(a, f"http://127.0.0.1:{sock.getsockname()[1]}")
    finally:
        srv.should_exit = True
        th.join(10)
        sock.close()
    assert not res["ok"] and "held by the peer" in res["problem"] and res["peer"]["head"]["size"] > 0, res


def test_a_state_change_appended_to_the_log_by_hand_is_caught_by_the_signed_messages(parties):
    """Whoever can write the database can also append entries through the store's own API (a row hash for
    the edit). The replay of the signed messages behind the notices and the inbox still tells."""
    _, b = parties
    db = b.store.db
    key = db.execute("SELECT root_sender, root_id FROM notices WHERE state='active'").fetchone()
    with b.store.tx():
        db.execute("UPDATE notices SET state='cancelled' WHERE root_sender=? AND root_id=?", key)
        b.store.cover("notices", key, T0 + 99)
    res = audit(b)
    assert not res["ok"] and "but the signed messages make it active" in res["problem"], res
    with b.store.tx():
        db.execute("UPDATE notices SET state='active' WHERE root_sender=? AND root_id=?", key)
        b.store.cover("notices", key, T0 + 99)
    assert audit(b)["ok"]
    row = list(db.execute("SELECT * FROM inbox WHERE type='NOTIFY'").fetchone())
    row[1] = "00000000-0000-4000-8000-000000000000"  # a message nobody sent, logged as if processed
    with b.store.tx():
        db.execute("INSERT INTO inbox VALUES(?,?,?,?,?,?,?,?,?,?)", row)
        b.store.cover("inbox", (row[0], row[1]), T0 + 99)
        b.store.log(T0 + 99, {"ev": "processed", "sender": row[0], "id": row[1], "type": "NOTIFY", "seq": row[2],
                              "hash": row[5]})
    res = audit(b)
    assert not res["ok"] and "differs from the one the log processed" in res["problem"], res
