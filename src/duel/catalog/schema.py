"""The catalogue's schema: value tables and the entry types of each file, validated with pydantic.

Every numeric parameter is a *value table* ``{ nominal, low, high, status, sources, note }`` with
``low <= nominal <= high``, ``status`` one of reported | estimated | notional, and ``sources`` ids
(an empty list only for notional values). Units are in the key that holds a value (``max_range_km``).
Entries (a missile, a place, an interceptor, a sensor) carry a status and sources of their own.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

Status = Literal["reported", "estimated", "notional"]


def _number(v: Any) -> float:
    """Accept TOML integers and floats only (not strings or booleans)."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ValueError(f"must be a number (got {v!r})")
    if not math.isfinite(v):
        raise ValueError(f"must be a finite number (got {v!r})")
    return float(v)


Num = Annotated[float, BeforeValidator(_number)]


def _text(v: Any) -> Any:
    """Turn TOML dates into ISO strings (``accessed = 2026-11-23`` written without quotes)."""
    if isinstance(v, (date, datetime)):
        return v.isoformat()
    return v


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_sources(ids: list[str], status: str | None, what: str = "value") -> list[str]:
    if not ids and status in ("reported", "estimated"):
        raise ValueError(f"a {status} {what} needs at least one source (only notional ones may have none)")
    for i in ids:
        if not i.strip():
            raise ValueError("source ids must not be empty")
    return ids


class Value(_Strict):
    """A numeric parameter with its plausible band, status and sources (units in the key that holds it)."""

    nominal: Num
    low: Num | None = None
    high: Num | None = None
    status: Status
    sources: list[str] = []
    note: str | None = None

    # bounds applied to nominal, low and high by the subclasses below
    _gt: ClassVar[float | None] = None
    _ge: ClassVar[float | None] = None
    _le: ClassVar[float | None] = None
    _integer: ClassVar[bool] = False

    @field_validator("nominal", "low", "high")
    @classmethod
    def _bounds(cls, v: float | None) -> float | None:
        if v is None:
            return v
        if cls._gt is not None and not v > cls._gt:
            raise ValueError(f"must be > {cls._gt:g} (got {v:g})")
        if cls._ge is not None and not v >= cls._ge:
            raise ValueError(f"must be >= {cls._ge:g} (got {v:g})")
        if cls._le is not None and not v <= cls._le:
            raise ValueError(f"must be <= {cls._le:g} (got {v:g})")
        if cls._integer and not float(v).is_integer():
            raise ValueError(f"must be a whole number (got {v:g})")
        return v

    @field_validator("low")
    @classmethod
    def _low(cls, v: float | None, info: ValidationInfo) -> float | None:
        nominal = info.data.get("nominal")
        if v is not None and nominal is not None and v > nominal:
            raise ValueError(f"low ({v:g}) must not exceed nominal ({nominal:g})")
        return v

    @field_validator("high")
    @classmethod
    def _high(cls, v: float | None, info: ValidationInfo) -> float | None:
        nominal = info.data.get("nominal")
        if v is not None and nominal is not None and v < nominal:
            raise ValueError(f"high ({v:g}) must not be below nominal ({nominal:g})")
        return v

    @field_validator("sources")
    @classmethod
    def _sources(cls, v: list[str], info: ValidationInfo) -> list[str]:
        return _check_sources(v, info.data.get("status"))


class PositiveValue(Value):
    """Value > 0."""

    _gt: ClassVar[float | None] = 0.0


class NonNegativeValue(Value):
    """Value >= 0."""

    _ge: ClassVar[float | None] = 0.0


class FractionValue(Value):
    """Value in 0..1 (a probability)."""

    _ge: ClassVar[float | None] = 0.0
    _le: ClassVar[float | None] = 1.0


class CountValue(Value):
    """Whole number >= 1."""

    _ge: ClassVar[float | None] = 1.0
    _integer: ClassVar[bool] = True


class AngleValue(Value):
    """Angle in degrees within -90..90 (an elevation)."""

    _ge: ClassVar[float | None] = -90.0
    _le: ClassVar[float | None] = 90.0


class AzimuthSpanValue(Value):
    """Angular coverage in degrees, 0 < x <= 360."""

    _gt: ClassVar[float | None] = 0.0
    _le: ClassVar[float | None] = 360.0


