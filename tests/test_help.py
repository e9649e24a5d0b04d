"""Every command's and group's --help renders every option, shows each boolean flag as a flag (typer's own
--help included: no '<bool>'), keeps square brackets that Rich would take for markup, and ends with two or
more examples of that very command."""

from __future__ import annotations

import re

import pytest
import typer
import typer.main

from duel.cli import app

COMMAND = typer.main.get_command(app)


def _is_group(cmd: object) -> bool:
    return hasattr(cmd, "commands")  # typer's groups (its own copy of click: not click.Group)


def _tree(group: typer.core.TyperGroup, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], object]]:
    """Every group (the root included) and every command below it, depth first."""
    out: list[tuple[tuple[str, ...], object]] = [(prefix, group)]
    for name, cmd in group.commands.items():
        out += _tree(cmd, prefix + (name,)) if _is_group(cmd) else [(prefix + (name,), cmd)]
    return out


ALL = _tree(COMMAND)  # type: ignore[arg-type]
LEAVES = [(p, c) for p, c in ALL if not _is_group(c)]
GROUPS = [(p, c) for p, c in ALL if _is_group(c)]


def test_the_tree_is_found() -> None:
    leaves = {p for p, _ in LEAVES}
    assert leaves >= {("run",), ("fly",), ("raid",), ("engage",), ("basing",), ("trials",), ("inputs",), ("need",),
                      ("schema",), ("scenario", "check"), ("catalog", "missiles"), ("catalog", "template"),
                      ("notify", "log", "verify")}
    assert {p for p, _ in GROUPS} >= {(), ("scenario",), ("catalog",), ("notify",), ("notify", "log")}


def _flag_lines(out: str, opts: list[str]) -> list[str]:
    return [ln for ln in out.splitlines() if any(f" {o} " in f"{ln} " for o in opts)]


@pytest.mark.parametrize("path, cmd", ALL, ids=[" ".join(p) or "duel" for p, _ in ALL])
def test_help_renders_every_option_and_examples(duel, path, cmd) -> None:
    r = duel(*path, "--help")
    assert r.code == 0, r.err
    name = " ".join(("duel",) + path)
    options = [p for p in cmd.get_params(typer.Context(cmd)) if p.param_type_name == "option"]
    assert any("--help" in p.opts for p in options)  # typer's own --help is among them
    for p in options:
        lines = _flag_lines(r.out, p.opts)
        assert lines, f"{name}: {p.opts} missing from --help"
        if getattr(p, "is_flag", False):
            assert "<bool>" not in lines[0], f"{name}: the flag {p.opts} shows as <bool>: {lines[0]}"
    text = _flat(r.out)
    assert "Examples:" in text, f"{name}: no examples"
    assert text.count(f"{name} ") >= 2, f"{name}: fewer than two examples of itself"


def _flat(text: str) -> str:
    """Help text without the table's box characters and line breaks."""
    return re.sub(r"[│╭╮╰╯─\s]+", " ", text)


def test_no_help_shows_bool(duel) -> None:
    """The check above can fail: typer labels its own --help '<bool>' unless the CLI says otherwise."""
    for path in ((), ("run",), ("catalog", "missiles"), ("notify", "log", "verify")):
        out = duel(*path, "--help").out
        assert _flag_lines(out, ["--help"]) and "<bool>" not in out, path


def test_square_brackets_survive_markup(duel) -> None:
    assert "[fixed]" in _flat(duel("inputs", "--help").out)
    assert "'.[gpu]'" in _flat(duel("run", "--help").out)


def test_version_is_a_flag(duel) -> None:
    (line,) = [ln for ln in duel("--help").out.splitlines() if "--version" in ln]
    assert "<bool>" not in line


EXIT_SWEEP = """
import atexit, gc
from duel.cli import main
freeze, freezes = gc.freeze, []
gc.freeze = lambda: freezes.append(1) or freeze()  # counted
atexit.register(lambda: print("at exit:", len(freezes), gc.get_freeze_count() > 0))  # runs after main's (last in)
for _ in range(3):  # as the tests call it: nothing frozen before the exit
    try:
        main()
    except SystemExit as exc:
        assert exc.code == 2, exc.code
assert gc.get_freeze_count() == 0 and not freezes
print("before exit: nothing frozen")
"""


def test_the_command_line_leaves_its_objects_out_of_the_exit_sweep() -> None:
    """``duel.cli.main`` has the garbage collector's objects frozen when the process exits, so the interpreter's
    last sweep skips them (0.35-0.5 s after a duel run), and nothing earlier (it also runs inside the tests); an
    error still exits 2 with one line."""
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", EXIT_SWEEP, "raid", "--objects", "0"], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.splitlines() == ["before exit: nothing frozen", "at exit: 1 True"], out.stdout  # frozen once
    assert out.stderr.count("error:") == 3 and out.stderr.count("\n") == 3, out.stderr
