"""Test helpers: the registry's nominal inputs, the nominal defence pieces, resolved scenarios with their flight."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from duel.defence.engagement import battery_engagements
from duel.defence.records import BatteryEngagement
from duel.defence.interceptors import Battery, InterceptorType, interceptor_type
from duel.defence.notice import Notice, ReadinessRules
from duel.defence.radar import Radar
from duel.defence.setup import DefenceSetup, EngagementParams, engagement_params, readiness_rules
from duel.defence.track import ThreatTrack
from duel.defence.warning import SpaceIR
from duel.flight.api import solve_flight
from duel.flight.solved import Flight
from duel.physics.earth import earth_model
from duel.pipeline import Setup, resolve
from duel.scenario import load_scenario
from duel.scenario.inputs import Inputs
from duel.scenario.registry import Registry

NOMINAL = Inputs(Registry.default())


def nominal(path: str) -> Any:
    """The registry's nominal value of an input."""
    return NOMINAL[path]


def params(**changes: Any) -> EngagementParams:
    """The nominal engagement parameters, with ``changes``."""
    return replace(engagement_params(NOMINAL), **changes)


def rules() -> ReadinessRules:
    """The nominal readiness rules."""
    return readiness_rules(NOMINAL)


def interceptor(tid: str) -> InterceptorType:
    """The catalogue interceptor ``tid`` at its nominal values."""
    return interceptor_type(NOMINAL, tid)


def battery(kind: str, lat: float, lon: float, radar: Radar, **kw: Any) -> Battery:
    """A battery of the catalogue type ``kind`` at (lat, lon) with the given radar."""
    return Battery.create(interceptor(kind), lat, lon, radar, **kw)


def engagement(track: ThreatTrack, bat: Battery, p: EngagementParams | None = None, cue_s: Any = np.nan,
               decision_delay_s: float = 5.0, reaction_factor: float = 1.0) -> BatteryEngagement:
    """One battery's windows against ``track`` by the model (:func:`battery_engagements`)."""
    return battery_engagements(track, [bat], cue_s, decision_delay_s, reaction_factor, p or params(),
                               earth_model())[0]


def defence(batteries: list[Battery], objects: int, *, notice: Notice | None = None, space_ir: SpaceIR | None = None,
            p: EngagementParams | None = None, decision_delay_s: float = 5.0, p_track: float = 1.0,
            decoys: int = 0, raid_trials: int = 20_000) -> DefenceSetup:
    """A hand-built defence (nominal rules)."""
    return DefenceSetup(tuple(batteries), space_ir, notice, p or params(), decision_delay_s, rules(), objects, decoys,
                        p_track, 1.0, False, raid_trials)


@dataclass(frozen=True)
class Resolved:
    """A resolved scenario and its nominal flight."""

    setup: Setup
    flight: Flight


def resolved(path: str | Path, sets: tuple[str, ...] = ()) -> Resolved:
    """Resolve a scenario file and fly its nominal arc."""
    setup = resolve(load_scenario(path), sets)
    return Resolved(setup, solve_flight(setup.flight_request(), setup.inputs))
