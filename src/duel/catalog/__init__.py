"""The data catalogue: every real-world number duel uses, with its status and its sources.

The TOML files beside this module hold the data (``docs/catalog.md`` describes the format):

- ``missiles.toml``, ``places.toml``, ``interceptors.toml``, ``sensors.toml``: one ``[id]`` table per entry;
- ``sources*.toml``: the bibliography (``sources.toml``, ``sources-defence.toml``, ...), merged; an id may
  appear in only one of them.

Every numeric parameter is a *value table* ``{ nominal, low, high, status, sources, note }`` with
``low <= nominal <= high``, ``status`` one of reported | estimated | notional, and ``sources`` ids that
must exist (an empty list only for notional values). Everything is validated when a catalogue is loaded;
a mistake raises :class:`~duel.errors.InputError` naming the file, the entry and the field, e.g.
``catalog missiles.toml: oreshnik.stages[1].propellant_mass_kg: must be below gross_mass_kg (...)``
(list indices count from 0).

Public API (module-level functions use the shipped catalogue; :func:`load_catalog` loads another
directory, e.g. in tests): :func:`missile`, :func:`place`, :func:`source`, :func:`sources`,
:func:`entries`, :func:`missile_sources`. Parsed catalogues are cached per directory
(:func:`clear_cache` forgets them). Importing this module imports only tomllib and pydantic; numpy
comes in with :mod:`duel.vehicles` when :func:`missile` is first called.
"""

from __future__ import annotations

import difflib
import functools
import math
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, get_args

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from duel.errors import InputError, suggest

if TYPE_CHECKING:
    from duel.vehicles import StagedMissile

__all__ = [
    "CATALOG_DIR",
    "KINDS",
    "Catalog",
    "Place",
    "Source",
    "clear_cache",
    "entries",
    "load_catalog",
    "missile",
    "missile_sources",
    "place",
    "source",
    "sources",
]

CATALOG_DIR = Path(__file__).resolve().parent
"""The directory of the shipped catalogue files."""

KINDS: tuple[str, ...] = ("missiles", "places", "sources", "interceptors", "sensors")
"""The kinds of catalogue record, as accepted by :func:`entries` and ``duel catalog``."""

_FILES = {"missiles": "missiles.toml", "places": "places.toml", "interceptors": "interceptors.toml", "sensors": "sensors.toml"}
_SOURCE_GLOB = "sources*.toml"
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")

Status = Literal["reported", "estimated", "notional"]


# ----------------------------------------------------------------------------------------------------
# Schema
# ----------------------------------------------------------------------------------------------------


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


class MissileEntry(_Strict):
    """A staged missile: stages first to last, payload, drag table, pitch timing and reentry objects."""

    name: str
    kind: Literal["staged"]
    status: Status
    sources: list[str]
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

    @field_validator("sources")
    @classmethod
    def _entry_sources(cls, v: list[str], info: ValidationInfo) -> list[str]:
        return _check_sources(v, info.data.get("status"), "entry")

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


class PlaceEntry(_Strict):
    """A launch site or target: WGS84 geodetic latitude and longitude in decimal degrees."""

    name: str
    country: str
    lat_deg: Num = Field(ge=-90.0, le=90.0)
    lon_deg: Num = Field(ge=-180.0, le=180.0)
    status: Status
    sources: list[str]
    note: str

    @field_validator("sources")
    @classmethod
    def _entry_sources(cls, v: list[str], info: ValidationInfo) -> list[str]:
        return _check_sources(v, info.data.get("status"), "place")


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


