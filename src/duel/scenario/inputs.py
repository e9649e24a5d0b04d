"""The values of the model's inputs for one evaluation, and the uncertain ones with their distributions.

:class:`Inputs` answers ``inputs[path]`` with the value a scenario or ``--set`` gave (status user-set), a
drawn value (an array over trials, :meth:`Inputs.with_values`), or the registry's nominal. The model reads
every number through it (the flight and defence floors build their objects from it), so one mechanism
serves the nominal case (scalars) and the Monte Carlo (arrays with one value per trial).

:func:`scenario_inputs` maps a scenario file onto inputs (:data:`SCENARIO_KEYS`: which key sets which input)
and applies ``--set PATH=VALUE``; :func:`uncertain_inputs` resolves ``[uncertain]`` into
:class:`UncertainInput` s (path, distribution, ends and mode in the input's unit). :func:`recording` collects
every path read while it is active (the tests use it to prove that every number comes through here).
"""

from __future__ import annotations

import contextvars
import math
import operator
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Literal, TypeVar

import numpy as np

from duel.backend import ForkedJobs, fork_map
from duel.catalog.schema import Place
from duel.errors import InputError
from duel.scenario.registry import InputSpec, Registry
from duel.scenario.schema import Distribution, Scenario

Number = float | np.ndarray
"""A numeric input's value: a scalar for one evaluation, or an array with one value per Monte Carlo trial."""

T = TypeVar("T")
R = TypeVar("R")
_READS: contextvars.ContextVar[tuple[set[str], ...]] = contextvars.ContextVar("duel_input_reads", default=())

SCENARIO_KEYS: tuple[tuple[str, str, str], ...] = (
    ("threat", "warheads", "missile.{missile}.warheads"),
    ("threat", "submunitions_per_warhead", "missile.{missile}.submunitions_per_warhead"),
    ("threat", "beta_kg_m2", "missile.{missile}.reentry_beta_kg_m2"),
    ("threat", "decoys", "threat.decoys"),
    ("threat", "p_decoy_engaged", "threat.p_decoy_engaged"),
    ("notice", "lead_min", "notice.lead_min"),
    ("notice", "content", "notice.content"),
    ("notice", "recipient", "notice.recipient"),
    ("notice", "relay_delay_min", "assumption.relay_third_party_min"),
    ("notice", "drop", "notice.exchange.drop"),
    ("notice", "retries", "notice.exchange.retries"),
    ("sensors", "early_warning", "sensors.early_warning"),
    ("sensors", "rcs_m2", "assumption.rcs_m2"),
    ("sensors", "rcs_warhead_m2", "assumption.rcs_warhead_m2"),
    ("sensors", "track_formation_s", "interceptor.*.track_formation_s"),
    ("sensors", "decision_delay_s", "interceptor.*.decision_delay_s"),
    ("threat", "separation_altitude_km", "threat.separation_altitude_km"),
    ("doctrine", "fire_control", "doctrine.fire_control"),
    ("doctrine", "network_latency_s", "doctrine.network_latency_s"),
    ("doctrine", "shots", "assumption.shots_per_opportunity"),
    ("doctrine", "mode", "doctrine.mode"),
    ("doctrine", "kill_assessment_s", "assumption.kill_assessment_s"),
    ("doctrine", "p_kill_assessment", "doctrine.p_kill_assessment"),
    ("doctrine", "p_track", "doctrine.p_track"),
    ("doctrine", "common_mode", "doctrine.common_mode"),
    ("dispersion", "speed_frac_sd", "dispersion.speed_frac_sd"),
    ("dispersion", "angle_sd_deg", "dispersion.angle_sd_deg"),
    ("dispersion", "azimuth_sd_deg", "dispersion.azimuth_sd_deg"),
    ("dispersion", "release_sd_mps", "dispersion.release_sd_mps"),
)
"""Scenario section, key, and the input it sets (``{missile}`` is the scenario's missile id; a pattern
``KIND.*.FIELD`` sets that field of every entry)."""

