"""Scenario -> result: trajectory, timeline, engagement windows, raid, uncertainty, claims (orchestration only).

The physics lives in ``duel.flight`` and ``duel.defence``; this module wires a validated
:class:`~duel.scenario.Scenario` through them, nominally and under uncertainty, and assembles the result
document (``result.json``; its schema is ``duel schema result``).

Nominal. The nominal case (one flight, catalogue values) is evaluated by :func:`evaluate`: every window as a
record with refined edges, for the report.

Uncertainty. Each Monte Carlo trial i draws the uncertain inputs from stream positions that depend on
(seed, i) only, so results never depend on how trials are batched. All draws are then evaluated at once by
the batch engine (:func:`evaluate_draws` -> :mod:`duel.engine`, on the chosen backend, no Python loop over
trials): windows and layers per draw theta_i, and the raid conditional on theta_i, exactly (closed form)
when no magazine or fire-channel limit can bind, otherwise by :data:`INNER_TRIALS` seeded realisations. The
engine resolves window edges to the 0.5 s track grid (the nominal evaluation refines them). The reported
probabilities are averages over the draws, with 95 % intervals from their spread (normal approximation of
the mean). A reentry-beta uncertainty re-flies the threat for every draw, in one batch, with the nominal aim.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from duel.errors import InputError
from duel.scenario import Distribution, Scenario

INNER_TRIALS = 400  # inner raid Monte Carlo per uncertainty draw when limits can bind
TYPE_FIELDS = {  # catalogue field -> (InterceptorType attribute, scale to SI)
    "sspk": ("sspk", 1.0), "min_intercept_altitude_km": ("min_alt_m", 1e3),
    "max_intercept_altitude_km": ("max_alt_m", 1e3), "max_ground_range_km": ("max_range_m", 1e3),
    "average_speed_mps": ("average_speed_mps", 1.0), "reaction_time_s": ("reaction_time_s", 1.0),
}


@dataclass
class Setup:
    """A scenario resolved against the catalogue: the nominal flight and every defence object."""

    scenario: Scenario
    flight: Any  # duel.flight.api.Flight
    missile: Any  # StagedMissile
    launch: Any  # catalogue Place
    target: Any
    batteries: list[Any]
    notice: Any | None
    space_ir: Any | None
    params: Any  # EngagementParams
    decision_delay_s: float
    warheads: int
    nominal_inputs: dict[str, float]


@dataclass(frozen=True)
class Evaluation:
    """The defence against one threat track under one set of inputs."""

    engagements: tuple[Any, ...]
    raid: Any  # RaidOutcome
    readiness: Any
    timeline: dict[str, Any]
    pmf: np.ndarray  # P(k warheads leak), k = 0..W


# ------------------------------------------------------------------------------------------------ setup
def resolve(sc: Scenario, fly: bool = True, backend: str = "numpy") -> Setup:
    """Look everything up, fly the nominal threat (unless ``fly`` is False) and build the defence objects.

    Errors name the scenario key (``threat.target: unknown place ...``).
    """
    from duel import catalog
    from duel.defence.engagement import EngagementParams
    from duel.defence.interceptors import parse_battery
    from duel.defence.sensors import NOTIONAL, Notice, SpaceIR
    from duel.flight.api import FlightRequest, solve_flight

    th = sc.threat
    missile = _keyed("threat.missile", catalog.missile, th.missile)
    launch = catalog.place(th.launch, "threat.launch")
    target = catalog.place(th.target, "threat.target")
    flight = None
    if fly:
        flight = _keyed("threat", solve_flight, FlightRequest(launch=th.launch, target=th.target,
                                                               missile=th.missile, shape=th.trajectory,
                                                               beta_kg_m2=th.beta_kg_m2, backend=backend))
    batteries = [parse_battery(b.spec(), target, f"batteries[{i}]") for i, b in enumerate(sc.batteries)]
    n = sc.notice
    notice = None
    if n.lead_min is not None:
        notice = Notice(n.lead_min * 60.0, n.content, n.recipient,
                        None if n.relay_delay_min is None else n.relay_delay_min * 60.0)
    ew = sc.sensors.early_warning
    space_ir = None if ew in (None, "none") else _keyed("sensors.early_warning", SpaceIR.from_catalog, ew)
    s, d = sc.sensors, sc.doctrine
    params = _keyed("doctrine", EngagementParams,
                    rcs_m2=s.rcs_m2 if s.rcs_m2 is not None else NOTIONAL["rcs_m2"].value,
                    track_formation_s=(s.track_formation_s if s.track_formation_s is not None
                                       else NOTIONAL["track_formation_s"].value),
                    shots=d.shots, doctrine=d.mode,
                    kill_assessment_s=(d.kill_assessment_s if d.kill_assessment_s is not None
                                       else NOTIONAL["kill_assessment_s"].value),
                    p_kill_assessment=d.p_kill_assessment)
    decision = s.decision_delay_s if s.decision_delay_s is not None else NOTIONAL["decision_delay_s"].value
    warheads = (th.warheads or missile.warheads) * (th.submunitions_per_warhead or missile.submunitions_per_warhead)
    setup = Setup(sc, flight, missile, launch, target, batteries, notice, space_ir, params, decision, warheads, {})
    setup.nominal_inputs = {path: nominal_value(setup, path) for path in sc.uncertain}
    return setup


def check_scenario(sc: Scenario) -> None:
    """Validate everything a run would look up, without flying: catalogue ids, places, batteries, bands."""
    setup = resolve(sc, fly=False)
    for path, dist in sc.uncertain.items():
        bounds(setup, path, dist)


def _keyed(key: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call ``fn``; an InputError that names a CLI option is re-worded to name the scenario ``key``."""
    try:
        return fn(*args, **kwargs)
    except InputError as exc:
        msg = str(exc)
        if msg.startswith("--"):
            msg = msg.split(": ", 1)[-1]
        raise InputError(f"{key}: {msg}") from None


