"""``need_for``: what it would take for a scenario's defence to reach a goal (``duel need``).

Resolve the scenario, fly its nominal arc, draw the uncertain inputs once (the same draws for every
candidate), then for each candidate addition run every count from 0 (or 1 shot) to ``max_count`` against every
draw in one batch of the engine (:func:`duel.trials.need.need_curve`). The draws cover the inputs the scenario
reads and those the added batteries read (their type's numbers are as uncertain as the scenario's own).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from duel.backend import get_backend
from duel.defence.setup import DefenceSetup, defence_setup
from duel.errors import InputError
from duel.flight.api import solve_flight
from duel.pipeline.resolve import Setup, keyed, resolve, run_counts
from duel.scenario.inputs import recording, uncertain_inputs
from duel.scenario.schema import Scenario
from duel.trials.need import QUANTITIES, Goal, NeedCurve, need_curve
from duel.trials.sampling import sample

SHOTS = "shots"


@dataclass(frozen=True)
class NeedAnswer:
    """The goal, the draws it was judged on, and one :class:`NeedCurve` per addition (in the order given)."""

    goal: Goal
    draws: int
    seed: int
    max_count: int
    additions: tuple[str, ...]
    curves: tuple[NeedCurve, ...]
    setup: Setup


def parse_goal(text: str, share: float) -> Goal:
    """``QUANTITY=VALUE`` (``p_all_stopped=0.9``) and the share of draws that must reach it."""
    if "=" not in text:
        raise InputError(f"--goal: '{text}' must be QUANTITY=VALUE, e.g. p_all_stopped=0.9")
    q, v = (x.strip() for x in text.split("=", 1))
    if q not in QUANTITIES:
        raise InputError(f"--goal: unknown quantity '{q}'; one of {', '.join(QUANTITIES)}")
    try:
        value = float(v)
    except ValueError:
        raise InputError(f"--goal: '{v}' is not a number") from None
    if q != "expected_leakers" and not 0.0 <= value <= 1.0:
        raise InputError(f"--goal: {q} is a probability in [0, 1], got {value}")
    if q == "expected_leakers" and value < 0:
        raise InputError(f"--goal: expected_leakers must be >= 0, got {value}")
    if not 0.0 < share <= 1.0:
        raise InputError(f"--share: must be in (0, 1], got {share}")
    return Goal(q, value, share)


def battery_spec(add: str, target: str) -> str:
    """``TYPE[@PLACE][:KEY=VALUE]`` as a battery spec; without a place the battery stands at the target."""
    if not add.strip():
        raise InputError("--add: empty; give 'shots' or TYPE[@PLACE], e.g. thaad@kyiv")
    head, *opts = add.strip().split(":")
    if "@" not in head:
        head = f"{head}@{target}"
    return ":".join([head, *opts])


def need_for(sc: Scenario, additions: Sequence[str], goal: Goal, max_count: int = 8, trials: int | None = None,
             seed: int | None = None, backend: str = "numpy", sets: Sequence[str] = (),
             progress: Callable[[str, int, int], None] | None = None) -> NeedAnswer:
    """For each addition (``shots`` or ``TYPE[@PLACE]``), the smallest count that reaches ``goal`` in at least
    its share of the draws (module docstring). ``trials``: the draws (default: the scenario's number, or
    ``montecarlo.initial_trials`` when it says ``auto``). ``progress(addition, done, total)`` is called before
    each addition and once at the end."""
    if not additions:
        raise InputError("--add: give at least one addition ('shots' or TYPE[@PLACE], e.g. thaad@kyiv)")
    if not 1 <= max_count <= 64:
        raise InputError(f"--max: must be between 1 and 64, got {max_count}")
    trials, seed = run_counts(sc, trials, seed)
    be = get_backend(backend)
    with recording() as acting:
        setup = resolve(sc, sets)
        inputs = setup.inputs
        base = list(setup.defence.battery_specs)
        where = list(setup.defence.where)
        built: list[DefenceSetup | None] = []
        for add in additions:
            if add.strip() == SHOTS:
                built.append(None)
                continue
            spec = battery_spec(add, sc.threat.target)
            built.append(defence_setup(inputs, base + [spec] * max_count, setup.defence.defended,
                                       setup.defence.warheads, setup.defence.submunitions,
                                       where + [f"--add {add}"] * max_count))
    uncertain = uncertain_inputs(sc, inputs, acting)
    if trials is None:  # the scenario says "auto": the draws a run starts with
        trials = int(inputs["montecarlo.initial_trials"])
    flight = keyed("threat", solve_flight, setup.flight_request(), inputs)
    draws = sample(uncertain, trials, seed)
    inner = int(inputs["montecarlo.need_inner_trials"])
    curves = []
    for i, (add, d) in enumerate(zip(additions, built)):
        if progress:
            progress(add.strip(), i, len(additions))
        if d is None:
            counts = tuple(range(1, max_count + 1))
            curves.append(need_curve(flight, setup.defence, inputs, draws, trials, goal, counts, seed, be, inner))
        else:
            counts = tuple(range(0, max_count + 1))
            curves.append(need_curve(flight, d, inputs, draws, trials, goal, counts, seed, be, inner,
                                     first_added=len(base)))
    if progress:
        progress("", len(additions), len(additions))
    return NeedAnswer(goal, trials, seed, max_count, tuple(a.strip() for a in additions), tuple(curves), setup)
