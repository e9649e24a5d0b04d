"""Looking things up in the catalogue: records by kind and id, places by id, name or coordinates, sources.

:func:`load_catalog` reads a directory once (cached; :func:`clear_cache` forgets it) and returns a
:class:`Catalog`. Records are the validated entries of :mod:`duel.catalog.schema`; numbers are read from
them by the input registry (:mod:`duel.scenario.registry`) only, which is the one place that turns catalogue
values into model inputs.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any, cast

from duel.catalog.loading import (
    KINDS,
    CatalogData,
    read_directory,
    read_entry_file,
    walk_sources,
)
from duel.catalog.schema import InterceptorEntry, MissileEntry, Place, PlaceEntry, Source
from duel.errors import InputError, suggest

CATALOG_DIR = Path(__file__).resolve().parent
"""The directory of the shipped catalogue files."""


def _key(text: str) -> str:
    """Lookup key: accents dropped, case folded, spaces and underscores as hyphens."""
    decomposed = unicodedata.normalize("NFKD", text.strip())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[\s_]+", "-", plain.casefold())


_NUMERIC_RE = re.compile(r"^[0-9eE+\-.,\s]+$")


class Catalog:
    """One loaded and validated catalogue directory. Use :func:`load_catalog` to get one (cached)."""

    def __init__(self, data: CatalogData):
        self.directory = data.directory
        self._records = data.records
        self._files = data.files  # kind -> id -> file name
        self._place_names = {_key(e.name): pid for pid, e in data.records["places"].items()}

    # -- lookups ------------------------------------------------------------------------------------

    def record(self, kind: str, eid: str) -> Any:
        """The validated record (a pydantic entry of :mod:`duel.catalog.schema`) ``eid`` of ``kind``."""
        return self._records[kind][eid]

    def records(self, kind: str) -> dict[str, Any]:
        """Every validated record of ``kind``, by id."""
        if kind not in self._records:
            raise suggest(kind, KINDS, "catalogue kind")
        return dict(self._records[kind])

    def resolve(self, kind: str, name: str, what: str) -> str:
        """The id of the ``kind`` record called ``name`` (case-insensitive); unknown names suggest close ids."""
        table = self._records[kind]
        key = _key(name)
        if key in table:
            return key
        raise suggest(name, table, what)

    def missile_file(self, path: Path, option: str = "--missile") -> tuple[str, MissileEntry]:
        """A user's missile file: one ``[id]`` table in the format of ``missiles.toml``, validated as
        ``duel catalog check`` validates it (schema, statuses, source ids in this catalogue). Every error is one
        line that starts with ``option``."""
        mid, entry = self._entry_file(path, option, "missile")
        return mid, cast(MissileEntry, entry)

    def interceptor_file(self, path: Path, option: str = "--battery") -> tuple[str, InterceptorEntry]:
        """A user's interceptor file: one ``[id]`` table in the format of ``interceptors.toml``, validated as
        ``duel catalog check`` validates it (schema, statuses, source ids in this catalogue, its ``radar`` a
        catalogued radar). Every error is one line that starts with ``option``."""
        tid, entry = self._entry_file(path, option, "interceptor")
        return tid, cast(InterceptorEntry, entry)

    def _entry_file(self, path: Path, option: str, kind: str) -> tuple[str, MissileEntry | InterceptorEntry]:
        """The entry of a user's file of ``kind`` ('missile' or 'interceptor'); errors start with ``option``."""
        radars = [k for k, v in self._records["sensors"].items() if v.kind == "radar"]
        try:
            found, eid, entry = read_entry_file(path, self._records["sources"], radars, option)
        except InputError as exc:
            msg = str(exc)
            raise (exc if msg.startswith(f"{option}: ") else InputError(f"{option}: {msg}")) from None
        if found != kind:
            raise InputError(f"{option}: {path.name} holds {'an' if found == 'interceptor' else 'a'} {found} "
                             f"('{eid}'), not {'an' if kind == 'interceptor' else 'a'} {kind} "
                             f"(see 'duel catalog template {kind}')")
        return eid, entry

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

    def entry_sources(self, entry: Any) -> list[str]:
        """Every source id a record uses (entry, tables, each value), first use first."""
        seen: dict[str, None] = {}
        for _, ids in walk_sources(entry):
            seen.update(dict.fromkeys(ids))
        return list(seen)

    def file_of(self, kind: str, eid: str) -> str:
        """The file name an entry came from (for messages and reports)."""
        return self._files[kind][eid]


@functools.cache
def _load_cached(directory: str) -> Catalog:
    return Catalog(read_directory(Path(directory)))


def load_catalog(directory: str | Path | None = None) -> Catalog:
    """The validated catalogue in ``directory`` (default: the shipped one), parsed once and cached."""
    path = Path(directory) if directory is not None else CATALOG_DIR
    return _load_cached(str(path.resolve()))


def clear_cache() -> None:
    """Forget every cached catalogue (after editing files in a running process)."""
    _load_cached.cache_clear()
