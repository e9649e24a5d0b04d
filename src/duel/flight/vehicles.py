"""Staged missiles in SI units, built from the model's inputs.

A :class:`StagedMissile` has stages burnt one after the other (constant mass flow), a payload, a drag
coefficient table over Mach and a pitch programme (vertical rise, kick, gravity turn) whose kick angle is the
free parameter of the aim solver. After the last burnout the flying objects are reentry objects with
ballistic coefficient beta = m / (Cd A) in kg/m^2. (A flight can also start from a burnout state: speed and
flight-path angle relative to the rotating Earth, :func:`duel.flight.trajectory.fly_burnout`.)

:func:`staged_missile` builds one from the ``missile.ID.*`` inputs (:class:`duel.scenario.inputs.Inputs`);
validation errors name the input.
"""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from duel.errors import InputError
from duel.physics.constants import G0_M_S2, P0_PA
from duel.scenario.inputs import Inputs


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Stage(_Model):
    """One stage: masses (kg), specific impulse (s), burn time (s), diameter (m), nozzle exit area (m^2).

    Give ``isp_vac_s`` or ``isp_sl_s``. With a nozzle exit area the thrust varies with ambient pressure p:
    T = mdot g0 Isp_vac - p Ae (Isp_vac derived from Isp_sl as Isp_sl + p0 Ae / (mdot g0)); without it the
    thrust is constant, mdot g0 Isp.
    """

    gross_mass_kg: float = Field(gt=0)
    propellant_mass_kg: float = Field(gt=0)
    burn_time_s: float = Field(gt=0)
    diameter_m: float = Field(gt=0)
    isp_vac_s: float | None = Field(default=None, gt=0)
    isp_sl_s: float | None = Field(default=None, gt=0)
    nozzle_exit_area_m2: float = Field(default=0.0, ge=0)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.propellant_mass_kg >= self.gross_mass_kg:
            raise ValueError(
                f"propellant_mass_kg ({self.propellant_mass_kg:g}) must be below gross_mass_kg ({self.gross_mass_kg:g})"
            )
        if (self.isp_vac_s is None) == (self.isp_sl_s is None):
            raise ValueError("give exactly one of isp_vac_s and isp_sl_s")
        return self

    @property
    def mass_flow_kg_s(self) -> float:
        """Constant propellant mass flow (kg/s)."""
        return self.propellant_mass_kg / self.burn_time_s

    @property
    def vacuum_thrust_n(self) -> float:
        """Thrust in vacuum (N)."""
        mdot = self.mass_flow_kg_s
        if self.isp_vac_s is not None:
            return mdot * G0_M_S2 * self.isp_vac_s
        return mdot * G0_M_S2 * self.isp_sl_s + P0_PA * self.nozzle_exit_area_m2  # type: ignore[operator]

    @property
    def pressure_area_m2(self) -> float:
        """Area (m^2) multiplying ambient pressure in the thrust law (0 = constant thrust)."""
        if self.nozzle_exit_area_m2 > 0:
            return self.nozzle_exit_area_m2
        return 0.0

    @property
    def constant_thrust_n(self) -> float:
        """Thrust (N) when no exit area is given: mdot g0 Isp with whichever Isp was given."""
        isp = self.isp_vac_s if self.isp_vac_s is not None else self.isp_sl_s
        return self.mass_flow_kg_s * G0_M_S2 * float(isp)  # type: ignore[arg-type]


class StagedMissile(_Model):
    """A multi-stage missile: stages (first to last), payload, drag table and pitch programme.

    Pitch programme: vertical rise for ``pitch_vertical_s``; then, for ``pitch_kick_s``, thrust held at the
    kick angle from the vertical in the launch azimuth plane; then a gravity turn (thrust along the
    Earth-relative velocity). The kick angle is chosen by the aim solver.
    """

    id: str
    name: str
    stages: list[Stage] = Field(min_length=1)
    payload_mass_kg: float = Field(gt=0)
    drag_mach: list[float] = Field(min_length=2)
    drag_cd: list[float] = Field(min_length=2)
    pitch_vertical_s: float = Field(gt=0)
    pitch_kick_s: float = Field(gt=0)
    reentry_beta_kg_m2: float = Field(gt=0)
    warheads: int = Field(default=1, ge=1)
    submunitions_per_warhead: int = Field(default=1, ge=1)

    @model_validator(mode="after")
    def _table(self) -> Self:
        if len(self.drag_mach) != len(self.drag_cd):
            raise ValueError("drag_mach and drag_cd must have the same length")
        if any(b <= a for a, b in zip(self.drag_mach, self.drag_mach[1:])):
            raise ValueError("drag_mach must increase strictly")
        if any(c < 0 for c in self.drag_cd):
            raise ValueError("drag_cd must not be negative")
        return self

    @property
    def total_burn_s(self) -> float:
        """Sum of the stage burn times (s)."""
        return sum(s.burn_time_s for s in self.stages)

    @property
    def objects(self) -> int:
        """Number of reentry objects (warheads x submunitions)."""
        return self.warheads * self.submunitions_per_warhead


def build(model: type[_Model], where: str, **fields: object) -> _Model:
    """Construct ``model`` from ``fields``, turning validation errors into one-line :class:`InputError`.

    ``where`` names the input (a CLI option or a catalogue file and entry) for the message.
    """
    try:
        return model(**fields)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"])
        msg = err["msg"].removeprefix("Value error, ")
        raise InputError(f"{where}{': ' + loc if loc else ''}: {msg}") from None


def staged_missile(inputs: Inputs, mid: str) -> StagedMissile:
    """The missile ``mid`` from its inputs (``missile.ID.*`` and ``missile.ID.stageK.*``); errors name the input."""
    where = f"missile.{mid}"
    stages = []
    k = 1
    while f"{where}.stage{k}.burn_time_s" in inputs.registry:
        fields = {name: v for name, v in inputs.fields(f"{where}.stage{k}").items() if v is not None}
        stages.append(build(Stage, f"{where}.stage{k}", **fields))
        k += 1
    f = inputs.fields(where)
    return build(  # type: ignore[return-value]
        StagedMissile, where, id=mid, name=inputs.registry.missile_entry(mid).name, stages=stages,
        payload_mass_kg=f["payload_mass_kg"], drag_mach=list(f["drag_mach"]), drag_cd=list(f["drag_cd"]),
        pitch_vertical_s=f["pitch_vertical_s"], pitch_kick_s=f["pitch_kick_s"],
        reentry_beta_kg_m2=f["reentry_beta_kg_m2"], warheads=int(f["warheads"]),
        submunitions_per_warhead=int(f["submunitions_per_warhead"]))
