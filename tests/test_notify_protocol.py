"""duel.notify protocol: schema, canonical bytes, signatures and pinned keys, replay, freshness, ordering,
regime flags, the hash-chained log and CAP. Each protection has a test that fails without it."""

from __future__ import annotations

import json

import numpy as np
import pytest

from duel.errors import InputError
from duel.notify import message as msg
from duel.notify.canonical import canonical, fmt_time, number
from duel.notify.cap import export_cap, import_cap
from duel.notify.keys import Signer
from duel.notify.message import SchemaError
from duel.notify.party import Policy
from duel.notify.regime import check_cancel, check_launch, check_notice
from duel.notify.sim import SIM_EPOCH, notice_fields, sim_keys, sim_party

T0 = SIM_EPOCH


@pytest.fixture
def pair():
    """Notifier A and recipient B on in-memory stores, keys pinned, default policy."""
    ring, signers = sim_keys(["A", "B", "C"], 3, T0)
    rng = np.random.default_rng(0)
    a = sim_party("A", ring, signers["A"], Policy(), rng)
    b = sim_party("B", ring, signers["B"], Policy(), rng)
    return a, b, ring, signers


def notify(a, now=T0, **kw):
    fields = notice_fields("B", now + 1800.0)
    fields.update(kw)
    return a.submit(fields, now)


def follow(a, root, kind, now, **kw):
    fields = {"type": kind, "recipients": ["B"], "references": [msg.ref(root)]}
    if kind in ("UPDATE", "POST_LAUNCH"):
        base = notice_fields("B", T0 + 1800.0)
        fields.update({k: base[k] for k in ("regime", "missile_class", "num_missiles", "launch_area")})
        if kind == "UPDATE":
            fields["window"] = base["window"]
    fields.update(kw)
    return a.submit(fields, now)


# ---------------------------------------------------------------- canonical form and schema
def test_canonical_bytes_sorted_compact_and_ecmascript_numbers():
    assert canonical({"b": 1, "a": [1.0, 0.5, "é"]}) == '{"a":[1,0.5,"é"],"b":1}'.encode()
    assert [number(x) for x in (10000.0, 1e-7, 1.5e22, 1e21, 123456789012345680000.0, -0.000001, 0.0)] == [
        "10000", "1e-7", "1.5e+22", "1e+21", "123456789012345680000", "-0.000001", "0"]


def test_valid_message_round_trips_and_signature_covers_bytes(pair):
    a, _, ring, _ = pair
    m = notify(a)
    raw = msg.wire(m)
    assert msg.parse(raw) == m and msg.wire(msg.parse(raw)) == raw
    ring.verify(m, 120.0)
    assert m["status"] == "Exercise" and m["seq"] == 1


BAD_FIELDS = [
    (lambda m: m.pop("sent"), "sent"),
    (lambda m: m.update(sent="2024-11-21 00:00:00"), "sent"),
    (lambda m: m.update(status="Actual"), "status"),
    (lambda m: m.update(type="ALERT"), "type"),
    (lambda m: m.update(seq=0), "seq"),
    (lambda m: m.update(seq=True), "seq"),
    (lambda m: m.update(seq=1.0), "seq"),
    (lambda m: m.update(id="not-a-uuid"), "id"),
    (lambda m: m.update(recipients=[]), "recipients"),
    (lambda m: m.update(recipients=["A"]), "recipients"),
    (lambda m: m.update(missile_class="hypersonic"), "missile_class"),
    (lambda m: m.update(num_missiles=0), "num_missiles"),
    (lambda m: m.update(regime="nato"), "regime"),
    (lambda m: m.update(regime=[]), "regime"),
    (lambda m: m["launch_area"]["circle"].update(radius_m=10.0), "launch_area.circle.radius_m"),
    (lambda m: m["launch_area"]["circle"].update(lat_deg=91), "launch_area.circle.lat_deg"),
    (lambda m: m.update(impact_area={"desc": "x", "polygon": [[1, 1], [1, 2], [2, 2], [1, 1.5]]}), "impact_area.polygon"),
    (lambda m: m["window"].update(end=m["window"]["start"]), "window.end"),
    (lambda m: m.update(expires="2000-01-01T00:00:00Z"), "expires"),
    (lambda m: m.update(references=[{"sender": "A", "id": m["id"], "sent": m["sent"]}]), "references"),
    (lambda m: m.update(public_key="AAAA"), "public_key"),
    (lambda m: m["signature"].update(alg="RS256"), "signature.alg"),
    (lambda m: m["signature"].update(jwk={"kty": "OKP"}), "signature.jwk"),
]