PER_TRIAL_PREFIXES = ("interceptor.", "assumption.")
PER_TRIAL_PATHS = ("doctrine.p_track", "doctrine.p_kill_assessment", "doctrine.network_latency_s",
                   "doctrine.remote_track_quality", "threat.separation_altitude_km")
PER_TRIAL_CHOICES = ("doctrine.fire_control",)
SENSOR_FIELDS = ("max_range_km", "reference_rcs_m2", "antenna_height_m", "elevation_mask_deg", "detection_delay_s",
                 "track_latency_s")


@contextmanager
def recording() -> Iterator[set[str]]:
    """Collect the path of every input read (through any :class:`Inputs`) while the block runs (recordings
    nest: an outer one sees what inner ones see)."""
    reads: set[str] = set()
    token = _READS.set((*_READS.get(), reads))
    try:
        yield reads
    finally:
        _READS.reset(token)


def fork_map_recorded(fn: Callable[[T], R], items: Iterable[T], workers: int) -> list[R]:
    """:func:`duel.backend.fork_map`, with the inputs read in the forked processes added to the active
    recordings here (a child's recordings live in its own memory), so a run records the same inputs on any
    number of workers."""
    done = fork_map(partial(_recorded, fn), items, workers)
    for _, read in done:
        _add_reads(read)
    return [out for out, _ in done]


class RecordedJobs(ForkedJobs[R]):
    """:class:`duel.backend.ForkedJobs` whose jobs' input reads are added to the active recordings here when
    their results are taken (as :func:`fork_map_recorded` does)."""

    def __init__(self, jobs: Sequence[Callable[[], R]], processes: int) -> None:
        super().__init__([partial(_recorded, operator.call, job) for job in jobs], processes)  # type: ignore[misc]

    def result(self, i: int) -> R:
        fresh = i not in self._done
        out, read = super().result(i)  # type: ignore[misc]
        if fresh:
            _add_reads(read)
        return out  # type: ignore[no-any-return]


def _recorded(fn: Callable[[T], R], x: T) -> tuple[R, set[str]]:
    with recording() as read:
        return fn(x), read


def _add_reads(read: set[str]) -> None:
    for reads in _READS.get():
        reads.update(read)


class Inputs:
    """Values of every input for one evaluation (see the module docstring).

    Args:
        registry: the inputs that exist.
        values: path -> value for the inputs given (user-set) or drawn (arrays over trials).
        user_set: the paths a scenario or ``--set`` gave (their status becomes ``user-set``).
        missile: the scenario's missile id (``missile.FIELD`` is short for ``missile.ID.FIELD``).
    """

    def __init__(self, registry: Registry, values: Mapping[str, Any] | None = None,
                 user_set: Sequence[str] = (), missile: str | None = None):
        self.registry = registry
        self.missile = missile
        self._values = dict(values or {})
        self._user = frozenset(user_set)

    def __getitem__(self, path: str) -> Any:
        key = self.registry.canonical(path, self.missile)
        if "*" in key:  # a pattern: the value of its members where they share one, else None
            values = [self[p] for p in self.registry.expand(key)]
            first = values[0] if values else None
            return first if all(np.array_equal(v, first) for v in values) else None
        spec = self.registry.spec(key)
        for reads in _READS.get():
            reads.add(key)
        return self._values.get(key, spec.nominal)

    def spec(self, path: str, where: str = "input") -> InputSpec:
        """The registry's description of the input at ``path``."""
        return self.registry.spec(path, where, self.missile)

    def status(self, path: str) -> str:
        """reported | estimated | notional, or user-set where a scenario or ``--set`` gave the value."""
        key = self.registry.canonical(path, self.missile)
        return "user-set" if key in self._user else self.registry.spec(key).status

    @property
    def user_set(self) -> frozenset[str]:
        """The paths given by the scenario or ``--set``."""
        return self._user

    def with_values(self, values: Mapping[str, Any]) -> Inputs:
        """These inputs with some values replaced (e.g. draws: arrays with one value per trial); a pattern
        ``KIND.*.FIELD`` gives its value to every input it stands for."""
        return Inputs(self.registry, {**self._values, **expand_values(self.registry, values)}, self._user,
                      self.missile)

    def fields(self, prefix: str) -> dict[str, Any]:
        """Every input directly under ``prefix`` (e.g. ``interceptor.thaad``) as {field: value}."""
        head = prefix + "."
        return {s.path[len(head):]: self[s.path] for s in self.registry
                if s.path.startswith(head) and "." not in s.path[len(head):]}

    def place(self, text: str, option: str) -> Place:
        """A catalogue place (id or name; coordinates from the ``place.ID.*`` inputs) or ``LAT,LON``."""
        p = self.registry.catalog.place(text, option)
        if p.id is None:
            return p
        return p.model_copy(update={"lat_deg": float(self[f"place.{p.id}.lat_deg"]),
                                    "lon_deg": float(self[f"place.{p.id}.lon_deg"])})


