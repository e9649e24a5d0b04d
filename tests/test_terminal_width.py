"""Terminal tables stay readable at 80 columns when piped: no line is wider than the terminal and no word is
split across lines ("report ed", "statu s").

Each command runs twice, its output not a terminal (a file, as when piped), with ``COLUMNS=80`` and with
``COLUMNS=400`` (where nothing needs to wrap). Wrapping between words only moves words to the next line, so every
word of the narrow output must be a word of the wide one; a word split in two leaves pieces that are not. Numbers
are left out of the comparison (timings differ between runs), and so are the pieces of web addresses longer than a
line (they cannot fit) and the note naming the columns a narrow terminal leaves out.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from cli_process import run_duel
from conftest import quick_file

ROOT = Path(__file__).resolve().parents[1]
KYIV = str(ROOT / "scenarios" / "kyiv-duel.toml")

COMMANDS = {
    "fly": ["fly", "--missile", "oreshnik", "--from", "kapustin-yar", "--to", "kyiv"],
    "fly burnout": ["fly", "--burnout-speed", "3000", "--from", "kapustin-yar", "--to", "dnipro", "--trajectory",
                    "lofted"],
    "raid": ["raid", "--objects", "36", "--sspk", "0.7", "--shots", "2", "--trials", "2000"],
    "engage": ["engage", "--missile", "oreshnik", "--from", "kapustin-yar", "--to", "kyiv", "--battery",
               "pac-3-mse@kyiv", "--battery", "samp-t-b1nt@+10km@135", "--battery", "thaad@+30km@90"],
    "basing": ["basing", "--sites", "kapustin-yar,krichev", "--targets", "kyiv", "--out", "basing",
               "--claim", "kyiv=4min"],
    "inputs": ["inputs"],
    "inputs grep": ["inputs", "--grep", "thaad"],
    "catalog missiles": ["catalog", "missiles"],
    "catalog places": ["catalog", "places"],
    "catalog sources": ["catalog", "sources"],
    "catalog interceptors": ["catalog", "interceptors"],
    "catalog sensors": ["catalog", "sensors"],
    "need": ["need", KYIV, "--add", "thaad@kyiv", "--add", "shots", "--goal", "p_all_stopped=0.9", "--trials", "16",
             "--max", "2"],
    "trials": ["trials", KYIV, "--trials", "16", "--chunk", "16", "--out", "trials"],
    "run": ["run", KYIV, "--trials", "16", "--out", "run"],
}

_BOX = "\u2500-\u257f"  # box-drawing characters: table borders
_NUMBER = re.compile(r"\d")
_NARROW_NOTE = re.compile(r"Narrow terminal: left out .*?\.(\n|$)", re.S)


def _at_width(args: list[str], columns: int, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``duel ARGS`` run with its output to a file (not a terminal) at ``columns`` columns, in ``cwd``."""
    env = {k: v for k, v in os.environ.items() if k not in ("LINES", "FORCE_COLOR", "TERM")}
    env.update(COLUMNS=str(columns), NO_COLOR="1")
    cwd.mkdir(parents=True, exist_ok=True)
    return run_duel(*args, env=env, cwd=cwd)


def _outputs(args: list[str], tmp_path: Path) -> tuple[str, str]:
    """stdout at 80 and at 400 columns (each run in its own folder)."""
    runs = [_at_width(args, 80, tmp_path / "narrow"), _at_width(args, 400, tmp_path / "wide")]
    for r in runs:
        assert r.returncode == 0, r.stderr
    return runs[0].stdout, runs[1].stdout


def words(text: str) -> set[str]:
    """The words of a terminal text: runs of characters between spaces and table borders."""
    return {w for w in re.split(rf"[\s{_BOX}]+", text) if w}


def split_words(narrow: str, wide: str) -> list[str]:
    """Words of ``narrow`` that are not words of ``wide`` (numbers, pieces of long web addresses and the
    narrow-terminal note aside): the pieces of words split across lines."""
    addresses = [w for w in words(wide) if "://" in w]
    out = []
    for w in words(_NARROW_NOTE.sub("", narrow)) - words(wide):
        if _NUMBER.search(w) or any(w in a for a in addresses):
            continue
        out.append(w)
    return sorted(out)


def test_the_check_finds_a_split_word() -> None:
    wide = "│ id │ status   │ reported range │\n│ a  │ reported │ 300 km         │\n"
    narrow = "│ id │ statu │ report │\n│    │ s     │ ed     │\n│ a  │ repor │ 300 km │\n│    │ ted   │        │\n"
    assert split_words(narrow, wide) == ["ed", "repor", "report", "s", "statu", "ted"]
    assert split_words(wide.replace("reported range", "reported\nrange"), wide) == []


@pytest.mark.parametrize("name", list(COMMANDS))
def test_tables_fit_80_columns_without_split_words(name: str, tmp_path: Path) -> None:
    args = COMMANDS[name]
    if name in ("trials", "need"):  # their tables are the same with small Monte Carlo counts (CI time); run's
        # are not (with small counts no Sobol' index stands out of its noise, and its sentence is left out)
        args = [str(quick_file(tmp_path)) if a == KYIV else a for a in args]
    narrow, wide = _outputs(args, tmp_path)
    assert len(words(wide)) > 20, wide  # the command printed its tables
    too_long = [line for line in narrow.splitlines() if len(line) > 80]
    assert too_long == [], f"{name}: lines wider than 80 columns:\n" + "\n".join(too_long)
    assert split_words(narrow, wide) == [], f"{name}: words split across lines at 80 columns:\n{narrow}"
