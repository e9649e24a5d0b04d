"""Ed25519 keys: a private signing key per party and a keyring of pinned public keys.

The keyring (``duel-keyring/1`` JSON) is the only source of trust: a message names its key by
``signature.key_id`` and the key must be pinned for the message's sender; a key carried inside a message
is never used (the schema has no field for one). Rotation: a new key for a party closes the validity of
the previous one at the rotation time; messages sent (by their ``sent`` stamp, within the clock-skew
tolerance) while a key was valid still verify. Revocation: a revoked key verifies nothing.
Times are POSIX seconds (UTC).
"""

from __future__ import annotations

import base64
import errno
import hashlib
import json
import os
import stat
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from duel.errors import InputError
from duel.files import write_atomic
from duel.notify.canonical import parse_time
from duel.notify.message import signed_bytes

KEYRING_FORMAT = "duel-keyring/1"


class TrustError(InputError):
    """A message that fails authentication; the text starts with the field path (``signature.sig: ...``)."""

    def __init__(self, field: str, problem: str):
        super().__init__(f"{field}: {problem}")
        self.field = field


def b64(data: bytes) -> str:
    """Base64url without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64(text: str) -> bytes:
    """Strict inverse of :func:`b64`: a text that does not re-encode to itself is rejected (ValueError)."""
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if b64(data) != text:
        raise ValueError("non-canonical base64url")
    return data


def read_owned(path: Path, option: str, what: str, forbidden: int, why_forbidden: str, fix_mode: int) -> bytes:
    """The bytes of ``path``, a regular file of this user that is not a symbolic link and has none of the mode
    bits ``forbidden``; otherwise a one-line InputError naming ``option`` and the fix, as ssh does."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except FileNotFoundError:
        raise InputError(f"{option}: no {what} {path} (run duel notify keygen)") from None
    except OSError as exc:
        why = "is a symbolic link" if exc.errno == errno.ELOOP else f"cannot be read ({exc.strerror})"
        raise InputError(f"{option}: {what} {path} {why}: refused") from None
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(f.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise InputError(f"{option}: {what} {path} is not a regular file: refused")
        if st.st_uid != os.geteuid():
            raise InputError(f"{option}: {what} {path} belongs to another user (uid {st.st_uid}): refused")
        if st.st_mode & forbidden:
            raise InputError(f"{option}: {what} {path} is {why_forbidden} (mode {stat.S_IMODE(st.st_mode):04o}): "
                             f"refused; run chmod {fix_mode:o} {path}")
        return f.read()


def key_id(public_raw: bytes) -> str:
    """The 16-hex-digit id of a raw 32-byte Ed25519 public key."""
    return hashlib.sha256(public_raw).hexdigest()[:16]


def _raw_public(private: Ed25519PrivateKey) -> bytes:
    return private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


class Signer:
    """A party's private Ed25519 key; :meth:`sign` adds the signature to a message."""

    def __init__(self, party: str, private: Ed25519PrivateKey):
        self.party = party
        self._private = private
        self.public_raw = _raw_public(private)
        self.key_id = key_id(self.public_raw)

    @classmethod
    def generate(cls, party: str, seed: bytes | None = None) -> Signer:
        """A new key; with a 32-byte ``seed`` the key is deterministic (simulations), else from the OS."""
        priv = Ed25519PrivateKey.from_private_bytes(seed) if seed is not None else Ed25519PrivateKey.generate()
        return cls(party, priv)

    def sign(self, m: dict[str, Any]) -> dict[str, Any]:
        """Set ``m['signature']`` over :func:`duel.notify.message.signed_bytes` and return ``m``."""
        m["signature"] = {"alg": "Ed25519", "key_id": self.key_id}
        m["signature"]["sig"] = b64(self._private.sign(signed_bytes(m)))
        return m

    def save(self, path: Path) -> None:
        """Write the private key (JSON) with mode 0600, replacing any key at ``path`` atomically: a new file
        (``O_CREAT|O_EXCL|O_NOFOLLOW``, so nothing existing, not even a symbolic link, is written through)
        beside it, synced, then renamed over ``path`` (a link there is replaced, not followed).
        InputError naming ``--home`` if it cannot be written."""
        raw = self._private.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                          serialization.NoEncryption())
        text = json.dumps({"party": self.party, "key_id": self.key_id, "private_key": b64(raw)}, indent=1) + "\n"
        write_atomic(path, text, "--home", mode=0o600)

    @classmethod
    def load(cls, path: Path) -> Signer:
        """Read a private key written by :meth:`save`. Refused, with a one-line InputError naming ``--home``
        and the fix, as ssh does: a missing file, a symbolic link, a file of another user, a file that the
        group or others may read or write, or one that is not a duel key."""
        data = read_owned(path, "--home", "private key", 0o077, "accessible by group or others", 0o600)
        try:
            d = json.loads(data)
            return cls(d["party"], Ed25519PrivateKey.from_private_bytes(unb64(d["private_key"])))
        except (ValueError, KeyError, TypeError):
            raise InputError(f"--home: {path} is not a duel private key file") from None


