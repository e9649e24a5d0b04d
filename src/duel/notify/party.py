"""One party of the exchange: the sender lifecycle and the receiver pipeline, on top of a :class:`Store`.

Sender: a message is drafted, signed and queued in one transaction (``queued``); :meth:`Party.due` hands
out attempts (``sent``, attempt k) with exponential backoff until an ACK (``acked``), an ERROR
(``rejected``), or the ack deadline / last attempt's timeout (``alarm``: logged, never silent). Flow
control keeps every message in flight to a peer within ``window`` sequence numbers of the oldest
unacknowledged one, so a backlog after an outage never falls below the peer's anti-replay window.
A sender's own UPDATE or CANCEL marks its notice ``superseded`` / ``cancelled``; a notice whose
``expires`` passes is ``expired``.

Receiver (:meth:`Party.receive`): parse and schema → addressed to me → pinned-key signature → freshness
(``sent`` within the clock-skew tolerance, not older than ``max_age_s``, not past ``expires``) → id dedupe
(same body: the stored reply again, processed once; different body: ERROR) → sequence window (RFC 4303
style; ACK and ERROR are exempt: applying one twice changes nothing, and a stored ACK re-sent for a
retransmission legitimately carries an old sequence number) → process (UPDATE/CANCEL/POST_LAUNCH before their NOTIFY are held and applied when it arrives;
the notice's state is that of its highest-sequence message, whatever the arrival order) → reply ACK.
Every step is one transaction with its log entry. Times are POSIX seconds (UTC) of this party's clock.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from duel.notify import message as msg
from duel.notify.canonical import fmt_time, parse_time
from duel.notify.keys import Keyring, Signer, TrustError
from duel.notify.message import SchemaError
from duel.notify.regime import check_cancel, check_launch, check_notice
from duel.notify.store import Store, latest_heads

CONTENT_TYPES = ("NOTIFY", "UPDATE", "POST_LAUNCH")
REJECT_SAMPLE_S = 60.0
"""Refusals before authentication: at most one log entry per kind and this many seconds (s)."""


@dataclass(frozen=True)
class Policy:
    """Trust and delivery settings (s). Defaults: skew after the JWT leeway of "a few minutes" (S44);
    anti-replay window of 64 (RFC 4303 default, S43); ack timeouts 5, 10, 20, 40, 60 s (notional)."""

    skew_s: float = 120.0
    max_age_s: float = 900.0
    window: int = 64
    retries: int = 5
    first_timeout_s: float = 5.0
    backoff: float = 2.0
    max_timeout_s: float = 60.0

    def timeout(self, attempt: int) -> float:
        """Ack timeout (s) after attempt ``attempt`` (1-based)."""
        return min(self.first_timeout_s * self.backoff ** (attempt - 1), self.max_timeout_s)

    def last_ack_s(self) -> float:
        """Time (s) from the first attempt to the alarm when nothing is acked."""
        return sum(self.timeout(k) for k in range(1, self.retries + 2))


@dataclass(frozen=True)
class Transmission:
    """One attempt to hand ``raw`` (wire bytes of message ``id``) to ``recipient``."""

    recipient: str
    raw: bytes
    id: str
    attempt: int


@dataclass(frozen=True)
class Outcome:
    """What :meth:`Party.receive` did: ``status`` accepted | duplicate | held | ack | error_received |
    rejected | conflict; ``code`` the HTTP status; ``reply`` signed ACK/ERROR wire bytes (or None)."""

    status: str
    code: int
    error: str | None = None
    reply: bytes | None = None
    message: dict[str, Any] | None = None


class Party:
    """A party with its store, pinned keyring, signing key and policy."""

    def __init__(self, name: str, store: Store, keyring: Keyring, signer: Signer, policy: Policy | None = None,
                 new_id: Callable[[], str] | None = None):
        self.name, self.store, self.keyring, self.signer = name, store, keyring, signer
        self.policy = policy or Policy()
        self.new_id = new_id or (lambda: str(uuid.uuid4()))
        self.rejected: dict[str, int] = {}  # refusals before authentication, per kind, since this object began
        self._rejected_logged: dict[str, tuple[float, int]] = {}  # field -> (time, count) of the last logged one

    # ---------------------------------------------------------------- sender
    def _next_seq(self) -> int:
        seq = int(self.store.meta("next_seq", "1"))
        self.store.set_meta("next_seq", str(seq + 1))
        return seq

    def _sign_new(self, fields: dict[str, Any], now: float) -> dict[str, Any]:
        """A new signed message carrying this log's head and, for a single recipient, that recipient's head as
        last received from it (countersigned by this signature)."""
        m = {"format": msg.FORMAT, "id": self.new_id(), "sender": self.name, "sent": fmt_time(now),
             "seq": self._next_seq(), "status": "Exercise", "references": [], "head": self.store.head(), **fields}
        if len(m["recipients"]) == 1:
            seen = latest_heads(self.store.db, "head").get(m["recipients"][0])
            if seen is not None:
                m["seen"] = {"size": seen[1], "root": seen[2]}
        if "window" in fields:
            m.setdefault("expires", fields["window"]["end"])
        m.setdefault("expires", fmt_time(now + self.policy.max_age_s))
        self.signer.sign(m)
        return msg.validate(m)

    def submit(self, fields: dict[str, Any], now: float, deadline: float | None = None) -> dict[str, Any]:
        """Draft, sign and queue a message (``fields``: type, recipients, content...). ``deadline`` (POSIX s)
        bounds retries; by default the alarm comes after the last attempt's timeout. Raises SchemaError."""
        with self.store.tx() as db:
            m = self._sign_new(fields, now)
            end = now + self.policy.last_ack_s() if deadline is None else deadline
            body = msg.wire(m)
            for r in m["recipients"]:
                db.execute("INSERT INTO outbox VALUES(?,?,?,?,?,?,?,?,?)",
                           (m["id"], r, m["seq"], m["type"], body, "queued", 0, now, end))
                self.store.cover("outbox", (m["id"], r), now)
            self.store.log(now, {"ev": "queued", "id": m["id"], "seq": m["seq"], "type": m["type"],
                                 "to": m["recipients"], "hash": msg.body_hash(m)})
            if m["type"] == "NOTIFY":
                self._new_notice(m, now, [])
            elif m["type"] in ("UPDATE", "CANCEL"):
                root = m["references"][0]["id"]
                state = "superseded" if m["type"] == "UPDATE" else "cancelled"
                db.execute("UPDATE notices SET state=? WHERE root_sender=? AND root_id=?", (state, self.name, root))
                self.store.cover("notices", (self.name, root), now)
                self.store.log(now, {"ev": state, "id": root, "by": m["id"]})
        return m

    def due(self, now: float) -> list[Transmission]:
        """Attempts due at ``now`` (marked sent, next timeout scheduled); overdue ones raise alarms."""
        out = []
        with self.store.tx() as db:
            rows = db.execute("SELECT id, recipient, body, attempts, deadline, seq FROM outbox "
                              "WHERE state IN ('queued','sent') AND next_at<=? ORDER BY seq", (now,)).fetchall()
            floor = dict(db.execute("SELECT recipient, MIN(seq) FROM outbox WHERE state IN ('queued','sent') "
                                    "GROUP BY recipient").fetchall())
            for mid, rcpt, body, attempts, deadline, seq in rows:
                if now >= deadline or attempts >= self.policy.retries + 1:
                    db.execute("UPDATE outbox SET state='alarm' WHERE id=? AND recipient=?", (mid, rcpt))
                    self.store.cover("outbox", (mid, rcpt), now)
                    self.store.log(now, {"ev": "alarm", "id": mid, "to": rcpt, "attempts": attempts})
                    continue
                if seq >= floor[rcpt] + self.policy.window:  # flow control: stay inside the peer's window
                    db.execute("UPDATE outbox SET next_at=? WHERE id=? AND recipient=?",
                               (min(now + self.policy.first_timeout_s, deadline), mid, rcpt))
                    self.store.cover("outbox", (mid, rcpt), now)
                    continue
                k = attempts + 1
                nxt = min(now + self.policy.timeout(k), deadline)
                db.execute("UPDATE outbox SET state='sent', attempts=?, next_at=? WHERE id=? AND recipient=?",
                           (k, nxt, mid, rcpt))
                self.store.cover("outbox", (mid, rcpt), now)
                self.store.log(now, {"ev": "sent", "id": mid, "to": rcpt, "attempt": k})
                out.append(Transmission(rcpt, body, mid, k))
            for rs, rid in db.execute("SELECT root_sender, root_id FROM notices WHERE state IN "
                                      "('active','updated','superseded') AND json_extract(body,'$.expires')<?",
                                      (fmt_time(now),)).fetchall():
                db.execute("UPDATE notices SET state='expired' WHERE root_sender=? AND root_id=?", (rs, rid))
                self.store.cover("notices", (rs, rid), now)
                self.store.log(now, {"ev": "expired", "sender": rs, "id": rid})
        return out

    def delivery_failed(self, tx: Transmission, error: str, now: float) -> None:
        """Log a failed attempt (``error``: one line); the message stays in the outbox for the next attempt."""
        with self.store.tx():
            self.store.log(now, {"ev": "delivery_failed", "id": tx.id, "to": tx.recipient, "attempt": tx.attempt,
                                 "error": " ".join(error.split())[:300]})

    def worker_restarted(self, error: str, now: float) -> None:
        """Log that the delivery worker was restarted after ``error``."""
        with self.store.tx():
            self.store.log(now, {"ev": "pump_restarted", "error": " ".join(error.split())[:300]})

    def next_due(self) -> float | None:
        """The earliest time (POSIX s) at which :meth:`due` has something to do, or None."""
        row = self.store.db.execute("SELECT MIN(next_at) FROM outbox WHERE state IN ('queued','sent')").fetchone()
        return row[0]

    def outbox_states(self) -> dict[str, str]:
        """``{message id: state}`` of this party's outbox (one recipient per message assumed)."""
        return dict(self.store.db.execute("SELECT id, state FROM outbox").fetchall())

    # ---------------------------------------------------------------- receiver
    def _reply(self, kind: str, to: dict[str, Any], now: float, note: str | None = None) -> bytes:
        fields: dict[str, Any] = {"type": kind, "recipients": [to["sender"]], "references": [msg.ref(to)]}
        if note is not None:
            fields["note"] = note
        return msg.wire(self._sign_new(fields, now))

    def _reject(self, now: float, code: int, exc: SchemaError | TrustError, raw: bytes) -> Outcome:
        """Refuse a message that failed before it was authenticated and fresh. Refusals are counted per kind (the
        message's top-level field if the schema has it, else ``message``); the log gets a sample, not every one
        (anyone who reaches the port can send junk, and each log entry is a synced write): the first refusal of a
        kind, then at most one per ``REJECT_SAMPLE_S`` with the count since the last one written."""
        top = str(getattr(exc, "field", "message")).split(".")[0].split("[")[0]
        key = top if top in msg.FIELDS else "message"  # field names a client invents make no new kinds
        self.rejected[key] = self.rejected.get(key, 0) + 1
        last = self._rejected_logged.get(key)
        if last is None or now - last[0] >= REJECT_SAMPLE_S:
            with self.store.tx():
                self.store.log(now, {"ev": "rejected_in", "reason": str(exc), "raw_sha256": hashlib.sha256(raw).hexdigest(),
                                     "count": self.rejected[key] - (0 if last is None else last[1])})
            self._rejected_logged[key] = (now, self.rejected[key])
        return Outcome("rejected", code, str(exc))

    def receive(self, raw: bytes, now: float) -> Outcome:
        """Run the receiver pipeline on wire bytes ``raw`` at this party's time ``now`` (POSIX s)."""
        p = self.policy
        try:
            m = msg.parse(raw)
        except SchemaError as exc:
            return self._reject(now, 400 if exc.field == "message" else 422, exc, raw)
        if self.name not in m["recipients"]:
            return self._reject(now, 422, SchemaError("recipients", f"not addressed to {self.name}"), raw)
        try:
            self.keyring.verify(m, p.skew_s)
        except TrustError as exc:
            return self._reject(now, 401, exc, raw)
        sent = parse_time(m["sent"])
        if sent > now + p.skew_s:
            return self._reject(now, 422, SchemaError("sent", "in the future beyond the clock-skew tolerance"), raw)
        if now - sent > p.max_age_s + p.skew_s:
            return self._reject(now, 422, SchemaError("sent", "stale: older than the freshness limit"), raw)
        if now > parse_time(m["expires"]) + p.skew_s:
            return self._reject(now, 422, SchemaError("expires", "message expired (replayed?)"), raw)
        with self.store.tx() as db:
            return self._process(db, m, now)

    def _process(self, db: Any, m: dict[str, Any], now: float) -> Outcome:
        h = msg.body_hash(m)
        row = db.execute("SELECT body_hash, reply FROM inbox WHERE sender=? AND id=?", (m["sender"], m["id"])).fetchone()
        if row is not None:
            if row[0] == h:
                self.store.log(now, {"ev": "duplicate", "sender": m["sender"], "id": m["id"]})
                return Outcome("duplicate", 200, reply=row[1], message=m)
            self.store.log(now, {"ev": "conflict", "sender": m["sender"], "id": m["id"], "hash": h})
            err = "id: same id with a different body"
            reply = None if m["type"] in ("ACK", "ERROR") else self._reply("ERROR", m, now, err)
            return Outcome("conflict", 409, err, reply, m)
        problem = None if m["type"] in ("ACK", "ERROR") else self._seq_window(db, m["sender"], m["seq"])
        if problem is not None:
            self.store.log(now, {"ev": "rejected_in", "reason": problem, "sender": m["sender"], "id": m["id"]})
            return Outcome("rejected", 409, problem, None, m)
        for kind in ("head", "seen"):  # the sender's signed head, and this log's head as the sender holds it
            if kind in m:
                db.execute("INSERT INTO heads VALUES(?,?,?,?,?)", (m["sender"], m["id"], kind, m[kind]["size"],
                                                                   m[kind]["root"]))
                self.store.cover("heads", (m["sender"], m["id"], kind), now)
        t = m["type"]
        root = m["references"][0]["id"] if m["references"] else m["id"]
        reply: bytes | None = None
        status = {"ACK": "ack", "ERROR": "error_received"}.get(t, "accepted")
        if t in ("ACK", "ERROR"):
            state = "acked" if t == "ACK" else "rejected"
            n = db.execute("UPDATE outbox SET state=? WHERE id=? AND recipient=? AND state IN ('queued','sent','alarm')",
                           (state, root, m["sender"])).rowcount
            if n:
                self.store.cover("outbox", (root, m["sender"]), now)
                self.store.log(now, {"ev": state, "id": root, "by": m["sender"], "note": m.get("note")})
        else:
            reply = self._reply("ACK", m, now)
            if t == "NOTIFY":
                held = db.execute("SELECT body FROM inbox WHERE sender=? AND root_id=? AND state='held' ORDER BY seq",
                                  (m["sender"], m["id"])).fetchall()
                self._new_notice(m, now, [json.loads(b) for (b,) in held])
                for (hid,) in db.execute("SELECT id FROM inbox WHERE sender=? AND root_id=? AND state='held'",
                                         (m["sender"], m["id"])).fetchall():
                    db.execute("UPDATE inbox SET state='processed' WHERE sender=? AND id=?", (m["sender"], hid))
                    self.store.cover("inbox", (m["sender"], hid), now)
            elif db.execute("SELECT 1 FROM notices WHERE root_sender=? AND root_id=?", (m["sender"], root)).fetchone():
                self._apply(m, now)
            else:
                status = "held"
        db.execute("INSERT INTO inbox VALUES(?,?,?,?,?,?,?,?,?,?)",
                   (m["sender"], m["id"], m["seq"], t, root, h, msg.wire(m), now,
                    "held" if status == "held" else "processed", reply))
        self.store.cover("inbox", (m["sender"], m["id"]), now)
        self.store.log(now, {"ev": "held" if status == "held" else "processed", "sender": m["sender"], "id": m["id"],
                             "type": t, "seq": m["seq"], "hash": h})
        return Outcome(status, 200, None, reply, m)

    def _seq_window(self, db: Any, sender: str, seq: int) -> str | None:
        """Anti-replay window (RFC 4303 §3.4.3): None if ``seq`` is new, else the problem."""
        w = self.policy.window
        row = db.execute("SELECT top, bits FROM seqwin WHERE sender=?", (sender,)).fetchone()
        top, bits = (row[0], int(row[1])) if row else (0, 0)
        if seq > top:  # a jump past the whole window forgets it (no shift by a huge count: seq may be 2^53 - 1)
            bits = 1 if seq - top >= w else ((bits << (seq - top)) | 1) & ((1 << w) - 1)
            top = seq
        elif seq <= top - w:
            return f"seq: {seq} is below the anti-replay window (highest seen {top}, window {w})"
        elif bits >> (top - seq) & 1:
            return f"seq: {seq} was already used by another message (replay)"
        else:
            bits |= 1 << (top - seq)
        db.execute("INSERT INTO seqwin VALUES(?,?,?) ON CONFLICT(sender) DO UPDATE SET top=excluded.top, "
                   "bits=excluded.bits", (sender, top, str(bits)))
        return None

    # ---------------------------------------------------------------- the notices view
    def _new_notice(self, m: dict[str, Any], now: float, held: list[dict[str, Any]]) -> None:
        flags = check_notice(m)
        self.store.db.execute("INSERT INTO notices VALUES(?,?,?,?,?,?,?,?)",
                              (m["sender"], m["id"], "active", m["seq"], msg.wire(m).decode(), now, None,
                               json.dumps(flags)))
        self.store.cover("notices", (m["sender"], m["id"]), now)
        for f in flags:
            self.store.log(now, {"ev": "flag", "id": m["id"], "flag": f})
        for h in held:
            self._apply(h, now)

    def _apply(self, m: dict[str, Any], now: float) -> None:
        """Apply UPDATE/CANCEL/POST_LAUNCH ``m`` to its notice; the highest sequence number wins."""
        db = self.store.db
        rs, rid = m["sender"], m["references"][0]["id"]
        state, seq, body, launched, flags_text = db.execute(
            "SELECT state, seq, body, launched_at, flags FROM notices WHERE root_sender=? AND root_id=?",
            (rs, rid)).fetchone()
        flags: list[str] = json.loads(flags_text)
        cur = json.loads(body)
        new: list[str] = []
        if m["type"] == "POST_LAUNCH":
            launched = parse_time(m["launched_at"])
            new += check_launch(cur["window"], launched) + check_notice(m)
        elif m["type"] == "UPDATE":
            new += check_notice(m)
        else:
            new += check_cancel(parse_time(m["sent"]), launched)
        if m["seq"] > seq:
            state = {"UPDATE": "updated", "CANCEL": "cancelled", "POST_LAUNCH": "launched"}[m["type"]]
            seq = m["seq"]
            if m["type"] == "UPDATE":
                body = msg.wire(m).decode()
        new = [f for f in new if f not in flags]
        for f in new:
            self.store.log(now, {"ev": "flag", "id": rid, "flag": f})
        db.execute("UPDATE notices SET state=?, seq=?, body=?, launched_at=?, flags=? WHERE root_sender=? AND root_id=?",
                   (state, seq, body, launched, json.dumps(flags + new), rs, rid))
        self.store.cover("notices", (rs, rid), now)

    def notices(self) -> list[dict[str, Any]]:
        """The notices view: one dict per notice (state, current content, first receipt time, flags)."""
        rows = self.store.db.execute("SELECT root_sender, root_id, state, seq, body, first_at, launched_at, flags "
                                     "FROM notices ORDER BY first_at").fetchall()
        return [{"sender": r[0], "id": r[1], "state": r[2], "seq": r[3], "message": json.loads(r[4]),
                 "first_at": r[5], "launched_at": r[6], "flags": json.loads(r[7])} for r in rows]

    def processed_counts(self) -> dict[tuple[str, str], int]:
        """How many times each (sender, id) was processed, counted from the log."""
        rows = self.store.db.execute(
            "SELECT json_extract(event,'$.sender'), json_extract(event,'$.id'), COUNT(*) FROM log "
            "WHERE json_extract(event,'$.ev')='processed' GROUP BY 1, 2").fetchall()
        return {(s, i): n for s, i, n in rows}