class _Entry(_Strict):
    """A catalogue entry: its status and sources (at least one unless notional) come before its values."""

    status: Status
    sources: list[str]

    @field_validator("sources")
    @classmethod
    def _entry_sources(cls, v: list[str], info: ValidationInfo) -> list[str]:
        return _check_sources(v, info.data.get("status"), "entry")


def _increasing(values: list[float], what: str) -> None:
    if any(b <= a for a, b in zip(values, values[1:])):
        raise ValueError(f"{what} must increase strictly")


class StageEntry(_Strict):
    """One stage of a staged missile. Masses exclude the payload and the stages above."""

    note: str | None = None
    gross_mass_kg: PositiveValue
    propellant_mass_kg: PositiveValue
    burn_time_s: PositiveValue
    diameter_m: PositiveValue
    isp_vac_s: PositiveValue | None = None
    isp_sl_s: PositiveValue | None = None
    nozzle_exit_area_m2: NonNegativeValue | None = None

    @field_validator("propellant_mass_kg")
    @classmethod
    def _below_gross(cls, v: Value, info: ValidationInfo) -> Value:
        gross = info.data.get("gross_mass_kg")
        if gross is not None and v.nominal >= gross.nominal:
            raise ValueError(f"must be below gross_mass_kg ({v.nominal:g} >= {gross.nominal:g})")
        return v

    @model_validator(mode="after")
    def _one_isp(self) -> StageEntry:
        if (self.isp_vac_s is None) == (self.isp_sl_s is None):
            raise ValueError("give exactly one of isp_vac_s and isp_sl_s")
        return self


class MissileEntry(_Entry):
    """A staged missile: stages first to last, payload, drag table, pitch timing and reentry objects."""

    name: str
    kind: Literal["staged"]
    note: str
    warheads: CountValue
    submunitions_per_warhead: CountValue
    reported_range_km: PositiveValue
    payload_mass_kg: PositiveValue
    reentry_beta_kg_m2: PositiveValue
    drag_mach: list[Num] = Field(min_length=2)
    drag_cd: list[Num] = Field(min_length=2)
    drag_status: Status
    drag_sources: list[str]
    drag_note: str | None = None
    pitch_vertical_s: PositiveValue
    pitch_kick_s: PositiveValue
    stages: list[StageEntry] = Field(min_length=1)

    @field_validator("drag_mach")
    @classmethod
    def _mach(cls, v: list[float]) -> list[float]:
        if v[0] < 0:
            raise ValueError("Mach numbers must not be negative")
        _increasing(v, "drag_mach")
        return v

    @field_validator("drag_cd")
    @classmethod
    def _cd(cls, v: list[float], info: ValidationInfo) -> list[float]:
        mach = info.data.get("drag_mach")
        if mach is not None and len(mach) != len(v):
            raise ValueError(f"must have as many values as drag_mach ({len(v)} against {len(mach)})")
        if any(c < 0 for c in v):
            raise ValueError("drag coefficients must not be negative")
        return v

    @field_validator("drag_sources")
    @classmethod
    def _drag_sources(cls, v: list[str], info: ValidationInfo) -> list[str]:
        return _check_sources(v, info.data.get("drag_status"), "drag table")


class PlaceEntry(_Entry):
    """A launch site or target: WGS84 geodetic latitude and longitude in decimal degrees."""

    name: str
    country: str
    lat_deg: Num = Field(ge=-90.0, le=90.0)
    lon_deg: Num = Field(ge=-180.0, le=180.0)
    note: str



class SourceEntry(_Strict):
    """A bibliography entry: give ``url`` or, for books, papers and unresolved code, ``citation``."""

    title: str
    author: str
    year: int = Field(strict=True, ge=1800, le=2100)
    url: str | None = None
    citation: str | None = None
    accessed: Annotated[str | None, BeforeValidator(_text)] = None
    note: str | None = None

    @field_validator("url")
    @classmethod
    def _url(cls, v: str | None) -> str | None:
        if v is not None and not re.match(r"^https?://\S+$", v):
            raise ValueError(f"must be an http(s) address without spaces (got {v!r})")
        return v

    @model_validator(mode="after")
    def _where(self) -> SourceEntry:
        if not self.url and not self.citation:
            raise ValueError("give url or citation")
        return self


