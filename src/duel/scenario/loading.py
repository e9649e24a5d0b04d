"""Reading a scenario file: TOML -> :class:`~duel.scenario.schema.Scenario`, every problem one line that names
the file and the key path (``kyiv.toml: batteries[0].magazine: ...``)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from duel.errors import InputError
from duel.scenario.schema import Scenario


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
