"""The scenario file's schema (TOML validated with pydantic): what flies, what warns, what defends, what is
uncertain, which claims to test, where the outputs go.

A scenario says what flies (``[threat]``), what warning there is (``[notice]``, ``[sensors]``), what defends
(``[[batteries]]``, ``[doctrine]``), which inputs are uncertain (``[uncertain]``), the impact dispersion
(``[dispersion]``), how many Monte Carlo trials (``[montecarlo]``), which public claims to test
(``[[claims]]``) and where outputs go (``[outputs]``). A value left out takes the input registry's nominal
(``duel inputs``); a value given is a user-set input (:mod:`duel.scenario.inputs` maps each key to its input
path). ``duel scenario new`` writes a commented template; ``duel scenario check FILE`` validates one.

Every input that has a band (or, for a choice, weights) and acts on the defence in a trial is drawn per Monte
Carlo trial by default (``duel inputs`` says which are pinned and why). ``[fixed]`` pins inputs by path at a
value (``"interceptor.thaad.simultaneous_engagements" = 8``), as ``--set`` does on the command line.
``[uncertain]`` maps input paths (``duel inputs``; ``missile.FIELD`` is short for the scenario's missile) to
distributions that replace the default: ``{ dist = "band" }`` (triangular over the input's low/nominal/high;
with ``low``/``high`` to widen or narrow the band), ``{ dist = "uniform", low, high }``, ``{ dist = "normal",
mean, sd }`` (clipped to the input's physical range) and ``{ dist = "triangular", low, mode, high }``.
``[montecarlo] draw = "listed"`` draws only the inputs of ``[uncertain]``; ``trials = "auto"`` (the default)
adds draws until the Monte Carlo precision is small against the spread across the assumptions.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)  # TOML's nan and inf: refused


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
    decoys: int | None = Field(default=None, ge=0, le=1000)
    p_decoy_engaged: float | None = Field(default=None, ge=0.0, le=1.0)
    beta_kg_m2: float | None = Field(default=None, gt=0.0)
    separation_altitude_km: float | None = Field(default=None, ge=0.0, le=2000.0)
    compare: list[str] = Field(default_factory=list, max_length=8)

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
    content: Literal["window", "launch-area", "impact-area"] | None = None
    recipient: Literal["defender", "third-party"] | None = None
    relay_delay_min: float | None = Field(default=None, ge=0.0, le=10_080.0)
    exchange: bool = False  # also run the notice through the simulated signed exchange (duel.notify)
    exchange_trials: int = Field(default=200, ge=1, le=100_000)
    drop: float | None = Field(default=None, ge=0.0, le=1.0)  # per-attempt loss on the simulated link
    retries: int | None = Field(default=None, ge=0, le=50)


class Sensors(_Strict):
    """Early warning and the assumptions of the sensor chain (values override the notional defaults)."""

    early_warning: str | None = None
    rcs_m2: float | None = Field(default=None, gt=0.0, le=100.0)
    rcs_warhead_m2: float | None = Field(default=None, gt=0.0, le=100.0)
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
    fire_control: Literal["own-track", "launch-on-remote", "engage-on-remote"] | None = None

    def spec(self) -> str:
        """The battery as the CLI's ``TYPE@POSITION[:KEY=VALUE]`` string."""
        extra = "".join(f":{k}={getattr(self, k)}" for k in ("launchers", "magazine", "sspk", "radar", "fire_control")
                        if getattr(self, k) is not None)
        return f"{self.type}@{self.at}{extra}"


class Doctrine(_Strict):
    """How the defence fires: shots per object per opportunity, salvo or shoot-look-shoot, tracking."""

    shots: int | None = Field(default=None, ge=1, le=16)
    mode: Literal["salvo", "sls"] | None = None
    kill_assessment_s: float | None = Field(default=None, ge=0.0, le=3600.0)
    p_kill_assessment: float | None = Field(default=None, ge=0.0, le=1.0)
    p_track: float | None = Field(default=None, ge=0.0, le=1.0)
    common_mode: bool | None = None
    fire_control: Literal["own-track", "launch-on-remote", "engage-on-remote"] | None = None
    network_latency_s: float | None = Field(default=None, ge=0.0, le=600.0)


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
        takes = need + (("low", "high") if self.dist == "band" else ())
        extra = [k for k in ("low", "high", "mode", "mean", "sd") if getattr(self, k) is not None and k not in takes]
        if extra:
            raise ValueError(f"dist = '{self.dist}' takes no {', '.join(extra)}")
        if self.dist == "band" and (self.low is None) != (self.high is None):
            raise ValueError("dist = 'band' takes both low and high (a new band) or neither (the input's band)")
        if self.dist in ("uniform", "triangular", "band") and self.low is not None and not self.low < self.high:  # type: ignore[operator]
            raise ValueError(f"low ({self.low:g}) must be below high ({self.high:g})")
        if self.dist == "triangular" and not self.low <= self.mode <= self.high:  # type: ignore[operator]
            raise ValueError(f"mode ({self.mode:g}) must lie between low and high")
        return self


