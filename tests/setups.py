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

THAAD_EAST_OF_KYIV = """
[threat]
missile = "oreshnik"
launch = "kapustin-yar"
target = "kyiv"
trajectory = "min-energy"
[sensors]
early_warning = "sbirs"
[[batteries]]
type = "thaad"
at = "+30km@95"
"""
"""A scenario's threat and one THAAD battery (the Kyiv duel's) as TOML: the battery's keys may follow."""


def nominal(path: str) -> Any:
    """The registry's nominal value of an input."""
    return NOMINAL[path]


def params(**changes: Any) -> EngagementParams:
    """The nominal engagement parameters (one object per warhead, own-track fire control), with ``changes``."""
    return replace(engagement_params(NOMINAL, 1, 1), **changes)


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
    """One battery's windows against ``track`` by the model (:func:`battery_engagements`), with its type's
    decision delay and reaction time x ``reaction_factor`` as given."""
    t = bat.type.with_values(decision_delay_s=decision_delay_s, reaction_time_s=bat.type.reaction_time_s * reaction_factor)
    return battery_engagements(track, defence([replace(bat, type=t)], 1, p=p), cue_s, earth_model())[0]


def defence(batteries: list[Battery], objects: int, *, notice: Notice | None = None, space_ir: SpaceIR | None = None,
            p: EngagementParams | None = None, decision_delay_s: float | None = None, p_track: float = 1.0,
            decoys: int = 0, raid_trials: int = 20_000, submunitions: int = 1) -> DefenceSetup:
    """A hand-built defence (nominal rules): ``objects`` warheads of ``submunitions`` each; every battery's
    decision delay ``decision_delay_s`` where given."""
    if decision_delay_s is not None:
        batteries = [replace(b, type=b.type.with_values(decision_delay_s=decision_delay_s)) for b in batteries]
    return DefenceSetup(tuple(batteries), space_ir, notice, p or params(), rules() if notice else None, objects,
                        submunitions, decoys, p_track, 1.0, False, raid_trials)


@dataclass(frozen=True)
class Resolved:
    """A resolved scenario and its nominal flight."""

    setup: Setup
    flight: Flight


def resolved(path: str | Path, sets: tuple[str, ...] = ()) -> Resolved:
    """Resolve a scenario file and fly its nominal arc."""
    setup = resolve(load_scenario(path), sets)
    return Resolved(setup, solve_flight(setup.flight_request(), setup.inputs))
