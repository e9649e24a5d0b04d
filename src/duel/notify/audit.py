"""A party's whole store checked against what its peers signed (`duel notify log verify`).

The local checks (:meth:`duel.notify.store.Store.verify_log`) find an edited, deleted, inserted or reordered
log entry and any derived-table row that differs from the log. They cannot find a rewrite that recomputes
every hash: whoever can write the database can recompute a chain. What they cannot recompute is a peer's
signature. Every message carries the sender's tree head and the head of the recipient's log as the sender last
received it (``seen``), so each party holds, in the signed messages of its inbox, heads of its own log that the
peer countersigned. :func:`audit` checks that this log's first ``size`` entries still hash to the latest such
head of each peer (the message's signature checked against the pinned keyring), and, with ``peer_url``, to the
head the peer holds now (``GET /v1/heads``), which survives even a deletion of the local copies. As in
Certificate Transparency (RFC 9162), entries after the last countersigned head are protected from the next
exchange on.
"""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from duel.notify import message as msg
from duel.notify.keys import TrustError
from duel.notify.merkle import EMPTY_ROOT
from duel.notify.message import SchemaError
from duel.notify.party import Party
from duel.notify.store import Store, latest_heads, verify_chain, verify_tables


def countersigned(party: Party) -> list[dict[str, Any]]:
    """The latest head of ``party``'s log that each peer signed (``seen`` in a message of its inbox):
    ``[{"by", "id", "size", "root", "problem"}]``, ``problem`` set where the signed message does not back the
    stored head (edited, forged or missing)."""
    db = party.store.db
    out = []
    for sender, (mid, size, root) in latest_heads(db, "seen").items():
        row = db.execute("SELECT body FROM inbox WHERE sender=? AND id=?", (sender, mid)).fetchone()
        problem = None
        try:
            if row is None:
                raise SchemaError("inbox", "the message is missing")
            m = msg.parse(bytes(row[0]))
            party.keyring.verify(m, party.policy.skew_s)
            if m.get("seen") != {"size": size, "root": root} or m["sender"] != sender or m["id"] != mid:
                raise SchemaError("seen", "the stored head is not the one the message carries")
        except (SchemaError, TrustError) as exc:
            problem = f"the head {sender} countersigned in message {mid} is not backed by its signed message ({exc})"
        out.append({"by": sender, "id": mid, "size": size, "root": root, "problem": problem})
    return out


def replayed(party: Party) -> str | None:
    """The problem, or None, when the messages the log says were processed are replayed through the same
    receiver code (:meth:`Party._process`) on an empty store, in the log's order and at the logged times: each
    stored message must be signed by a key pinned for its sender, and the notices of other parties and the inbox
    must come out as stored. A state change appended to the log by hand (with its row hash) has no signed
    message behind it and shows here. (A notice's ``expired`` is the due-time sweep's: accepted for a notice the
    replay leaves active, updated or superseded.)"""
    db = party.store.db
    shadow = Party(party.name, Store(":memory:"), party.keyring, party.signer, party.policy)
    for t, text in db.execute("SELECT t, event FROM log WHERE json_extract(event, '$.ev') IN ('processed', 'held') "
                              "ORDER BY i").fetchall():
        e = json.loads(text)
        row = db.execute("SELECT body FROM inbox WHERE sender=? AND id=?", (e["sender"], e["id"])).fetchone()
        if row is None:
            return f"inbox: message {e['sender']}/{e['id']} that the log processed is missing"
        try:
            m = msg.parse(bytes(row[0]))
            party.keyring.verify(m, party.policy.skew_s, when_received=False)
        except (SchemaError, TrustError) as exc:
            return f"inbox: message {e['sender']}/{e['id']} is not the signed message it was ({exc})"
        if (m["sender"], m["id"]) != (e["sender"], e["id"]) or msg.body_hash(m) != e["hash"]:
            return f"inbox: message {e['sender']}/{e['id']} differs from the one the log processed"
        with shadow.store.tx() as sdb:
            shadow._process(sdb, m, t)
    cols = "root_sender, root_id, state, seq, body"
    mine = {r[:2]: r for r in db.execute(f"SELECT {cols} FROM notices WHERE root_sender<>?", (party.name,))}
    theirs = {r[:2]: r for r in shadow.store.db.execute(f"SELECT {cols} FROM notices")}
    for key in sorted(set(mine) | set(theirs)):
        a, b = mine.get(key), theirs.get(key)
        if a is None or b is None:
            return f"notices: {list(key)} is {'missing' if a is None else 'not backed by any signed message'}"
        same_state = a[2] == b[2] or (a[2] == "expired" and b[2] in ("active", "updated", "superseded"))
        if not same_state or a[3:] != b[3:]:
            return (f"notices: {list(key)} is {a[2]} (seq {a[3]}) but the signed messages make it {b[2]} (seq {b[3]})"
                    if not same_state or a[3] != b[3] else f"notices: {list(key)} holds another body than the "
                    "signed messages give")
    ins = "SELECT sender, id, type, state FROM inbox ORDER BY sender, id"
    if db.execute(ins).fetchall() != shadow.store.db.execute(ins).fetchall():
        return "inbox: the stored messages or their states differ from the replay of the log"
    shadow.store.close()
    return None


