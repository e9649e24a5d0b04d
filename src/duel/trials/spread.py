"""Two kinds of uncertainty, kept apart: the spread of an answer across the assumptions, and the Monte Carlo
precision of its mean.

Each draw i of the uncertain inputs gives the answer y_i conditional on those assumptions (e.g. P(all
objects stopped) given the SSPKs, the fire channels, the RCS... of draw i). Then

* ``value`` = mean of y_i (the answer averaged over the plausible assumptions), ``median``;
* ``range90`` = [5th, 95th] percentile of y_i: where the answer lies across the plausible assumptions (90 %
  of them);
* ``mc_ci95`` = value -/+ 1.96 sd(y) / sqrt(n), the 95 % interval of the mean: how precisely n draws pin the
  mean down. It shrinks with more draws; ``range90`` does not.

:func:`precise_enough` is the runner's rule for adding draws: the half-width of ``mc_ci95`` is at most
``ratio`` times the width of ``range90``, or below ``floor`` (in the quantity's units), whichever is larger.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from duel.defence.raid import Z95


@dataclass(frozen=True)
class Spread:
    """An answer across the draws (module docstring); ``n`` draws."""

    value: float
    median: float
    range90: tuple[float, float]
    mc_ci95: tuple[float, float]
    n: int

    @property
    def mc_half_width(self) -> float:
        """Half the width of the 95 % interval of the mean."""
        return (self.mc_ci95[1] - self.mc_ci95[0]) / 2.0

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "median": self.median, "range90": list(self.range90),
                "mc_ci95": list(self.mc_ci95)}


def spread(samples: Any, lo: float = -math.inf, hi: float = math.inf) -> Spread:
    """The :class:`Spread` of per-draw values ``samples``; the intervals are clipped to [lo, hi]."""
    y = np.asarray(samples, float).ravel()
    n = y.size
    m = float(np.mean(y))
    half = Z95 * float(np.std(y, ddof=1)) / math.sqrt(n) if n > 1 else 0.0
    p5, p50, p95 = (float(v) for v in np.percentile(y, [5.0, 50.0, 95.0]))
    return Spread(m, p50, (max(lo, p5), min(hi, p95)), (max(lo, m - half), min(hi, m + half)), n)


def precise_enough(s: Spread, ratio: float, floor: float) -> bool:
    """True when the Monte Carlo half-width is at most ``ratio`` x the 90 % range, or at most ``floor``."""
    width = s.range90[1] - s.range90[0]
    return s.mc_half_width <= max(ratio * width, floor)