def nominal_value(setup: Setup, path: str) -> float:
    """The nominal (catalogue, notional or scenario) value of an uncertain input, in its catalogue unit."""
    from duel.defence.sensors import NOTIONAL

    parts = path.split(".")
    if parts[0] == "interceptor":
        t = _type_of(setup, path)
        attr, scale = TYPE_FIELDS[parts[2]]
        return float(getattr(t, attr)) / scale
    if path == "missile.reentry_beta_kg_m2":
        return float(setup.scenario.threat.beta_kg_m2 or setup.missile.reentry_beta_kg_m2)
    if path == "doctrine.p_track":
        return setup.scenario.doctrine.p_track
    name = parts[1]
    if name not in NOTIONAL:
        raise InputError(f"uncertain.{path}: unknown assumption '{name}'; known: {', '.join(NOTIONAL)}")
    current = {"rcs_m2": setup.params.rcs_m2, "track_formation_s": setup.params.track_formation_s,
               "kill_assessment_s": setup.params.kill_assessment_s, "shots_per_opportunity": setup.params.shots,
               "decision_delay_s": setup.decision_delay_s}
    return float(current.get(name, NOTIONAL[name].value))


def _type_of(setup: Setup, path: str) -> Any:
    tid = path.split(".")[1]
    for b in setup.batteries:
        if b.type.id == tid:
            return b.type
    raise InputError(f"uncertain.{path}: no battery of type '{tid}' in this scenario")


def bounds(setup: Setup, path: str, dist: Distribution) -> tuple[float, float]:
    """The (low, high) ends of an uncertain input: the catalogue band for ``band``, else from the spec."""
    from duel.defence.sensors import NOTIONAL

    if dist.dist == "band":
        parts = path.split(".")
        if parts[0] == "interceptor":
            band = _type_of(setup, path).bands.get(parts[2])
            if band is None or band["low"] == band["high"]:
                raise InputError(f"uncertain.{path}: the catalogue gives no low/high band; use uniform or triangular")
            return float(band["low"]), float(band["high"])
        if parts[0] == "assumption":
            n = NOTIONAL[parts[1]]
            return n.low, n.high
        if path == "missile.reentry_beta_kg_m2":
            from duel import catalog

            e = catalog.entries("missiles").get(setup.missile.id, {}).get("reentry_beta_kg_m2", {})
            if "low" in e and "high" in e:
                return float(e["low"]), float(e["high"])
        raise InputError(f"uncertain.{path}: no low/high band is known for it; use uniform or triangular")
    if dist.dist == "normal":
        return dist.mean - 1.96 * dist.sd, dist.mean + 1.96 * dist.sd  # type: ignore[operator]
    return float(dist.low), float(dist.high)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------------ sampling
