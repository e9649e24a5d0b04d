"""The defence of a scenario, built from the model's inputs: batteries, warning, notice, doctrine, the raid.

:func:`defence_setup` reads every number through :class:`duel.scenario.inputs.Inputs`, so the same code
builds the nominal defence (scalar inputs) and the defence of every Monte Carlo trial at once (inputs drawn
as arrays with one value per trial): the one mapping from inputs to the defence model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from duel.catalog.schema import Place
from duel.defence.interceptors import Battery, parse_battery
from duel.defence.notice import Notice, ReadinessRules
from duel.defence.warning import SpaceIR
from duel.scenario.inputs import Inputs, Number


@dataclass(frozen=True)
class EngagementParams:
    """Parameters of the engagement model (the ``assumption.*`` and ``doctrine.*`` inputs).

    Attributes:
        rcs_m2: radar cross-section of each threat object (m^2).
        track_formation_s: radar first detection -> fire-control track (s).
        shots: interceptors per object per opportunity (>= 1).
        doctrine: ``"salvo"`` or ``"sls"`` (shoot-look-shoot).
        kill_assessment_s: T_ka, the look after an intercept (s; sls only).
        p_kill_assessment: probability a surviving object is seen to be alive (sls only).

    Values are scalars (one evaluation) or arrays with one value per trial (``doctrine`` excepted).
    """

    rcs_m2: Number
    track_formation_s: Number
    shots: Number
    doctrine: str
    kill_assessment_s: Number
    p_kill_assessment: Number


@dataclass(frozen=True)
class DefenceSetup:
    """Everything the defence model needs besides the threat's track.

    Attributes:
        batteries: the fire units (type, position, magazine, radar).
        space_ir: the early-warning satellites, or None.
        notice: the advance notice, or None.
        params: the engagement parameters.
        decision_delay_s: decision delay without notice (s).
        rules: the readiness rules' notional numbers (None without a notice: nothing to be ready for).
        objects: threat objects that count as warheads (warheads x submunitions).
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
    decision_delay_s: Number
    rules: ReadinessRules | None
    objects: int
    decoys: int
    p_track: Number
    p_decoy_engaged: float
    common_mode: bool
    raid_trials: int
    battery_specs: tuple[str, ...] = ()
    defended: Place | None = None
    where: tuple[str, ...] = ()

    def redrawn(self, inputs: Inputs) -> DefenceSetup:
        """The same defence with its numbers read again from ``inputs`` (e.g. draws, one value per trial)."""
        return defence_setup(inputs, self.battery_specs, self.defended, self.objects, self.where)


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


def engagement_params(inputs: Inputs) -> EngagementParams:
    """The engagement parameters (``assumption.*``, ``doctrine.*``); shots rounded to whole interceptors. The
    kill-assessment inputs are read only under shoot-look-shoot (salvo fire never looks: 0 s, probability 1)."""
    shots = inputs["assumption.shots_per_opportunity"]
    shots = int(round(shots)) if np.ndim(shots) == 0 else np.maximum(1, np.round(shots)).astype(np.int64)
    mode = inputs["doctrine.mode"]
    sls = mode == "sls"
    return EngagementParams(inputs["assumption.rcs_m2"], inputs["assumption.track_formation_s"], shots, mode,
                            inputs["assumption.kill_assessment_s"] if sls else 0.0,
                            inputs["doctrine.p_kill_assessment"] if sls else 1.0)


def defence_setup(inputs: Inputs, battery_specs: Sequence[str], defended: Place | None, objects: int,
                  where: Sequence[str] = ()) -> DefenceSetup:
    """The defence of ``battery_specs`` (``TYPE@POSITION[:KEY=VALUE]``) around ``defended`` against
    ``objects`` threat objects, every number from ``inputs``. ``where`` names each battery in errors."""
    names = list(where) or ["--battery"] * len(battery_specs)
    batteries = tuple(parse_battery(spec, inputs, defended, name) for spec, name in zip(battery_specs, names))
    the_notice = notice(inputs)
    decoys = int(inputs["threat.decoys"])
    return DefenceSetup(
        batteries=batteries, space_ir=space_ir(inputs), notice=the_notice, params=engagement_params(inputs),
        decision_delay_s=inputs["assumption.decision_delay_s"],
        rules=readiness_rules(inputs) if the_notice is not None else None, objects=int(objects),
        decoys=decoys, p_track=inputs["doctrine.p_track"],
        p_decoy_engaged=float(inputs["threat.p_decoy_engaged"]) if decoys else 1.0,
        common_mode=bool(inputs["doctrine.common_mode"]),
        raid_trials=int(inputs["montecarlo.nominal_raid_trials"]), battery_specs=tuple(battery_specs),
        defended=defended, where=tuple(names))
