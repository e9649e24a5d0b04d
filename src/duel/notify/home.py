"""A party's files in a home directory: ``<home>/<party>.key`` (private key), ``<home>/<party>.db``
(SQLite store) and the pinned keyring (default ``<home>/keyring.json``)."""

from __future__ import annotations

from pathlib import Path

from duel.errors import InputError
from duel.notify.keys import Keyring, Signer
from duel.notify.message import NAME_RE
from duel.notify.party import Party, Policy
from duel.notify.store import Store


def check_party(name: str, option: str = "--party") -> str:
    """``name`` if it is a valid party name, else InputError naming ``option``."""
    if not NAME_RE.match(name):
        raise InputError(f"{option}: '{name}' is not a party name (a letter, then up to 31 letters, digits, _ or -)")
    return name


def keyring_path(home: Path, keyring: Path | None) -> Path:
    """The keyring file: ``keyring`` if given, else ``<home>/keyring.json``."""
    return keyring if keyring is not None else home / "keyring.json"


def open_party(home: Path, name: str, keyring: Path | None = None, policy: Policy | None = None,
               fsync: bool = True) -> Party:
    """The party ``name`` with its key, store and the pinned keyring; InputError if a file is missing."""
    check_party(name)
    if not home.is_dir():
        raise InputError(f"--home: '{home}' is not a directory")
    ring = Keyring.load(keyring_path(home, keyring))
    signer = Signer.load(home / f"{name}.key")
    return Party(name, Store(home / f"{name}.db", fsync=fsync), ring, signer, policy)
