"""Notional defaults of the threat models, read from ``duel/data/notional-threat.toml``.

Each value has a band, a unit and the reason it was chosen; none has a public source (status notional).
Import is light (tomllib only): the CLI reads these for its help text.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib.resources import files
from typing import Any


@cache
def threat_defaults() -> dict[str, dict[str, Any]]:
    """The table: name -> {nominal, low, high, unit, note}."""
    return tomllib.loads(files("duel").joinpath("data", "notional-threat.toml").read_text(encoding="utf-8"))


def nominal(name: str) -> float:
    """The nominal value of one default."""
    return float(threat_defaults()[name]["nominal"])
