"""``duel scenario check|new``: validate a scenario file, or write a commented template."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

app = typer.Typer(help="Scenario files: check one, or write a commented template.\n\n"
                       "Examples:\n\n  duel scenario new > my.toml\n\n  duel scenario check my.toml",
                  no_args_is_help=True)


@app.command("check")
def check(file: Annotated[Path, typer.Argument(help="Scenario file (TOML).")],
          set_: Annotated[Optional[list[str]], typer.Option("--set", help="PATH=VALUE: set a model input; repeatable.")] = None) -> None:
    """Validate FILE: schema, catalogue references, battery positions and uncertain inputs (no flight).

    Examples:

      duel scenario check scenarios/kyiv-duel.toml

      duel scenario check my.toml --set interceptor.thaad.sspk=0.8
    """
    from duel.errors import InputError
    from duel.pipeline import check_scenario
    from duel.scenario import in_file, load_scenario

    sc = load_scenario(file)
    try:
        check_scenario(sc, set_ or ())
    except InputError as exc:
        raise in_file(file, exc) from None
    print(f"ok: {file}: '{sc.scenario.name}', {len(sc.batteries)} batteries, {len(sc.uncertain)} uncertain inputs, "
          f"{sc.montecarlo.trials} trials")


@app.command("new")
def new(out: Annotated[Optional[Path], typer.Argument(help="Write here instead of stdout.")] = None) -> None:
    """Write a commented scenario template (to stdout, or to OUT).

    Examples:

      duel scenario new > my.toml

      duel scenario new my.toml
    """
    from importlib.resources import files

    from duel.errors import InputError

    text = files("duel.scenario").joinpath("template.toml").read_text(encoding="utf-8")
    if out is None:
        print(text, end="")
        return
    if out.exists():
        raise InputError(f"{out}: exists; choose another name or remove it")
    out.write_text(text, encoding="utf-8")
    print(f"wrote {out}")
