"""Scenario files (TOML): the schema, loading and one-line errors that name the file and the key path.

A scenario says what flies (``[threat]``), what warning there is (``[notice]``, ``[sensors]``), what defends
(``[[batteries]]``, ``[doctrine]``), which inputs are uncertain (``[uncertain]``), how many Monte Carlo trials
(``[montecarlo]``), which public claims to test (``[[claims]]``) and where outputs go (``[outputs]``).
``duel scenario new`` writes a commented template; ``duel scenario check FILE`` validates one.

Uncertain inputs are named by a path and given a distribution:

- ``interceptor.<id>.<field>`` for ``sspk``, ``min_intercept_altitude_km``, ``max_intercept_altitude_km``,
  ``max_ground_range_km``, ``average_speed_mps``, ``reaction_time_s`` (catalogue interceptors);
- ``missile.reentry_beta_kg_m2`` (the threat's reentry objects);
- ``assumption.<name>`` for the notional defaults of the defence timeline (``duel catalog assumptions``);
- ``doctrine.p_track``.

Distributions: ``{ dist = "band" }`` (triangular over the catalogue's low/nominal/high), ``{ dist = "uniform",
low, high }``, ``{ dist = "normal", mean, sd }`` (clipped to the variable's physical range) and
``{ dist = "triangular", low, mode, high }``.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from duel.errors import InputError

SHAPE_HELP = "min-energy | lofted | depressed | max-range | apogee:KM | flight-time:SECONDS"
INTERCEPTOR_FIELDS = ("sspk", "min_intercept_altitude_km", "max_intercept_altitude_km", "max_ground_range_km",
                      "average_speed_mps", "reaction_time_s")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ScenarioInfo(_Strict):
    """Name and description shown in the report."""

    name: str = Field(min_length=1, max_length=80)
    title: str = ""
    description: str = ""


class Threat(_Strict):
    """The strike: missile (catalogue id), launch place and target (id or "LAT,LON"), trajectory shape."""

    missile: str
    launch: str
    target: str
    trajectory: str = "min-energy"
    launch_time_utc: str | None = None
    warheads: int | None = Field(default=None, ge=1, le=100)
    submunitions_per_warhead: int | None = Field(default=None, ge=1, le=100)
    decoys: int = Field(default=0, ge=0, le=1000)
    p_decoy_engaged: float = Field(default=1.0, ge=0.0, le=1.0)
    beta_kg_m2: float | None = Field(default=None, gt=0.0)
    compare: list[str] = Field(default_factory=list, max_length=8)

    @field_validator("trajectory")
    @classmethod
    def _shape(cls, v: str) -> str:
        from duel.flight.aim import parse_shape

        try:
            parse_shape(v)
        except Exception as exc:  # InputError names the CLI option; the scenario key names itself
            raise ValueError(str(exc).split(": ", 1)[-1]) from None
        return v

    @field_validator("launch_time_utc")
    @classmethod
    def _utc(cls, v: str | None) -> str | None:
        if v is None:
            return v
        from datetime import datetime

        try:
            t = datetime.fromisoformat(v.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"'{v}' is not an ISO 8601 time such as 2024-11-21T03:00:00Z") from None
        if t.tzinfo is None or t.utcoffset().total_seconds() != 0:  # type: ignore[union-attr]
            raise ValueError(f"'{v}' must be in UTC (end it with Z)")
        return v


class NoticeSpec(_Strict):
    """Advance notice: lead time before launch (minutes; omit for none), content and recipient."""

    lead_min: float | None = Field(default=None, ge=0.0, le=10_080.0)
    content: Literal["window", "launch-area", "impact-area"] = "window"
    recipient: Literal["defender", "third-party"] = "defender"
    relay_delay_min: float | None = Field(default=None, ge=0.0, le=10_080.0)
    exchange: bool = False  # also run the notice through the simulated signed exchange (duel.notify)
    exchange_trials: int = Field(default=200, ge=1, le=100_000)
    drop: float = Field(default=0.0, ge=0.0, le=1.0)  # per-attempt loss on the simulated link
    retries: int = Field(default=5, ge=0, le=50)


class Sensors(_Strict):
    """Early warning and the assumptions of the sensor chain (values override the notional defaults)."""

    early_warning: str | None = "sbirs"
    rcs_m2: float | None = Field(default=None, gt=0.0, le=100.0)
    track_formation_s: float | None = Field(default=None, ge=0.0, le=600.0)
    decision_delay_s: float | None = Field(default=None, ge=0.0, le=3600.0)


class BatterySpec(_Strict):
    """One battery: interceptor type and position (place id, "LAT,LON" or "[BASE]+DISTkm@AZ"), overrides."""

    type: str
    at: str
    launchers: int | None = Field(default=None, ge=1, le=100)
    magazine: int | None = Field(default=None, ge=0, le=10_000)
    sspk: float | None = Field(default=None, ge=0.0, le=1.0)
    radar: str | None = None

    def spec(self) -> str:
        """The battery as the CLI's ``TYPE@POSITION[:KEY=VALUE]`` string."""
        extra = "".join(f":{k}={getattr(self, k)}" for k in ("launchers", "magazine", "sspk", "radar")
                        if getattr(self, k) is not None)
        return f"{self.type}@{self.at}{extra}"


class Doctrine(_Strict):
    """How the defence fires: shots per object per opportunity, salvo or shoot-look-shoot, tracking."""

    shots: int = Field(default=2, ge=1, le=16)
    mode: Literal["salvo", "sls"] = "salvo"
    kill_assessment_s: float | None = Field(default=None, ge=0.0, le=3600.0)
    p_kill_assessment: float = Field(default=1.0, ge=0.0, le=1.0)
    p_track: float = Field(default=1.0, ge=0.0, le=1.0)
    common_mode: bool = False


