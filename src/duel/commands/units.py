"""Numeric command-line options in a stated unit: ``--burnout-speed 3000``, never ``3km/s``.

``number_in(option, unit)`` is a typer ``parser`` that takes a plain number and refuses anything else, a unit
written after the number included, with one line naming the option and the unit it takes
(``--burnout-speed: a number in m/s, got '3km/s'``). It raises :class:`~duel.errors.OptionValueError`, which
typer does not turn into its usage box; the CLI prints it as one line with exit code 2.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

import typer
from typer.models import OptionInfo

from duel.errors import OptionValueError

_PLAIN_NUMBER = re.compile(r"[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)(e[-+]?[0-9]+)?", re.I)


def number_in(option: str, unit: str) -> Callable[[str | float], float]:
    """A parser for ``option``, a number in ``unit`` (the unit itself is not written)."""

    def parse(value: str | float) -> float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):  # a default, not typed by the user
            return float(value)
        text = str(value).strip()
        if _PLAIN_NUMBER.fullmatch(text) and math.isfinite(float(text)):
            return float(text)
        raise OptionValueError(f"{option}: a number in {unit}, got '{value}'")

    return parse


def unit_option(option: str, unit: str, help: str) -> OptionInfo:
    """A typer option ``option`` that takes a plain number in ``unit``; the help shows it as ``<unit>``."""
    return typer.Option(option, parser=number_in(option, unit), metavar=f"<{unit}>", help=help)
