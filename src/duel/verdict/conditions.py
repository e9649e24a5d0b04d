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


Split = tuple[Threshold, np.ndarray, float, float]
"""A threshold with its mask over the draws, the share of the draws it covers and the share of those on target."""


def _best_thresholds(x: np.ndarray, target: np.ndarray, purity: float) -> tuple[np.ndarray, np.ndarray]:
    """The best threshold on each column of ``x`` (n draws, k numeric inputs, float64) for ``<=`` (row 0) and
    ``>`` (row 1), and whether the column has one (``found``): exhaustive over the splits between its sorted
    draws, the one with the most ``target`` draws less the others it covers among those with at least ``purity``
    of their draws on target, else the purest (of 5 draws or more); halfway between the two draws of the split
    (which rounds onto one of them for neighbouring doubles, and is NaN between -inf and +inf)."""
    n, k = x.shape
    thresholds, found = np.full((2, k), np.nan), np.zeros((2, k), bool)
    if n < 2 or not k:
        return thresholds, found
    order = np.argsort(x, axis=0, kind="stable")
    xs = np.take_along_axis(x, order, axis=0)
    ts = target[order].astype(float)
    split = np.diff(xs, axis=0) > 0  # a split after sorted draw j (xs[j] < xs[j + 1])
    below = np.cumsum(ts, axis=0)[:-1]
    at_or_below = np.arange(1, n)[:, None]
    total = ts.sum(axis=0)
    cols = np.arange(k)
    for row, (count, hits) in enumerate(((at_or_below, below), (n - at_or_below, total - below))):
        pure = hits / count
        usable = split & (count >= min(5, n))
        score = np.where(usable & (pure >= purity), 2.0 * hits - count, -np.inf)  # on target minus off target
        pure_enough = np.isfinite(score).any(axis=0)
        score = np.where(pure_enough, score, np.where(usable, pure, -np.inf))  # else the purest split
        found[row] = np.isfinite(score).any(axis=0)
        best = np.argmax(score, axis=0)  # 0 in a column without a split: its midpoint is not used
        with np.errstate(invalid="ignore"):  # -inf + inf where a column holds only infinities
            thresholds[row] = (xs[best, cols] + xs[best + 1, cols]) / 2.0
    return thresholds, found


def _choice_splits(x: np.ndarray, target: np.ndarray, path: str, label: str, unit: str) -> list[Split]:
    """``x == c`` and ``x != c`` for each choice c of a categorical input (those that split the draws)."""
    out = []
    for c in np.unique(x):
        for op in ("==", "!="):
            t = Threshold(path, label, unit, op, str(c))
            m = t.holds(x)
            if 0 < m.sum() < len(x):
                out.append((t, m, m.mean(), target[m].mean()))
    return out


def _splits(draws: Mapping[str, np.ndarray], labels: Mapping[str, tuple[str, str]], target: np.ndarray,
            purity: float, rows: np.ndarray | None = None, skip: str = "") -> list[Split]:
    """The best threshold of each direction on every input but ``skip`` (in the order of ``draws``; the
    directions in the order of :data:`OPS`), among the draws ``rows`` (all: None): (threshold, mask, share,
    purity) over those draws. Where one threshold separates the target draws exactly, that is the one chosen.
    The numeric inputs are searched together as float64 (:func:`_best_thresholds`; the draws are float64), the
    choices one by one."""
    paths = [p for p in draws if p != skip]
    columns = {p: np.asarray(draws[p]) if rows is None else np.asarray(draws[p])[rows] for p in paths}
    on = target if rows is None else target[rows]
    numeric = [p for p in paths if columns[p].dtype.kind not in "UOS"]
    x = np.column_stack([columns[p].astype(float) for p in numeric]) if numeric else np.zeros((len(on), 0))
    thresholds, found = _best_thresholds(x, on, purity)
    masks = (x <= thresholds[0], x > thresholds[1])
    counts = [m.sum(axis=0) for m in masks]
    shares = [m.mean(axis=0) for m in masks]
    on_target = [(m & on[:, None]).sum(axis=0) for m in masks]
    column = {p: j for j, p in enumerate(numeric)}
    out: list[Split] = []
    for p in paths:
        if p not in column:
            out += _choice_splits(columns[p], on, p, *labels[p])
            continue
        j = column[p]
        for row, op in enumerate(("<=", ">")):
            if not found[row, j]:
                continue
            # a threshold that covers no draw (a midpoint rounded onto the upper draw, or NaN): purity NaN
            with np.errstate(invalid="ignore", divide="ignore"):
                pur = float(on_target[row][j] / counts[row][j])
            out.append((Threshold(p, *labels[p], op, float(thresholds[row, j])), masks[row][:, j],
                        float(shares[row][j]), pur))
    return out


