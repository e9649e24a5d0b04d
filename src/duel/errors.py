"""Errors that reach the user as one line on stderr and exit code 2.

Raise :class:`InputError` for anything the user (or a data file) got wrong; the message must name the
input (a CLI option, a catalogue file/entry/field, a scenario key path) and the problem. The CLI turns it
into ``error: <message>`` and exit code 2, never a traceback.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, get_args

if TYPE_CHECKING:
    from pydantic import BaseModel

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def one_line(text: str) -> str:
    """``text`` with every control character (newline, tab, ...) written as its escape, e.g. ``\\n``."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


class InputError(ValueError):
    """Bad input from the user or a data file; the message names the input and the problem.

    The message is always one line: control characters that came in with the user's text (a newline inside
    a quoted key, say) are shown escaped, so ``error: ...`` on stderr stays one line.
    """

    def __init__(self, message: str) -> None:
        super().__init__(one_line(str(message)))


class OptionValueError(Exception):
    """A bad command-line option value found while the option is parsed (e.g. ``--burnout-speed 3km/s``).

    Raised by option parsers, where typer would turn a ``ValueError`` (so an :class:`InputError`) into its
    multi-line usage box; the CLI shows it as it shows an :class:`InputError`: one line, exit code 2.
    """

    def __init__(self, message: str) -> None:
        super().__init__(one_line(str(message)))


def close_keys(name: str, allowed: Iterable[str]) -> str:
    """The hint after 'unknown key' for a key ``name`` where ``allowed`` are the keys of that table:
    '; did you mean X?' for a likely typo, else '; allowed: a, b, c'."""
    allowed = list(allowed)
    close = difflib.get_close_matches(name.lower(), allowed, n=1, cutoff=0.6)
    return f"; did you mean {close[0]}?" if close else f"; allowed: {', '.join(allowed)}"


def model_in(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside a field's annotation (``X``, ``X | None``, ``list[X]``, ``dict[str, X]``), if
    any: the table whose keys :func:`close_keys` offers when a key under that field is unknown."""
    if isinstance(annotation, type) and hasattr(annotation, "model_fields"):
        return annotation
    for arg in get_args(annotation):
        found = model_in(arg)
        if found is not None:
            return found
    return None


def suggest(name: str, known: Iterable[str], what: str) -> InputError:
    """An :class:`InputError` for an unknown ``name`` of kind ``what``, suggesting close known names."""
    known = sorted(known)
    close = difflib.get_close_matches(name.lower(), known, n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else f"; known: {', '.join(known)}"
    return InputError(f"unknown {what} '{name}'{hint}")


class FlightBudgetError(InputError):
    """A flight that the integrator could not finish within its step or time budget: inputs outside what the
    model flies (e.g. a ballistic coefficient near zero). One line, like every input error."""
