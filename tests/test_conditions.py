"""The flip conditions searched over every input at once (duel.verdict.conditions) are the conditions of the
search one input at a time (tests/oracles/conditions_reference.py), threshold for threshold and share for share:
hypothesis over draws with ties, integers, choices and constant inputs, and targets from random to a clean cut."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from duel.verdict.conditions import flip_conditions
from oracles.conditions_reference import flip_conditions_one_by_one

KINDS = ("float", "coarse", "int", "choice", "constant")


@st.composite
def cases(draw: st.DrawFn) -> tuple[dict[str, np.ndarray], dict[str, tuple[str, str]], np.ndarray, int]:
    """Draws of 2-8 inputs of mixed kinds, a target that depends on the first one or two of them (or on nothing), and
    ``first``."""
    seed = draw(st.integers(0, 2**32 - 1))
    n = draw(st.integers(1, 120))
    kinds = draw(st.lists(st.sampled_from(KINDS), min_size=2, max_size=8))
    rng = np.random.default_rng(seed)
    make = {
        "float": lambda: rng.normal(size=n),
        "coarse": lambda: rng.integers(0, 4, n) * 0.25,  # many ties
        "int": lambda: rng.integers(1, 9, n),
        "choice": lambda: rng.choice(np.array(["own-track", "launch-on-remote", "engage-on-remote"]), n),
        "constant": lambda: np.full(n, 3.0),
    }
    draws = {f"input.{i}.{k}": make[k]() for i, k in enumerate(kinds)}
    labels = {p: (f"label {i}", "km" if i % 2 else "-") for i, p in enumerate(draws)}
    how = draw(st.sampled_from(("random", "cut", "cut with noise", "small group", "two inputs", "none", "all")))
    x = np.asarray(draws[next(iter(draws))])
    if how == "random":
        target = rng.random(n) < draw(st.floats(0.05, 0.95))
    elif how == "none":
        target = np.zeros(n, bool)
    elif how == "all":
        target = np.ones(n, bool)
    elif how == "two inputs":  # below the median of the first and above that of the second, with some noise
        a, b = (np.unique(v, return_inverse=True)[1] for v in list(draws.values())[:2])
        noise = rng.random(n) < draw(st.sampled_from((0.0, 0.05, 0.15)))
        target = ((a <= np.median(a)) & (b > np.median(b))) ^ noise
    elif how == "small group":  # the g lowest draws: a group around the 5 draws a condition must cover
        target = np.argsort(np.argsort(x, kind="stable"), kind="stable") < draw(st.integers(3, 6))
    else:
        key = np.unique(x, return_inverse=True)[1] if x.dtype.kind == "U" else x
        target = key <= np.median(key)
        if how == "cut with noise":
            target ^= rng.random(n) < 0.1
    return draws, labels, target, draw(st.integers(1, 12))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases(), st.sampled_from((0.6, 0.8, 0.95)), st.sampled_from((1, 2, 3)))
def test_all_inputs_at_once_find_the_conditions_of_one_at_a_time(case, purity, most) -> None:
    draws, labels, target, first = case
    with np.errstate(invalid="ignore"):  # the oracle's mean of an empty mask (a threshold that covers nothing)
        want = flip_conditions_one_by_one(draws, labels, target, purity=purity, most=most, first=first)
    got = flip_conditions(draws, labels, target, purity=purity, most=most, first=first)
    assert got == want


def test_a_clean_cut_is_found_with_its_threshold_and_shares() -> None:
    """A flip that holds exactly below a value of one input (and nowhere else) is that threshold, halfway between
    the draws on either side, covering the draws below it, all of them on target."""
    rng = np.random.default_rng(3)
    x = rng.uniform(0.0, 10.0, 200)
    noise = rng.normal(size=200)
    target = x <= 4.0
    (cond,) = flip_conditions({"a.x": x, "a.noise": noise}, {"a.x": ("x", "km"), "a.noise": ("noise", "-")},
                              target, most=3)
    (t,) = cond.thresholds
    below, above = x[x <= 4.0].max(), x[x > 4.0].min()
    assert (t.path, t.op) == ("a.x", "<=") and t.value == (below + above) / 2
    assert cond.share == target.mean() and cond.purity == 1.0
