"""Reading a scenario file: TOML -> :class:`~duel.scenario.schema.Scenario`, every problem one line that names
the file and the key path (``kyiv.toml: batteries[0].magazine: ...``).

An unknown key says which key of that table it is likely a typo of (``threat.misile: unknown key; did you mean
missile?``) or lists the keys allowed there; a battery position that is neither a place, ``LAT,LON`` nor an
offset ``[PLACE]+DISTkm@AZ`` says so with an example.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any, get_origin

from pydantic import BaseModel, ValidationError

from duel.errors import InputError, close_keys, model_in
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


def _allowed_keys(loc: tuple[Any, ...], root: type[BaseModel]) -> list[str]:
    """The keys allowed in the table that holds the last key of ``loc`` in a ``root`` document (empty where it
    is not a known table)."""
    model: type[BaseModel] | None = root
    in_dict = False  # the next string is a key of a dict table (``[uncertain]``), not a field name
    for part in loc[:-1]:
        if isinstance(part, int) or in_dict:
            in_dict = False
            continue
        field = model.model_fields.get(str(part)) if model is not None else None
        if field is None:
            return []
        in_dict = get_origin(field.annotation) is dict
        model = model_in(field.annotation)
    return list(model.model_fields) if model is not None else []


def _message(err: dict[str, Any], root: type[BaseModel]) -> str:
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        allowed = _allowed_keys(tuple(err["loc"]), root)
        return "unknown key" + (close_keys(str(err["loc"][-1]), allowed) if allowed else "")
    if err["type"] == "missing":
        return "required key is missing"
    if "input" in err and err["type"] not in ("model_type",) and not isinstance(err["input"], (dict, list)):
        if str(err["input"]) in msg:
            return msg
        return f"{msg} (got {err['input']!r})"
    return msg


def validation_error(exc: ValidationError, name: str, root: type[BaseModel]) -> InputError:
    """One line for a pydantic error of a ``root`` document read from ``name``: the key path and the problem
    (an unknown key with the likely key it misspells, or the keys allowed there)."""
    errors = exc.errors()
    # a misspelt key also leaves the key it stands for missing: name the typo, the cause, first
    err = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    return InputError(f"{name}: {_loc(err['loc'])}: {_message(err, root)}")


def parse_scenario(data: dict[str, Any], name: str = "scenario") -> Scenario:
    """Validate a parsed TOML document; errors name ``name`` and the key path."""
    try:
        sc = Scenario.model_validate(data)
    except ValidationError as exc:
        raise validation_error(exc, name, Scenario) from None
    for i, battery in enumerate(sc.batteries):
        _check_position(battery.at, f"{name}: batteries[{i}].at")
    return sc


_OFFSET = re.compile(r"^(?P<base>.*?)\+(?P<dist>[0-9]*\.?[0-9]+)\s*km@(?P<az>[-+]?[0-9]*\.?[0-9]+)$", re.I)
_COORDINATES = re.compile(r"^\s*[-+]?[0-9.]+(e[-+]?[0-9]+)?\s*,\s*[-+]?[0-9.]+(e[-+]?[0-9]+)?\s*$", re.I)


def _check_position(text: str, where: str) -> None:
    """A battery position written with '+' or '@' must be an offset ``[PLACE]+DISTkm@AZ`` (or signed LAT,LON);
    places and coordinates themselves are checked against the catalogue later."""
    if ("+" in text or "@" in text) and not (_OFFSET.match(text.strip()) or _COORDINATES.match(text)):
        raise InputError(f"{where}: '{text}' is not a place id, LAT,LON or [PLACE]+DISTkm@AZ "
                         "(e.g. kyiv+15km@90, or +15km@90 from the target)")


def in_file(path: str | Path, exc: InputError) -> InputError:
    """The error prefixed with the scenario file's name (unless it already names it)."""
    msg = str(exc)
    return exc if msg.startswith(str(path)) else InputError(f"{path}: {msg}")


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file; every problem is one :class:`InputError` naming the file."""
    p = Path(path)
    return parse_scenario(read_toml_file(p, "scenario file"), str(p))


def read_toml_file(p: Path, what: str) -> dict[str, Any]:
    """A user's TOML document (a scenario, a sweep spec); a missing, non-UTF-8 or invalid file is one
    :class:`InputError` naming the file."""
    if not p.is_file():
        raise InputError(f"{p}: {what} not found")
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{p}: not a UTF-8 text file") from None
    return read_toml_text(text, str(p))


def read_toml_text(text: str, name: str) -> dict[str, Any]:
    """A TOML document given as text (e.g. sent to the web API); invalid TOML, or tables and arrays nested too
    deep for the parser, is one :class:`InputError` starting with ``name``."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{name}: not valid TOML: {exc}") from None
    except RecursionError:
        raise InputError(f"{name}: tables or arrays nested too deep") from None
