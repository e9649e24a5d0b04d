"""A sweep spec (``SPEC.toml``): what to vary, and the points it makes.

    [sweep]
    name = "kyiv-notice"
    mode = "duel"                       # or "kinematics": aim and fly only
    scenario = "../scenarios/kyiv-duel.toml"   # relative to the spec file; duel mode needs one
    missile = "oreshnik"                # kinematics without a scenario (default oreshnik)
    trials = 100                        # duel mode: draws per point (default: the scenario's)
    chunk = 4                           # points per task

    [axes]                              # every combination of the axes' values is one point
    launch = ["kapustin-yar", "krichev"]
    target = ["kyiv", "warsaw"]         # or a grid: { lat = [44, 53], lon = [22, 41], step = 0.25,
                                        #              country = "Ukraine" }
    trajectory = ["min-energy", "depressed"]
    "doctrine.fire_control" = ["own-track", "engage-on-remote"]   # any registry input (`duel inputs`)
    "notice.lead_min" = { from = 0, to = 60, step = 10 }

Points are numbered in a fixed order (the axes as written, the last varying fastest), so a point's number
and its row do not depend on how the points are cut into chunks or which worker runs them. The spec's hash
(:func:`spec_hash`, over the parsed spec and the files it names) identifies a sweep's output directory.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from duel.errors import InputError
from duel.scenario.loading import read_toml_file, validation_error

MAX_POINTS = 1_000_000  # more needs --yes
GEOMETRY_AXES = ("launch", "target", "trajectory")


class Grid(BaseModel):
    """A lat/lon grid of targets: cell centres from the lower bounds in steps of ``step`` degrees, optionally
    only those inside ``country`` (a country name of the vendored Natural Earth borders)."""

    model_config = ConfigDict(extra="forbid")
    lat: tuple[float, float]
    lon: tuple[float, float]
    step: float = Field(gt=0)
    country: str | None = None

    @model_validator(mode="after")
    def _bounds(self) -> Grid:
        if not (-90 <= self.lat[0] < self.lat[1] <= 90):
            raise ValueError(f"lat: bounds must rise within -90..90, got {list(self.lat)}")
        if not (-180 <= self.lon[0] < self.lon[1] <= 180):
            raise ValueError(f"lon: bounds must rise within -180..180, got {list(self.lon)}")
        return self


class Steps(BaseModel):
    """``{ from = A, to = B, step = S }``: A, A+S, ... up to B (inclusive)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    start: float = Field(alias="from")
    stop: float = Field(alias="to")
    step: float = Field(gt=0)

    def values(self) -> list[float]:
        n = int(math.floor((self.stop - self.start) / self.step + 1e-9)) + 1
        return [round(self.start + i * self.step, 12) for i in range(max(n, 0))]


AxisValues = list[str] | list[float] | list[bool] | Steps