@dataclass
class KeyEntry:
    """A pinned public key: validity [valid_from, valid_until) in POSIX s (UTC), and a revocation mark."""

    key_id: str
    public_key: str
    valid_from: float
    valid_until: float | None = None
    revoked: bool = False


class Keyring:
    """Pinned public keys per party; :meth:`verify` authenticates a schema-valid message."""

    def __init__(self, parties: dict[str, list[KeyEntry]] | None = None):
        self.parties: dict[str, list[KeyEntry]] = parties or {}
        self._cache: dict[str, Ed25519PublicKey] = {}

    def add(self, party: str, public_raw: bytes, valid_from: float) -> KeyEntry:
        """Pin a key for ``party`` from ``valid_from``; the party's current key ends then (rotation)."""
        entries = self.parties.setdefault(party, [])
        for e in entries:
            if e.valid_until is None or e.valid_until > valid_from:
                e.valid_until = valid_from
        entry = KeyEntry(key_id(public_raw), b64(public_raw), valid_from)
        entries.append(entry)
        return entry

    def revoke(self, party: str, kid: str) -> None:
        """Mark ``party``'s key ``kid`` revoked; InputError if there is none."""
        for e in self.parties.get(party, []):
            if e.key_id == kid:
                e.revoked = True
                return
        raise InputError(f"--key-id: party {party} has no key {kid}")

    def owner(self, kid: str) -> tuple[str, KeyEntry] | None:
        """The party and entry of key ``kid``, or None."""
        for party, entries in self.parties.items():
            for e in entries:
                if e.key_id == kid:
                    return party, e
        return None

    def verify(self, m: dict[str, Any], skew_s: float, when_received: bool = True) -> None:
        """Raise :class:`TrustError` unless ``m`` is signed by a valid key pinned for its sender.

        ``skew_s`` (s) widens each key's validity interval to absorb clock differences. ``when_received=False``
        checks only that a key pinned for the sender made the signature, whatever has happened to the key since
        (an audit of messages accepted earlier: a key rotated or revoked later does not unsign them).
        """
        sender, sig = m["sender"], m["signature"]
        if sender not in self.parties:
            raise TrustError("sender", f"no key pinned for party '{sender}'")
        found = self.owner(sig["key_id"])
        if found is None:
            raise TrustError("signature.key_id", "unknown key (keys are pinned in the keyring, never "
                             "taken from a message)")
        party, entry = found
        if party != sender:
            raise TrustError("signature.key_id", f"key of party '{party}', not of the sender '{sender}'")
        if when_received and entry.revoked:
            raise TrustError("signature.key_id", "key revoked")
        sent = parse_time(m["sent"])
        if when_received and (sent < entry.valid_from - skew_s or
                              (entry.valid_until is not None and sent >= entry.valid_until + skew_s)):
            raise TrustError("signature.key_id", "key not valid at the message's sent time (rotated)")
        pub = self._cache.get(entry.key_id)
        if pub is None:
            pub = self._cache[entry.key_id] = Ed25519PublicKey.from_public_bytes(unb64(entry.public_key))
        try:
            pub.verify(unb64(sig["sig"]), signed_bytes(m))
        except (InvalidSignature, ValueError):
            raise TrustError("signature.sig", "does not verify") from None

    def to_json(self) -> dict[str, Any]:
        """The ``duel-keyring/1`` document."""
        return {"format": KEYRING_FORMAT,
                "parties": {p: [asdict(e) for e in es] for p, es in sorted(self.parties.items())}}

    def save(self, path: Path) -> None:
        """Write whole or not at all (a new file, never through a link, renamed into place; mode 0644: public
        keys, but writable by the owner only); InputError naming ``--keyring`` if it cannot."""
        write_atomic(path, json.dumps(self.to_json(), indent=1) + "\n", "--keyring")

    @classmethod
    def load(cls, path: Path) -> Keyring:
        """Read a keyring; InputError naming ``--keyring`` if the file is missing or malformed."""
        # the trust anchor: nobody but its owner may have changed it
        data = read_owned(path, "--keyring", "keyring", 0o022, "writable by group or others", 0o644)
        try:
            d = json.loads(data)
            if d.get("format") != KEYRING_FORMAT:
                raise ValueError
            return cls({p: [KeyEntry(**e) for e in es] for p, es in d["parties"].items()})
        except (ValueError, KeyError, TypeError, AttributeError):
            raise InputError(f"--keyring: {path} is not a {KEYRING_FORMAT} file") from None

