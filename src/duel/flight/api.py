"""One flight from a user's request: places and missile from the model's inputs, checks, aim, fly.

This is what ``duel fly``, ``duel basing`` and the scenario pipeline call; it holds no physics of its own.
The request uses the edge units of the CLI (deg, km, m/s); every check names the CLI option it refers to.
Every number (places, the missile, the burnout-state defaults) comes from :class:`~duel.scenario.inputs.Inputs`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from duel.backend import Backend, get_backend
from duel.catalog.schema import Place
from duel.errors import InputError
from duel.flight.aim import AimResult, Shape, Target, aim_burnout, parse_shape
from duel.flight.aim_store import AimStore, aim_staged_stored
from duel.flight.dynamics import Physics
from duel.flight.flyability import FlightLimits
from duel.flight.solved import Comparison, Flight
from duel.flight.summary import summarize, thin_track
from duel.flight.trajectory import fly_burnout
from duel.flight.vehicles import StagedMissile, staged_missile
from duel.physics.earth import earth_model
from duel.scenario.inputs import Inputs
from duel.scenario.registry import Registry


COMPARISON_TRACK_POINTS = 200  # samples of each comparison arc kept for the altitude chart


@dataclass(frozen=True)
class FlightRequest:
    """What the user asked for (CLI units). See ``duel fly --help`` for the forms."""

    launch: str
    target: str | None = None
    missile: str | None = None
    shape: str = "min-energy"
    azimuth_deg: float | None = None
    burnout_speed_mps: float | None = None
    burnout_angle_deg: float | None = None
    burnout_altitude_km: float | None = None
    beta_kg_m2: float | None = None
    earth: str = "wgs84"
    rotation: bool = True
    atmosphere: bool = True
    j2: bool = True
    backend: str = "numpy"


def fly_with_comparisons(req: FlightRequest, shapes: Sequence[str], inputs: Inputs,
                         track_points: int = COMPARISON_TRACK_POINTS) -> tuple[Flight, tuple[Comparison, ...]]:
    """``req`` solved, and flown again on each of ``shapes`` (e.g. ``lofted``, ``depressed``): each arc's
    summary (with its flyability) and its altitude track thinned to ``track_points`` samples. All are aimed in
    one batch (:func:`solve_flights`); an error of ``req`` itself is raised, a comparison's is kept in words."""
    first, *others = solve_flights([req, *(replace(req, shape=shape) for shape in shapes)], inputs)
    if isinstance(first, InputError):
        raise first
    return first, tuple(Comparison(shape, None, str(f)) if isinstance(f, InputError)
                        else Comparison(shape, f.summary, track=thin_track(f.trajectory, 0, track_points))
                        for shape, f in zip(shapes, others))


def _positive(value: float | None, option: str, unit: str) -> None:
    if value is not None and not (np.isfinite(value) and value > 0):
        raise InputError(f"{option}: must be a positive number of {unit}, got {value:g}")


def _check(req: FlightRequest) -> None:
    """Input checks that need no catalogue: each names its option."""
    _positive(req.burnout_speed_mps, "--burnout-speed", "m/s")
    _positive(req.beta_kg_m2, "--beta", "kg/m^2")
    if req.burnout_speed_mps is not None and req.burnout_speed_mps >= 11_000:
        raise InputError(f"--burnout-speed: {req.burnout_speed_mps:,.0f} m/s is above escape speed; "
                         "a ballistic missile burns out below 8,000 m/s")
    if req.burnout_angle_deg is not None and not (-89.9 <= req.burnout_angle_deg <= 89.9):
        raise InputError(f"--burnout-angle: {req.burnout_angle_deg:g} deg is outside -89.9..89.9")
    if req.burnout_altitude_km is not None and not (0.0 <= req.burnout_altitude_km <= 2_000.0):
        raise InputError(f"--burnout-altitude: {req.burnout_altitude_km:g} km is outside 0..2,000 km")
    if req.azimuth_deg is not None and not np.isfinite(req.azimuth_deg):
        raise InputError("--azimuth: must be a number of degrees")
    if req.missile and (req.burnout_speed_mps is not None or req.burnout_angle_deg is not None):
        raise InputError("--missile: give either a missile or a burnout state (--burnout-speed/--burnout-angle), not both")


@dataclass(frozen=True)
class _Resolved:
    """A request resolved against the inputs: what its aim and its summary need."""

    physics: Physics
    launch: Place
    target: Place | None
    shape: Shape
    sources: list[str]
    where: str
    limits: FlightLimits
    backend: Backend


def _resolve(req: FlightRequest, inputs: Inputs) -> _Resolved:
    _check(req)
    limits = FlightLimits.from_inputs(inputs)
    backend = get_backend(req.backend)
    physics = Physics(earth_model(req.earth, rotation=req.rotation, j2=req.j2), atmosphere=req.atmosphere)  # type: ignore[arg-type]
    launch = inputs.place(req.launch, "--from")
    target = inputs.place(req.target, "--to") if req.target else None
    shape = parse_shape(req.shape)
    sources = list(launch.sources) + (list(target.sources) if target else [])
    where = f"{launch.name} → {target.name}" if target else f"{launch.name}, azimuth {req.azimuth_deg}"
    return _Resolved(physics, launch, target, shape, sources, where, limits, backend)


