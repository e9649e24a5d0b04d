"""The answer's numbers from the per-draw outcomes: means with the 95 % interval of the mean, the spread, and
running estimates against the number of draws."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from duel.defence.raid import Z95


def finite(x: Any) -> float | None:
    """A finite float, or None (JSON null)."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def interval(samples: np.ndarray, lo: float = 0.0, hi: float = math.inf) -> dict[str, Any]:
    """Mean of per-draw values with a normal 95 % interval of the mean, clipped to [lo, hi]."""
    m = float(np.mean(samples))
    half = Z95 * float(np.std(samples, ddof=1)) / math.sqrt(len(samples)) if len(samples) > 1 else 0.0
    return {"value": m, "ci95": [max(lo, m - half), min(hi, m + half)]}


def convergence(p0: np.ndarray, leak: np.ndarray) -> dict[str, list[float]]:
    """Running estimates of P(all stopped) and of the expected leakers against the number of draws (~40 points)."""
    n = len(p0)
    k = np.unique(np.geomspace(1, n, num=min(40, n)).astype(int))
    return {"trials": [int(i) for i in k], "p_all_stopped": [float(v) for v in np.cumsum(p0)[k - 1] / k],
            "expected_leakers": [float(v) for v in np.cumsum(leak)[k - 1] / k]}
