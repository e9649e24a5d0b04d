"""Errors that reach the user as one line on stderr and exit code 2.

Raise :class:`InputError` for anything the user (or a data file) got wrong; the message must name the
input (a CLI option, a catalogue file/entry/field, a scenario key path) and the problem. The CLI turns it
into ``error: <message>`` and exit code 2, never a traceback.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class InputError(ValueError):
    """Bad input from the user or a data file; the message names the input and the problem."""


def suggest(name: str, known: Iterable[str], what: str) -> InputError:
    """An :class:`InputError` for an unknown ``name`` of kind ``what``, suggesting close known names."""
    known = sorted(known)
    close = difflib.get_close_matches(name.lower(), known, n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else f"; known: {', '.join(known)}"
    return InputError(f"unknown {what} '{name}'{hint}")
