"""Small helpers of the answer's numbers: finite floats for JSON and the running estimates against the number
of draws (the spread and the precision are :mod:`duel.trials.spread`'s)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def finite(x: Any) -> float | None:
    """A finite float, or None (JSON null)."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def convergence(p0: np.ndarray, leak: np.ndarray) -> dict[str, list[float]]:
    """Running estimates of P(all stopped) and of the expected leakers against the number of draws (~40 points)."""
    n = len(p0)
    k = np.unique(np.geomspace(1, n, num=min(40, n)).astype(int))
    return {"trials": [int(i) for i in k], "p_all_stopped": [float(v) for v in np.cumsum(p0)[k - 1] / k],
            "expected_leakers": [float(v) for v in np.cumsum(leak)[k - 1] / k]}
