"""Canonical JSON bytes (the RFC 8785 rules for the values a notice can hold) and UTC time stamps.

A signature covers exactly these bytes: object keys sorted by UTF-16 code units, no insignificant
whitespace, strings as JSON escapes with non-ASCII kept as UTF-8, numbers in the ECMAScript shortest
round-trip form (so ``10000.0`` and ``10000`` are the same number, ``1e-07`` is written ``1e-7``).
Times inside the library are POSIX seconds (float, UTC); on the wire they are ``YYYY-MM-DDTHH:MM:SSZ``
(whole seconds, UTC).
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from decimal import Decimal
from json.encoder import encode_basestring
from typing import Any

TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$", re.ASCII)
_PARSED: dict[str, float] = {}


def number(x: int | float | Decimal) -> str:
    """The ECMAScript ``Number.prototype.toString`` form of a finite number (RFC 8785 §3.2.2.3)."""
    if isinstance(x, bool):
        raise TypeError("a boolean is not a number")
    if isinstance(x, float) and not math.isfinite(x):
        raise ValueError("NaN and infinities have no JSON form")
    d = Decimal(x) if isinstance(x, int) else Decimal(repr(float(x)) if isinstance(x, float) else x)
    if d == 0:
        return "0"
    sign, digits, exp = d.normalize().as_tuple()
    s = "".join(map(str, digits))
    k = len(s)
    n = exp + k  # x = 0.s × 10^n
    out: str
    if k <= n <= 21:
        out = s + "0" * (n - k)
    elif 0 < n <= 21:
        out = s[:n] + "." + s[n:]
    elif -6 < n <= 0:
        out = "0." + "0" * (-n) + s
    else:
        e = n - 1
        mant = s[0] + ("." + s[1:] if k > 1 else "")
        out = f"{mant}e{'+' if e >= 0 else '-'}{abs(e)}"
    return ("-" if sign else "") + out


def _encode(v: Any, parts: list[str]) -> None:
    if v is None:
        parts.append("null")
    elif v is True:
        parts.append("true")
    elif v is False:
        parts.append("false")
    elif isinstance(v, str):
        parts.append(encode_basestring(v))
    elif isinstance(v, int):
        parts.append(str(v) if abs(v) < 2**53 else number(v))
    elif isinstance(v, float):
        parts.append(number(v))
    elif isinstance(v, list | tuple):
        parts.append("[")
        for i, item in enumerate(v):
            if i:
                parts.append(",")
            _encode(item, parts)
        parts.append("]")
    elif isinstance(v, dict):
        parts.append("{")
        keys = sorted(v) if all(k.isascii() for k in v) else sorted(v, key=lambda k: k.encode("utf-16-be"))
        for i, key in enumerate(keys):
            if i:
                parts.append(",")
            parts.append(encode_basestring(key))
            parts.append(":")
            _encode(v[key], parts)
        parts.append("}")
    else:
        raise TypeError(f"no canonical JSON form for {type(v).__name__}")


def canonical(obj: Any) -> bytes:
    """Canonical UTF-8 JSON bytes of ``obj`` (dicts, lists, str, int, float, bool, None)."""
    parts: list[str] = []
    _encode(obj, parts)
    return "".join(parts).encode("utf-8")


def fmt_time(t: float) -> str:
    """POSIX seconds (UTC) → ``YYYY-MM-DDTHH:MM:SSZ``, truncated to the whole second."""
    return datetime.fromtimestamp(math.floor(t), tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(s: str) -> float:
    """``YYYY-MM-DDTHH:MM:SSZ`` → POSIX seconds (UTC); ValueError if the text is not in that form."""
    if not isinstance(s, str) or not TIME_RE.match(s):
        raise ValueError("must be a UTC time YYYY-MM-DDTHH:MM:SSZ")
    t = _PARSED.get(s)
    if t is None:
        t = datetime(int(s[0:4]), int(s[5:7]), int(s[8:10]), int(s[11:13]), int(s[14:16]), int(s[17:19]),
                     tzinfo=UTC).timestamp()
        if len(_PARSED) < 65_536:
            _PARSED[s] = t
    return t
