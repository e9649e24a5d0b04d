"""The flip conditions one input at a time, as :mod:`duel.verdict.conditions` searched them before the search ran
over every input at once (December 2026): kept as the test oracle of that module (the same conditions, bit for bit).

Exhaustive over the splits between sorted draws of each input, one NumPy call chain per input and per first
threshold; the significance test one binomial tail per condition.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from duel.verdict.conditions import SIGNIFICANCE, Condition, Threshold, best_conditions


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


def _significant(count: int, purity: float, rate: float, tried: int) -> bool:
    """True when ``count`` draws of which ``purity`` are on target are unlikely at the ``rate`` (binomial), one of
    ``tried`` conditions."""
    from scipy.stats import binom

    if rate >= 1.0:  # always on target without it: a condition adds nothing
        return False
    hits = int(round(purity * count))
    return float(binom.sf(hits - 1, count, rate)) < SIGNIFICANCE / max(tried, 1)


def flip_conditions_one_by_one(draws: Mapping[str, np.ndarray], labels: Mapping[str, tuple[str, str]],
                               target: np.ndarray, purity: float = 0.8, min_share: float = 0.05, most: int = 3,
                               first: int = 12) -> list[Condition]:
    """:func:`duel.verdict.conditions.flip_conditions`, each input and each first threshold on its own."""
    target = np.asarray(target, bool)
    if not len(target) or not target.any():
        return []
    n = len(target)
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
    return best_conditions(good, target, most)  # the ranking and choice, unchanged, from the module
