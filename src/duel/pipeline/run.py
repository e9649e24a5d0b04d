"""``run_scenario``: the one orchestrator of a duel, stage by stage.

    resolve  (scenario + --set -> inputs, missile, places, defence: :func:`duel.pipeline.resolve.resolve`)
    fly      (the nominal arc and the comparison arcs: :mod:`duel.flight.api`)
    defend   (the nominal defence: windows, layers, raid, timeline: :func:`duel.defence.engagement.assess`)
    trials   (every Monte Carlo, as batches of the engine: :func:`duel.trials.runner.run_trials`)
    verdict  (a pure function of the stage results: :func:`duel.verdict.document.assemble`)

Each stage returns a typed result (:class:`RunResult` keeps them all). Writing the outputs (``result.json``,
the report, figures) is the caller's: :mod:`duel.report.build`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from duel.backend import default_workers, get_backend
from duel.defence.engagement import assess
from duel.defence.records import Assessment
from duel.defence.track import ThreatTrack
from duel.flight.api import fly_with_comparisons, solve_flight
from duel.flight.solved import Comparison, Flight
from duel.pipeline.resolve import Setup, keyed, resolve, run_counts
from duel.scenario.inputs import RecordedJobs, recording
from duel.scenario.schema import Scenario
from duel.trials.dispersion import DuelTrials, dispersion_of
from duel.trials.results import TrialsResult
from duel.trials.runner import run_trials, timeline_with_flight
from duel.trials.sensitivity import WARM_UP as SENSITIVITY_WARM_UP
from duel.verdict.document import assemble

ProgressFn = Callable[[int, int], None]


@dataclass(frozen=True)
class RunResult:
    """Every stage's result of one run and the result document (``result.json``)."""

    setup: Setup
    flight: Flight
    comparisons: tuple[Comparison, ...]
    assessment: Assessment
    trials: TrialsResult
    inputs_read: frozenset[str]
    document: dict[str, Any]


def run_scenario(sc: Scenario, trials: int | None = None, seed: int | None = None,
                 progress: ProgressFn | None = None, backend: str = "numpy", sets: Sequence[str] = (),
                 workers: int | None = None, prepare: Sequence[Callable[[], object]] = ()) -> RunResult:
    """Run a scenario end to end (module docstring).

    ``trials``/``seed`` default to the scenario's (``trials`` "auto": as many draws as the precision wants);
    ``sets`` are ``PATH=VALUE`` overrides of model inputs;
    ``backend`` (``numpy`` or ``gpu``) runs every Monte Carlo trial (the nominal arc is aimed on NumPy on every
    backend: :meth:`~duel.pipeline.resolve.Setup.flight_request`);
    ``workers`` forked processes (default: this process's cores) share the work, with the same numbers: the
    threat is aimed in one while this process takes the steps of the later stages' imports and then of
    ``prepare`` (the caller's warm-up, e.g. the report's imports), up to the aim's return; the steps left are
    taken while this process waits for the trials' side jobs (:func:`run_trials`). Without a forked process
    no step is taken (each import happens when needed).
    """
    trials, seed = run_counts(sc, trials, seed)
    be = get_backend(backend)
    workers = default_workers() if workers is None else workers
    with recording() as read:
        setup = resolve(sc, sets)
        inputs = setup.inputs
        request = setup.flight_request()
        # beside the aim: the imports the later stages need (SALib's; the caller's, e.g. the report's), step by
        # step until the aim is back (or failed); the steps left wait for a pause in the trials
        warm = [*(SENSITIVITY_WARM_UP if setup.uncertain else ()), *prepare]
        with RecordedJobs([partial(keyed, "threat", fly_with_comparisons, request, tuple(sc.threat.compare), inputs)],
                          1 if workers > 1 and warm else 0) as aiming:
            while aiming.forked and warm and not aiming.done(0):
                warm.pop(0)()
            flight, comparisons = aiming.result(0)
            pause = warm if aiming.forked else []
        track = ThreatTrack.from_trajectory(flight.trajectory)
        assessment = assess(track, setup.defence, flight.trajectory.earth, seed)
        timeline = timeline_with_flight(assessment, flight)
        result = run_trials(flight, setup.defence, assessment, inputs, setup.uncertain, trials, seed, be,
                            dispersion_trials=sc.dispersion.trials if sc.dispersion.enabled else None,
                            exchange_trials=sc.notice.exchange_trials if sc.notice.exchange else None,
                            progress=progress, workers=workers, pause=pause)
        doc = assemble(sc, inputs, setup.uncertain, read, flight, comparisons, setup.launch, setup.target, timeline,
                       assessment, result, backend)
    return RunResult(setup, flight, comparisons, assessment, result, frozenset(read), doc)


def duel_trials(sc: Scenario, sets: Sequence[str] = (), backend: str = "numpy") -> DuelTrials:
    """The full-duel trial function of a scenario (``duel trials``): resolve, fly the nominal arc, and build
    :class:`~duel.trials.dispersion.DuelTrials` (each trial a dispersed threat against the defence with its
    draws of the uncertain inputs)."""
    setup = resolve(sc, sets)
    flight = keyed("threat", solve_flight, setup.flight_request(), setup.inputs)
    identity = {"scenario": sc.model_dump(mode="json"), "set": list(sets)}
    return DuelTrials(flight, setup.defence, setup.inputs, setup.uncertain, dispersion_of(setup.inputs), identity,
                      backend=backend)