class SweepTable(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    title: str | None = None
    mode: Literal["kinematics", "duel"] = "kinematics"
    scenario: str | None = None
    missile: str | None = None
    trials: int | None = Field(default=None, ge=1)
    seed: int | None = Field(default=None, ge=0)
    chunk: int = Field(default=8, ge=1)

    @model_validator(mode="after")
    def _duel_needs_a_scenario(self) -> SweepTable:
        if self.mode == "duel" and self.scenario is None:
            raise ValueError("mode = \"duel\" needs a scenario")
        return self


class SweepSpec(BaseModel):
    """The parsed spec file (module docstring)."""

    model_config = ConfigDict(extra="forbid")
    sweep: SweepTable
    axes: dict[str, AxisValues | Grid] = Field(min_length=1)


@dataclass(frozen=True)
class Point:
    """One point of a sweep: its number, where the missile flies, and the registry inputs it sets."""

    index: int
    launch: str | None
    target: str | None
    trajectory: str | None
    sets: tuple[tuple[str, Any], ...]

    def set_texts(self) -> list[str]:
        """The inputs as ``PATH=VALUE`` texts (the form of ``--set``)."""
        return [f"{p}={str(v).lower() if isinstance(v, bool) else v}" for p, v in self.sets]


@dataclass(frozen=True)
class Sweep:
    """A loaded spec: the file, its parsed content, its hash and its points."""

    path: Path
    spec: SweepSpec
    hash: str
    points: tuple[Point, ...]

    @property
    def scenario_path(self) -> Path | None:
        s = self.spec.sweep.scenario
        return None if s is None else (self.path.parent / s)

    def axis_names(self) -> list[str]:
        return list(self.spec.axes)

    def chunks(self) -> list[tuple[int, int]]:
        """Point ranges [start, stop) of the tasks."""
        n, c = len(self.points), self.spec.sweep.chunk
        return [(a, min(a + c, n)) for a in range(0, n, c)]


def grid_targets(grid: Grid) -> list[str]:
    """The grid's cell centres as ``LAT,LON`` texts (inside ``grid.country`` where given), south to north and
    west to east; an unknown country is an error naming the key and close names."""
    lats = np.arange(grid.lat[0], grid.lat[1] + 1e-9, grid.step)
    lons = np.arange(grid.lon[0], grid.lon[1] + 1e-9, grid.step)
    la, lo = (a.ravel() for a in np.meshgrid(lats, lons, indexing="ij"))
    if grid.country is not None:
        from duel.sweep.countries import inside_country

        keep = inside_country(grid.country, la, lo, "axes.target.country")
        la, lo = la[keep], lo[keep]
    return [f"{a:.6g},{b:.6g}" for a, b in zip(la, lo)]


def _grid_cells(grid: Grid) -> int:
    """The number of cells of a grid before any clipping to a country."""
    return len(np.arange(grid.lat[0], grid.lat[1] + 1e-9, grid.step)) * \
        len(np.arange(grid.lon[0], grid.lon[1] + 1e-9, grid.step))


def _check_total(sizes: list[int]) -> None:
    total = math.prod(sizes)
    if total > MAX_POINTS:
        raise InputError(f"axes: {total:,} points (over {MAX_POINTS:,}); pass --yes to run them")


def _axis_values(name: str, values: AxisValues | Grid) -> list[Any]:
    if isinstance(values, Grid):
        if name != "target":
            raise InputError(f"axes.{name}: a grid is only for the target axis")
        out: list[Any] = grid_targets(values)
    elif isinstance(values, Steps):
        out = values.values()
    else:
        out = list(values)
    if not out:
        raise InputError(f"axes.{name}: no values (an empty list, or a grid with no cell inside)")
    return out


def _check_axis_paths(names: list[str], mode: str) -> None:
    """Every axis other than launch, target and trajectory must be an input of the registry (as ``--set``
    accepts it); a kinematics sweep takes no input of the defence."""
    from duel.scenario.registry import Registry

    reg = Registry.default()
    for name in names:
        if name in GEOMETRY_AXES:
            continue
        reg.spec(name, f"axes.{name}")
        if mode == "kinematics" and name.startswith(("doctrine.", "notice.", "interceptor.", "assumption.")):
            raise InputError(f"axes.{name}: a kinematics sweep only flies; this input acts on the defence "
                             "(use mode = \"duel\")")


def spec_hash(spec: SweepSpec, path: Path) -> str:
    """SHA-256 of the parsed spec and of the content of the scenario file it names (12 hex digits are shown)."""
    h = hashlib.sha256(json.dumps(spec.model_dump(mode="json", by_alias=True), sort_keys=True).encode())
    if spec.sweep.scenario is not None:
        sc = path.parent / spec.sweep.scenario
        if sc.is_file():
            h.update(sc.read_bytes())
    return h.hexdigest()


def load_sweep(path: str | Path, allow_large: bool = False) -> Sweep:
    """Read, validate and expand a spec file; every problem is one :class:`InputError` naming the file and key."""
    p = Path(path)
    data = read_toml_file(p, "sweep spec")
    try:
        spec = SweepSpec.model_validate(data)
    except ValidationError as exc:
        raise validation_error(exc, str(p), SweepSpec) from None
    try:
        sc = spec.sweep.scenario
        if sc is not None and not (p.parent / sc).is_file():
            raise InputError(f"sweep.scenario: file not found: {p.parent / sc}")
        _check_axis_paths(list(spec.axes), spec.sweep.mode)
        if spec.sweep.mode == "kinematics" and "target" not in spec.axes:
            raise InputError("axes.target: a kinematics sweep needs targets")
        names = list(spec.axes)
        clipped = any(isinstance(v, Grid) and v.country is not None for v in spec.axes.values())
        if not allow_large and not clipped:  # count before expanding a large grid
            _check_total([_grid_cells(v) if isinstance(v, Grid) else len(_axis_values(k, v))
                          for k, v in spec.axes.items()])
        values = [_axis_values(n, v) for n, v in spec.axes.items()]
        if not allow_large:
            _check_total([len(v) for v in values])
    except InputError as exc:
        raise InputError(f"{p}: {exc}") from None
    points = []
    for i, combo in enumerate(itertools.product(*values)):
        named = dict(zip(names, combo))
        sets = tuple((n, named[n]) for n in names if n not in GEOMETRY_AXES)
        points.append(Point(i, named.get("launch"), named.get("target"), named.get("trajectory"), sets))
    return Sweep(p, spec, spec_hash(spec, p), tuple(points))