@pytest.mark.parametrize("mutate,field", BAD_FIELDS, ids=[f for _, f in BAD_FIELDS])
def test_schema_rejects_malformed_message_naming_the_field(pair, mutate, field):
    a, *_ = pair
    m = json.loads(msg.wire(notify(a)))
    mutate(m)
    with pytest.raises(SchemaError) as exc:
        msg.validate(m)
    assert exc.value.field == field and str(exc.value).startswith(field + ":")
    assert isinstance(exc.value, InputError)


def test_parse_rejects_duplicate_keys_nan_and_non_json():
    for raw, field in ((b'{"type":"ACK","type":"ACK"}', "type"), (b"{\"seq\": NaN}", "message"),
                       (b"\xff\xfe", "message"), (b"[1,2]", "message"), (b"x" * 20000, "message")):
        with pytest.raises(SchemaError) as exc:
            msg.parse(raw)
        assert exc.value.field == field


# ---------------------------------------------------------------- trust
def test_every_changed_byte_is_rejected(pair):
    a, b, *_ = pair
    raw = msg.wire(notify(a))
    for i in range(len(raw)):
        bad = raw[:i] + bytes([raw[i] ^ 0x01]) + raw[i + 1:]
        out = b.receive(bad, T0 + 1)
        assert out.status == "rejected" and 400 <= out.code < 500, (i, raw[i:i + 10])
    assert b.notices() == [] and b.receive(raw, T0 + 1).status == "accepted"


def test_unknown_key_and_key_carried_in_message_are_rejected(pair):
    a, b, *_ = pair
    m = notify(a)
    mallory = Signer.generate("A", b"\x07" * 32)  # claims to be A; key not pinned
    forged = mallory.sign(json.loads(msg.wire(m)))
    out = b.receive(msg.wire(forged), T0 + 1)
    assert out.code == 401 and out.error.startswith("signature.key_id: unknown key")
    forged["public_key"] = mallory.public_raw.hex()  # a key inside the message is never trusted
    mallory.sign(forged)
    out = b.receive(msg.wire(forged), T0 + 1)
    assert out.code == 422 and out.error.startswith("public_key: unknown field")


def test_key_of_another_party_is_rejected(pair):
    a, b, ring, signers = pair
    m = json.loads(msg.wire(notify(a)))
    signers["C"].sign(m)  # C's pinned key, but the sender says A
    out = b.receive(msg.wire(m), T0 + 1)
    assert out.code == 401 and "key of party 'C'" in out.error


def test_revoked_key_is_rejected(pair):
    a, b, ring, _ = pair
    raw = msg.wire(notify(a))
    ring.revoke("A", a.signer.key_id)
    out = b.receive(raw, T0 + 1)
    assert out.code == 401 and out.error == "signature.key_id: key revoked"


def test_rotation_old_key_valid_before_rotation_only(pair):
    a, b, ring, _ = pair
    before = msg.wire(notify(a, now=T0))
    new = Signer.generate("A", b"\x09" * 32)
    ring.add("A", new.public_raw, T0 + 600.0)
    assert b.receive(before, T0 + 700).status == "accepted"  # sent while the old key was valid
    late = msg.wire(notify(a, now=T0 + 900))  # still signed with the rotated-out key
    out = b.receive(late, T0 + 901)
    assert out.code == 401 and "rotated" in out.error
    a.signer = new
    assert b.receive(msg.wire(notify(a, now=T0 + 910)), T0 + 911).status == "accepted"


# ---------------------------------------------------------------- replay, duplicates, freshness
def test_duplicate_is_processed_once_and_reacked_identically(pair):
    a, b, *_ = pair
    raw = msg.wire(notify(a))
    first, second = b.receive(raw, T0 + 1), b.receive(raw, T0 + 2)
    assert (first.status, second.status) == ("accepted", "duplicate")
    assert first.reply == second.reply and json.loads(first.reply)["type"] == "ACK"
    assert list(b.processed_counts().values()) == [1]


def test_same_id_different_body_is_an_error_not_a_duplicate(pair):
    a, b, *_ = pair
    m = notify(a)
    b.receive(msg.wire(m), T0 + 1)
    m2 = json.loads(msg.wire(m))
    m2["num_missiles"] = 2
    a.signer.sign(m2)  # genuinely signed by A, same id and seq, different body
    out = b.receive(msg.wire(m2), T0 + 2)
    assert out.status == "conflict" and out.code == 409 and out.error.startswith("id:")
    err = json.loads(out.reply)
    assert err["type"] == "ERROR" and err["references"][0]["id"] == m["id"]
    assert b.notices()[0]["message"]["num_missiles"] == 1