class DispersionSpec(_Strict):
    """Impact dispersion of the threat (1-sigma errors; omitted values take the notional dispersion.* inputs)."""

    enabled: bool = False
    trials: int = Field(default=200, ge=1, le=1_000_000)
    speed_frac_sd: float | None = Field(default=None, ge=0.0, le=0.2)
    angle_sd_deg: float | None = Field(default=None, ge=0.0, le=10.0)
    azimuth_sd_deg: float | None = Field(default=None, ge=0.0, le=10.0)
    release_sd_mps: float | None = Field(default=None, ge=0.0, le=500.0)


class MonteCarlo(_Strict):
    """Draws of the uncertain inputs and the seed (same seed, same results).

    ``trials``: a number of draws, or "auto" (the default: start with ``montecarlo.initial_trials`` and double
    until the Monte Carlo precision is small against the spread, at most ``montecarlo.max_trials``).
    ``draw``: "every" (the default: every uncertain input of the registry that acts on this scenario) or
    "listed" (only the inputs of ``[uncertain]``).
    """

    trials: int | Literal["auto"] = "auto"
    seed: int = Field(default=1, ge=0)
    draw: Literal["every", "listed"] = "every"

    @field_validator("trials")
    @classmethod
    def _trials(cls, v: int | str) -> int | str:
        if isinstance(v, int) and not 1 <= v <= 1_000_000:
            raise ValueError(f"must be \"auto\" or a whole number from 1 to 1,000,000, got {v}")
        return v


ClaimTest = Literal["no-chance", "certain-stop", "flight-time-at-most", "flight-time-about", "mach-at-least"]
"""How a claim is judged in each draw (:mod:`duel.verdict.claims`): ``no-chance`` and ``certain-stop`` on the
defence; ``flight-time-at-most`` (``value``: s), ``flight-time-about`` (``value`` ± ``tolerance``: s) and
``mach-at-least`` (``value``: the highest Mach number after apogee, below 86 km) on the flight."""

CLAIM_VALUE_UNITS = {"flight-time-at-most": "seconds", "flight-time-about": "seconds", "mach-at-least": "Mach"}
"""The tests that need ``value``, with its unit."""

DEFAULT_FLIGHT_TIME_TOLERANCE_S = 60.0
"""``flight-time-about`` without ``tolerance``: a flight time said in whole minutes, read to a minute either side."""


class Claim(_Strict):
    """A public claim to test against the result: ``value`` (the claim's number: seconds for the flight-time
    tests, a Mach number for ``mach-at-least``) and, for ``flight-time-about`` only, ``tolerance`` (s; default
    :data:`DEFAULT_FLIGHT_TIME_TOLERANCE_S`)."""

    text: str = Field(min_length=1)
    who: str = ""
    source: str | None = None
    test: ClaimTest = "no-chance"
    value: float | None = Field(default=None, gt=0.0)
    tolerance: float | None = Field(default=None, gt=0.0)

    @model_validator(mode="after")
    def _value(self) -> Claim:
        unit = CLAIM_VALUE_UNITS.get(self.test)
        if unit is not None and self.value is None:
            raise ValueError(f"test = '{self.test}' needs value ({unit})")
        if self.tolerance is not None and self.test != "flight-time-about":
            raise ValueError(f"tolerance is for test = 'flight-time-about' only, not '{self.test}'")
        return self

    @property
    def tolerance_s(self) -> float:
        """The ``flight-time-about`` tolerance (s): the one given, or the default."""
        return DEFAULT_FLIGHT_TIME_TOLERANCE_S if self.tolerance is None else float(self.tolerance)


class Outputs(_Strict):
    """Where results go: a relative path inside the working directory. Scenario files are shared documents, so
    one may not send results elsewhere; only ``--out`` on the command line may."""

    dir: str = "out"

    @field_validator("dir")
    @classmethod
    def _inside(cls, v: str) -> str:
        from pathlib import PurePath

        p = PurePath(v)
        if not v.strip() or p.is_absolute() or v.startswith("~") or ".." in p.parts:
            raise ValueError(f"'{v}' must be a relative path inside the working directory (no /, ~ or ..); "
                             "use --out to write elsewhere")
        return v


class Scenario(_Strict):
    """A whole scenario file, validated."""

    scenario: ScenarioInfo
    threat: Threat
    notice: NoticeSpec = NoticeSpec()
    sensors: Sensors = Sensors()
    batteries: list[BatterySpec] = Field(default_factory=list, max_length=50)
    doctrine: Doctrine = Doctrine()
    fixed: dict[str, float | int | bool | str] = Field(default_factory=dict)
    uncertain: dict[str, Distribution] = Field(default_factory=dict)
    dispersion: DispersionSpec = DispersionSpec()
    montecarlo: MonteCarlo = MonteCarlo()
    claims: list[Claim] = Field(default_factory=list)
    outputs: Outputs = Outputs()