SIGNIFICANCE = 0.05
"""The family-wise chance of reporting a condition that does nothing: each of the m conditions tried must be on
target that often with a chance below 0.05 / m if it did nothing (one-sided binomial tail against the rate
without it: the share of all draws, or, for a second threshold, the first one's; Bonferroni)."""


def _significant(count: np.ndarray, purity: np.ndarray, rate: np.ndarray, tried: int) -> np.ndarray:
    """Whether ``count`` draws (whole numbers) of which a share ``purity`` are on target are unlikely at the
    ``rate`` (binomial), each one of ``tried`` conditions: arrays with one entry per condition; a bool array."""
    from scipy.stats import binom

    count, rate = np.asarray(count, float), np.asarray(rate, float)
    hits = np.round(np.asarray(purity, float) * count)
    below = rate < 1.0  # always on target without it: a condition adds nothing
    tail = np.ones(len(count))
    if below.any():
        tail[below] = binom.sf(hits[below] - 1, count[below], rate[below])
    return below & (tail < SIGNIFICANCE / max(tried, 1))


Candidate = tuple[tuple[Threshold, ...], np.ndarray, float, float]
"""A condition found: its thresholds, its mask over the draws, its share of the draws and its purity."""


def best_conditions(good: list[Candidate], target: np.ndarray, most: int) -> list[Condition]:
    """Up to ``most`` of the ``good`` conditions, ranked by the share of the draws they explain (share x purity;
    one threshold before two), each kept only while it adds ``target`` draws the ones before did not cover (at
    least one, and a fifth of its own)."""
    good = sorted(good, key=lambda c: (-c[2] * c[3], len(c[0])))
    chosen: list[Condition] = []
    covered = np.zeros(len(target), bool)
    for ts, m, share, pur in good:
        new = (m & target & ~covered).sum()
        if new < max(1.0, 0.2 * (m & target).sum()):
            continue
        chosen.append(Condition(ts, share, pur))
        covered |= m & target
        if len(chosen) == most:
            break
    return chosen


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
    singles = _splits(draws, labels, target, purity)
    candidates: list[Candidate] = [((t,), m, share, pur) for t, m, share, pur in singles]
    singles.sort(key=lambda s: -s[2] * s[3])
    for t1, m1, _, p1 in singles[:first]:  # a second threshold within the best single conditions
        sub = np.flatnonzero(m1)
        for t2, _, _, p2 in _splits(draws, labels, target, purity, rows=sub, skip=t1.path):
            if p2 >= p1 + 0.05:
                both = m1 & t2.holds(np.asarray(draws[t2.path]))
                candidates.append(((t1, t2), both, float(both.mean()), float(target[both].mean())))
    base = float(target.mean())
    parent = {(t,): float(target[m].mean()) for t, m, _, _ in singles}
    kept = [c for c in candidates if c[2] >= floor and c[3] >= purity]
    counts = np.round(np.array([c[2] for c in kept]) * n)
    purities = np.array([c[3] for c in kept])
    rates = np.array([parent.get(c[0][:1], base) if len(c[0]) == 2 else base for c in kept])  # without it
    significant = _significant(counts, purities, rates, len(candidates))  # every condition tried counts
    good = [c for c, ok in zip(kept, significant) if ok]
    return best_conditions(good, target, most)
