"""Notional delay distributions (seconds) for the simulated link and the human latency chain.

No public document gives NRRC link latencies, watch-officer times or relay policies (notification.md
§2.6), so every default built from these is marked ``notional``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from duel.errors import InputError

KINDS = ("fixed", "uniform", "lognormal", "exponential")


@dataclass(frozen=True)
class Dist:
    """A delay distribution in seconds.

    fixed: ``a``; uniform: [``a``, ``b``]; lognormal: median ``a``, log-sd ``b``; exponential: mean ``a``.
    """

    kind: str
    a: float
    b: float = 0.0
    status: str = "notional"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise InputError(f"distribution kind: must be one of {', '.join(KINDS)}, got '{self.kind}'")
        if not (math.isfinite(self.a) and math.isfinite(self.b)) or self.a < 0 or self.b < 0:
            raise InputError(f"{self.kind} distribution: parameters must be finite and >= 0")
        if self.kind == "uniform" and self.b < self.a:
            raise InputError("uniform distribution: upper bound below lower bound")

    def sample(self, rng: Any) -> float:
        """One draw (s) from numpy Generator ``rng``."""
        if self.kind == "fixed":
            return self.a
        if self.kind == "uniform":
            return float(rng.uniform(self.a, self.b))
        if self.kind == "lognormal":
            return float(self.a * math.exp(self.b * rng.standard_normal()))
        return float(rng.exponential(self.a))

    def describe(self) -> dict[str, Any]:
        """JSON description with the status mark."""
        return {"kind": self.kind, "a_s": self.a, "b": self.b, "status": self.status}