class InterceptorEntry(_Strict):
    """An interceptor as a kinematic envelope with a single-shot kill probability.

    Optional fields beyond the core schema: ``max_target_speed_mps``, ``min_ground_range_km``,
    ``burnout_speed_mps`` (value tables) and ``flyout_table`` (:class:`FlyoutTable`).
    """

    name: str
    system: str
    role: str
    status: Status
    sources: list[str]
    note: str
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
    burnout_speed_mps: PositiveValue | None = None
    flyout_table: FlyoutTable | None = None

    @field_validator("sources")
    @classmethod
    def _entry_sources(cls, v: list[str], info: ValidationInfo) -> list[str]:
        return _check_sources(v, info.data.get("status"), "entry")

    @field_validator("max_intercept_altitude_km")
    @classmethod
    def _above_min(cls, v: Value, info: ValidationInfo) -> Value:
        low = info.data.get("min_intercept_altitude_km")
        if low is not None and v.nominal <= low.nominal:
            raise ValueError(f"must be above min_intercept_altitude_km ({v.nominal:g} <= {low.nominal:g})")
        return v


class _SensorBase(_Strict):
    name: str
    status: Status
    sources: list[str]
    note: str

    @field_validator("sources")
    @classmethod
    def _entry_sources(cls, v: list[str], info: ValidationInfo) -> list[str]:
        return _check_sources(v, info.data.get("status"), "entry")


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
_SENSOR_MODELS: dict[str, type[_SensorBase]] = {"space-ir": SpaceIrSensorEntry, "radar": RadarSensorEntry}


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


# ----------------------------------------------------------------------------------------------------
# Loading
# ----------------------------------------------------------------------------------------------------

_FRIENDLY = {
    "missing": "required key missing",
    "extra_forbidden": "unknown key",
}


