"""The few conditions on the assumptions under which an answer flips, found from the Monte Carlo draws.

Each draw i of the uncertain inputs gives an outcome y_i (e.g. "the claim holds"). A *condition* is a
threshold on one input (``x <= t`` or ``x > t``; for a choice ``x == c`` or ``x != c``) or two such
thresholds on two inputs joined by "and". A condition *flips* the answer when, among the draws that meet it,
the outcome is the opposite of the usual one (the outcome of most draws) in at least ``purity`` of them, and
it covers at least ``min_share`` of the draws.

The search is exhaustive over single thresholds (every split between sorted draws of every input, by
cumulative counts) and over a second threshold within each of the best single conditions (a depth-2 tree),
so a reported threshold lies halfway between two neighbouring draws: where the draws are many, close to the
boundary in the assumption space. Conditions are ranked by the share of draws they explain (share x purity)
and kept while they add draws that the ones before did not cover. A condition must also be significant: its
share on target would come about by chance with a probability below 0.05 / (the number of conditions tried) if
it did nothing (binomial, against the rate without it; Bonferroni), so that among the hundreds of thresholds
tried, noise does not pass for a finding.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

OPS = {"<=": "at most", ">": "above", "==": "is", "!=": "is not"}


@dataclass(frozen=True)
class Threshold:
    """One threshold: ``path`` ``op`` ``value`` (op in :data:`OPS`), with the input's label and unit."""

    path: str
    label: str
    unit: str
    op: str
    value: float | str

    def holds(self, x: np.ndarray) -> np.ndarray:
        """Where the draws ``x`` meet it."""
        if self.op == "<=":
            return x <= self.value
        if self.op == ">":
            return x > self.value
        return (x == self.value) if self.op == "==" else (x != self.value)

    def words(self) -> str:
        """The threshold in words, e.g. 'THAAD interceptor: fire channels is above 5'."""
        v = self.value
        if isinstance(v, str):
            return f"{self.label} {OPS[self.op]} {v}"
        unit = "" if self.unit in ("", "-") else f" {self.unit}"
        return f"{self.label} {OPS[self.op]} {_round(v)}{unit}"

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "label": self.label, "op": self.op, "value": self.value}


@dataclass(frozen=True)
class Condition:
    """Thresholds joined by "and", the share of the draws that meet them and the share of those that flip."""

    thresholds: tuple[Threshold, ...]
    share: float
    purity: float

    def words(self) -> str:
        return " and ".join(t.words() for t in self.thresholds)


def _round(v: float) -> str:
    """A threshold for reading: 3 significant figures."""
    return f"{float(f'{v:.3g}'):,g}"


def _splits(x: np.ndarray, target: np.ndarray, path: str, label: str, unit: str, purity: float = 0.8
            ) -> list[tuple[Threshold, np.ndarray, float, float]]:
    """The best threshold on ``x`` of each direction (exhaustive over the splits between sorted draws):
    (threshold, mask, share, purity), the one with the most ``target`` draws less the others it covers, among
    those with at least ``purity`` of their draws on target, else the purest (of 5 draws or more). Where one
    threshold separates the target draws exactly, that is the one chosen."""
    n = len(x)
    out = []
    if x.dtype.kind in "UOS":
        for c in np.unique(x):
            for op in ("==", "!="):
                t = Threshold(path, label, unit, op, str(c))
                m = t.holds(x)
                if 0 < m.sum() < n:
                    out.append((t, m, m.mean(), target[m].mean()))
        return out
    order = np.argsort(x, kind="stable")
    xs, ts = x[order], target[order].astype(float)
    cut = np.flatnonzero(np.diff(xs) > 0)  # split after position k (xs[k] < xs[k + 1])
    if not cut.size:
        return out
    below = np.cumsum(ts)[cut]
    k = cut + 1  # draws at or below
    total = ts.sum()
    for op, count, hits in (("<=", k, below), (">", n - k, total - below)):
        pure = hits / count
        enough = count >= min(5, n)
        score = np.where(enough & (pure >= purity), 2.0 * hits - count, -np.inf)  # on target minus off target
        if not np.isfinite(score).any():
            score = np.where(enough, pure, -np.inf)
            if not np.isfinite(score).any():
                continue
        best = int(np.argmax(score))
        t = Threshold(path, label, unit, op, float((xs[cut[best]] + xs[cut[best] + 1]) / 2.0))
        m = t.holds(x)
        out.append((t, m, float(m.mean()), float(target[m].mean())))
    return out


SIGNIFICANCE = 0.05
"""The family-wise chance of reporting a condition that does nothing: each of the m conditions tried must be on
target that often with a chance below 0.05 / m if it did nothing (one-sided binomial tail against the rate
without it: the share of all draws, or, for a second threshold, the first one's; Bonferroni)."""


def _significant(count: int, purity: float, rate: float, tried: int) -> bool:
    """True when ``count`` draws of which ``purity`` are on target are unlikely at the ``rate`` (binomial), one of
    ``tried`` conditions."""
    from scipy.stats import binom

    if rate >= 1.0:  # always on target without it: a condition adds nothing
        return False
    hits = int(round(purity * count))
    return float(binom.sf(hits - 1, count, rate)) < SIGNIFICANCE / max(tried, 1)


def flip_conditions(draws: Mapping[str, np.ndarray], labels: Mapping[str, tuple[str, str]], target: np.ndarray,
                    purity: float = 0.8, min_share: float = 0.05, most: int = 3, first: int = 12) -> list[Condition]:
    """Up to ``most`` conditions (one or two thresholds) under which ``target`` (bool per draw: the answer
    flips) holds in at least ``purity`` of the draws that meet them, each covering at least ``min_share`` of
    the draws (and 5 draws); ``labels``: path -> (label, unit). See the module docstring."""
    target = np.asarray(target, bool)
    n = len(target)
    if not n or not target.any():
        return []
    floor = max(min_share, 5.0 / n)
    singles = [s for p, x in draws.items() for s in _splits(np.asarray(x), target, p, *labels[p], purity)]
    candidates = [((t,), m, share, pur) for t, m, share, pur in singles]
    singles.sort(key=lambda s: -s[2] * s[3])
    for t1, m1, _, p1 in singles[:first]:  # a second threshold within the best single conditions
        sub = np.flatnonzero(m1)
        for p, x in draws.items():
            if p == t1.path:
                continue
            for t2, _, _, p2 in _splits(np.asarray(x)[sub], target[sub], p, *labels[p], purity):
                both = m1 & t2.holds(np.asarray(x))
                if p2 >= p1 + 0.05:
                    candidates.append(((t1, t2), both, float(both.mean()), float(target[both].mean())))
    base = float(target.mean())
    parent = {(t,): float(target[m].mean()) for t, m, _, _ in singles}
    good = [c for c in candidates if c[2] >= floor and c[3] >= purity
            and _significant(int(round(c[2] * n)), c[3], parent.get(c[0][:1], base) if len(c[0]) == 2 else base,
                             len(candidates))]
    good.sort(key=lambda c: (-c[2] * c[3], len(c[0])))
    chosen: list[Condition] = []
    covered = np.zeros(n, bool)
    for ts, m, share, pur in good:
        new = (m & target & ~covered).sum()
        if new < max(1.0, 0.2 * (m & target).sum()):
            continue
        chosen.append(Condition(ts, share, pur))
        covered |= m & target
        if len(chosen) == most:
            break
    return chosen
