"""Vehicle models in SI units: staged missiles, burnout states and reentry objects.

Two ways to describe what flies (issue 2):
- :class:`StagedMissile`: stages burnt one after the other (constant mass flow), a payload, a drag
  coefficient table over Mach and a pitch programme (vertical rise, kick, gravity turn) whose kick angle
  is the free parameter of the aim solver;
- :class:`BurnoutState`: the analysts' shorthand, burnout speed and flight-path angle relative to the
  rotating Earth, at a burnout altitude.

After the last burnout the flying object is a reentry object with ballistic coefficient
beta = m / (Cd A) in kg/m^2 (:class:`ReentryObject`). Validation errors name the field.
"""

from __future__ import annotations

from typing import Self

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from duel.errors import InputError

G0_M_S2 = 9.80665  # standard gravity, defines specific impulse (ISO 80000-3)
P0_PA = 101_325.0  # sea-level pressure of the US Standard Atmosphere 1976


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

    def stage_start_times(self) -> np.ndarray:
        """Ignition time (s from launch) of each stage; stages ignite as the previous one burns out."""
        return np.concatenate([[0.0], np.cumsum([s.burn_time_s for s in self.stages])[:-1]])

    @property
    def objects(self) -> int:
        """Number of reentry objects (warheads x submunitions)."""
        return self.warheads * self.submunitions_per_warhead


class BurnoutState(_Model):
    """Burnout speed (m/s) and flight-path angle (deg) relative to the rotating Earth, at an altitude (m)."""

    speed_mps: float = Field(gt=0)
    angle_deg: float = Field(gt=-90, lt=90)
    altitude_m: float = Field(default=0.0, ge=0, le=2_000_000)


class ReentryObject(_Model):
    """A warhead, submunition or decoy flying ballistically with drag from beta = m / (Cd A) (kg/m^2)."""

    beta_kg_m2: float = Field(gt=0)


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
