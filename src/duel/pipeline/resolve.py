"""Resolve: a scenario and its inputs -> the typed :class:`Setup` every later stage reads (no flight yet).

Looks up the missile, the launch place and the target, parses the trajectory shape, builds the defence
(batteries, warning, notice, doctrine) from the inputs, and resolves the uncertain inputs. Errors name the
scenario key (``threat.target: unknown place ...``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from duel.catalog.schema import Place
from duel.defence.setup import DefenceSetup, defence_setup
from duel.errors import InputError
from duel.flight.aim import Shape, parse_shape
from duel.flight.api import FlightRequest
from duel.flight.vehicles import StagedMissile, staged_missile
from duel.scenario.inputs import Inputs, UncertainInput, recording, scenario_inputs, uncertain_inputs
from duel.scenario.schema import Scenario

T = TypeVar("T")


@dataclass(frozen=True)
class Setup:
    """A scenario resolved against the input registry (everything but the flight).

    Attributes:
        scenario: the validated scenario file.
        inputs: the value of every model input (nominal, or as the scenario and ``--set`` give it).
        uncertain: the inputs drawn per Monte Carlo trial, with their distributions.
        missile: the missile flown.
        launch, target: the launch place and the target (defended point).
        shape: the trajectory shape.
        defence: the nominal defence.
    """

    scenario: Scenario
    inputs: Inputs
    uncertain: tuple[UncertainInput, ...]
    missile: StagedMissile
    launch: Place
    target: Place
    shape: Shape
    defence: DefenceSetup

    def flight_request(self) -> FlightRequest:
        """The scenario's strike as a flight request (the nominal arc), aimed on NumPy whatever backend runs the
        trials: the aim is a handful of lanes solved step by step (work bound by latency, which a GPU is not
        expected to speed up; not measured, no GPU lent so far; on ``jax-cpu`` its program compiles for about
        15 s, on NumPy the aim takes about 1 s), and so the nominal arc, its timeline and every trial's starting
        point are the same numbers on every backend, and its answer is kept between runs
        (:mod:`duel.flight.aim_store` keeps NumPy's aims only). ``duel fly --backend`` aims on the backend."""
        th = self.scenario.threat
        return FlightRequest(launch=th.launch, target=th.target, missile=th.missile, shape=th.trajectory)


def keyed(key: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call ``fn``; an InputError that names a CLI option is re-worded to name the scenario ``key``."""
    try:
        return fn(*args, **kwargs)
    except InputError as exc:
        msg = str(exc)
        if msg.startswith("--"):
            msg = msg.split(": ", 1)[-1]
        raise InputError(f"{key}: {msg}") from None


def resolve(sc: Scenario, sets: Sequence[str] = (), batteries: Sequence[tuple[str, str]] = ()) -> Setup:
    """The scenario's inputs (with ``sets``, ``PATH=VALUE``) and everything built from them. The inputs drawn
    per trial are those of ``[uncertain]`` and every other input with a band that building this scenario's
    threat and defence read (:func:`duel.scenario.inputs.uncertain_inputs`). ``batteries``: (battery spec,
    option) of batteries a command will add (``duel need --add``), whose interceptor files must join the
    registry too."""
    inputs = scenario_inputs(sc, sets, batteries=batteries)
    th = sc.threat
    launch = inputs.place(th.launch, "threat.launch")  # its errors already name the key
    target = inputs.place(th.target, "threat.target")
    shape = keyed("threat.trajectory", parse_shape, th.trajectory)
    for i, other in enumerate(th.compare):
        keyed(f"threat.compare[{i}]", parse_shape, other)
    with recording() as acting:  # the inputs that act on this scenario's threat and defence
        missile = keyed("threat.missile", staged_missile, inputs, inputs.missile)
        defence = defence_setup(inputs, [b.spec() for b in sc.batteries], target, missile.warheads,
                                missile.submunitions_per_warhead, [f"batteries[{i}]" for i in range(len(sc.batteries))])
    uncertain = tuple(uncertain_inputs(sc, inputs, acting))
    for u in uncertain:
        if u.listed:  # the defaults act by construction (the scenario read them)
            _check_used(u.path, defence, missile.id)
    return Setup(sc, inputs, uncertain, missile, launch, target, shape, defence)


def _check_used(path: str, defence: DefenceSetup, missile: str) -> None:
    """An uncertain input must act on this scenario: an interceptor type or a radar of one of its batteries, or
    its missile (drawing anything else would change nothing)."""
    kind, eid = path.split(".")[:2]
    if eid == "*":  # a pattern: every entry of its kind
        if kind in ("interceptor", "sensor") and not defence.batteries:
            raise InputError(f"uncertain.{path}: this scenario has no battery")
        return
    used = {"interceptor": ({b.type.id for b in defence.batteries}, f"no battery of type '{eid}' in this scenario"),
            "sensor": ({b.radar.id for b in defence.batteries} | ({defence.space_ir.id} if defence.space_ir else set()),
                       f"no battery of this scenario uses the radar '{eid}', nor does its early warning"),
            "missile": ({missile}, f"this scenario flies {missile}, not {eid}")}
    if kind in used and eid not in used[kind][0]:
        raise InputError(f"uncertain.{path}: {used[kind][1]}")


def run_counts(sc: Scenario, trials: int | None, seed: int | None) -> tuple[int | None, int]:
    """The draws and the seed of a run: the options where given, else the scenario's (``trials`` None where the
    scenario says "auto": as many as the precision wants); each checked, naming its option."""
    if trials is None and sc.montecarlo.trials != "auto":
        trials = int(sc.montecarlo.trials)
    seed = sc.montecarlo.seed if seed is None else seed
    if trials is not None and trials < 1:
        raise InputError(f"--trials: must be >= 1, got {trials}")
    if seed < 0:
        raise InputError(f"--seed: must be >= 0, got {seed}")
    return trials, seed


def check_scenario(sc: Scenario, sets: Sequence[str] = ()) -> Setup:
    """Validate everything a run would look up, without flying: inputs, places, batteries, distributions."""
    return resolve(sc, sets)
