"""The flip conditions searched over every input at once (duel.verdict.conditions) are the conditions of the
search one input at a time (tests/oracles/conditions_reference.py), threshold for threshold and share for share:
hypothesis over draws with ties, integers, choices and constant inputs, and targets from random to a clean cut."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from duel.verdict.conditions import flip_conditions
from oracles.conditions_reference import flip_conditions_one_by_one

KINDS = ("float", "coarse", "int", "bool", "choice", "object choice", "constant", "with inf", "neighbours",
         "only infinities")


@st.composite
def cases(draw: st.DrawFn) -> tuple[dict[str, np.ndarray], dict[str, tuple[str, str]], np.ndarray, int]:
    """Draws of 2-8 inputs of mixed kinds, a target that depends on the first one or two of them (or on nothing), and
    ``first``."""
    seed = draw(st.integers(0, 2**32 - 1))
    n = draw(st.integers(1, 300))
    kinds = draw(st.lists(st.sampled_from(KINDS), min_size=2, max_size=8))
    rng = np.random.default_rng(seed)
    make = {
        "float": lambda: rng.normal(size=n),
        "coarse": lambda: rng.integers(0, 4, n) * 0.25,  # many ties
        "int": lambda: rng.integers(1, 9, n),
        "bool": lambda: rng.random(n) < 0.5,
        "choice": lambda: rng.choice(np.array(["own-track", "launch-on-remote", "engage-on-remote"]), n),
        "object choice": lambda: rng.choice(np.array(["salvo", "sls"], dtype=object), n),
        "constant": lambda: np.full(n, 3.0),
        "with inf": lambda: np.where(rng.random(n) < 0.1, np.inf, rng.normal(size=n)),
        "neighbours": lambda: np.where(rng.random(n) < 0.5, 1.0, np.nextafter(1.0, 2.0)),  # midpoint rounds
        "only infinities": lambda: np.where(rng.random(n) < 0.5, -np.inf, np.inf),  # midpoint NaN
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
        key = np.unique(x, return_inverse=True)[1] if x.dtype.kind in "UO" else x
        target = key <= np.median(key)
        if how == "cut with noise":
            target ^= rng.random(n) < 0.1
    return draws, labels, target, draw(st.integers(1, 12))


def _exact(conditions: list) -> list:
    """The conditions with every number as its exact bits (``float.hex``: -0.0 is not 0.0, NaN equals NaN)."""
    bits = lambda v: float(v).hex() if not isinstance(v, str) else v  # noqa: E731
    return [([(t.path, t.op, bits(t.value)) for t in c.thresholds], bits(c.share), bits(c.purity)) for c in conditions]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # both means of an empty mask (a NaN midpoint)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases(), st.sampled_from((0.6, 0.8, 0.95, 1.0)), st.sampled_from((1, 2, 3)), st.sampled_from((0.0, 0.05, 0.2)))
def test_all_inputs_at_once_find_the_conditions_of_one_at_a_time(case, purity, most, min_share) -> None:
    draws, labels, target, first = case
    kw = {"purity": purity, "most": most, "first": first, "min_share": min_share}
    want = flip_conditions_one_by_one(draws, labels, target, **kw)
    assert _exact(flip_conditions(draws, labels, target, **kw)) == _exact(want)


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


def _as_found_before(draws: dict[str, np.ndarray], target: np.ndarray) -> None:
    labels = {p: (p, "-") for p in draws}
    with np.errstate(invalid="ignore"):
        want = flip_conditions_one_by_one(draws, labels, target)
        got = flip_conditions(draws, labels, target)
    assert _exact(got) == _exact(want)


def test_a_column_of_only_infinities_is_tried_as_before() -> None:
    """Between -inf and +inf the midpoint is NaN: that threshold covers nothing but still counts as a condition
    tried (the significance test's Bonferroni factor), so dropping it would report x <= 5.5 here."""
    x = np.arange(14.0)
    _as_found_before({"x": x, "s": np.where(np.arange(14) % 2, np.inf, -np.inf)}, (x < 6) & (x != 0))


def test_the_threshold_is_the_midpoint_as_computed_before() -> None:
    """(a + b) / 2, not a + (b - a) / 2, which differs in the last bits for these two draws."""
    a, b = -0.013210486329130189, 0.01257302210933933
    x = np.array([a] * 10 + [b] * 10)
    _as_found_before({"x": x, "y": np.arange(20.0) % 3}, x <= a)