class Distribution(_Strict):
    """An uncertain input's distribution (see the module docstring)."""

    dist: Literal["band", "uniform", "normal", "triangular"]
    low: float | None = None
    high: float | None = None
    mode: float | None = None
    mean: float | None = None
    sd: float | None = Field(default=None, gt=0.0)

    @model_validator(mode="after")
    def _params(self) -> Distribution:
        need = {"band": (), "uniform": ("low", "high"), "normal": ("mean", "sd"),
                "triangular": ("low", "mode", "high")}[self.dist]
        missing = [k for k in need if getattr(self, k) is None]
        if missing:
            raise ValueError(f"dist = '{self.dist}' needs {', '.join(missing)}")
        extra = [k for k in ("low", "high", "mode", "mean", "sd") if getattr(self, k) is not None and k not in need]
        if extra:
            raise ValueError(f"dist = '{self.dist}' takes no {', '.join(extra)}")
        if self.dist in ("uniform", "triangular") and not self.low < self.high:  # type: ignore[operator]
            raise ValueError(f"low ({self.low:g}) must be below high ({self.high:g})")
        if self.dist == "triangular" and not self.low <= self.mode <= self.high:  # type: ignore[operator]
            raise ValueError(f"mode ({self.mode:g}) must lie between low and high")
        return self


class DispersionSpec(_Strict):
    """Impact dispersion of the threat (notional 1-sigma errors; omitted values take duel.dispersion's defaults)."""

    enabled: bool = False
    trials: int = Field(default=200, ge=1, le=1_000_000)
    speed_frac_sd: float | None = Field(default=None, ge=0.0, le=0.2)
    angle_sd_deg: float | None = Field(default=None, ge=0.0, le=10.0)
    azimuth_sd_deg: float | None = Field(default=None, ge=0.0, le=10.0)
    release_sd_mps: float | None = Field(default=None, ge=0.0, le=500.0)


class MonteCarlo(_Strict):
    """Trials over the uncertain inputs and the seed (same seed, same results)."""

    trials: int = Field(default=400, ge=1, le=1_000_000)
    seed: int = Field(default=1, ge=0)


class Claim(_Strict):
    """A public claim to test against the result."""

    text: str = Field(min_length=1)
    who: str = ""
    source: str | None = None
    test: Literal["no-chance", "certain-stop", "flight-time-at-most"] = "no-chance"
    value: float | None = None

    @model_validator(mode="after")
    def _value(self) -> Claim:
        if self.test == "flight-time-at-most" and self.value is None:
            raise ValueError("test = 'flight-time-at-most' needs value (seconds)")
        return self


class Outputs(_Strict):
    """Where results go (relative paths are relative to the working directory)."""

    dir: str = "out"


class Scenario(_Strict):
    """A whole scenario file, validated."""

    scenario: ScenarioInfo
    threat: Threat
    notice: NoticeSpec = NoticeSpec()
    sensors: Sensors = Sensors()
    batteries: list[BatterySpec] = Field(default_factory=list, max_length=50)
    doctrine: Doctrine = Doctrine()
    uncertain: dict[str, Distribution] = Field(default_factory=dict)
    dispersion: DispersionSpec = DispersionSpec()
    montecarlo: MonteCarlo = MonteCarlo()
    claims: list[Claim] = Field(default_factory=list)
    outputs: Outputs = Outputs()

    @field_validator("uncertain")
    @classmethod
    def _paths(cls, v: dict[str, Distribution]) -> dict[str, Distribution]:
        for path in v:
            check_uncertain_path(path)
        return v


def check_uncertain_path(path: str) -> None:
    """Raise ValueError unless ``path`` names an input that can be uncertain (module docstring)."""
    parts = path.split(".")
    ok = (
        (len(parts) == 3 and parts[0] == "interceptor" and parts[2] in INTERCEPTOR_FIELDS)
        or path == "missile.reentry_beta_kg_m2"
        or (len(parts) == 2 and parts[0] == "assumption")
        or path == "doctrine.p_track"
    )
    if not ok:
        raise ValueError(
            f"'{path}' is not an input that can be uncertain; use interceptor.<id>.<{'|'.join(INTERCEPTOR_FIELDS)}>, "
            "missile.reentry_beta_kg_m2, assumption.<name> or doctrine.p_track")


def _loc(loc: tuple[Any, ...]) -> str:
    """A key path such as ``batteries[0].magazine``; odd key names are quoted."""
    out = ""
    for p in loc:
        if isinstance(p, int):
            out += f"[{p}]"
            continue
        name = str(p) if re.fullmatch(r"[A-Za-z0-9_.:-]+", str(p)) else repr(str(p))
        out += f".{name}" if out else name
    return out


def _message(err: dict[str, Any]) -> str:
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        return "unknown key"
    if err["type"] == "missing":
        return "required key is missing"
    if "input" in err and err["type"] not in ("model_type",) and not isinstance(err["input"], (dict, list)):
        if str(err["input"]) in msg:
            return msg
        return f"{msg} (got {err['input']!r})"
    return msg


def parse_scenario(data: dict[str, Any], name: str = "scenario") -> Scenario:
    """Validate a parsed TOML document; errors name ``name`` and the key path."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise InputError(f"{name}: {_loc(err['loc'])}: {_message(err)}") from None


def in_file(path: str | Path, exc: InputError) -> InputError:
    """The error prefixed with the scenario file's name (unless it already names it)."""
    msg = str(exc)
    return exc if msg.startswith(str(path)) else InputError(f"{path}: {msg}")


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file; every problem is one :class:`InputError` naming the file."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: scenario file not found")
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise InputError(f"{p}: not a UTF-8 text file") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{p}: not valid TOML: {exc}") from None
    return parse_scenario(data, str(p))