def _format_loc(loc: Iterable[Any]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _message(err: dict[str, Any]) -> str:
    kind = err["type"]
    if kind in _FRIENDLY:
        return _FRIENDLY[kind]
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        cls = (err.get("ctx") or {}).get("class_name", "")
        if cls.endswith("Value"):
            return (
                f"must be a value table like {{ nominal = ..., status = \"reported\", sources = [...] }} "
                f"(got {err.get('input')!r})"
            )
        return f"must be a table (got {err.get('input')!r})"
    msg = str(err["msg"]).removeprefix("Value error, ")
    msg = msg.replace("Input should be", "must be")
    if kind.endswith("_type") or kind.endswith("_parsing"):
        msg += f" (got {err.get('input')!r})"
    return msg


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside an annotation such as ``X | None`` or ``list[X]``, if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _allowed_keys(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str] | None:
    """The keys allowed in the table that holds the last element of ``loc``."""
    cls: type[BaseModel] | None = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = cls.model_fields.get(part) if cls is not None else None
        cls = _model_in(field.annotation) if field is not None else None
        if cls is None:
            return None
    return list(cls.model_fields) if cls is not None else None


def _entry_error(fname: str, eid: str, exc: ValidationError, model: type[BaseModel]) -> InputError:
    err = exc.errors()[0]
    loc = _format_loc(err["loc"])
    where = f"{eid}.{loc}" if loc else eid
    msg = _message(err)
    if err["type"] == "extra_forbidden":
        allowed = _allowed_keys(model, tuple(err["loc"]))
        if allowed:
            close = difflib.get_close_matches(str(err["loc"][-1]), allowed, n=1, cutoff=0.6)
            msg = "unknown key" + (f"; did you mean {close[0]}?" if close else "") + f" (allowed: {', '.join(allowed)})"
    return InputError(f"catalog {fname}: {where}: {msg}")


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"catalog {path.name}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise InputError(f"catalog {path.name}: cannot read: {exc.strerror or exc}") from None


def _validate_entries(path: Path, model: Any) -> dict[str, Any]:
    raw = _read_toml(path)
    out: dict[str, Any] = {}
    for eid, body in raw.items():
        if not _ID_RE.match(eid):
            raise InputError(
                f"catalog {path.name}: {eid}: ids must be lowercase letters, digits and hyphens (e.g. 'kapustin-yar')"
            )
        if not isinstance(body, dict):
            raise InputError(f"catalog {path.name}: {eid}: every entry must be a [table], not a bare value")
        chosen = model(path.name, eid, body) if not isinstance(model, type) else model
        try:
            out[eid] = chosen.model_validate(body)
        except ValidationError as exc:
            raise _entry_error(path.name, eid, exc, chosen) from None
    return out


def _sensor_model(fname: str, eid: str, body: dict[str, Any]) -> type[_SensorBase]:
    kind = body.get("kind")
    if kind not in _SENSOR_MODELS:
        got = "missing" if kind is None else repr(kind)
        raise InputError(f"catalog {fname}: {eid}.kind: must be 'space-ir' or 'radar' (got {got})")
    return _SENSOR_MODELS[kind]


def _walk_sources(obj: Any, prefix: str = "") -> Iterator[tuple[str, list[str]]]:
    """Yield (key path, source ids) for every list of source ids inside a validated record."""
    if isinstance(obj, BaseModel):
        for name in type(obj).model_fields:
            value = getattr(obj, name)
            path = f"{prefix}.{name}" if prefix else name
            if name == "sources" or name.endswith("_sources"):
                yield path, list(value)
            else:
                yield from _walk_sources(value, path)
    elif isinstance(obj, list):
        for i, item in enumerate(obj):
            yield from _walk_sources(item, f"{prefix}[{i}]")


def _key(text: str) -> str:
    """Lookup key: accents dropped, case folded, spaces and underscores as hyphens."""
    decomposed = unicodedata.normalize("NFKD", text.strip())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[\s_]+", "-", plain.casefold())


_NUMERIC_RE = re.compile(r"^[0-9eE+\-.,\s]+$")


class Catalog:
    """One loaded and validated catalogue directory. Use :func:`load_catalog` to get one (cached)."""

    def __init__(self, directory: Path, records: dict[str, dict[str, Any]], files: dict[str, dict[str, str]]):
        self.directory = directory
        self._records = records
        self._files = files  # kind -> id -> file name
        self._missiles: dict[str, StagedMissile] = {}
        self._user_missiles: dict[str, MissileEntry] = {}  # missiles read from users' files, by id
        self._place_names = {_key(e.name): pid for pid, e in records["places"].items()}

    # -- loading ------------------------------------------------------------------------------------

    @classmethod
    def from_directory(cls, directory: Path) -> Catalog:
        """Read and validate every catalogue file in ``directory`` (uncached; see :func:`load_catalog`)."""
        if not directory.is_dir():
            raise InputError(f"catalog directory not found: {directory}")
        records: dict[str, dict[str, Any]] = {k: {} for k in KINDS}
        files: dict[str, dict[str, str]] = {k: {} for k in KINDS}

        for path in sorted(directory.glob(_SOURCE_GLOB)):
            for sid, entry in _validate_entries(path, SourceEntry).items():
                if sid in records["sources"]:
                    raise InputError(
                        f"catalog {path.name}: {sid}: duplicate source id (also in {files['sources'][sid]})"
                    )
                records["sources"][sid] = entry
                files["sources"][sid] = path.name

        models: dict[str, Any] = {
            "missiles": MissileEntry,
            "places": PlaceEntry,
            "interceptors": InterceptorEntry,
            "sensors": _sensor_model,
        }
        for kind, fname in _FILES.items():
            path = directory / fname
            if not path.exists():
                continue
            records[kind] = _validate_entries(path, models[kind])
            files[kind] = {eid: fname for eid in records[kind]}

        known = records["sources"]
        for kind in ("missiles", "places", "interceptors", "sensors"):
            for eid, entry in records[kind].items():
                for path_, ids in _walk_sources(entry):
                    for sid in ids:
                        if sid not in known:
                            hint = str(suggest(sid, known, "source"))
                            raise InputError(f"catalog {files[kind][eid]}: {eid}.{path_}: {hint}")
        return cls(directory, records, files)

    # -- lookups ------------------------------------------------------------------------------------

    def _resolve(self, kind: str, name: str, what: str) -> str:
        table = self._records[kind]
        key = _key(name)
        if key in table:
            return key
        raise suggest(name, table, what)

    def missile(self, name: str) -> StagedMissile:
        """The missile ``name`` (case-insensitive id) built from the nominal values.

        A name ending in ``.toml`` is a user's missile file: one ``[id]`` table in the format of
        ``missiles.toml``, validated the same way; its source ids must exist in this catalogue (or be empty
        for notional values).
        """
        if name.lower().endswith(".toml"):
            return self._missile_file(Path(name))
        mid = self._resolve("missiles", name, "missile")
        if mid not in self._missiles:
            where = f"catalog {self._files['missiles'][mid]}: {mid}"
            self._missiles[mid] = _build_missile(mid, self._records["missiles"][mid], where)
        return self._missiles[mid]

    def _missile_file(self, path: Path) -> StagedMissile:
        if not path.is_file():
            raise InputError(f"--missile: file not found: {path}")
        found = _validate_entries(path, MissileEntry)
        if len(found) != 1:
            raise InputError(f"--missile: {path.name} must hold exactly one [missile-id] table (found {len(found)})")
        mid, entry = next(iter(found.items()))
        for path_, ids in _walk_sources(entry):
            for sid in ids:
                if sid not in self._records["sources"]:
                    raise InputError(f"{path.name}: {mid}.{path_}: {suggest(sid, self._records['sources'], 'source')}")
        self._user_missiles[mid] = entry
        return _build_missile(mid, entry, f"{path.name}: {mid}")

    def place(self, spec: str, option: str = "place") -> Place:
        """A catalogue place (id or name, case-insensitive) or ``"LAT,LON"`` in decimal degrees.

        ``option`` names the input in error messages (e.g. ``--from``).
        """
        text = spec.strip()
        if not text:
            raise InputError(f"{option}: empty; give a place id (see 'duel catalog places') or LAT,LON")
        if "," in text or _NUMERIC_RE.match(text):
            return self._coordinates(text, option)
        key = _key(text)
        pid = key if key in self._records["places"] else self._place_names.get(key)
        if pid is None:
            hint = str(suggest(text, self._records["places"], "place"))
            raise InputError(f"{option}: {hint}; or give LAT,LON in decimal degrees (e.g. 50.45,30.52)")
        entry: PlaceEntry = self._records["places"][pid]
        return Place(id=pid, name=entry.name, lat_deg=entry.lat_deg, lon_deg=entry.lon_deg, sources=list(entry.sources))

    @staticmethod
    def _coordinates(text: str, option: str) -> Place:
        parts = [p.strip() for p in text.split(",")]
        bad = InputError(f"{option}: '{text}' is not a place id or LAT,LON in decimal degrees (e.g. 50.45,30.52)")
        if len(parts) != 2:
            raise bad
        try:
            lat, lon = float(parts[0]), float(parts[1])
        except ValueError:
            raise bad from None
        if not (math.isfinite(lat) and math.isfinite(lon)):
            raise bad
        if not -90.0 <= lat <= 90.0:
            raise InputError(f"{option}: latitude {lat:g} is outside -90..90")
        if not -180.0 <= lon <= 180.0:
            raise InputError(f"{option}: longitude {lon:g} is outside -180..180")
        return Place(id=None, name=f"{lat:g},{lon:g}", lat_deg=lat, lon_deg=lon, sources=[])

    def source(self, sid: str) -> Source:
        """The bibliography entry ``sid`` (exact id)."""
        table = self._records["sources"]
        if sid not in table:
            raise suggest(sid, table, "source")
        return Source(id=sid, **table[sid].model_dump())

    def sources(self, ids: Iterable[str]) -> list[Source]:
        """The entries for ``ids``, in the given order, each once."""
        return [self.source(sid) for sid in dict.fromkeys(ids)]

    def entries(self, kind: str) -> dict[str, dict[str, Any]]:
        """Validated records of ``kind`` (missiles | places | sources | interceptors | sensors) as plain dicts.

        Value tables keep their status, band and sources; optional keys that are absent are left out.
        """
        if kind not in self._records:
            raise suggest(kind, KINDS, "catalogue kind")
        return {eid: e.model_dump(exclude_none=True) for eid, e in self._records[kind].items()}

    def missile_sources(self, name: str) -> list[str]:
        """Every source id the missile ``name`` uses (entry, drag table, each value), first use first."""
        entry = self._user_missiles.get(name)
        if entry is None:
            entry = self._records["missiles"][self._resolve("missiles", name, "missile")]
        seen: dict[str, None] = {}
        for _, ids in _walk_sources(entry):
            seen.update(dict.fromkeys(ids))
        return list(seen)

    def file_of(self, kind: str, eid: str) -> str:
        """The file name an entry came from (for messages and reports)."""
        return self._files[kind][eid]


def _build_missile(mid: str, entry: MissileEntry, where: str) -> StagedMissile:
    """A :class:`~duel.vehicles.StagedMissile` from a validated entry's nominal values; errors name ``where``."""
    from duel.vehicles import Stage, StagedMissile, build

    stages = []
    for i, st in enumerate(entry.stages):
        fields = {
            name: getattr(st, name).nominal
            for name in StageEntry.model_fields
            if name != "note" and getattr(st, name) is not None
        }
        stages.append(build(Stage, f"{where}.stages[{i}]", **fields))
    return build(  # type: ignore[return-value]
        StagedMissile,
        where,
        id=mid,
        name=entry.name,
        stages=stages,
        payload_mass_kg=entry.payload_mass_kg.nominal,
        drag_mach=list(entry.drag_mach),
        drag_cd=list(entry.drag_cd),
        pitch_vertical_s=entry.pitch_vertical_s.nominal,
        pitch_kick_s=entry.pitch_kick_s.nominal,
        reentry_beta_kg_m2=entry.reentry_beta_kg_m2.nominal,
        warheads=int(entry.warheads.nominal),
        submunitions_per_warhead=int(entry.submunitions_per_warhead.nominal),
    )


@functools.cache
def _load_cached(directory: str) -> Catalog:
    return Catalog.from_directory(Path(directory))


def load_catalog(directory: str | Path | None = None) -> Catalog:
    """The validated catalogue in ``directory`` (default: the shipped one), parsed once and cached."""
    path = Path(directory) if directory is not None else CATALOG_DIR
    return _load_cached(str(path.resolve()))


def clear_cache() -> None:
    """Forget every cached catalogue (after editing files in a running process)."""
    _load_cached.cache_clear()


# ----------------------------------------------------------------------------------------------------
# Module-level API on the shipped catalogue
# ----------------------------------------------------------------------------------------------------


def missile(name: str) -> StagedMissile:
    """The catalogue missile ``name`` (case-insensitive), built from nominal values."""
    return load_catalog().missile(name)


def place(spec: str, option: str = "place") -> Place:
    """A catalogue place id/name or ``"LAT,LON"`` decimal degrees; errors name ``option``."""
    return load_catalog().place(spec, option)


def source(sid: str) -> Source:
    """The bibliography entry ``sid``."""
    return load_catalog().source(sid)


def sources(ids: Iterable[str]) -> list[Source]:
    """The bibliography entries for ``ids`` (order kept, duplicates dropped)."""
    return load_catalog().sources(ids)


def entries(kind: str) -> dict[str, dict[str, Any]]:
    """Validated records of one kind as plain dicts (for listings and provenance tables)."""
    return load_catalog().entries(kind)


def missile_sources(name: str) -> list[str]:
    """All source ids used by the missile ``name``."""
    return load_catalog().missile_sources(name)