def expand_values(registry: Registry, values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` with every pattern key (``KIND.*.FIELD``) replaced by the paths it stands for."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        for path in registry.expand(key):
            out[path] = value
    return out


def parse_set(registry: Registry, text: str, missile: str | None = None) -> tuple[str, Any]:
    """``PATH=VALUE`` from the command line -> (canonical path, checked value); errors name ``--set``."""
    if "=" not in text:
        raise InputError(f"--set: '{text}' must be PATH=VALUE, e.g. interceptor.thaad.sspk=0.8 (list: duel inputs)")
    path, value = (x.strip() for x in text.split("=", 1))
    spec = registry.spec(path, "--set", missile)
    return spec.path, spec.parse(value, f"--set {spec.path}")


def battery_files(reg: Registry, batteries: Iterable[tuple[str, str]]) -> Registry:
    """``reg`` plus every user's interceptor file named as a battery type: ``batteries`` holds (type or battery
    spec ``TYPE@POSITION[:KEY=VALUE]``, the option or scenario key that gave it); a type ending in ``.toml`` is
    a file path, relative to the folder duel runs in (as a missile file is), and its errors name that option."""
    for spec, option in batteries:
        kind = spec.split("@", 1)[0].strip()
        if kind.lower().endswith(".toml"):
            reg = reg.with_interceptor_file(Path(kind), option)
    return reg


def scenario_inputs(sc: Scenario, sets: Sequence[str] = (), registry: Registry | None = None,
                    batteries: Sequence[tuple[str, str]] = ()) -> Inputs:
    """The inputs of a scenario: its keys (:data:`SCENARIO_KEYS`) and then ``sets`` (``PATH=VALUE``) as
    user-set values over the registry's nominals. A missile file named in ``[threat]`` and the interceptor
    files named as battery types (the scenario's, then ``batteries``: (battery spec, option) pairs of batteries
    a command adds, e.g. ``duel need --add``) join the registry."""
    reg = registry or Registry.default()
    if sc.threat.missile.lower().endswith(".toml"):
        reg = reg.with_missile_file(Path(sc.threat.missile), "threat.missile")
    reg = battery_files(reg, [(b.type, f"batteries[{i}].type") for i, b in enumerate(sc.batteries)])
    reg = battery_files(reg, batteries)
    mid = reg.missile_id(sc.threat.missile, "threat.missile")
    values: dict[str, Any] = {}
    for section, key, template in SCENARIO_KEYS:
        given = getattr(getattr(sc, section), key)
        if given is not None:
            path = template.format(missile=mid)
            values[path] = reg.spec(path).check(given, f"{section}.{key}")
    if sc.notice.relay_delay_min is not None and (sc.notice.recipient or "defender") == "defender":
        raise InputError("notice.relay_delay_min: only a third-party recipient relays the notice "
                         "(set recipient = \"third-party\")")
    for path, given in sc.fixed.items():
        spec = reg.spec(path, f"fixed.{path}", mid)
        values[spec.path] = spec.check(given, f"fixed.{spec.path}")
    for text in sets:
        path, value = parse_set(reg, text, mid)
        values[path] = value
    values = expand_values(reg, values)
    return Inputs(reg, values, tuple(values), mid)


def command_inputs(sets: Sequence[str] = (), missile: str | None = None, given: Mapping[str, tuple[Any, str]] | None = None,
                   option: str = "--missile", batteries: Sequence[str] = ()) -> Inputs:
    """The inputs of a command without a scenario file: ``given`` (path -> (value, the option that gave it),
    checked and named by that option; ``{missile}`` in a path is the missile's id) and ``sets``
    (``PATH=VALUE``) as user-set values. A missile file (``FILE.toml``) joins the registry, and so does every
    interceptor file named as the type of one of ``batteries`` (``--battery FILE.toml@PLACE``)."""
    reg = Registry.default()
    if missile and missile.lower().endswith(".toml"):
        reg = reg.with_missile_file(Path(missile), option)
    reg = battery_files(reg, [(b, "--battery") for b in batteries])
    mid = reg.missile_id(missile, option) if missile else None
    values: dict[str, Any] = {}
    for template, (value, where) in (given or {}).items():
        path = template.format(missile=mid)
        values[path] = reg.spec(path, where).check(value, where)
    for text in sets:
        path, value = parse_set(reg, text, mid)
        values[path] = value
    values = expand_values(reg, values)
    return Inputs(reg, values, tuple(values), mid)


# --------------------------------------------------------------------------------------------- uncertain
@dataclass(frozen=True)
class UncertainInput:
    """An input drawn per trial: its spec, the distribution and its parameters in the input's unit.

    ``low``/``high`` are the ends (for ``normal``, mean -/+ 1.96 sd: the tornado's ends), ``mode`` the peak of
    a triangular draw (the current value for ``band``); draws are clipped to the input's physical range. A
    ``choice`` input draws one of ``choices`` with probabilities ``weights`` (its ``nominal`` is the current
    choice; ``low``/``high`` are unused). ``listed``: the scenario's ``[uncertain]`` named it (else it is
    drawn by default, from its band).
    """

    spec: InputSpec
    dist: Literal["triangular", "uniform", "normal", "choice"]
    low: float
    high: float
    mode: float | None = None
    mean: float | None = None
    sd: float | None = None
    nominal: float | str = math.nan
    choices: tuple[str, ...] = ()
    weights: tuple[float, ...] = ()
    listed: bool = True

    @property
    def path(self) -> str:
        return self.spec.path


def drawable(spec: InputSpec) -> bool:
    """True for the inputs a Monte Carlo trial can draw: numbers that act on the defence (interceptors,
    radars, the notional timeline, P_track, P_kill-assessment) and the reentry objects' beta (each trial's
    threat re-flown), and the choices the engine takes per trial (:data:`PER_TRIAL_CHOICES`). Inputs that
    change the aimed flight or the raid's structure are pinned instead."""
    p = spec.path
    if spec.kind == "choice":
        return p in PER_TRIAL_CHOICES
    return spec.numeric and (
        p.startswith(PER_TRIAL_PREFIXES) or p in PER_TRIAL_PATHS or p.endswith(".reentry_beta_kg_m2")
        or (p.startswith("sensor.") and p.rsplit(".", 1)[1] in SENSOR_FIELDS))


def drawn_by_default(spec: InputSpec) -> bool:
    """True for an input drawn per trial unless the scenario pins it: drawable, with a band (or weights over
    its choices), and no stated reason to pin it (:attr:`InputSpec.pinned`)."""
    return drawable(spec) and spec.banded and not spec.pinned


def pinned_reason(spec: InputSpec, inputs: Inputs) -> str:
    """Why an input the run read is not drawn, in words."""
    if inputs.status(spec.path) == "user-set":
        return "set by the scenario or --set"
    if spec.pinned:
        return spec.pinned
    if not drawable(spec):
        return "acts before the trials (the aimed flight, a check or the scenario's structure)"
    return "no band is known" if spec.status != "notional" else "notional, but no band is known"


def uncertain_inputs(sc: Scenario, inputs: Inputs, read: Iterable[str] = ()) -> list[UncertainInput]:
    """The inputs drawn per trial: the scenario's ``[uncertain]`` (in file order, with the distributions it
    gives), then, unless ``[montecarlo] draw = "listed"``, every other input in ``read`` (the inputs this
    scenario's defence and threat read) that is :func:`drawn_by_default` and not set by the scenario or
    ``--set`` (registry order, from its band)."""
    out = []
    for path, d in sc.uncertain.items():
        where = f"uncertain.{path}"
        spec = inputs.spec(path, where)
        if not drawable(spec):
            raise InputError(f"{where}: cannot be drawn per trial (it changes the aimed flight or the raid's "
                             "structure); pin it with --set instead")
        out.append(_resolve(spec, d, inputs[spec.path], where))
    if sc.montecarlo.draw == "every":
        listed = {p for u in out for p in inputs.registry.expand(u.path)}
        read = set(read)
        for spec in inputs.registry:
            if spec.path in read and spec.path not in listed and spec.path not in inputs.user_set \
                    and drawn_by_default(spec):
                out.append(band_input(spec, inputs[spec.path]))
    return out


def band_input(spec: InputSpec, current: Any, low: float | None = None, high: float | None = None,
               listed: bool = False) -> UncertainInput:
    """The input drawn over its band: triangular over [low, high] peaking at the current value (clamped into
    the band), or its weights over the choices; ``low``/``high`` replace the registry's band."""
    if spec.kind == "choice":
        return UncertainInput(spec, "choice", math.nan, math.nan, nominal=current, choices=spec.choices,
                              weights=spec.weights, listed=listed)
    lo, hi = (spec.low, spec.high) if low is None else (low, high)
    cur = float(current)
    return UncertainInput(spec, "triangular", lo, hi, min(max(cur, lo), hi), nominal=cur,  # type: ignore[arg-type,type-var]
                          listed=listed)


def _resolve(spec: InputSpec, d: Distribution, current: Any, where: str) -> UncertainInput:
    if d.dist == "band":
        if d.low is not None:
            if spec.kind == "choice":
                raise InputError(f"{where}: a choice has no numeric band; its weights are in the registry")
            spec.check(d.low, f"{where}.low")
            spec.check(d.high, f"{where}.high")
            return band_input(spec, current, d.low, d.high, listed=True)
        if not spec.banded:
            raise InputError(f"{where}: no low/high band is known for it; use uniform or triangular")
        return band_input(spec, current, listed=True)
    if spec.kind == "choice":
        raise InputError(f"{where}: a choice is drawn with dist = \"band\" (its weights), not '{d.dist}'")
    for name in ("low", "mode", "high", "mean"):  # the support lies in the input's physical range
        if getattr(d, name) is not None:
            spec.check(getattr(d, name), f"{where}.{name}")
    current = float(current)
    if d.dist == "normal":
        return UncertainInput(spec, "normal", d.mean - 1.96 * d.sd, d.mean + 1.96 * d.sd,  # type: ignore[operator]
                              mean=d.mean, sd=d.sd, nominal=current)
    if d.dist == "uniform":
        return UncertainInput(spec, "uniform", float(d.low), float(d.high), nominal=current)  # type: ignore[arg-type]
    return UncertainInput(spec, "triangular", float(d.low), float(d.high), float(d.mode), nominal=current)  # type: ignore[arg-type]
