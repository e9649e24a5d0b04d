"""The defence of a scenario, built from the model's inputs: batteries, warning, notice, doctrine, the raid.

:func:`defence_setup` reads every number through :class:`duel.scenario.inputs.Inputs`, so the same code
builds the nominal defence (scalar inputs) and the defence of every Monte Carlo trial at once (inputs drawn
as arrays with one value per trial): the one mapping from inputs to the defence model.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from duel.catalog.schema import Place
from duel.defence.interceptors import Battery, parse_battery
from duel.defence.notice import Notice, ReadinessRules, readiness_arrays
from duel.defence.warning import SpaceIR
from duel.defence.windows import FIRE_CONTROL, BatteryArrays, Timing, battery_arrays, stack_batteries
from duel.scenario.inputs import Inputs, Number


@dataclass(frozen=True)
class EngagementParams:
    """Parameters of the engagement model (the ``assumption.*``, ``doctrine.*`` and ``threat.*`` inputs).

    Attributes:
        rcs_m2: radar cross-section of each submunition (or of each object without submunitions) (m^2).
        rcs_warhead_m2: radar cross-section of a warhead before it releases its submunitions (m^2).
        shots: interceptors per object per opportunity (>= 1).
        doctrine: ``"salvo"`` or ``"sls"`` (shoot-look-shoot).
        kill_assessment_s: T_ka, the look after an intercept (s; sls only).
        p_kill_assessment: probability a surviving object is seen to be alive (sls only).
        fire_control: the scenario-wide fire-control mode (a name of
            :data:`~duel.defence.windows.FIRE_CONTROL`, or an array of names, one per trial).
        network_latency_s: from another radar's track to the launching battery (s).
        remote_track_quality: factor on P_track of a battery that launches on another radar's track.
        separation_alt_m: altitude at which each warhead releases its submunitions (m; +inf: none to release).

    Values are scalars (one evaluation) or arrays with one value per trial (``doctrine`` excepted).
    """

    rcs_m2: Number
    rcs_warhead_m2: Number
    shots: Number
    doctrine: str
    kill_assessment_s: Number
    p_kill_assessment: Number
    fire_control: Any
    network_latency_s: Number
    remote_track_quality: Number
    separation_alt_m: Number


@dataclass(frozen=True)
class DefenceSetup:
    """Everything the defence model needs besides the threat's track.

    Attributes:
        batteries: the fire units (type, position, magazine, radar, fire-control mode).
        space_ir: the early-warning satellites, or None.
        notice: the advance notice, or None.
        params: the engagement parameters.
        rules: the readiness rules' notional numbers (None without a notice: nothing to be ready for).
        warheads, submunitions: the threat's warheads and submunitions per warhead (objects that count as
            leakers: warheads x submunitions).
        decoys: decoys flying with them.
        p_track, p_decoy_engaged, common_mode: the raid's engagement-chain probability, the chance a decoy is
            engaged, and whether P_track is one draw for the whole raid.
        raid_trials: realisations of the nominal raid when a limit can bind.
        battery_specs, defended, where: how the batteries were given (to rebuild them, :meth:`redrawn`).
    Numbers are scalars, or arrays with one value per trial where they were drawn.
    """

    batteries: tuple[Battery, ...]
    space_ir: SpaceIR | None
    notice: Notice | None
    params: EngagementParams
    rules: ReadinessRules | None
    warheads: int
    submunitions: int
    decoys: int
    p_track: Number
    p_decoy_engaged: float
    common_mode: bool
    raid_trials: int
    battery_specs: tuple[str, ...] = ()
    defended: Place | None = None
    where: tuple[str, ...] = ()

    @property
    def objects(self) -> int:
        """Threat objects that count as leakers: warheads x submunitions per warhead."""
        return self.warheads * self.submunitions

    def redrawn(self, inputs: Inputs) -> DefenceSetup:
        """The same defence with its numbers read again from ``inputs`` (e.g. draws, one value per trial)."""
        return defence_setup(inputs, self.battery_specs, self.defended, self.warheads, self.submunitions, self.where)

    def fire_control_codes(self) -> np.ndarray:
        """Each battery's fire-control mode as a code of :data:`~duel.defence.windows.FIRE_CONTROL`, shape
        (..., B): the battery's own where it sets one, else the scenario's (one per trial where drawn)."""
        scenario = np.vectorize(FIRE_CONTROL.index, otypes=[np.int64])(np.asarray(self.params.fire_control))
        return stack_batteries([scenario if b.fire_control is None else FIRE_CONTROL.index(b.fire_control)
                                for b in self.batteries]).astype(np.int64)

    @property
    def networked(self) -> bool:
        """True when some battery may use another radar's track (in some trial)."""
        return bool(np.any(self.fire_control_codes() > 0)) and len(self.batteries) > 1

    def readiness(self) -> tuple[np.ndarray, np.ndarray]:
        """Each battery's decision delay after the readiness the notice buys, shape (..., B), and the factor on
        reaction times, shape (...) (:func:`duel.defence.notice.readiness_arrays`)."""
        return readiness_arrays(self.notice, stack_batteries([b.type.decision_delay_s for b in self.batteries]),
                                self.rules)

    def battery_arrays(self) -> BatteryArrays:
        """The batteries as arrays (..., B) for the window model, with the readiness and the modes applied."""
        decision, factor = self.readiness()
        p = self.params
        return battery_arrays(self.batteries, p.rcs_m2, p.rcs_warhead_m2, factor, decision,
                              self.fire_control_codes())

    def timing(self, cue_s: Any) -> Timing:
        """The per-trial timing inputs of the window model with the IR cue ``cue_s`` (s from launch)."""
        p = self.params
        return Timing(cue_s, p.kill_assessment_s, p.network_latency_s, p.separation_alt_m)


