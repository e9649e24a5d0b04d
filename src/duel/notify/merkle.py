"""Merkle tree hashes of a log, as Certificate Transparency defines them (RFC 9162, section 2.1).

The Merkle Tree Hash of n leaves is ``MTH({}) = SHA-256()``, ``MTH({d}) = SHA-256(0x00 || d)`` and, with k the
largest power of two below n, ``MTH(D[n]) = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n]))``. The tree of n leaves
is therefore the perfect subtrees of n's binary decomposition (largest first) folded from the right, so a
:class:`Frontier` (one hash per set bit of n) appends a leaf in O(log n) and gives the root of every size on
the way. :func:`consistency_proof` and :func:`verify_consistency` are RFC 9162's section 2.1.4: a proof that
the tree of m leaves is a prefix of the tree of n leaves.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
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


def root(leaves: Sequence[bytes]) -> bytes:
    """The Merkle Tree Hash of leaf hashes ``leaves`` (RFC 9162 definition, recursive: the oracle)."""
    n = len(leaves)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaves[0]
    k = 1 << ((n - 1).bit_length() - 1)
    return node_hash(root(leaves[:k]), root(leaves[k:]))


def consistency_proof(leaves: Sequence[bytes], m: int) -> list[bytes]:
    """PROOF(m, D[n]) of RFC 9162 section 2.1.4.1 for leaf hashes ``leaves`` (n = len(leaves), 0 < m <= n)."""
    def subproof(m: int, d: Sequence[bytes], whole: bool) -> list[bytes]:
        n = len(d)
        if m == n:
            return [] if whole else [root(d)]
        k = 1 << ((n - 1).bit_length() - 1)
        if m <= k:
            return subproof(m, d[:k], whole) + [root(d[k:])]
        return subproof(m - k, d[k:], False) + [root(d[:k])]

    if not 0 < m <= len(leaves):
        raise ValueError(f"consistency proof needs 0 < m <= n, got m={m}, n={len(leaves)}")
    return subproof(m, leaves, True)


def verify_consistency(m: int, n: int, root_m: bytes, root_n: bytes, proof: Sequence[bytes]) -> bool:
    """Whether ``proof`` shows that the tree of ``m`` leaves with root ``root_m`` is a prefix of the tree of
    ``n`` leaves with root ``root_n`` (RFC 9162 section 2.1.4.2)."""
    if not 0 < m <= n:
        return False
    if m == n:
        return not proof and root_m == root_n
    if not proof:
        return False
    path = list(proof)
    if m & (m - 1) == 0:  # m is a power of two: the old root is the first node of the path
        path.insert(0, root_m)
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == root_m and sr == root_n