def sample_inputs(setup: Setup, trials: int, seed: int, start: int = 0, salt: int | None = None
                  ) -> dict[str, np.ndarray]:
    """Draws of every uncertain input for trials [start, start + trials), arrays of shape (trials,).

    Trial i reads its uniforms from positions that depend only on (seed, i) (:func:`duel.montecarlo.
    philox_block`), so results never depend on the trial count or the chunking; ``salt`` keys a separate
    stream (:func:`duel.montecarlo.salted_key`) for callers that draw other numbers from ``seed`` too.
    """
    from scipy.special import ndtri

    from duel.montecarlo import philox_block, salted_key

    paths = list(setup.scenario.uncertain)
    if not paths:
        return {}
    u = philox_block(seed if salt is None else salted_key(seed, salt), start, start + trials, len(paths))
    out: dict[str, np.ndarray] = {}
    for k, path in enumerate(paths):
        dist = setup.scenario.uncertain[path]
        x = u[:, k]
        if dist.dist == "uniform":
            v = dist.low + x * (dist.high - dist.low)  # type: ignore[operator]
        elif dist.dist == "normal":
            v = dist.mean + dist.sd * ndtri(x)  # type: ignore[operator]
        else:
            lo, hi = bounds(setup, path, dist)
            mode = dist.mode if dist.dist == "triangular" else setup.nominal_inputs[path]
            v = _triangular(x, lo, min(max(mode, lo), hi), hi)  # type: ignore[arg-type]
        out[path] = _clip(path, v)
    return out


def _triangular(u: np.ndarray, lo: float, mode: float, hi: float) -> np.ndarray:
    """Inverse CDF of the triangular distribution."""
    c = (mode - lo) / (hi - lo)
    return np.where(u < c, lo + np.sqrt(u * (hi - lo) * (mode - lo)), hi - np.sqrt((1 - u) * (hi - lo) * (hi - mode)))


def _clip(path: str, v: np.ndarray) -> np.ndarray:
    """Keep draws in the variable's physical range (probabilities in [0, 1], the rest positive)."""
    if path.endswith(("sspk", "p_track", "reaction_factor_ready")):
        return np.clip(v, 0.0, 1.0)
    return np.maximum(v, 1e-9 if path.endswith(("_m2", "speed_mps", "kg_m2")) else 0.0)


# ------------------------------------------------------------------------------------------------ evaluation
def evaluate(setup: Setup, track: Any, raid_trials: int | None, seed: int) -> Evaluation:
    """The defence against ``track`` with the nominal inputs, by the reference path (every window a record with
    bisected edges): the nominal case of the report. Monte Carlo draws go through :func:`evaluate_draws`."""
    from duel.defence.engagement import assess

    sc = setup.scenario
    a = assess(track, setup.batteries, setup.warheads, space_ir=setup.space_ir, notice=setup.notice,
               params=setup.params, decision_delay_s=setup.decision_delay_s, decoys=sc.threat.decoys,
               p_track=sc.doctrine.p_track, p_decoy_engaged=sc.threat.p_decoy_engaged,
               common_mode=sc.doctrine.common_mode, trials=raid_trials, seed=seed)
    log = setup.flight.trajectory.log
    timeline = {**a.timeline,
                "apogee_s": float(log.apogee_t[0]) if math.isfinite(log.apogee_t[0]) else None,
                "reentry_100km_s": float(log.down_t[0, 0]) if math.isfinite(log.down_t[0, 0]) else None}
    return Evaluation(a.engagements, a.raid, a.readiness, timeline, _pmf(a.raid))


def _pmf(raid: Any) -> np.ndarray:
    """P(k warheads leak), k = 0..W, from the method that answers."""
    w = raid.warheads
    if raid.method == "no defence":
        out = np.zeros(w + 1)
        out[w] = 1.0
        return out
    res = raid.monte_carlo if raid.method == "monte carlo" else raid.closed_form
    return np.asarray(res.leaker_pmf, float)


# ------------------------------------------------------------------------------------------------ the run
ProgressFn = Callable[[int, int], None]


def threat_track_arrays(setup: Setup, draws: dict[str, np.ndarray], rows: int, backend: Any) -> Any:
    """The threat objects of each row (:class:`duel.engine.TrackArrays`): the nominal track shared by all
    rows, or, when the reentry beta is drawn, every row's threat re-flown with the nominal aim in one batch
    on ``backend``."""
    from duel.defence.sensors import ThreatTrack
    from duel.engine import TrackArrays
    from duel.flight.trajectory import fly_staged

    beta = draws.get("missile.reentry_beta_kg_m2")
    if beta is None:
        return TrackArrays.from_track(ThreatTrack.from_trajectory(setup.flight.trajectory), setup)
    aim = setup.flight.aim
    tr = fly_staged(setup.missile, setup.launch.lat_deg, setup.launch.lon_deg, aim.azimuth_deg,
                    aim.params["kick_deg"], aim.params["cutoff_s"], setup.flight.trajectory.physics,
                    beta_kg_m2=np.broadcast_to(beta, (rows,)), record=True, backend=backend)
    return TrackArrays.from_track(ThreatTrack.from_trajectory(tr), setup)