def peer_head(peer_url: str, party: str, timeout_s: float = 10.0) -> dict[str, Any] | None:
    """The latest head of ``party``'s log that the peer at ``peer_url`` holds (``{"size", "root", "id"}``), or
    None if it holds none."""
    with urllib.request.urlopen(f"{peer_url}/v1/heads", timeout=timeout_s) as resp:
        doc = json.loads(resp.read(1_000_000))
    held = doc.get("heads", {}).get(party) if isinstance(doc, dict) and isinstance(doc.get("heads"), dict) else None
    if held is None:
        return None
    if not (isinstance(held, dict) and isinstance(held.get("size"), int) and isinstance(held.get("root"), str)):
        raise ValueError(f"the peer's head of {party} is not {{size, root}}")
    return held


def audit(party: Party, peer_url: str | None = None) -> dict[str, Any]:
    """Check ``party``'s whole store (module docstring): ``{ok, entries, head, root, problem, countersigned,
    peer}``. An unreachable ``peer_url`` is a problem, not a pass."""
    heads = countersigned(party)
    peer: dict[str, Any] | None = None
    if peer_url is not None:
        try:
            held = peer_head(peer_url, party.name)
        except (OSError, ValueError) as exc:
            return {"ok": False, "problem": f"--peer: cannot read the heads the peer holds ({exc})",
                    "countersigned": heads, "peer": None}
        peer = {"url": peer_url, "head": held}
    sizes = [h["size"] for h in heads] + ([peer["head"]["size"]] if peer and peer["head"] else [])
    res = verify_chain(party.store.db, sizes=sizes)
    res.pop("checkpoint", None)
    roots = res.pop("roots", {})
    problem = res["problem"] or verify_tables(party.store.db) or replayed(party)
    checks = [(f"countersigned by {h['by']} in message {h['id']}", h["size"], h["root"], h["problem"]) for h in heads]
    if peer and peer["head"]:
        checks.append((f"held by the peer at {peer_url}", peer["head"]["size"], peer["head"]["root"], None))
    for what, size, root, bad in checks:
        if problem:
            break
        if bad:
            problem = bad
        elif size > res["entries"]:
            problem = f"the log has {res['entries']} entries, fewer than the {size} of the head {what} (truncated)"
        elif (roots.get(size) if size else EMPTY_ROOT.hex()) != root:
            problem = (f"the log's first {size} entries do not hash to the head {what}: the log was rewritten "
                       "after that head was signed")
    return {**res, "ok": problem is None, "problem": problem, "countersigned": heads, "peer": peer}
