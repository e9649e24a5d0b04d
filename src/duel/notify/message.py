"""Launch-notification messages: the schema, parsing with field-named errors, and the signed bytes.

A message is a plain JSON object (a ``dict`` here) in the ``duel-notify/1`` format::

    format      "duel-notify/1"
    id          lower-case UUID text, unique per sender
    sender      party name; recipients: list of party names (not the sender)
    sent        UTC ``YYYY-MM-DDTHH:MM:SSZ``; seq: the sender's sequence number (1, 2, ...)
    status      "Exercise" | "Test" (exercise messages only)
    type        NOTIFY | UPDATE | CANCEL | ACK | ERROR | POST_LAUNCH
    references  list of {sender, id, sent} of earlier messages (required except for NOTIFY)
    regime      e.g. "bmlna-1988", "hcoc", "goodwill" (see :mod:`duel.notify.regime`)
    missile_class, num_missiles, launch_area, impact_area (optional), window {start, end}
                the launch content, at treaty granularity: areas are circles (lat_deg, lon_deg,
                radius_m >= 1 km) or closed polygons, never points
    launched_at POST_LAUNCH only: the launch time
    expires     UTC; after it the message is stale and a re-injection is rejected
    source_ids, note  provenance and free text (ERROR: the reason)
    head        optional {size, root}: the sender's log as a Merkle tree head when it signed (RFC 9162)
    seen        optional {size, root}: the recipient's head as the sender last received it (countersigned)
    signature   {alg: "Ed25519", key_id, sig}: ``sig`` covers :func:`signed_bytes`

Malformed input raises :class:`SchemaError` whose text starts with the field path (``window.end: ...``).
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from duel.errors import InputError
from duel.notify.canonical import canonical, parse_time
from duel.notify.regime import REGIMES

FORMAT = "duel-notify/1"
MAX_MESSAGE_BYTES = 16_384
TYPES = ("NOTIFY", "UPDATE", "CANCEL", "ACK", "ERROR", "POST_LAUNCH")
STATUSES = ("Exercise", "Test")
MISSILE_CLASSES = ("ICBM", "SLBM", "IRBM", "MRBM", "SRBM", "SLV", "unknown")
MIN_AREA_RADIUS_M = 1_000.0  # an area, never an aim point
MAX_AREA_RADIUS_M = 5_000_000.0
MAX_WINDOW_S = 30 * 86_400.0

NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,31}$")
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
KEY_ID_RE = re.compile(r"^[0-9a-f]{16}$")
SIG_RE = re.compile(r"^[A-Za-z0-9_-]{86}$")
SOURCE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")

_BASE = {"format", "id", "sender", "recipients", "sent", "seq", "status", "type", "references", "expires",
         "signature", "note", "source_ids", "regime", "head", "seen"}
HEX64_RE = re.compile(r"^[0-9a-f]{64}$")
_CONTENT = {"missile_class", "num_missiles", "launch_area", "impact_area", "window"}
ALLOWED = {
    "NOTIFY": _BASE | _CONTENT,
    "UPDATE": _BASE | _CONTENT,
    "POST_LAUNCH": _BASE | _CONTENT | {"launched_at"},
    "CANCEL": _BASE,
    "ACK": _BASE,
    "ERROR": _BASE,
}
REQUIRED = {
    "NOTIFY": {"regime", "missile_class", "num_missiles", "launch_area", "window"},
    "UPDATE": {"regime", "missile_class", "num_missiles", "launch_area", "window"},
    "POST_LAUNCH": {"regime", "missile_class", "num_missiles", "launch_area", "launched_at"},
    "CANCEL": set(),
    "ACK": set(),
    "ERROR": {"note"},
}
FIELDS = frozenset().union(*ALLOWED.values()) | {"signature", "sent", "expires"}
"""Every top-level field a message may have (the categories of refusals, :meth:`duel.notify.party.Party._reject`)."""
_ALWAYS = {"format", "id", "sender", "recipients", "sent", "seq", "status", "type", "references", "expires",
           "signature"}


class SchemaError(InputError):
    """A malformed message; the text starts with the field path, e.g. ``window.end: must be after ...``."""

    def __init__(self, field: str, problem: str):
        super().__init__(f"{field}: {problem}")
        self.field = field


def _str(v: Any, field: str, pattern: re.Pattern[str] | None = None, max_len: int = 200) -> str:
    if not isinstance(v, str):
        raise SchemaError(field, "must be a string")
    if not v or len(v) > max_len:
        raise SchemaError(field, f"must be 1 to {max_len} characters")
    if pattern is not None and not pattern.match(v):
        raise SchemaError(field, f"'{v[:40]}' is not of the form {pattern.pattern}")
    return v


def _int(v: Any, field: str, lo: int, hi: int) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise SchemaError(field, "must be an integer")
    if not lo <= v <= hi:
        raise SchemaError(field, f"must be in [{lo}, {hi}], got {v}")
    return v


def _num(v: Any, field: str, lo: float, hi: float) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise SchemaError(field, "must be a number")
    if not lo <= v <= hi:
        raise SchemaError(field, f"must be in [{lo:g}, {hi:g}], got {v}")
    return float(v)


def _time(v: Any, field: str) -> float:
    try:
        return parse_time(v)
    except ValueError as exc:
        raise SchemaError(field, str(exc)) from None


def _obj(v: Any, field: str, keys: set[str], required: set[str]) -> dict[str, Any]:
    if not isinstance(v, dict):
        raise SchemaError(field, "must be an object")
    for k in v:
        if k not in keys:
            raise SchemaError(f"{field}.{k}" if field else k, "unknown field")
    for k in sorted(required):
        if k not in v:
            raise SchemaError(f"{field}.{k}" if field else k, "is required")
    return v


def _list(v: Any, field: str, lo: int, hi: int) -> list[Any]:
    if not isinstance(v, list):
        raise SchemaError(field, "must be a list")
    if not lo <= len(v) <= hi:
        raise SchemaError(field, f"must have {lo} to {hi} items, got {len(v)}")
    return v


def _area(v: Any, field: str) -> None:
    a = _obj(v, field, {"desc", "circle", "polygon"}, {"desc"})
    _str(a["desc"], f"{field}.desc")
    if ("circle" in a) == ("polygon" in a):
        raise SchemaError(field, "needs exactly one of circle or polygon")
    if "circle" in a:
        c = _obj(a["circle"], f"{field}.circle", {"lat_deg", "lon_deg", "radius_m"}, {"lat_deg", "lon_deg", "radius_m"})
        _num(c["lat_deg"], f"{field}.circle.lat_deg", -90.0, 90.0)
        _num(c["lon_deg"], f"{field}.circle.lon_deg", -180.0, 180.0)
        r = c["radius_m"]
        if not isinstance(r, bool) and isinstance(r, int | float) and r < MIN_AREA_RADIUS_M:
            raise SchemaError(f"{field}.circle.radius_m", f"must be at least {MIN_AREA_RADIUS_M:g} m "
                              "(an area, never an aim point)")
        _num(r, f"{field}.circle.radius_m", MIN_AREA_RADIUS_M, MAX_AREA_RADIUS_M)
        return
    pts = _list(a["polygon"], f"{field}.polygon", 4, 100)
    for i, p in enumerate(pts):
        pf = f"{field}.polygon[{i}]"
        if not isinstance(p, list) or len(p) != 2:
            raise SchemaError(pf, "must be a [lat_deg, lon_deg] pair")
        _num(p[0], pf, -90.0, 90.0)
        _num(p[1], pf, -180.0, 180.0)
    if pts[0] != pts[-1]:
        raise SchemaError(f"{field}.polygon", "must be closed (first point = last point)")
    lats, lons = [p[0] for p in pts], [p[1] for p in pts]
    if max(lats) - min(lats) < 0.01 or max(lons) - min(lons) < 0.01:
        raise SchemaError(f"{field}.polygon", "spans less than 0.01 deg: an area, never an aim point")


def validate(m: Any) -> dict[str, Any]:
    """Check a parsed message against the schema; return it unchanged or raise :class:`SchemaError`."""
    if not isinstance(m, dict):
        raise SchemaError("message", "must be a JSON object")
    if "type" not in m:
        raise SchemaError("type", "is required")
    if m["type"] not in TYPES:
        raise SchemaError("type", f"must be one of {', '.join(TYPES)}")
    t = m["type"]
    _obj(m, "", ALLOWED[t], _ALWAYS | REQUIRED[t])
    if m["format"] != FORMAT:
        raise SchemaError("format", f"must be '{FORMAT}'")
    _str(m["id"], "id", UUID_RE)
    sender = _str(m["sender"], "sender", NAME_RE)
    recips = _list(m["recipients"], "recipients", 1, 16)
    for i, r in enumerate(recips):
        _str(r, f"recipients[{i}]", NAME_RE)
    if len(set(recips)) != len(recips):
        raise SchemaError("recipients", "must not repeat a party")
    if sender in recips:
        raise SchemaError("recipients", "must not include the sender")
    sent = _time(m["sent"], "sent")
    _int(m["seq"], "seq", 1, 2**53 - 1)
    if m["status"] not in STATUSES:
        raise SchemaError("status", "must be Exercise or Test (exercise messages only)")
    refs = _list(m["references"], "references", 0, 16)
    for i, r in enumerate(refs):
        rf = f"references[{i}]"
        _obj(r, rf, {"sender", "id", "sent"}, {"sender", "id", "sent"})
        _str(r["sender"], f"{rf}.sender", NAME_RE)
        _str(r["id"], f"{rf}.id", UUID_RE)
        _time(r["sent"], f"{rf}.sent")
    if t == "NOTIFY" and refs:
        raise SchemaError("references", "must be empty for NOTIFY")
    if t != "NOTIFY" and not refs:
        raise SchemaError("references", f"{t} must reference an earlier message")
    if t in ("ACK", "ERROR") and len(refs) != 1:
        raise SchemaError("references", f"{t} references exactly one message")
    if _time(m["expires"], "expires") < sent:
        raise SchemaError("expires", "must not be before sent")
    if "regime" in m and (not isinstance(m["regime"], str) or m["regime"] not in REGIMES):
        raise SchemaError("regime", f"unknown regime; known: {', '.join(sorted(REGIMES))}")
    if "missile_class" in m and m["missile_class"] not in MISSILE_CLASSES:
        raise SchemaError("missile_class", f"must be one of {', '.join(MISSILE_CLASSES)}")
    if "num_missiles" in m:
        _int(m["num_missiles"], "num_missiles", 1, 1000)
    if "launch_area" in m:
        _area(m["launch_area"], "launch_area")
    if m.get("impact_area") is not None:
        _area(m["impact_area"], "impact_area")
    if "window" in m:
        w = _obj(m["window"], "window", {"start", "end"}, {"start", "end"})
        start, end = _time(w["start"], "window.start"), _time(w["end"], "window.end")
        if not start < end <= start + MAX_WINDOW_S:
            raise SchemaError("window.end", "must be after window.start and at most 30 days later")
    if "launched_at" in m:
        _time(m["launched_at"], "launched_at")
    if "source_ids" in m:
        for i, s in enumerate(_list(m["source_ids"], "source_ids", 0, 32)):
            _str(s, f"source_ids[{i}]", SOURCE_RE)
    if "note" in m:
        _str(m["note"], "note", max_len=2000)
    for name in ("head", "seen"):  # the sender's log head, and the recipient's head as the sender holds it
        if name in m:
            h = _obj(m[name], name, {"size", "root"}, {"size", "root"})
            _int(h["size"], f"{name}.size", 0, 2**53 - 1)
            _str(h["root"], f"{name}.root", HEX64_RE)
    sig = _obj(m["signature"], "signature", {"alg", "key_id", "sig"}, {"alg", "key_id", "sig"})
    if sig["alg"] != "Ed25519":
        raise SchemaError("signature.alg", "must be Ed25519")
    _str(sig["key_id"], "signature.key_id", KEY_ID_RE)
    _str(sig["sig"], "signature.sig", SIG_RE)
    return m


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise SchemaError(k, "duplicate key")
        out[k] = v
    return out


def _no_constant(name: str) -> Any:
    raise SchemaError("message", f"{name} is not valid JSON")


def parse(raw: bytes) -> dict[str, Any]:
    """Bytes from the wire → a schema-valid message dict; :class:`SchemaError` naming the field otherwise."""
    if len(raw) > MAX_MESSAGE_BYTES:
        raise SchemaError("message", f"longer than {MAX_MESSAGE_BYTES} bytes")
    try:
        text = raw.decode("utf-8")
        obj = json.loads(text, object_pairs_hook=_no_duplicate_keys, parse_constant=_no_constant)
    except SchemaError:
        raise
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise SchemaError("message", f"not valid UTF-8 JSON ({type(exc).__name__})") from None
    return validate(obj)


def signed_bytes(m: dict[str, Any]) -> bytes:
    """The bytes a signature covers: the canonical message without ``signature.sig`` (alg and key_id stay)."""
    body = {k: v for k, v in m.items() if k != "signature"}
    sig = m.get("signature") or {}
    body["signature"] = {k: v for k, v in sig.items() if k != "sig"}
    return canonical(body)


def body_hash(m: dict[str, Any]) -> str:
    """SHA-256 hex of :func:`signed_bytes`: two messages with one id and different hashes conflict."""
    return hashlib.sha256(signed_bytes(m)).hexdigest()


def wire(m: dict[str, Any]) -> bytes:
    """The canonical bytes sent on the wire (the whole message, signature included)."""
    return canonical(m)


def ref(m: dict[str, Any]) -> dict[str, str]:
    """The ``{sender, id, sent}`` reference to message ``m``."""
    return {"sender": m["sender"], "id": m["id"], "sent": m["sent"]}
