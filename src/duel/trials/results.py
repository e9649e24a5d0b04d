"""What the trials stage returns: the defence under each draw, the tornado's cases, and all of a run's trials.

Plain data (arrays over rows), made by :mod:`duel.trials.draws` and :mod:`duel.trials.runner`; the verdict reads
them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from duel.scenario.inputs import UncertainInput
from duel.trials.dispersion import ImpactDispersion
from duel.trials.sensitivity import Screening, SobolIndices


@dataclass(frozen=True)
class DrawOutcomes:
    """The defence under each row (arrays over rows): ``pmf`` (rows, W + 1) = P(k objects leak),
    ``p_all_stopped``, ``p_all_leak``, ``expected_leakers``, ``interceptors`` (expected fired) and
    ``limits_bind`` (a magazine or fire channels can bind, so the realisations answered)."""

    pmf: np.ndarray
    p_all_stopped: np.ndarray
    p_all_leak: np.ndarray
    expected_leakers: np.ndarray
    interceptors: np.ndarray
    limits_bind: np.ndarray

    @property
    def p_at_least_one_stopped(self) -> np.ndarray:
        """P(at least one object stopped) per row."""
        return 1.0 - self.p_all_leak

    @classmethod
    def concat(cls, parts: list[DrawOutcomes]) -> DrawOutcomes:
        """The rows of ``parts`` one after the other."""
        return cls(*(np.concatenate([getattr(p, f) for p in parts]) for f in
                     ("pmf", "p_all_stopped", "p_all_leak", "expected_leakers", "interceptors", "limits_bind")))


@dataclass(frozen=True)
class Tornado:
    """One-at-a-time cases: row 0 is every input at its current value; input k takes the values ``ends[k]``
    (a number's low and high end, :attr:`UncertainInput.low`/``high``; each of a choice's choices) in the rows
    ``rows[k]`` of ``outcomes``, the others at their current value."""

    inputs: tuple[UncertainInput, ...]
    outcomes: DrawOutcomes
    ends: tuple[tuple[Any, ...], ...]
    rows: tuple[tuple[int, ...], ...]


@dataclass(frozen=True)
class Sensitivity:
    """What decides the answer: the output ranked (``p_all_stopped``, or ``expected_leakers`` where P(all
    stopped) does not vary over the draws), every input's screening numbers and the Sobol' indices of those
    that screened highest (None where the output does not vary or no design was asked for)."""

    output: str
    screening: Screening
    sobol: SobolIndices | None


@dataclass(frozen=True)
class TrialsResult:
    """What the trials stage computed (None where the scenario asked for nothing). ``capped``: the automatic
    number of draws reached ``montecarlo.max_trials`` before the precision it wanted."""

    trials: int
    seed: int
    inner_trials: int
    draws: dict[str, np.ndarray]
    outcomes: DrawOutcomes | None
    tornado: Tornado | None
    dispersion: ImpactDispersion | None
    notice_exchange: dict[str, Any] | None
    capped: bool = False
    sensitivity: Sensitivity | None = None