def evaluate_draws(setup: Setup, draws: dict[str, np.ndarray], rows: int, seed: int, backend: Any = "numpy",
                   inner: int = INNER_TRIALS, progress: ProgressFn | None = None) -> dict[str, np.ndarray]:
    """The defence under each row of ``draws`` (path -> (rows,) values), all rows at once on ``backend``.

    Per row: the raid conditional on the row's inputs, exactly (closed form) when no magazine or fire-channel
    limit can bind, otherwise by ``inner`` seeded realisations (:func:`duel.engine.evaluate_rows`). Returns
    ``pmf`` (rows, W + 1) = P(k warheads leak), ``p_all_stopped``, ``p_all_leak``, ``expected_leakers``,
    ``interceptors`` (expected fired), ``limits_bind``.
    """
    from duel.backend import get_backend
    from duel.defence.raid_rows import leaker_counts
    from duel.engine import defence_rows, evaluate_rows

    be = get_backend(backend) if isinstance(backend, str) else backend
    tracks = threat_track_arrays(setup, draws, rows, be)
    res = evaluate_rows(setup, tracks, defence_rows(setup, draws, rows), be, seed, inner=inner,
                        inner_only_where_limits_bind=True, progress=progress)
    w = setup.warheads
    pmf, used, bind = res["pmf"], res["interceptors"], res["limits_bind"]
    if "mc_leakers" in res:
        pmf = np.where(bind[:, None], leaker_counts(res["mc_leakers"], w) / res["mc_leakers"].shape[1], pmf)
        used = np.where(bind, res["mc_interceptors"].mean(axis=1), used)
    return {"pmf": pmf, "p_all_stopped": pmf[:, 0], "p_all_leak": pmf[:, -1],
            "expected_leakers": pmf @ np.arange(w + 1), "interceptors": used, "limits_bind": bind}


def run_scenario(sc: Scenario, trials: int | None = None, seed: int | None = None,
                 progress: ProgressFn | None = None, backend: str = "numpy") -> dict[str, Any]:
    """Run a scenario end to end and return the result document (see ``duel schema result``).

    ``backend`` (``numpy`` or ``gpu``) runs the aim solver's flights and every Monte Carlo trial (flights
    re-flown per draw, engagement windows, layers, raid); the nominal evaluation for the report runs on NumPy.
    """
    from duel.defence.engagement import DEFAULT_TRIALS
    from duel.defence.sensors import ThreatTrack

    trials = sc.montecarlo.trials if trials is None else trials
    seed = sc.montecarlo.seed if seed is None else seed
    if trials < 1:
        raise InputError(f"--trials: must be >= 1, got {trials}")
    if seed < 0:
        raise InputError(f"--seed: must be >= 0, got {seed}")
    setup = resolve(sc, backend=backend)
    track = ThreatTrack.from_trajectory(setup.flight.trajectory)
    nominal = evaluate(setup, track, DEFAULT_TRIALS, seed)  # the nominal raid: the engagement default

    draws = sample_inputs(setup, trials, seed)
    w = setup.warheads
    if draws:
        res = evaluate_draws(setup, draws, trials, seed, backend, INNER_TRIALS, progress)
        p0, pall, leak, used = res["p_all_stopped"], res["p_all_leak"], res["expected_leakers"], res["interceptors"]
        pmf_mean = res["pmf"].mean(axis=0)
    else:  # nothing is uncertain: the nominal case is the answer (its own MC error only)
        p0, pall = np.array([nominal.pmf[0]]), np.array([nominal.pmf[-1]])
        leak = np.array([float(np.dot(np.arange(w + 1), nominal.pmf))])
        used, pmf_mean = np.array([nominal.raid.interceptors_used_mean]), nominal.pmf.copy()
    from duel.verdict import assemble

    return assemble(setup, nominal, draws, p0, pall, leak, used, pmf_mean, trials, seed, backend)
