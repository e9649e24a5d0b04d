"""The trials stage of a duel: every Monte Carlo the verdict needs, as batches of the engine.

* the draws of the uncertain inputs and the defence under each (:func:`duel.trials.draws.evaluate_draws`);
* the tornado's 1 + 2k cases (nominal, then each uncertain input at its low and high end, the others at
  their current value), one more batch of the engine;
* the threat's impact dispersion (``[dispersion] enabled``): CEP and footprint;
* the notice through the simulated signed exchange (``[notice] exchange``) and the human latency chain.

Everything is seeded from the scenario's seed; the same seed gives the same numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from duel.backend import Backend
from duel.defence.engagement import Assessment
from duel.defence.setup import DefenceSetup
from duel.flight.solved import Flight
from duel.notify.chain import simulate_notice_chain
from duel.notify.dist import Dist
from duel.scenario.inputs import Inputs, UncertainInput
from duel.trials.dispersion import Nominal, dispersion_of, impact_dispersion
from duel.trials.draws import evaluate_draws
from duel.trials.results import DrawOutcomes, Tornado, TrialsResult
from duel.trials.sampling import sample
from duel.trials.spread import precise_enough, spread

ProgressFn = Callable[[int, int], None]


def chain_latencies(inputs: Inputs) -> dict[str, Dist]:
    """The notional delay distributions of the notice exchange (``notice.exchange.*``), lognormal in s."""
    return {name: Dist("lognormal", float(inputs[f"notice.exchange.{name}_median_s"]),
                       float(inputs[f"notice.exchange.{name}_log_sd"]))
            for name in ("link", "watch", "relay", "dissemination")}


def notice_exchange(inputs: Inputs, trials: int, seed: int, timeline: dict[str, Any]) -> dict[str, Any] | None:
    """The notice run through the simulated signed exchange (timeline times in s from launch), or None without
    a notice: warning time at the defender against sensors alone, and the share of trials in which the notice
    reaches the defender before launch, apogee and reentry (every latency notional)."""
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
    return simulate_notice_chain(
        float(lead) * 60.0, trials, seed, apogee_s=timeline["apogee_s"] or impact,
        reentry_s=timeline["reentry_100km_s"] or impact, impact_s=impact, sensor_cue_s=cue,
        relay_probability=float(inputs["notice.exchange.relay_probability"]),
        drop=float(inputs["notice.exchange.drop"]), retries=int(inputs["notice.exchange.retries"]), **lat)


def tornado_cases(uncertain: Sequence[UncertainInput]) -> dict[str, np.ndarray]:
    """The tornado's 1 + 2k rows as draws: every input at its current value, then each at its low and high end."""
    k = len(uncertain)
    cases = {u.path: np.full(1 + 2 * k, u.nominal) for u in uncertain}
    for i, u in enumerate(uncertain):
        cases[u.path][1 + 2 * i], cases[u.path][2 + 2 * i] = u.low, u.high
    return cases


def draw_until_precise(flight: Flight, defence: DefenceSetup, inputs: Inputs, uncertain: Sequence[UncertainInput],
                       trials: int | None, seed: int, backend: Backend, inner: int,
                       progress: ProgressFn | None = None) -> tuple[dict[str, np.ndarray], DrawOutcomes, bool]:
    """The draws and the defence under each: ``trials`` of them, or (``trials`` None) ``montecarlo.initial_trials``
    doubled until every verdict quantity is :func:`~duel.trials.spread.precise_enough`
    (``montecarlo.precision_ratio`` of its 90 % range, or ``montecarlo.precision_floor``; times the number of
    objects for the expected leakers), at most ``montecarlo.max_trials``. Draw i is the same whatever the
    total (streams per (seed, i)). Returns (draws, outcomes, capped)."""
    n = int(inputs["montecarlo.initial_trials"]) if trials is None else trials
    cap = n if trials is not None else max(n, int(inputs["montecarlo.max_trials"]))
    ratio, floor = float(inputs["montecarlo.precision_ratio"]), float(inputs["montecarlo.precision_floor"])
    objects = defence.objects

    def step(done: int, total: int) -> None:
        if progress:
            progress(done, total)

    draws = sample(uncertain, n, seed)
    parts = [evaluate_draws(flight, defence, inputs, draws, n, seed, backend, inner, step)]
    while True:
        out = DrawOutcomes.concat(parts)
        precise = all(precise_enough(spread(y), ratio, f) for y, f in (
            (out.p_all_stopped, floor), (out.p_at_least_one_stopped, floor), (out.expected_leakers, floor * objects)))
        if precise or n >= cap:
            return draws, out, not precise and trials is None
        more = min(n, cap - n)
        extra = sample(uncertain, more, seed, start=n)
        parts.append(evaluate_draws(flight, defence, inputs, extra, more, seed, backend, inner,
                                    lambda done, total, a=n: step(a + done, a + total), row_offset=n))
        draws = {k: np.concatenate([draws[k], extra[k]]) for k in draws}
        n += more


def run_trials(flight: Flight, defence: DefenceSetup, assessment: Assessment, inputs: Inputs,
               uncertain: Sequence[UncertainInput], trials: int | None, seed: int, backend: Backend, *,
               dispersion_trials: int | None = None, exchange_trials: int | None = None,
               progress: ProgressFn | None = None) -> TrialsResult:
    """Every Monte Carlo of a duel (module docstring). ``trials``: the number of draws, or None for as many as
    the precision wants (:func:`draw_until_precise`). ``dispersion_trials`` / ``exchange_trials``: None skips
    the impact dispersion / the notice exchange."""
    inner = int(inputs["montecarlo.inner_trials"])
    outcomes = tornado = None
    draws: dict[str, np.ndarray] = {}
    capped = False
    n = 0
    if uncertain:
        draws, outcomes, capped = draw_until_precise(flight, defence, inputs, uncertain, trials, seed, backend, inner,
                                                     progress)
        n = len(outcomes.p_all_stopped)
        tornado = Tornado(tuple(uncertain), evaluate_draws(flight, defence, inputs, tornado_cases(uncertain),
                                                           1 + 2 * len(uncertain), seed, backend,
                                                           int(inputs["montecarlo.tornado_inner_trials"])))
    disp = None
    if dispersion_trials is not None:
        target = defence.defended
        nom = Nominal.from_flight(flight, target.lat_deg, target.lon_deg, defence.objects)  # type: ignore[union-attr]
        disp = impact_dispersion(nom, dispersion_trials, seed, dispersion_of(inputs))
    exchange = None
    if exchange_trials is not None:
        exchange = notice_exchange(inputs, exchange_trials, seed, timeline_with_flight(assessment, flight))
    return TrialsResult(n, seed, inner, draws, outcomes, tornado, disp, exchange, capped)


def timeline_with_flight(assessment: Assessment, flight: Flight) -> dict[str, Any]:
    """The defence's timeline with the flight's apogee and reentry (100 km) times (s from launch; None if none)."""
    log = flight.trajectory.log
    apogee, reentry = float(log.apogee_t[0]), float(log.crossing_t["down_100km"][0])
    return {**assessment.timeline, "apogee_s": apogee if np.isfinite(apogee) else None,
            "reentry_100km_s": reentry if np.isfinite(reentry) else None}
