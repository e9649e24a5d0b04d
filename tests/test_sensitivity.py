"""Global sensitivity through the duel's own code path, on a function whose Sobol' indices are known.

The Ishigami function f = sin x1 + a sin^2 x2 + b x3^4 sin x1 (x_i uniform on [-pi, pi], a = 7, b = 0.1) has
first-order indices S1 = 0.3139, S2 = 0.4424, S3 = 0 and total indices ST1 = 0.5576, ST2 = 0.4424,
ST3 = 0.2437 (Saltelli et al., Global Sensitivity Analysis: The Primer, 2008; Ishigami and Homma 1990).
:func:`duel.trials.sensitivity.sobol_indices` is given the three inputs in its design and two more it draws
once per block (as it does for the inputs screened out); the function ignores those, so the indices must be
Ishigami's, within SALib's 95 % confidence.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from duel.scenario.inputs import UncertainInput
from duel.scenario.registry import InputSpec
from duel.trials.sensitivity import screen, sobol_indices

A, B = 7.0, 0.1
V = A**2 / 8 + B * math.pi**4 / 5 + B**2 * math.pi**8 / 18 + 0.5
V1 = 0.5 * (1 + B * math.pi**4 / 5) ** 2
V2 = A**2 / 8
V13 = B**2 * math.pi**8 * (1 / 18 - 1 / 50)
EXACT_S1 = np.array([V1 / V, V2 / V, 0.0])
EXACT_ST = np.array([(V1 + V13) / V, V2 / V, V13 / V])


def _input(name: str) -> UncertainInput:
    spec = InputSpec(path=f"test.{name}", label=name, unit="-", nominal=0.0, low=-math.pi, high=math.pi,
                     status="notional")
    return UncertainInput(spec, "uniform", -math.pi, math.pi)


INPUTS = [_input(n) for n in ("x1", "x2", "x3", "idle_a", "idle_b")]


def ishigami(draws: dict[str, np.ndarray], rows: int) -> np.ndarray:
    x1, x2, x3 = (draws[f"test.x{i}"] for i in (1, 2, 3))
    assert x1.shape == (rows,)
    return np.sin(x1) + A * np.sin(x2) ** 2 + B * x3**4 * np.sin(x1)


def test_exact_indices_are_ishigamis() -> None:
    assert EXACT_S1 == pytest.approx([0.3139, 0.4424, 0.0], abs=1e-4)
    assert EXACT_ST == pytest.approx([0.5576, 0.4424, 0.2437], abs=1e-4)


@pytest.mark.parametrize("seed", [1, 2019])
def test_sobol_indices_of_ishigami_within_salib_confidence(seed: int) -> None:
    s = sobol_indices(ishigami, INPUTS, chosen=[0, 1, 2], base=4096, seed=seed)
    assert s is not None and s.paths == ("test.x1", "test.x2", "test.x3") and s.rows == 4096 * 5
    assert np.all(np.abs(s.first_order - EXACT_S1) <= s.first_order_conf)
    assert np.all(np.abs(s.total - EXACT_ST) <= s.total_conf)
    assert np.all(s.first_order_conf < 0.05) and np.all(s.total_conf < 0.05)  # the confidence is informative


def test_same_seed_same_indices_and_a_constant_output_has_none() -> None:
    a = sobol_indices(ishigami, INPUTS, [0, 1, 2], 256, seed=5)
    b = sobol_indices(ishigami, INPUTS, [0, 1, 2], 256, seed=5)
    np.testing.assert_array_equal(a.total, b.total)
    assert sobol_indices(lambda d, n: np.ones(n), INPUTS, [0, 1], 64, seed=5) is None


def test_screening_ranks_the_inputs_that_act() -> None:
    rng = np.random.default_rng(3)
    draws = {u.path: rng.uniform(-math.pi, math.pi, 2000) for u in INPUTS}
    y = ishigami(draws, 2000)
    sc = screen(INPUTS, draws, y, swing=np.zeros(len(INPUTS)), seed=3)
    # RBD-FAST's first order (x2 highest, x1 next; x3 and the idle inputs near zero)
    assert list(sc.ranking()[:2]) == [1, 0]
    assert sc.rbd_first_order[1] == pytest.approx(EXACT_S1[1], abs=0.06)
    assert sc.rbd_first_order[0] == pytest.approx(EXACT_S1[0], abs=0.06)
    assert np.all(sc.rbd_first_order[2:] < 0.05)
