"""Merkle tree hashes of a log, as Certificate Transparency defines them (RFC 9162, section 2.1).

The Merkle Tree Hash of n leaves is ``MTH({}) = SHA-256()``, ``MTH({d}) = SHA-256(0x00 || d)`` and, with k the
largest power of two below n, ``MTH(D[n]) = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n]))``. The tree of n leaves
is therefore the perfect subtrees of n's binary decomposition (largest first) folded from the right, so a
:class:`Frontier` (one hash per set bit of n) appends a leaf in O(log n) and gives the root of every size on
the way (tested against the recursive definition). A party holds its whole log, so it checks a head of size m
by recomputing the root of its first m entries; consistency proofs (RFC 9162 section 2.1.4) are not needed
and not implemented.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    """The hash of one leaf: SHA-256(0x00 || data)."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The hash of an inner node: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


@dataclass
class Frontier:
    """The roots of the perfect subtrees of a growing tree (largest first): ``size`` leaves so far."""

    size: int = 0
    peaks: list[bytes] = field(default_factory=list)

    def append(self, leaf: bytes) -> None:
        """Add a leaf's hash (:func:`leaf_hash`)."""
        h, n = leaf, self.size
        while n & 1:  # merge equal-sized subtrees, as a binary counter carries
            h = node_hash(self.peaks.pop(), h)
            n >>= 1
        self.peaks.append(h)
        self.size += 1

    def root(self) -> bytes:
        """The Merkle Tree Hash of the ``size`` leaves so far."""
        if not self.peaks:
            return EMPTY_ROOT
        h = self.peaks[-1]
        for p in reversed(self.peaks[:-1]):
            h = node_hash(p, h)
        return h

    def to_text(self) -> str:
        """``size:hex,hex,...`` (stored beside the log)."""
        return f"{self.size}:" + ",".join(p.hex() for p in self.peaks)

    @classmethod
    def from_text(cls, text: str) -> Frontier:
        """The inverse of :meth:`to_text`."""
        size, _, peaks = text.partition(":")
        return cls(int(size), [bytes.fromhex(p) for p in peaks.split(",") if p])
