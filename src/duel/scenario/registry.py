"""The input registry: every number the model uses, addressed by one dotted path, in one place.

An input has a path, a plain-language label, a unit, a physical kind (which values are possible), a nominal
value, a band (low/high where known), a status (reported, estimated, notional; user-set once a scenario or
``--set`` gives it) and sources. The registry is built from

* the catalogue (:mod:`duel.catalog`): one input per entry and field the model reads, listed with its label,
  unit and kind in ``inputs/fields.toml``: ``missile.ID.FIELD``, ``missile.ID.stageK.FIELD`` (K from 1),
  ``interceptor.ID.FIELD``, ``sensor.ID.FIELD``, ``place.ID.lat_deg`` / ``lon_deg``; a user's missile or
  interceptor file adds its entry's inputs the same way (:meth:`Registry.with_missile_file`,
  :meth:`Registry.with_interceptor_file`);
* the model's own defaults, one data file per prefix in ``inputs/``: ``assumption.*`` (the notional defence
  timeline), ``doctrine.*``, ``threat.*``, ``sensors.*``, ``notice.*`` (with ``notice.exchange.*``),
  ``flight.*``, ``dispersion.*``, ``verdict.*``, ``montecarlo.*``; each with a band and the reason.

This module is the only reader of catalogue values and of those data files: the model gets every number
through :class:`duel.scenario.inputs.Inputs`. It also owns the path grammar: :meth:`Registry.spec` resolves
a path (with the scenario's missile, ``missile.FIELD`` is short for ``missile.ID.FIELD``) and suggests the
closest paths for a typo; :meth:`InputSpec.parse` and :meth:`InputSpec.check` accept a value or say which
unit and range it needs. Everything here is plain data: no model code is imported.
"""

from __future__ import annotations

import difflib
import functools
import math
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, model_validator

from duel.catalog import Catalog, load_catalog
from duel.catalog.schema import InterceptorEntry, MissileEntry, Value
from duel.errors import InputError, suggest

INPUTS_DIR = Path(__file__).resolve().parent / "inputs"
MODEL_PREFIXES = ("assumption", "doctrine", "threat", "sensors", "notice", "flight", "dispersion", "verdict",
                  "montecarlo")
CATALOGUE_KINDS = {"missile": "missiles", "interceptor": "interceptors", "sensor": "sensors", "place": "places"}

Kind = Literal["real", "probability", "positive", "nonnegative", "count", "whole", "choice", "flag", "table"]
Status = Literal["reported", "estimated", "notional", "user-set"]
Scalar = float | int | str | bool | None
_INTEGER = ("count", "whole")
_TINY = 1e-9  # the smallest value a draw of a positive input is clipped to


