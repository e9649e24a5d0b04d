"""``duel schema result``: the JSON schema that every result.json validates against."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer

HELP = """Print the JSON schema (draft 2020-12) of a duel document: result, the result.json of 'duel run'.

Examples:

  duel schema result

  duel schema result > result.schema.json
"""


class Kind(str, Enum):
    result = "result"


def schema(kind: Annotated[Kind, typer.Argument(help="Which document: result (result.json of 'duel run').")]) -> None:
    """Print the JSON schema (draft 2020-12) of a duel document."""
    from importlib.resources import files

    print(files("duel.verdict").joinpath("result.schema.json").read_text(encoding="utf-8"), end="")