def solve_flight(req: FlightRequest, inputs: Inputs | None = None) -> Flight:
    """Resolve, check, aim and fly the request with the numbers of ``inputs`` (default: the registry's
    nominals); raises :class:`InputError` naming the bad option."""
    inputs = inputs if inputs is not None else Inputs(Registry.default())
    if req.missile:
        flight = solve_flights([req], inputs)[0]
        if isinstance(flight, InputError):
            raise flight
        return flight
    r = _resolve(req, inputs)
    launch, target = r.launch, r.target
    beta = req.beta_kg_m2 if req.beta_kg_m2 is not None else float(inputs["flight.burnout_beta_kg_m2"])
    h_b = (req.burnout_altitude_km if req.burnout_altitude_km is not None
           else float(inputs["flight.burnout_altitude_km"])) * 1e3
    if target is None:
        if req.burnout_speed_mps is None or req.burnout_angle_deg is None or req.azimuth_deg is None:
            raise InputError("--to: give a target, or a free flight with --burnout-speed, --burnout-angle and --azimuth")
        if req.burnout_angle_deg <= 0 and h_b == 0:
            raise InputError("--burnout-angle: must be above the horizon for a burnout on the ground")
        tr = fly_burnout(launch.lat_deg, launch.lon_deg, h_b, req.burnout_speed_mps, req.burnout_angle_deg,
                         req.azimuth_deg, beta, r.physics, record=True)
        if not tr.landed[0]:
            raise InputError(f"--burnout-speed: {req.burnout_speed_mps:,.0f} m/s at {req.burnout_angle_deg:g} deg "
                             "does not come down (orbit or escape)")
        summary = summarize(tr, "free flight", req.azimuth_deg, None, r.sources, {"beta_kg_m2": beta}, r.limits)
        return Flight(tr, summary, f"free flight from {r.where}")
    if req.burnout_angle_deg is not None:
        raise InputError("--burnout-angle: with --to the solver finds the angle; drop --burnout-angle "
                         "(or drop --to and give --azimuth)")
    tg = Target.between(launch.lat_deg, launch.lon_deg, target.lat_deg, target.lon_deg, r.physics)
    res = aim_burnout(tg, r.shape, r.physics, beta, speed_mps=req.burnout_speed_mps, altitude_m=h_b,
                      backend=r.backend)
    return _done(res, r.shape.label, r.sources, f"burnout state: {r.where}", {**res.params, "beta_kg_m2": beta},
                 r.limits)


def solve_flights(reqs: Sequence[FlightRequest], inputs: Inputs | None = None) -> list[Flight | InputError]:
    """Several requests at once, item i answering ``reqs[i]`` (or the :class:`InputError` that
    :func:`solve_flight` would raise for it). Staged-missile requests with the same missile, Earth model,
    backend and beta are aimed together in shared batches (:func:`duel.flight.aim.aim_staged_many`), which
    costs little more than one aim; each flight equals the one :func:`solve_flight` gives alone. Aims solved
    before are taken from the store of solved aims (:mod:`duel.flight.aim_store`; ``DUEL_CACHE_DIR=off`` turns it
    off), with the same results."""
    inputs = inputs if inputs is not None else Inputs(Registry.default())
    out: list[Flight | InputError | None] = [None] * len(reqs)
    groups: dict[tuple[object, ...], list[tuple[int, _Resolved, StagedMissile, Target]]] = {}
    for i, req in enumerate(reqs):
        try:
            if not req.missile:
                out[i] = solve_flight(req, inputs)
                continue
            r = _resolve(req, inputs)
            m = staged_missile(inputs, inputs.registry.missile_id(req.missile, "--missile"))
            if r.target is None:
                raise InputError("--to: a target is required with --missile")
            tg = Target.between(r.launch.lat_deg, r.launch.lon_deg, r.target.lat_deg, r.target.lon_deg, r.physics)
            key = (m.id, req.earth, req.rotation, req.j2, req.atmosphere, req.backend, req.beta_kg_m2)
            groups.setdefault(key, []).append((i, r, m, tg))
        except InputError as exc:
            out[i] = exc
    store = AimStore.from_environment() if groups else None
    for key, members in groups.items():
        _, r0, m, _ = members[0]
        aimed = aim_staged_stored(m, [tg for *_, tg in members], [r.shape for _, r, _, _ in members], r0.physics,
                                  beta_kg_m2=key[-1], backend=r0.backend, store=store)  # type: ignore[arg-type]
        for (i, r, _, _), res in zip(members, aimed):
            if isinstance(res, InputError):
                out[i] = res
                continue
            sources = r.sources + inputs.registry.entry_sources("missile", m.id)
            out[i] = _done(res, r.shape.label, sources, f"{m.name}: {r.where}", res.params, r.limits, m)
    return out  # type: ignore[return-value]


def _done(res: AimResult, label: str, sources: list[str], title: str, extra: dict[str, float],
          limits: FlightLimits, missile: StagedMissile | None = None) -> Flight:
    summary = summarize(res.trajectory, label, res.azimuth_deg, res.miss_m, sources, extra, limits)
    return Flight(res.trajectory, summary, title, res, missile)


__all__ = ["Comparison", "Flight", "FlightLimits", "FlightRequest", "fly_with_comparisons", "solve_flight",
           "solve_flights"]
