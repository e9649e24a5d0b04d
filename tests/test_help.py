"""Every command's --help renders every option (our flags as flags, without '<bool>'; typer's own --help still
shows one), keeps square brackets that Rich would take for markup, and ends with examples."""

from __future__ import annotations

import re

import click
import pytest
import typer.main

from duel.cli import app

COMMAND = typer.main.get_command(app)


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], click.Command]]:
    out = []
    for name, cmd in group.commands.items():  # type: ignore[attr-defined]
        if isinstance(cmd, click.Group):
            out += _commands(cmd, prefix + (name,))
        else:
            out.append((prefix + (name,), cmd))
    return out


LEAVES = _commands(COMMAND)  # type: ignore[arg-type]
WITH_EXAMPLES = {("run",), ("fly",), ("raid",), ("engage",), ("basing",), ("trials",), ("inputs",), ("need",)}


def test_the_tree_is_found() -> None:
    assert {p for p, _ in LEAVES} >= WITH_EXAMPLES


@pytest.mark.parametrize("path, cmd", LEAVES, ids=[" ".join(p) for p, _ in LEAVES])
def test_help_renders_every_option(duel, path, cmd) -> None:
    r = duel(*path, "--help")
    assert r.code == 0, r.err
    text = _flat(r.out)
    for p in cmd.params:
        if isinstance(p, click.Option):
            lines = [ln for ln in r.out.splitlines() if any(f" {o} " in f"{ln} " for o in p.opts)]
            assert lines, f"{' '.join(path)}: {p.opts} missing from --help"
            assert "<bool>" not in lines[0], f"{' '.join(path)}: the flag {p.opts} shows as <bool>"
    if path in WITH_EXAMPLES:
        assert "Examples:" in text and text.count(f"duel {' '.join(path)}") >= 2


def _flat(text: str) -> str:
    """Help text without the table's box characters and line breaks."""
    return re.sub(r"[│╭╮╰╯─\s]+", " ", text)


def test_square_brackets_survive_markup(duel) -> None:
    assert "[fixed]" in _flat(duel("inputs", "--help").out)
    assert "'.[gpu]'" in _flat(duel("run", "--help").out)


def test_version_is_a_flag(duel) -> None:
    (line,) = [ln for ln in duel("--help").out.splitlines() if "--version" in ln]
    assert "<bool>" not in line