def test_old_sequence_number_and_reused_sequence_are_rejected(pair):
    a, b, *_ = pair
    old = notify(a)  # seq 1
    for k in range(70):
        b.receive(msg.wire(notify(a, now=T0 + k)), T0 + k + 1)
    out = b.receive(msg.wire(old), T0 + 80)
    assert out.code == 409 and "below the anti-replay window" in out.error
    # a fresh id reusing a seen sequence number (A's key, as after a restored backup)
    m = json.loads(msg.wire(notify(a, now=T0 + 81)))
    b.receive(msg.wire(m), T0 + 82)
    m["id"] = "00000000-0000-4000-8000-000000000001"
    a.signer.sign(m)
    out = b.receive(msg.wire(m), T0 + 83)
    assert out.code == 409 and "already used" in out.error


def test_expired_message_reinjected_is_rejected(pair):
    a, b, *_ = pair
    m = a.submit({"type": "NOTIFY", **{k: v for k, v in notice_fields("B", T0 + 60).items() if k != "type"},
                  "expires": fmt_time(T0 + 300)}, T0)
    b2 = b
    out = b2.receive(msg.wire(m), T0 + 300 + 121)
    assert out.code == 422 and out.error.startswith(("expires:", "sent:"))


@pytest.mark.parametrize("offset,ok", [(0, True), (100, True), (-100, True), (200, False), (-1100, False)])
def test_clock_skew_inside_tolerance_accepted_beyond_rejected(pair, offset, ok):
    a, b, *_ = pair
    raw = msg.wire(notify(a, now=T0 + offset))  # sender's clock is `offset` s off (or the message is stale)
    out = b.receive(raw, T0)
    assert (out.status == "accepted") is ok, out.error
    if not ok:
        assert out.error.startswith("sent:")


# ---------------------------------------------------------------- ordering
def test_update_before_notify_is_held_then_applied(pair):
    a, b, *_ = pair
    n = notify(a)
    u = follow(a, n, "UPDATE", T0 + 1, num_missiles=2)
    assert b.receive(msg.wire(u), T0 + 2).status == "held"
    assert b.notices() == []
    assert b.receive(msg.wire(n), T0 + 3).status == "accepted"
    (view,) = b.notices()
    assert view["state"] == "updated" and view["message"]["num_missiles"] == 2


def test_cancel_before_notify_stays_cancelled(pair):
    a, b, *_ = pair
    n = notify(a)
    c = follow(a, n, "CANCEL", T0 + 1)
    b.receive(msg.wire(c), T0 + 2)
    b.receive(msg.wire(n), T0 + 3)
    assert b.notices()[0]["state"] == "cancelled"


def test_conflicting_updates_resolve_by_sequence_not_arrival(pair):
    a, b, *_ = pair
    n = notify(a)
    u1 = follow(a, n, "UPDATE", T0 + 1, num_missiles=2)
    u2 = follow(a, n, "UPDATE", T0 + 2, num_missiles=3)
    for m in (n, u2, u1):
        b.receive(msg.wire(m), T0 + 5)
    assert b.notices()[0]["message"]["num_missiles"] == 3


def test_sender_lifecycle_superseded_cancelled_and_alarm(pair):
    a, b, *_ = pair
    n = notify(a)
    follow(a, n, "UPDATE", T0 + 1)
    assert a.notices()[0]["state"] == "superseded"
    follow(a, n, "CANCEL", T0 + 2)
    assert a.notices()[0]["state"] == "cancelled"
    t = T0
    while a.next_due() is not None:  # nobody answers: attempts with backoff, then an alarm
        t = a.next_due()
        a.due(t)
    assert set(a.outbox_states().values()) == {"alarm"}
    sent = [e["t"] - T0 for e in a.store.events("sent") if e["id"] == n["id"]]
    assert np.allclose(np.diff(sent), [5, 10, 20, 40, 60])


# ---------------------------------------------------------------- regime checks
def test_regime_flags():
    def m(regime, cls, lead):
        return {"type": "NOTIFY", "regime": regime, "missile_class": cls, "sent": fmt_time(T0),
                "window": {"start": fmt_time(T0 + lead), "end": fmt_time(T0 + lead + 3600)}}

    assert check_notice(m("bmlna-1988", "ICBM", 86400)) == []
    assert check_notice(m("bmlna-1988", "ICBM", 1800))[0].startswith("late notice")
    assert "goodwill - not required" in check_notice(m("bmlna-1988", "IRBM", 86400))[0]
    assert check_notice(m("goodwill", "IRBM", 1800)) == []  # the Nov 2024 Oreshnik notice: 30 min, goodwill
    window = {"start": fmt_time(T0), "end": fmt_time(T0 + 3600)}
    assert check_launch(window, T0 + 10) == [] and check_launch(window, T0 + 4000) != []
    assert check_cancel(T0 + 5, T0) == ["cancellation after launch"] and check_cancel(T0 - 5, T0) == []