def space_ir(inputs: Inputs) -> SpaceIR | None:
    """The early-warning system named by ``sensors.early_warning`` (None for ``none``)."""
    sid = inputs["sensors.early_warning"]
    if sid == "none":
        return None
    reg = inputs.registry
    return SpaceIR(inputs[f"sensor.{sid}.detection_delay_s"], inputs[f"sensor.{sid}.track_latency_s"], 0.0, sid,
                   tuple(reg.entry_sources("sensor", sid)))


def notice(inputs: Inputs) -> Notice | None:
    """The notice of ``notice.*`` (None without a lead time); a third party relays it after
    ``assumption.relay_third_party_min``."""
    lead = inputs["notice.lead_min"]
    if lead is None:
        return None
    recipient = inputs["notice.recipient"]
    relay = 0.0 if recipient == "defender" else inputs["assumption.relay_third_party_min"] * 60.0
    return Notice(float(lead) * 60.0, inputs["notice.content"], recipient, relay)


def readiness_rules(inputs: Inputs) -> ReadinessRules:
    """The notional numbers of the readiness rules (``assumption.*``)."""
    return ReadinessRules(inputs["assumption.decision_delay_ready_s"], inputs["assumption.reaction_factor_ready"],
                          inputs["assumption.ready_lead_min"] * 60.0)


def engagement_params(inputs: Inputs, submunitions: int, batteries: int) -> EngagementParams:
    """The engagement parameters (``assumption.*``, ``doctrine.*``, ``threat.*``); shots rounded to whole
    interceptors. Inputs that cannot act are not read: the kill-assessment inputs only under shoot-look-shoot
    (salvo fire never looks: 0 s, probability 1), the warheads' RCS and the separation altitude only when a
    warhead carries several submunitions (else nothing separates: +inf), the network inputs only with two
    batteries or more (one battery has no other radar to use)."""
    shots = inputs["assumption.shots_per_opportunity"]
    shots = int(round(shots)) if np.ndim(shots) == 0 else np.maximum(1, np.round(shots)).astype(np.int64)
    mode = inputs["doctrine.mode"]
    sls = mode == "sls"
    rcs = inputs["assumption.rcs_m2"]
    split = submunitions > 1
    net = batteries > 1
    return EngagementParams(
        rcs, inputs["assumption.rcs_warhead_m2"] if split else rcs, shots, mode,
        inputs["assumption.kill_assessment_s"] if sls else 0.0, inputs["doctrine.p_kill_assessment"] if sls else 1.0,
        inputs["doctrine.fire_control"] if net else FIRE_CONTROL[0],
        inputs["doctrine.network_latency_s"] if net else 0.0, inputs["doctrine.remote_track_quality"] if net else 1.0,
        inputs["threat.separation_altitude_km"] * 1e3 if split else math.inf)


def defence_setup(inputs: Inputs, battery_specs: Sequence[str], defended: Place | None, warheads: int,
                  submunitions: int = 1, where: Sequence[str] = ()) -> DefenceSetup:
    """The defence of ``battery_specs`` (``TYPE@POSITION[:KEY=VALUE]``) around ``defended`` against
    ``warheads`` warheads of ``submunitions`` submunitions each, every number from ``inputs``. ``where`` names
    each battery in errors."""
    names = list(where) or ["--battery"] * len(battery_specs)
    batteries = tuple(parse_battery(spec, inputs, defended, name) for spec, name in zip(battery_specs, names))
    the_notice = notice(inputs)
    decoys = int(inputs["threat.decoys"])
    return DefenceSetup(
        batteries=batteries, space_ir=space_ir(inputs), notice=the_notice,
        params=engagement_params(inputs, int(submunitions), len(batteries)),
        rules=readiness_rules(inputs) if the_notice is not None else None, warheads=int(warheads),
        submunitions=int(submunitions), decoys=decoys, p_track=inputs["doctrine.p_track"],
        p_decoy_engaged=float(inputs["threat.p_decoy_engaged"]) if decoys else 1.0,
        common_mode=bool(inputs["doctrine.common_mode"]),
        raid_trials=int(inputs["montecarlo.nominal_raid_trials"]), battery_specs=tuple(battery_specs),
        defended=defended, where=tuple(names))