class InputSpec(BaseModel):
    """One model input (see the module docstring). ``nominal`` is None for an optional input that is absent
    unless given (e.g. ``notice.lead_min``: no notice); a ``table`` input holds a list of numbers.

    ``weights`` (a choice input): how likely each of ``choices`` is when the input is drawn. ``pinned``: why the
    input is not drawn by default although it is notional or has a band (a numerical setting, a fact of the
    scenario, a choice the defender makes, an input that changes the aimed flight...); empty otherwise.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    path: str
    label: str
    unit: str
    nominal: Scalar | tuple[float, ...]
    low: float | None = None
    high: float | None = None
    status: Status
    sources: tuple[str, ...] = ()
    note: str = ""
    kind: Kind = "real"
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    weights: tuple[float, ...] = ()
    pinned: str = ""

    @model_validator(mode="after")
    def _weights(self) -> InputSpec:
        if self.weights and (len(self.weights) != len(self.choices) or min(self.weights) < 0
                             or not math.isclose(sum(self.weights), 1.0, abs_tol=1e-9)):
            raise ValueError(f"{self.path}: weights must be one probability per choice, summing to 1")
        return self

    @property
    def banded(self) -> bool:
        """True where a band is known: low < high for a number, weights over the choices for a choice."""
        if self.kind == "choice":
            return bool(self.weights)
        return self.low is not None and self.high is not None and self.low < self.high

    @property
    def numeric(self) -> bool:
        """True for inputs whose values are numbers (not choices, flags or tables)."""
        return self.kind not in ("choice", "flag", "table")

    def bounds(self) -> tuple[float, float]:
        """The physical range [lower, upper] of a numeric input (positive ones start just above 0)."""
        lo = {"probability": 0.0, "positive": _TINY, "nonnegative": 0.0, "count": 1.0, "whole": 0.0}.get(self.kind,
                                                                                                      -math.inf)
        hi = 1.0 if self.kind == "probability" else math.inf
        if self.minimum is not None:
            lo = max(lo, self.minimum)
        if self.maximum is not None:
            hi = min(hi, self.maximum)
        return lo, hi

    def describe(self) -> str:
        """Which values are allowed, in words with the unit (for error messages and help)."""
        if self.kind == "choice":
            return "one of " + ", ".join(self.choices)
        if self.kind == "flag":
            return "true or false"
        if self.kind == "table":
            return "a table of numbers (edit a missile file instead)"
        unit = "" if self.unit in ("", "-") else f" in {self.unit}"
        lo, hi = self.bounds()
        what = {"probability": "a probability", "count": "a whole number", "whole": "a whole number"}.get(
            self.kind, "a number")
        if self.kind == "positive" and self.minimum is None:
            rng = "> 0"
        elif math.isinf(lo) and math.isinf(hi):
            rng = ""
        elif math.isinf(hi):
            rng = f">= {lo:g}"
        elif math.isinf(lo):
            rng = f"<= {hi:g}"
        else:
            rng = f"within [{lo:g}, {hi:g}]"
        return f"{what}{unit}" + ((", " if unit else " ") + rng if rng else "")

    def check(self, value: Any, where: str) -> Any:
        """``value`` if it is allowed for this input, else an :class:`InputError` naming ``where``, the unit and
        the range. Whole-number kinds come back as int."""
        bad = InputError(f"{where}: {self.describe()}, got {value!r}")
        if self.kind == "choice":
            if value not in self.choices:
                raise bad
            return value
        if self.kind == "flag":
            if not isinstance(value, bool):
                raise bad
            return value
        if self.kind == "table":
            raise InputError(f"{where}: a table of numbers; it cannot be set here (edit a missile file instead)")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise bad
        lo, hi = self.bounds()
        if not lo <= value <= hi or (self.kind in _INTEGER and not float(value).is_integer()):
            raise bad
        return int(value) if self.kind in _INTEGER else float(value)

    def parse(self, text: str, where: str) -> Any:
        """A value from text (``--set PATH=VALUE``); a unit written after the number is refused, naming the unit
        this input takes."""
        t = text.strip()
        if self.kind == "choice":
            return self.check(t, where)
        if self.kind == "flag":
            if t.lower() not in ("true", "false"):
                raise InputError(f"{where}: true or false, got '{text}'")
            return t.lower() == "true"
        try:
            value = float(t)
        except ValueError:
            raise InputError(f"{where}: {self.describe()}, got '{text}'") from None
        return self.check(value, where)

    def clip(self, values: np.ndarray) -> np.ndarray:
        """Draws kept inside the physical range (whole-number kinds rounded)."""
        lo, hi = self.bounds()
        v = np.clip(values, lo, hi)
        return np.round(v) if self.kind in _INTEGER else v

    def row(self) -> dict[str, Any]:
        """The JSON row of ``duel inputs``: path, label, unit, nominal, low, high, status, sources, kind, note (a
        table's values as one comma-separated string)."""
        nominal = ", ".join(f"{x:g}" for x in self.nominal) if isinstance(self.nominal, tuple) else self.nominal
        return {"path": self.path, "label": self.label, "unit": self.unit, "nominal": nominal, "low": self.low,
                "high": self.high, "status": self.status, "sources": list(self.sources), "kind": self.kind,
                "note": self.note, "choices": list(self.choices), "weights": list(self.weights),
                "pinned": self.pinned or None}


class Registry:
    """Every input the model can read (an ordered map path -> :class:`InputSpec`) and the catalogue's names.

    Use :meth:`default` for the shipped catalogue and data files; :meth:`with_missile_file` adds a user's
    missile file, :meth:`with_interceptor_file` a user's interceptor file.
    """

    def __init__(self, specs: dict[str, InputSpec], catalog: Catalog, missiles: dict[str, MissileEntry],
                 files: dict[str, str] | None = None, interceptors: dict[str, InterceptorEntry] | None = None,
                 interceptor_files: dict[str, str] | None = None):
        self._specs = specs
        self.catalog = catalog
        self._missiles = missiles  # id -> entry, the catalogue's and users' files
        self._files = dict(files or {})  # resolved path of a user's missile file -> its id
        # id -> entry, the catalogue's interceptors and those of users' files; resolved path of a file -> its id
        self._interceptors = dict(catalog.records("interceptors") if interceptors is None else interceptors)
        self._interceptor_files = dict(interceptor_files or {})

    @classmethod
    def default(cls) -> Registry:
        """The registry of the shipped catalogue and model data (built once per process)."""
        return _default()

    # -------------------------------------------------------------------------------------------- paths
    def __contains__(self, path: str) -> bool:
        return path in self._specs

    def __iter__(self) -> Iterator[InputSpec]:
        return iter(self._specs.values())

    def __len__(self) -> int:
        return len(self._specs)

    def canonical(self, path: str, missile: str | None = None) -> str:
        """``path`` with the scenario shorthand expanded: ``missile.FIELD`` -> ``missile.ID.FIELD``."""
        parts = path.split(".")
        if missile and parts[0] == "missile" and len(parts) == 2:
            return f"missile.{missile}.{parts[1]}"
        return path

    def expand(self, path: str) -> list[str]:
        """The paths a pattern ``KIND.*.FIELD`` stands for (every entry of that kind with the field), or [path]."""
        if "*" not in path:
            return [path]
        head, _, field = path.partition(".*.")
        return [p for p in self._specs if p.startswith(head + ".") and p.endswith("." + field)
                and p.count(".") == path.count(".")]

    def spec(self, path: str, where: str = "input", missile: str | None = None) -> InputSpec:
        """The input at ``path`` (see :meth:`canonical`); an unknown path names the closest known ones. A pattern
        ``KIND.*.FIELD`` (e.g. ``interceptor.*.decision_delay_s``) stands for that field of every entry: its spec
        is the field's (unit, kind; the band where every entry shares it)."""
        key = self.canonical(path.strip(), missile)
        if key in self._specs:
            return self._specs[key]
        if "*" in key:
            return self._pattern(key, where)
        close = difflib.get_close_matches(key, list(self._specs), n=3, cutoff=0.6)
        if not close:  # a path under a known entry with an unknown field: offer that entry's fields
            head = key.rsplit(".", 1)[0]
            close = [p for p in self._specs if p.startswith(head + ".")][:3]
        hint = f"; closest: {', '.join(close)}" if close else "; list them with 'duel inputs'"
        raise InputError(f"{where}: unknown input '{path}'{hint}")

    def _pattern(self, key: str, where: str) -> InputSpec:
        members = [self._specs[p] for p in self.expand(key)]
        if not members or not key.count("*") == 1 or ".*." not in key:
            raise InputError(f"{where}: '{key}' matches no input (a pattern is KIND.*.FIELD, e.g. "
                             "interceptor.*.decision_delay_s)")
        first = members[0]
        same = lambda attr: len({getattr(m, attr) for m in members}) == 1  # noqa: E731
        label = first.label.split(": ", 1)[-1]
        return first.model_copy(update={
            "path": key, "label": f"every {key.split('.')[0]} type: {label}", "sources": (), "pinned": "",
            "nominal": first.nominal if same("nominal") else None, "low": first.low if same("low") else None,
            "high": first.high if same("high") else None,
            "status": first.status if same("status") else "notional",
            "note": f"One value for {key.split('.')[-1]} of every {key.split('.')[0]} type ({len(members)} inputs)."})

    def specs(self, grep: str | None = None) -> list[InputSpec]:
        """Every input, or those whose path, label or note contain ``grep`` (case-insensitive)."""
        if not grep:
            return list(self._specs.values())
        g = grep.lower()
        return [s for s in self._specs.values() if g in s.path.lower() or g in s.label.lower() or g in s.note.lower()]

    # ------------------------------------------------------------------------------ catalogue names
    def missile_id(self, name: str, option: str) -> str:
        """The catalogue id of missile ``name``, or the id inside a user's missile file (already added)."""
        if name.lower().endswith(".toml"):
            mid = self._files.get(str(Path(name).resolve()))
            if mid is None:
                raise InputError(f"{option}: missile file {name} was not read (Registry.with_missile_file)")
            return mid
        return _named(self.catalog, "missiles", name, option, "missile")

    def missile_entry(self, mid: str) -> MissileEntry:
        """The validated catalogue (or file) entry of missile ``mid``: its name and drag-table metadata."""
        return self._missiles[mid]

    def with_missile_file(self, path: Path, option: str = "--missile") -> Registry:
        """This registry plus the inputs of a user's missile file (status and sources as the file gives)."""
        mid, entry = self.catalog.missile_file(path, option)
        key = str(path.resolve())
        if mid in self._missiles and self._files.get(key) != mid:
            raise InputError(f"{option}: {path.name} defines '{mid}', which is a catalogue missile; give it another id")
        specs = {**self._specs, **_missile_specs(mid, entry, _fields())}
        return Registry(specs, self.catalog, {**self._missiles, mid: entry}, {**self._files, key: mid},
                        self._interceptors, self._interceptor_files)

    def with_interceptor_file(self, path: Path, option: str = "--battery") -> Registry:
        """This registry plus the ``interceptor.ID.*`` inputs of a user's interceptor file (values, bands,
        statuses and sources as the file gives them; the type-wide defaults of ``inputs/fields.toml`` for the
        optional fields it leaves out, as for a catalogue entry). The file's type is then known to
        :meth:`interceptor_id` by its path and its id, with its name and organic radar. Reading the same file
        again changes nothing; an id that a catalogue entry or another file already has is refused."""
        key = str(path.resolve())
        if key in self._interceptor_files:
            return self
        tid, entry = self.catalog.interceptor_file(path, option)
        if tid in self.catalog.records("interceptors"):
            raise InputError(f"{option}: {path.name} defines '{tid}', which is a catalogue interceptor; "
                             "give it another id")
        if tid in self._interceptors:
            other = next((Path(f).name for f, i in self._interceptor_files.items() if i == tid), "another file")
            raise InputError(f"{option}: {path.name} defines '{tid}', which {other} defines too; give it another id")
        specs = {**self._specs, **_entry_specs("interceptor", tid, entry, _fields())}
        return Registry(specs, self.catalog, self._missiles, self._files, {**self._interceptors, tid: entry},
                        {**self._interceptor_files, key: tid})

    def interceptor_id(self, name: str, option: str) -> str:
        """The id of interceptor type ``name``: a catalogue id (or name), the path of a user's interceptor file
        (``FILE.toml``, already added by :meth:`with_interceptor_file`), or the id inside such a file."""
        text = name.strip()
        if text.lower().endswith(".toml"):
            tid = self._interceptor_files.get(str(Path(text).resolve()))
            if tid is None:
                raise InputError(f"{option}: interceptor file {text} was not read here (a scenario's batteries "
                                 "and duel engage --battery read one)")
            return tid
        if text.lower() in self._interceptors and text.lower() not in self.catalog.records("interceptors"):
            return text.lower()
        return _named(self.catalog, "interceptors", text, option, "interceptor")

    def interceptor_name(self, tid: str) -> str:
        """The interceptor's name in words (a catalogue entry's or a user's file's)."""
        return self._interceptors[tid].name

    def organic_radar(self, tid: str) -> str:
        """The sensor id of an interceptor type's organic fire-control radar (a catalogue entry's or a file's)."""
        return self._interceptors[tid].radar

    def sensor_id(self, name: str, kind: str, option: str) -> str:
        """The catalogue id of a sensor of ``kind`` (``radar`` or ``space-ir``)."""
        table = {k: v for k, v in self.catalog.records("sensors").items() if v.kind == kind}
        key = name.strip().lower()
        if key not in table:
            raise InputError(f"{option}: {suggest(name, table, 'radar' if kind == 'radar' else 'space-based IR sensor')}")
        return key

    def sensor_name(self, sid: str) -> str:
        """The sensor's name in words."""
        return self.catalog.record("sensors", sid).name

    def entry_sources(self, kind: str, eid: str) -> list[str]:
        """Every source id of a catalogue (or user's file) entry (the entry's and its values'), first use first."""
        entry = (self._missiles[eid] if kind == "missile" else self._interceptors[eid] if kind == "interceptor"
                 else self.catalog.record(CATALOGUE_KINDS[kind], eid))
        return self.catalog.entry_sources(entry)

    def source(self, sid: str) -> dict[str, Any]:
        """A bibliography entry as a JSON-ready dict (id, title, author, year, url or citation, ...)."""
        return self.catalog.source(sid).model_dump()


def _named(catalog: Catalog, kind: str, name: str, option: str, what: str) -> str:
    try:
        return catalog.resolve(kind, name, what)
    except InputError as exc:
        raise InputError(f"{option}: {exc}") from None


@functools.cache
def _fields() -> dict[str, dict[str, Any]]:
    """The descriptors of catalogue fields (``inputs/fields.toml``): kind -> field -> {label, unit, kind, ...}."""
    raw = tomllib.loads((INPUTS_DIR / "fields.toml").read_text(encoding="utf-8"))
    out: dict[str, dict[str, Any]] = {k: dict(v) for k, v in raw.items()}
    out["missile.stage"] = out["missile"].pop("stage")
    return out


def _value_spec(path: str, label: str, v: Value, desc: dict[str, Any]) -> InputSpec:
    return InputSpec(path=path, label=label, unit=desc["unit"], nominal=v.nominal, low=v.low, high=v.high,
                     status=v.status, sources=tuple(v.sources), note=v.note or "", kind=desc["kind"],
                     minimum=desc.get("minimum"), maximum=desc.get("maximum"), pinned=desc.get("pinned", ""))


def _missile_specs(mid: str, e: MissileEntry, fields: dict[str, dict[str, Any]]) -> dict[str, InputSpec]:
    out: dict[str, InputSpec] = {}
    for name, desc in fields["missile"].items():
        path = f"missile.{mid}.{name}"
        if desc["kind"] == "table":
            out[path] = InputSpec(path=path, label=f"{e.name}: {desc['label']}", unit=desc["unit"],
                                  nominal=tuple(getattr(e, name)), status=e.drag_status,
                                  sources=tuple(e.drag_sources), note=e.drag_note or "", kind="table",
                                  pinned=desc.get("pinned", ""))
        else:
            out[path] = _value_spec(path, f"{e.name}: {desc['label']}", getattr(e, name), desc)
    for k, st in enumerate(e.stages, start=1):
        for name, desc in fields["missile.stage"].items():
            v = getattr(st, name)
            if v is not None:
                out[f"missile.{mid}.stage{k}.{name}"] = _value_spec(
                    f"missile.{mid}.stage{k}.{name}", f"{e.name}: stage {k} {desc['label']}", v, desc)
    return out


def _entry_specs(prefix: str, eid: str, e: Any, fields: dict[str, dict[str, Any]]) -> dict[str, InputSpec]:
    """The inputs ``PREFIX.ID.FIELD`` of one interceptor or sensor entry (catalogue or user's file): every field
    of ``inputs/fields.toml`` it gives, and the type-wide default of a field it leaves out where one exists."""
    out: dict[str, InputSpec] = {}
    for name, desc in fields[prefix].items():
        v = getattr(e, name, None)
        if v is None and "default" in desc:  # a field the entry leaves out takes the type-wide default
            v = Value(**desc["default"])
        if isinstance(v, Value):
            out[f"{prefix}.{eid}.{name}"] = _value_spec(f"{prefix}.{eid}.{name}", f"{e.name}: {desc['label']}", v,
                                                        desc)
    return out


def _catalogue_specs(catalog: Catalog) -> dict[str, InputSpec]:
    fields = _fields()
    out: dict[str, InputSpec] = {}
    for mid, e in catalog.records("missiles").items():
        out.update(_missile_specs(mid, e, fields))
    for prefix in ("interceptor", "sensor"):
        for eid, e in catalog.records(CATALOGUE_KINDS[prefix]).items():
            out.update(_entry_specs(prefix, eid, e, fields))
    for pid, e in catalog.records("places").items():
        for name, desc in fields["place"].items():
            out[f"place.{pid}.{name}"] = InputSpec(
                path=f"place.{pid}.{name}", label=f"{e.name}: {desc['label']}", unit=desc["unit"],
                nominal=getattr(e, name), status=e.status, sources=tuple(e.sources), note=e.note,
                kind=desc["kind"], minimum=desc.get("minimum"), maximum=desc.get("maximum"),
                pinned=desc.get("pinned", ""))
    return out


def _walk(prefix: str, table: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(path, spec table) of every input in a data file: a table with a ``label`` is an input."""
    for key, value in table.items():
        if isinstance(value, dict):
            if "label" in value:
                yield f"{prefix}.{key}", value
            else:
                yield from _walk(f"{prefix}.{key}", value)


def _model_specs(catalog: Catalog) -> dict[str, InputSpec]:
    out: dict[str, InputSpec] = {}
    for prefix in MODEL_PREFIXES:
        path = INPUTS_DIR / f"{prefix}.toml"
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:  # pragma: no cover - a broken install
            raise InputError(f"data file {path.name}: {exc}") from None
        pinned = raw.pop("pinned", "")  # the file's reason not to draw its inputs (an input may say its own)
        for p, t in _walk(prefix, raw):
            t = dict(t)
            t.setdefault("pinned", pinned)
            for key in ("choices", "sources", "weights"):
                t[key] = tuple(t.get(key, ()))
            out[p] = InputSpec(path=p, nominal=t.pop("nominal", None), **t)
    ew = out["sensors.early_warning"]
    ir = tuple(k for k, v in catalog.records("sensors").items() if v.kind == "space-ir")
    out["sensors.early_warning"] = ew.model_copy(update={"choices": ir + ew.choices})
    return out


@functools.cache
def _default() -> Registry:
    catalog = load_catalog()
    specs = {**_catalogue_specs(catalog), **_model_specs(catalog)}
    return Registry(specs, catalog, dict(catalog.records("missiles")))
