"""The trials stage of a duel: every Monte Carlo the verdict needs, as batches of the engine.

* the draws of the uncertain inputs and the defence under each (:func:`duel.trials.draws.evaluate_draws`);
* the tornado's cases (nominal, then each uncertain input at its low and high end, or at each of its choices,
  the others at their current value), one more batch of the engine;
* what decides the answer: the inputs screened, then Sobol' indices of those that screen highest, one more
  batch of the engine (:mod:`duel.trials.sensitivity`);
* the threat's impact dispersion (``[dispersion] enabled``): CEP and footprint;
* the notice through the simulated signed exchange (``[notice] exchange``) and the human latency chain;
* the nominal flight's time and highest Mach after apogee (:func:`duel.trials.draws.flight_quantities`), on
  which the flight claims are judged where nothing is drawn.

Everything is seeded from the scenario's seed; the same seed gives the same numbers, on any number of workers
(with two or more, the tornado, the dispersion and the exchange run in forked processes beside the draws:
:func:`run_trials`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from duel.backend import Backend
from duel.defence.engagement import Assessment
from duel.defence.setup import DefenceSetup
from duel.flight.solved import Flight
from duel.notify.chain import Chain, chain_summary, chain_trials
from duel.notify.dist import Dist
from duel.scenario.inputs import Inputs, RecordedJobs, UncertainInput
from duel.trials.dispersion import ImpactDispersion, Nominal, dispersion_of, impact_dispersion
from duel.flight.summary import flight_quantities
from duel.trials.draws import evaluate_draws, threat_tracks
from duel.trials.results import DrawOutcomes, NominalFlight, Sensitivity, Tornado, TrialsResult
from duel.trials.sampling import sample
from duel.trials.sensitivity import screen, sobol_indices
from duel.trials.spread import precise_enough, spread

ProgressFn = Callable[[int, int], None]


def chain_latencies(inputs: Inputs) -> dict[str, Dist]:
    """The notional delay distributions of the notice exchange (``notice.exchange.*``), lognormal in s."""
    return {name: Dist("lognormal", float(inputs[f"notice.exchange.{name}_median_s"]),
                       float(inputs[f"notice.exchange.{name}_log_sd"]))
            for name in ("link", "watch", "relay", "dissemination")}


def exchange_chain(inputs: Inputs, timeline: dict[str, Any]) -> tuple[float, Chain] | None:
    """The notice's lead time (s) and the chain it runs through to the defender (timeline times in s from
    launch; every latency notional), or None without a notice."""
    lead = inputs["notice.lead_min"]
    if lead is None:
        return None
    lat = chain_latencies(inputs)
    if inputs["notice.recipient"] == "defender":
        lat["relay"] = Dist("fixed", 0.0)
    elif "assumption.relay_third_party_min" in inputs.user_set:
        lat["relay"] = Dist("fixed", float(inputs["assumption.relay_third_party_min"]) * 60.0)
    impact = timeline["impact_s"]
    cue = timeline["cue_s"] if timeline["cue_s"] is not None else timeline["first_fire_control_track_s"]
    chain = Chain(apogee_s=timeline["apogee_s"] or impact, reentry_s=timeline["reentry_100km_s"] or impact,
                  impact_s=impact, sensor_cue_s=cue,
                  relay_probability=float(inputs["notice.exchange.relay_probability"]),
                  drop=float(inputs["notice.exchange.drop"]), retries=int(inputs["notice.exchange.retries"]), **lat)
    chain.check(float(lead) * 60.0)
    return float(lead) * 60.0, chain


def tornado_cases(uncertain: Sequence[UncertainInput]
                  ) -> tuple[dict[str, np.ndarray], tuple[tuple[Any, ...], ...], tuple[tuple[int, ...], ...]]:
    """The tornado's rows as draws: row 0 every input at its current value, then each input at each of its
    ends (a number's low and high end, every choice of a choice), the others current. Returns the draws, each
    input's ends and the rows that hold them."""
    ends = tuple(u.choices if u.dist == "choice" else (u.low, u.high) for u in uncertain)
    n = 1 + sum(len(e) for e in ends)
    cases = {u.path: np.full(n, u.nominal, dtype=object if u.dist == "choice" else float) for u in uncertain}
    rows, at = [], 1
    for u, e in zip(uncertain, ends):
        rows.append(tuple(range(at, at + len(e))))
        cases[u.path][at:at + len(e)] = e
        at += len(e)
    return cases, ends, tuple(rows)


def draw_until_precise(flight: Flight, defence: DefenceSetup, inputs: Inputs, uncertain: Sequence[UncertainInput],
                       trials: int | None, seed: int, backend: Backend, inner: int,
                       progress: ProgressFn | None = None, workers: int = 1
                       ) -> tuple[dict[str, np.ndarray], DrawOutcomes, bool]:
    """The draws and the defence under each: ``trials`` of them, or (``trials`` None) ``montecarlo.initial_trials``
    doubled until every verdict quantity is :func:`~duel.trials.spread.precise_enough`
    (``montecarlo.precision_ratio`` of its 90 % range, or ``montecarlo.precision_floor``; times the number of
    objects for the expected leakers), at most ``montecarlo.max_trials``. Draw i is the same whatever the
    total (streams per (seed, i)); ``workers`` forked processes share each batch. Returns (draws, outcomes,
    capped)."""
    n = int(inputs["montecarlo.initial_trials"]) if trials is None else trials
    cap = n if trials is not None else max(n, int(inputs["montecarlo.max_trials"]))
    ratio, floor = float(inputs["montecarlo.precision_ratio"]), float(inputs["montecarlo.precision_floor"])
    objects = defence.objects

    def step(done: int, total: int) -> None:
        if progress:
            progress(done, total)

    draws = sample(uncertain, n, seed)
    parts = [evaluate_draws(flight, defence, inputs, draws, n, seed, backend, inner, step, workers=workers)]
    while True:
        out = DrawOutcomes.concat(parts)
        precise = all(precise_enough(spread(y), ratio, f) for y, f in (
            (out.p_all_stopped, floor), (out.p_at_least_one_stopped, floor), (out.expected_leakers, floor * objects)))
        if precise or n >= cap:
            return draws, out, not precise and trials is None
        more = min(n, cap - n)
        extra = sample(uncertain, more, seed, start=n)
        parts.append(evaluate_draws(flight, defence, inputs, extra, more, seed, backend, inner,
                                    lambda done, total, a=n: step(a + done, a + total), row_offset=n,
                                    workers=workers))
        draws = {k: np.concatenate([draws[k], extra[k]]) for k in draws}
        n += more


def run_trials(flight: Flight, defence: DefenceSetup, assessment: Assessment, inputs: Inputs,
               uncertain: Sequence[UncertainInput], trials: int | None, seed: int, backend: Backend, *,
               dispersion_trials: int | None = None, exchange_trials: int | None = None,
               progress: ProgressFn | None = None, workers: int = 1,
               pause: Sequence[Callable[[], object]] = ()) -> TrialsResult:
    """Every Monte Carlo of a duel (module docstring). ``trials``: the number of draws, or None for as many as
    the precision wants (:func:`draw_until_precise`). ``dispersion_trials`` / ``exchange_trials``: None skips
    the impact dispersion / the notice exchange. ``workers``: processes that share the work (the numbers do not
    change): a forked one runs the tornado, the dispersion and the exchange while the others draw, and the
    Sobol' design is cut over all of them, or over the others while that forked one still works. ``pause``:
    steps of the caller's (e.g. imports it needs later) for this process to take, in order, while it waits for
    that forked process's last jobs."""
    inner = int(inputs["montecarlo.inner_trials"])

    def tornado() -> Tornado | None:
        if not uncertain:
            return None
        cases, ends, rows = tornado_cases(uncertain)
        return Tornado(tuple(uncertain), evaluate_draws(flight, defence, inputs, cases, 1 + sum(map(len, ends)), seed,
                                                        backend, int(inputs["montecarlo.tornado_inner_trials"])),
                       ends, rows)

    def dispersion() -> ImpactDispersion | None:
        if dispersion_trials is None:
            return None
        target = defence.defended
        nom = Nominal.from_flight(flight, target.lat_deg, target.lon_deg, defence.objects)  # type: ignore[union-attr]
        return impact_dispersion(nom, dispersion_trials, seed, dispersion_of(inputs))

    notice = None if exchange_trials is None else exchange_chain(inputs, timeline_with_flight(assessment, flight))

    def exchange() -> dict[str, Any] | None:
        if notice is None:
            return None
        lead_s, chain = notice
        return chain_summary(chain, lead_s, seed, chain_trials(chain, lead_s, exchange_trials or 0, seed))

    # the tornado, the impact dispersion and the notice exchange in a forked process, in that order, while the
    # draws take the other workers; the screening waits for the tornado, then the Sobol' design is shared out
    # over the workers free (below; the same numbers: every row and trial has its own stream)
    jobs: list[Callable[[], Any]] = [tornado, dispersion, exchange]
    beside = 1 if workers > 1 else 0
    here = max(1, workers - beside)
    outcomes = None
    draws: dict[str, np.ndarray] = {}
    capped = False
    n = 0
    with RecordedJobs(jobs, beside) as lanes:
        if uncertain:
            draws, outcomes, capped = draw_until_precise(flight, defence, inputs, uncertain, trials, seed, backend,
                                                         inner, progress, here)
            n = len(outcomes.p_all_stopped)
        torn = lanes.result(0)
        # the Sobol' design over the processes free now: while the forked one still runs the dispersion or the
        # exchange (its jobs run in order, so the last one's end is theirs), one more process would take the core
        # it needs (the same numbers on any number of processes)
        free = here if lanes.forked and not lanes.done(len(jobs) - 1) else workers
        sens = None if torn is None else what_decides(  # type: ignore[arg-type]
            flight, defence, inputs, uncertain, draws, outcomes, torn, seed, backend, free)
        for step in pause if lanes.forked else ():
            if lanes.done(len(jobs) - 1):
                break
            step()
        disp, exch = lanes.result(1), lanes.result(2)
    nominal = threat_tracks(flight, None, None, 1, backend)  # the grid the draws' flights are resampled on
    flown = NominalFlight(*(float(np.ravel(x)[0]) for x in flight_quantities(nominal.time_s, nominal.alt_m,
                                                                              nominal.speed_mps)))
    return TrialsResult(n, seed, inner, draws, outcomes, torn, disp, exch, capped, sens, flown)


def what_decides(flight: Flight, defence: DefenceSetup, inputs: Inputs, uncertain: Sequence[UncertainInput],
                 draws: dict[str, np.ndarray], outcomes: DrawOutcomes, tornado: Tornado, seed: int,
                 backend: Backend, workers: int = 1) -> Sensitivity:
    """The sensitivity of the answer (:mod:`duel.trials.sensitivity`): every input screened (tornado swing,
    RBD-FAST on the draws), then a Sobol' design over the ``montecarlo.sobol_inputs`` that screen highest, run
    on the batch engine with ``montecarlo.sobol_inner_trials`` raid realisations per row."""
    key = "p_all_stopped" if np.ptp(outcomes.p_all_stopped) > 1e-9 else "expected_leakers"
    at = getattr(tornado.outcomes, key)
    swing = np.array([np.ptp(at[list(r)]) for r in tornado.rows])
    scr = screen(uncertain, draws, getattr(outcomes, key), swing, seed)
    k = int(inputs["montecarlo.sobol_inputs"])
    chosen = [int(i) for i in scr.ranking()[:k]
              if scr.swing[i] > 0 or np.nan_to_num(scr.rbd_first_order[i]) > 0]
    sobol = None
    if len(chosen) >= 1:
        inner = int(inputs["montecarlo.sobol_inner_trials"])

        def model(rows_draws: dict[str, np.ndarray], rows: int) -> np.ndarray:
            return getattr(evaluate_draws(flight, defence, inputs, rows_draws, rows, seed, backend, inner,
                                          workers=workers), key)

        sobol = sobol_indices(model, uncertain, chosen, int(inputs["montecarlo.sobol_base"]), seed)
    return Sensitivity(key, scr, sobol)


def timeline_with_flight(assessment: Assessment, flight: Flight) -> dict[str, Any]:
    """The defence's timeline with the flight's apogee and reentry (100 km) times (s from launch; None if none)."""
    log = flight.trajectory.log
    apogee, reentry = float(log.apogee_t[0]), float(log.crossing_t["down_100km"][0])
    return {**assessment.timeline, "apogee_s": apogee if np.isfinite(apogee) else None,
            "reentry_100km_s": reentry if np.isfinite(reentry) else None}