def test_receiver_flags_launch_outside_window_and_cancel_after_launch(pair):
    a, b, *_ = pair
    n = notify(a)
    pl = follow(a, n, "POST_LAUNCH", T0 + 60, launched_at=fmt_time(T0 + 30))  # window opens at +1800
    c = follow(a, n, "CANCEL", T0 + 90)
    for m in (n, pl, c):
        b.receive(msg.wire(m), T0 + 100)
    flags = b.notices()[0]["flags"]
    assert "launch outside the notified window" in flags and "cancellation after launch" in flags


# ---------------------------------------------------------------- log
def _busy(pair):
    a, b, *_ = pair
    n = notify(a)
    out = b.receive(msg.wire(n), T0 + 1)
    a.receive(out.reply, T0 + 2)
    return a


def test_log_verifies_and_detects_edit_delete_reorder(pair):
    a = _busy(pair)
    db = a.store.db
    assert a.store.verify_log()["ok"] and a.store.verify_log()["entries"] >= 2
    with pytest.raises(Exception, match="append-only"):
        db.execute("UPDATE log SET t=0 WHERE i=1")
    db.execute("DROP TRIGGER log_no_update")
    db.execute("DROP TRIGGER log_no_delete")
    snapshot = db.execute("SELECT * FROM log").fetchall()

    def restore():
        db.execute("DELETE FROM log")
        db.executemany("INSERT INTO log VALUES(?,?,?,?,?)", snapshot)
        assert a.store.verify_log()["ok"]

    db.execute("UPDATE log SET event=replace(event, '\"queued\"', '\"sent\"') WHERE json_extract(event, '$.ev')='queued'")
    assert "hash does not match" in a.store.verify_log()["problem"]
    restore()
    db.execute("DELETE FROM log WHERE i=1")
    assert not a.store.verify_log()["ok"]
    restore()
    db.execute("UPDATE log SET i=-i")
    db.execute("UPDATE log SET i=CASE WHEN i=-1 THEN 2 WHEN i=-2 THEN 1 ELSE -i END")
    assert not a.store.verify_log()["ok"]
    restore()
    db.execute(f"DELETE FROM log WHERE i={len(snapshot)}")
    assert "truncated" in a.store.verify_log()["problem"]


def test_same_seed_same_log_head():
    def head(seed):
        ring, s = sim_keys(["A", "B"], seed, T0)
        rng = np.random.default_rng(seed)
        a, b = sim_party("A", ring, s["A"], Policy(), rng), sim_party("B", ring, s["B"], Policy(), rng)
        n = a.submit(notice_fields("B", T0 + 1800), T0)
        b.receive(msg.wire(n), T0 + 1)
        return b.store.verify_log()["head"]

    assert head(5) == head(5) != head(6)


# ---------------------------------------------------------------- CAP
def test_cap_export_import_round_trip_keeps_signature(pair):
    a, _, ring, _ = pair
    m = notify(a, impact_area={"desc": "notional", "polygon": [[48, 35], [48.5, 35], [48.5, 35.5], [48, 35]]},
               source_ids=["S20", "S21"])
    x = export_cap(m)
    assert b"urn:oasis:names:tc:emergency:cap:1.2" in x and b"<status>Exercise</status>" in x
    assert b"<scope>Private</scope>" in x and b"-00:00</sent>" in x and b"Z</sent>" not in x
    assert b"<circle>48.6,45.7 50</circle>" in x
    back = import_cap(x)
    assert back == m and export_cap(back) == x
    ring.verify(back, 120.0)


def test_cap_import_rejects_entities_and_names_the_element(pair):
    a, *_ = pair
    with pytest.raises(SchemaError, match="DOCTYPE"):
        import_cap(b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "y">]><alert/>')
    x = export_cap(notify(a)).replace(b"-00:00</sent>", b"Z</sent>", 1)
    with pytest.raises(SchemaError) as exc:
        import_cap(x)
    assert exc.value.field == "cap:alert.sent"


def test_non_canonical_signature_encoding_is_rejected(pair):
    a, b, *_ = pair
    m = json.loads(msg.wire(notify(a)))
    abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    sig = m["signature"]["sig"]
    m["signature"]["sig"] = sig[:-1] + abc[abc.index(sig[-1]) ^ 1]  # flips an unused padding bit only
    out = b.receive(msg.wire(m), T0 + 1)
    assert out.code == 401 and out.error.startswith("signature.sig")
