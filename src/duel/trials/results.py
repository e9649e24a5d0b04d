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
    """The defence and the flight under each row (arrays over rows): ``pmf`` (rows, W + 1) = P(k objects leak),
    ``p_all_stopped``, ``p_all_leak``, ``expected_leakers``, ``interceptors`` (expected fired),
    ``limits_bind`` (a magazine or fire channels can bind, so the realisations answered), and the row's flight:
    ``flight_time_s`` (s, launch to impact), ``descent_max_mach`` (the highest Mach number after apogee where
    Mach is defined, at or below 86 km; NaN where the descent never gets there) and ``descent_max_mach_alt_m``
    (m, where it is reached), as flown with the row's reentry beta (:func:`duel.trials.draws.flight_quantities`)."""

    pmf: np.ndarray
    p_all_stopped: np.ndarray
    p_all_leak: np.ndarray
    expected_leakers: np.ndarray
    interceptors: np.ndarray
    limits_bind: np.ndarray
    flight_time_s: np.ndarray
    descent_max_mach: np.ndarray
    descent_max_mach_alt_m: np.ndarray

    @property
    def p_at_least_one_stopped(self) -> np.ndarray:
        """P(at least one object stopped) per row."""
        return 1.0 - self.p_all_leak

    def rows(self, idx: Any) -> DrawOutcomes:
        """The rows ``idx`` (a slice or index array) of every field."""
        return DrawOutcomes(*(getattr(self, f)[idx] for f in self.__dataclass_fields__))

    @classmethod
    def concat(cls, parts: list[DrawOutcomes]) -> DrawOutcomes:
        """The rows of ``parts`` one after the other."""
        return cls(*(np.concatenate([getattr(p, f) for p in parts]) for f in cls.__dataclass_fields__))


@dataclass(frozen=True)
class NominalFlight:
    """The nominal flight's numbers that the flight claims are judged on where nothing is drawn (as
    :class:`DrawOutcomes` keeps them per row): ``flight_time_s`` (s, launch to impact), ``descent_max_mach``
    (the highest Mach number after apogee, at or below 86 km; NaN where the descent never gets there) and
    ``descent_max_mach_alt_m`` (m, where it is reached)."""

    flight_time_s: float
    descent_max_mach: float
    descent_max_mach_alt_m: float


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
    number of draws reached ``montecarlo.max_trials`` before the precision it wanted; ``nominal_flight``: the
    nominal flight's time and highest Mach after apogee, on the grid the draws use."""

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
    nominal_flight: NominalFlight | None = None
