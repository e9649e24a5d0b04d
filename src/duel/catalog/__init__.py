"""The data catalogue: every real-world number duel uses, with its status and its sources.

The TOML files beside this package hold the data (``docs/catalog.md`` describes the format):
``missiles.toml``, ``places.toml``, ``interceptors.toml``, ``sensors.toml`` (one ``[id]`` table per entry)
and the bibliography ``sources*.toml`` (merged; an id may appear in only one of them).

Three modules, one job each: :mod:`~duel.catalog.schema` (the entry types and their validation),
:mod:`~duel.catalog.loading` (files -> validated records, cross-checked, one-line errors naming file, entry
and field) and :mod:`~duel.catalog.lookups` (:func:`load_catalog` and the :class:`Catalog` lookups).
The model never reads a number here directly: the input registry (:mod:`duel.scenario.registry`) turns
catalogue values into model inputs. Importing this package imports only tomllib and pydantic.
"""

from __future__ import annotations

from typing import Any

from duel.catalog.loading import KINDS
from duel.catalog.lookups import CATALOG_DIR, Catalog, clear_cache, load_catalog
from duel.catalog.schema import Place, Source

__all__ = ["CATALOG_DIR", "KINDS", "Catalog", "Place", "Source", "clear_cache", "entries", "load_catalog"]


def entries(kind: str) -> dict[str, dict[str, Any]]:
    """Validated records of one kind of the shipped catalogue as plain dicts (for listings)."""
    return load_catalog().entries(kind)
