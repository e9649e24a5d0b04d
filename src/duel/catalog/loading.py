"""Reading the catalogue: TOML files -> validated entries, with one-line errors that name file, entry and field.

``read_directory(dir)`` validates every file (``missiles.toml``, ``places.toml``, ``interceptors.toml``,
``sensors.toml`` and the bibliography ``sources*.toml``, merged) and cross-checks references: every source id
must exist, every interceptor's organic radar must be a catalogued radar. List indices in messages count
from 0, e.g. ``catalog missiles.toml: oreshnik.stages[1].propellant_mass_kg: must be below gross_mass_kg``.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from duel.catalog.schema import (
    SENSOR_MODELS,
    InterceptorEntry,
    MissileEntry,
    PlaceEntry,
    SourceEntry,
    _SensorBase,
)
from duel.errors import InputError, model_in, suggest

KINDS: tuple[str, ...] = ("missiles", "places", "sources", "interceptors", "sensors")
"""The kinds of catalogue record, as accepted by ``entries`` and ``duel catalog``."""

FILES = {"missiles": "missiles.toml", "places": "places.toml", "interceptors": "interceptors.toml",
         "sensors": "sensors.toml"}
SOURCE_GLOB = "sources*.toml"
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass(frozen=True)
class CatalogData:
    """Validated records by kind and id, and the file each came from."""

    directory: Path
    records: dict[str, dict[str, Any]]
    files: dict[str, dict[str, str]]


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


def _allowed_keys(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str] | None:
    """The keys allowed in the table that holds the last element of ``loc``."""
    cls: type[BaseModel] | None = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = cls.model_fields.get(part) if cls is not None else None
        cls = model_in(field.annotation) if field is not None else None
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


def validate_entries(path: Path, model: Any) -> dict[str, Any]:
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
    if kind not in SENSOR_MODELS:
        got = "missing" if kind is None else repr(kind)
        raise InputError(f"catalog {fname}: {eid}.kind: must be 'space-ir' or 'radar' (got {got})")
    return SENSOR_MODELS[kind]


def walk_sources(obj: Any, prefix: str = "") -> Iterator[tuple[str, list[str]]]:
    """Yield (key path, source ids) for every list of source ids inside a validated record."""
    if isinstance(obj, BaseModel):
        for name in type(obj).model_fields:
            value = getattr(obj, name)
            path = f"{prefix}.{name}" if prefix else name
            if name == "sources" or name.endswith("_sources"):
                yield path, list(value)
            else:
                yield from walk_sources(value, path)
    elif isinstance(obj, list):
        for i, item in enumerate(obj):
            yield from walk_sources(item, f"{prefix}[{i}]")


def read_directory(directory: Path) -> CatalogData:
    """Read and validate every catalogue file in ``directory`` and cross-check its references."""
    if not directory.is_dir():
        raise InputError(f"catalog directory not found: {directory}")
    records: dict[str, dict[str, Any]] = {k: {} for k in KINDS}
    files: dict[str, dict[str, str]] = {k: {} for k in KINDS}
    for path in sorted(directory.glob(SOURCE_GLOB)):
        for sid, entry in validate_entries(path, SourceEntry).items():
            if sid in records["sources"]:
                raise InputError(f"catalog {path.name}: {sid}: duplicate source id (also in {files['sources'][sid]})")
            records["sources"][sid] = entry
            files["sources"][sid] = path.name
    models: dict[str, Any] = {"missiles": MissileEntry, "places": PlaceEntry, "interceptors": InterceptorEntry,
                              "sensors": _sensor_model}
    for kind, fname in FILES.items():
        path = directory / fname
        if path.exists():
            records[kind] = validate_entries(path, models[kind])
            files[kind] = {eid: fname for eid in records[kind]}
    for kind in ("missiles", "places", "interceptors", "sensors"):
        for eid, entry in records[kind].items():
            check_sources(entry, records["sources"], f"catalog {files[kind][eid]}: {eid}")
    radars = {k for k, v in records["sensors"].items() if v.kind == "radar"}
    for eid, entry in records["interceptors"].items():
        if entry.radar not in radars:
            raise InputError(f"catalog {files['interceptors'][eid]}: {eid}.radar: {suggest(entry.radar, radars, 'radar')}")
    return CatalogData(directory, records, files)


# ------------------------------------------------------------------------------------------ user files
TEMPLATES = Path(__file__).resolve().parent / "templates"
ENTRY_FILE_MODELS: dict[str, type[BaseModel]] = {"missile": MissileEntry, "interceptor": InterceptorEntry}
"""The kinds of entry a user may write in a file of their own (``duel catalog template KIND``)."""


def template_text(kind: str) -> str:
    """The commented template of a user's ``kind`` file (missile | interceptor), as ``duel catalog template``
    prints it."""
    if kind not in ENTRY_FILE_MODELS:
        raise suggest(kind, ENTRY_FILE_MODELS, "template")
    return (TEMPLATES / f"{kind}.toml").read_text(encoding="utf-8")


def _file_model(fname: str, eid: str, body: dict[str, Any]) -> type[BaseModel]:
    """A user file's entry is a missile if it has stages (or kind = "staged"), else an interceptor."""
    return MissileEntry if "stages" in body or body.get("kind") == "staged" else InterceptorEntry


def read_entry_file(path: Path, sources: dict[str, Any], radars: Iterable[str],
                    option: str = "FILE") -> tuple[str, str, BaseModel]:
    """A user's missile or interceptor file: (kind, id, entry), validated as the catalogue validates its own
    entries (schema, statuses, sources among ``sources``, an interceptor's radar among ``radars``); errors name
    ``option``, the file, the entry and the field."""
    if not path.is_file():
        raise InputError(f"{option}: file not found: {path}")
    found = validate_entries(path, _file_model)
    if len(found) != 1:
        raise InputError(f"{option}: {path.name} must hold exactly one [id] table (found {len(found)})")
    eid, entry = next(iter(found.items()))
    check_sources(entry, sources, f"{path.name}: {eid}")
    if isinstance(entry, InterceptorEntry) and entry.radar not in set(radars):
        raise InputError(f"{path.name}: {eid}.radar: {suggest(entry.radar, radars, 'radar')}")
    return ("missile" if isinstance(entry, MissileEntry) else "interceptor"), eid, entry


def check_sources(entry: BaseModel, known: dict[str, Any], where: str) -> None:
    """Every source id inside ``entry`` must be in ``known``; the error names ``where`` and the key path."""
    for path_, ids in walk_sources(entry):
        for sid in ids:
            if sid not in known:
                raise InputError(f"{where}.{path_}: {suggest(sid, known, 'source')}")
