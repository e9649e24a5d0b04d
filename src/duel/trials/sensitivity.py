"""What decides the answer: variance-based sensitivity of a verdict quantity over the drawn inputs.

Sobol' indices (Saltelli et al. 2010, as SALib computes them): for an output Y = f(X_1, ..., X_k) of
independent inputs, the first-order index S_i = V[E(Y | X_i)] / V(Y) is the share of the variance of Y that
X_i explains alone, and the total index S_Ti = E[V(Y | X_~i)] / V(Y) the share it takes part in, interactions
included (S_Ti >= S_i; sum S_i <= 1). SALib's ``sobol`` sampler gives N (k + 2) rows in blocks (A, AB_1, ...,
AB_k, B) and ``sobol.analyze`` the indices with bootstrap confidence intervals (95 %).

The duel draws dozens of inputs; a Sobol' design over all of them would cost N (k + 2) evaluations of the
whole defence. So the inputs are first screened (:func:`screen`: the one-at-a-time swing of the tornado and
SALib's RBD-FAST first-order index on the Monte Carlo draws, both free), and the Sobol' design covers the
``montecarlo.sobol_inputs`` inputs that screen highest; the other inputs are still drawn, once per block
(every row of block j shares block j's draw of them, A's in A and the AB rows, B's in B), so the indices are
those of the full model (Saltelli's estimators need only A, B and AB_i). Inputs screened out are reported with
their screening numbers, not with Sobol' indices.

Randomness: the Sobol' sequence is scrambled with the run's seed; the other inputs' draws come from the
Philox streams of (seed, salt, block). Same seed, same indices.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from importlib import import_module

import numpy as np

from duel.defence.streams import philox_block, salted_key
from duel.scenario.inputs import UncertainInput
from duel.trials.sampling import from_uniforms

OTHERS_SALT = 0x50B0  # the streams of the inputs outside the Sobol' design
RBD_FAST = {"M": 4, "num_resamples": 10}  # SALib's interference factor and bootstrap size (seeded by the run)
MIN_DRAWS_FOR_RBD = 40

Model = Callable[[dict[str, np.ndarray], int], np.ndarray]
"""The output of the defence for ``rows`` rows of draws (path -> (rows,) values): (rows,) numbers."""


@dataclass(frozen=True)
class SobolIndices:
    """Sobol' indices of an output over ``paths`` (arrays in their order, with their 95 % half-widths), from a
    design of ``base`` blocks (``rows`` evaluations)."""

    paths: tuple[str, ...]
    first_order: np.ndarray
    first_order_conf: np.ndarray
    total: np.ndarray
    total_conf: np.ndarray
    base: int
    rows: int


@dataclass(frozen=True)
class Screening:
    """Per input (in the order of the uncertain inputs): the tornado's swing of the output (its units) and
    RBD-FAST's first-order index on the Monte Carlo draws with its 95 % half-width (NaN with too few draws)."""

    swing: np.ndarray
    rbd_first_order: np.ndarray
    rbd_conf: np.ndarray

    def ranking(self) -> np.ndarray:
        """Input indices, highest first, by the larger of the normalised swing and the RBD-FAST index."""
        sw = self.swing / self.swing.max() if self.swing.size and self.swing.max() > 0 else np.zeros_like(self.swing)
        rb = np.nan_to_num(self.rbd_first_order)
        rb = rb / rb.max() if rb.size and rb.max() > 0 else np.zeros_like(rb)
        return np.argsort(-np.maximum(sw, rb), kind="stable")


def as_numbers(values: np.ndarray) -> np.ndarray:
    """A drawn column as numbers: a choice's draws as the index of the choice (in sorted order)."""
    v = np.asarray(values)
    return np.unique(v, return_inverse=True)[1].astype(float) if v.dtype.kind in "UOS" else v.astype(float)


WARM_UP = tuple(partial(import_module, m) for m in (
    "scipy.special", "scipy.linalg", "scipy.optimize", "scipy.interpolate", "scipy.ndimage", "scipy.stats", "pandas",
    "scipy.signal", "SALib.analyze.rbd_fast", "SALib.analyze.sobol", "SALib.sample.sobol"))
"""The imports of the screening and the Sobol' indices (0.9-1.2 s in all: SciPy's special functions and
statistics with the packages they build on, pandas, SciPy's signal package, SALib) as steps of 0.05-0.3 s, the
packages a step needs imported by the steps before it (steps this short end soon after another process is back
with the aim, :func:`duel.pipeline.run.run_scenario`, which they wait for; the last one cannot be cut)."""


def screen(uncertain: Sequence[UncertainInput], draws: dict[str, np.ndarray], y: np.ndarray, swing: np.ndarray,
           seed: int) -> Screening:
    """The screening numbers (:class:`Screening`) of the inputs, from the draws and their outputs ``y``."""
    k = len(uncertain)
    s1 = np.full(k, np.nan)
    conf = np.full(k, np.nan)
    if len(y) >= MIN_DRAWS_FOR_RBD and np.ptp(y) > 1e-12:
        from SALib.analyze import rbd_fast

        x = np.column_stack([as_numbers(draws[u.path]) for u in uncertain])
        problem = {"num_vars": k, "names": [u.path for u in uncertain],
                   "bounds": [[float(c.min()), float(c.max()) + 1e-12] for c in x.T]}
        res = rbd_fast.analyze(problem, x, np.asarray(y, float), seed=seed, **RBD_FAST)
        s1, conf = np.maximum(0.0, np.asarray(res["S1"], float)), np.asarray(res["S1_conf"], float)
    return Screening(np.asarray(swing, float), s1, conf)


def sobol_indices(model: Model, uncertain: Sequence[UncertainInput], chosen: Sequence[int], base: int,
                  seed: int) -> SobolIndices | None:
    """Sobol' first-order and total indices of ``model`` over the inputs ``chosen`` (indices into
    ``uncertain``), the others drawn per block (module docstring); None when the output does not vary."""
    from SALib.analyze import sobol as analyze
    from SALib.sample import sobol as sampler

    k, n_all = len(chosen), len(uncertain)
    names = [uncertain[i].path for i in chosen]
    problem = {"num_vars": k, "names": names, "bounds": [[0.0, 1.0]] * k}
    x = sampler.sample(problem, base, calc_second_order=False, scramble=True, seed=seed)
    rows = x.shape[0]
    block, pos = np.divmod(np.arange(rows), k + 2)
    key = salted_key(seed, OTHERS_SALT)
    u_a, u_b = (philox_block(salted_key(key, side), 0, base, n_all)[:, :n_all] for side in (1, 2))
    u = np.where((pos == k + 1)[:, None], u_b[block], u_a[block])
    u[:, list(chosen)] = x
    y = np.asarray(model(from_uniforms(uncertain, u), rows), float)
    if np.ptp(y) <= 1e-12:
        return None
    res = analyze.analyze(problem, y, calc_second_order=False, num_resamples=200, conf_level=0.95, seed=seed)
    return SobolIndices(tuple(names), np.asarray(res["S1"], float), np.asarray(res["S1_conf"], float),
                        np.asarray(res["ST"], float), np.asarray(res["ST_conf"], float), base, rows)
