"""What it would take: the defence under every candidate count of one addition, all in one batch of the engine.

An addition is either more shots (``assumption.shots_per_opportunity`` = 1 ... N interceptors per object per
opportunity) or more batteries of one type at one place (0 ... N of them). Every (count, draw) pair is one row
of the batch engine (:func:`duel.trials.engine.evaluate_rows`): rows are the assumption draws repeated once per
count (:func:`duel.trials.draws.evaluate_draws` on the draws repeated). For batteries the defence is built once
with all N added batteries, and in a row of count c the added batteries c + 1 ... N are switched off (no radar, no envelope: they neither fire nor lend a track), so no Python
loop runs over counts, draws or batteries.

A count *reaches* the goal (``p_all_stopped >= g``, ``p_at_least_one_stopped >= g`` or
``expected_leakers <= g``) when at least the share S of the draws reach it; the answer is the smallest such
count. More of the same never hurts in the closed form (another layer multiplies each object's leak
probability by a factor <= 1; another shot raises the kill probability), so the share reached grows with
the count; where magazines or fire channels bind, the realisations' Monte Carlo error can break that by
little.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from duel.backend import Backend
from duel.defence.setup import DefenceSetup
from duel.flight.solved import Flight
from duel.scenario.inputs import Inputs
from duel.trials.draws import evaluate_draws
from duel.trials.engine import DefenceRows
from duel.trials.results import DrawOutcomes

SHOTS_PATH = "assumption.shots_per_opportunity"
QUANTITIES = {"p_all_stopped": ">=", "p_at_least_one_stopped": ">=", "expected_leakers": "<="}
"""The goal quantities and the direction in which a draw reaches the goal."""
_OFF_ALT_M = 1.0e12  # a switched-off battery's lowest intercept altitude: above any track


@dataclass(frozen=True)
class Goal:
    """A goal on one verdict quantity (:data:`QUANTITIES`) reached in at least ``share`` of the draws."""

    quantity: str
    value: float
    share: float

    def reached(self, out: DrawOutcomes) -> np.ndarray:
        """Per row: True where the row reaches the goal."""
        y = getattr(out, self.quantity)
        return y <= self.value if QUANTITIES[self.quantity] == "<=" else y >= self.value


@dataclass(frozen=True)
class NeedCurve:
    """One addition under every count: ``counts`` (K,), ``shares`` (K,) the share of draws that reach the
    goal, ``outcomes`` one :class:`DrawOutcomes` per count (over the draws), and ``count`` the smallest count
    that reaches it (None: none up to the largest)."""

    counts: tuple[int, ...]
    shares: np.ndarray
    outcomes: tuple[DrawOutcomes, ...]
    count: int | None

    def at(self, count: int | None) -> DrawOutcomes:
        """The outcomes at ``count`` (None: at the largest count tried)."""
        return self.outcomes[-1 if count is None else self.counts.index(count)]


def switched_off(rows: DefenceRows, first_added: int, count_of_row: np.ndarray) -> DefenceRows:
    """``rows`` with the added batteries (columns ``first_added`` ...) beyond each row's count switched off:
    radar ranges 0 (no track, none lent to the network) and an envelope above any track (no window)."""
    B = rows.sspk.shape[1]
    off = (np.arange(B)[None, :] >= first_added + count_of_row[:, None])[:, None, :]  # (T, 1, B)
    bat = rows.bat._replace(radar_range_m=np.where(off, 0.0, rows.bat.radar_range_m),
                            radar_range_warhead_m=np.where(off, 0.0, rows.bat.radar_range_warhead_m),
                            min_alt_m=np.where(off, _OFF_ALT_M, rows.bat.min_alt_m))
    return rows._replace(bat=bat)


def need_curve(flight: Flight, defence: DefenceSetup, inputs: Inputs, draws: Mapping[str, np.ndarray], n: int,
               goal: Goal, counts: tuple[int, ...], seed: int, backend: Backend, inner: int,
               first_added: int | None = None) -> NeedCurve:
    """The defence under every ``counts`` x the ``n`` draws, as one batch of the engine (module docstring).

    ``first_added`` None: the counts are shots per object per opportunity. Otherwise the batteries of
    ``defence`` from index ``first_added`` on are the ``max(counts)`` added ones, and the counts are how many
    of them act.
    """
    K = len(counts)
    tiled = {k: np.tile(np.asarray(v), K) for k, v in draws.items()}
    count_of_row = np.repeat(np.asarray(counts, np.int64), n)
    if first_added is None:
        tiled[SHOTS_PATH] = count_of_row.astype(float)
    off = None if first_added is None else (lambda rows: switched_off(rows, first_added, count_of_row))
    out = evaluate_draws(flight, defence, inputs, tiled, n * K, seed, backend, inner, adjust=off)
    per = tuple(DrawOutcomes(*(getattr(out, f)[i * n:(i + 1) * n] for f in DrawOutcomes.__dataclass_fields__))
                for i in range(K))
    shares = np.array([float(np.mean(goal.reached(o))) for o in per])
    hit = [c for c, s in zip(counts, shares) if s >= goal.share]
    return NeedCurve(tuple(counts), shares, per, hit[0] if hit else None)