class FlyoutTable(_Strict):
    """Interceptor fly-out time against ground range (tabulated, linear interpolation)."""

    range_km: list[Num] = Field(min_length=2)
    time_s: list[Num] = Field(min_length=2)
    status: Status
    sources: list[str] = []
    note: str | None = None

    @field_validator("range_km")
    @classmethod
    def _range(cls, v: list[float]) -> list[float]:
        if v[0] < 0:
            raise ValueError("ranges must not be negative")
        _increasing(v, "range_km")
        return v

    @field_validator("time_s")
    @classmethod
    def _time(cls, v: list[float], info: ValidationInfo) -> list[float]:
        rng = info.data.get("range_km")
        if rng is not None and len(rng) != len(v):
            raise ValueError(f"must have as many values as range_km ({len(v)} against {len(rng)})")
        if v[0] < 0:
            raise ValueError("times must not be negative")
        _increasing(v, "time_s")
        return v

    @field_validator("sources")
    @classmethod
    def _table_sources(cls, v: list[str], info: ValidationInfo) -> list[str]:
        return _check_sources(v, info.data.get("status"), "table")


class InterceptorEntry(_Entry):
    """An interceptor as a kinematic envelope with a single-shot kill probability.

    ``radar`` is the sensor id of the type's organic fire-control radar (``radar_note`` says where it is a
    stand-in). Optional fields beyond the core schema: ``max_target_speed_mps``, ``min_ground_range_km``,
    ``track_formation_s``, ``decision_delay_s`` (the type-wide notional defaults of the input registry where
    absent), ``burnout_speed_mps`` (value tables) and ``flyout_table`` (:class:`FlyoutTable`).
    """

    name: str
    system: str
    role: str
    note: str
    radar: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    radar_note: str | None = None
    min_intercept_altitude_km: NonNegativeValue
    max_intercept_altitude_km: PositiveValue
    max_ground_range_km: PositiveValue
    average_speed_mps: PositiveValue
    reaction_time_s: NonNegativeValue
    sspk: FractionValue
    missiles_per_launcher: CountValue
    launchers_per_battery: CountValue
    simultaneous_engagements: CountValue
    max_target_speed_mps: PositiveValue | None = None
    min_ground_range_km: NonNegativeValue | None = None
    track_formation_s: NonNegativeValue | None = None
    decision_delay_s: NonNegativeValue | None = None
    burnout_speed_mps: PositiveValue | None = None
    flyout_table: FlyoutTable | None = None

    @field_validator("max_intercept_altitude_km")
    @classmethod
    def _above_min(cls, v: Value, info: ValidationInfo) -> Value:
        low = info.data.get("min_intercept_altitude_km")
        if low is not None and v.nominal <= low.nominal:
            raise ValueError(f"must be above min_intercept_altitude_km ({v.nominal:g} <= {low.nominal:g})")
        return v


class _SensorBase(_Entry):
    name: str
    note: str



class SpaceIrSensorEntry(_SensorBase):
    """An early-warning satellite system: delay from lift-off to first detection, then to a usable track."""

    kind: Literal["space-ir"]
    detection_delay_s: NonNegativeValue
    track_latency_s: NonNegativeValue


class RadarSensorEntry(_SensorBase):
    """A ground radar: range against a reference cross-section, antenna height, elevation mask.

    Optional: ``azimuth_coverage_deg`` (sector width; 360 for a rotating radar).
    """

    kind: Literal["radar"]
    max_range_km: PositiveValue
    reference_rcs_m2: PositiveValue
    antenna_height_m: NonNegativeValue
    elevation_mask_deg: AngleValue
    azimuth_coverage_deg: AzimuthSpanValue | None = None


SensorEntry = SpaceIrSensorEntry | RadarSensorEntry
SENSOR_MODELS: dict[str, type[_SensorBase]] = {"space-ir": SpaceIrSensorEntry, "radar": RadarSensorEntry}


# ----------------------------------------------------------------------------------------------------
# Public record types
# ----------------------------------------------------------------------------------------------------


class Place(_Strict):
    """A point on the WGS84 ellipsoid: a catalogue place (``id`` set) or coordinates given by the user."""

    id: str | None
    name: str
    lat_deg: float
    lon_deg: float
    sources: list[str] = []


class Source(_Strict):
    """A bibliography entry (see :class:`SourceEntry` for the fields)."""

    id: str
    title: str
    author: str
    year: int
    url: str | None = None
    citation: str | None = None
    accessed: str | None = None
    note: str | None = None
