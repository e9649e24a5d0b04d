"""Draws of the uncertain inputs: one value per trial, from streams that depend only on (seed, trial).

Each :class:`~duel.scenario.inputs.UncertainInput` k takes column k of the uniforms of trial i
(:func:`duel.defence.streams.philox_block`, keyed by the seed, or by (seed, salt) for callers that draw other
numbers from the same seed) and maps it through its inverse CDF: uniform, normal (``scipy.special.ndtri``)
or triangular; draws are kept inside the input's physical range (whole-number inputs rounded). A choice
input takes the choice whose cumulative weight first exceeds the uniform (an array of the choices' names).
Results never depend on the number of trials or the chunking.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from duel.defence.streams import philox_block, salted_key
from duel.scenario.inputs import UncertainInput


def triangular(u: np.ndarray, lo: float, mode: float, hi: float) -> np.ndarray:
    """Inverse CDF of the triangular distribution on [lo, hi] with peak ``mode``."""
    c = (mode - lo) / (hi - lo)
    return np.where(u < c, lo + np.sqrt(u * (hi - lo) * (mode - lo)), hi - np.sqrt((1 - u) * (hi - lo) * (hi - mode)))


def sample(uncertain: Sequence[UncertainInput], trials: int, seed: int, start: int = 0,
           salt: int | None = None) -> dict[str, np.ndarray]:
    """Draws of every uncertain input for trials [start, start + trials): path -> array (trials,)."""
    if not uncertain:
        return {}
    u = philox_block(seed if salt is None else salted_key(seed, salt), start, start + trials, len(uncertain))
    return from_uniforms(uncertain, u[:, :len(uncertain)])


def from_uniforms(uncertain: Sequence[UncertainInput], u: np.ndarray) -> dict[str, np.ndarray]:
    """Draws from uniforms ``u`` (rows, k): column k through input k's inverse CDF (module docstring)."""
    from scipy.special import ndtri

    out: dict[str, np.ndarray] = {}
    for k, ui in enumerate(uncertain):
        x = u[:, k]
        if ui.dist == "choice":
            edges = np.cumsum(ui.weights)
            out[ui.path] = np.asarray(ui.choices)[np.minimum(np.searchsorted(edges, x, side="right"),
                                                             len(ui.choices) - 1)]
            continue
        if ui.dist == "uniform":
            v = ui.low + x * (ui.high - ui.low)
        elif ui.dist == "normal":
            v = ui.mean + ui.sd * ndtri(x)  # type: ignore[operator]
        else:
            v = triangular(x, ui.low, ui.mode, ui.high)  # type: ignore[arg-type]
        out[ui.path] = ui.spec.clip(v)
    return out
